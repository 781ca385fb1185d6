"""A call with an idempotency key: its effect once, however often and from wherever it is sent.

The key is looked up first, inside one held write transaction (see store/held.py): a repeat with
the same arguments gets the first call's answer and writes nothing; the same key with other
arguments is `conflict`. Otherwise the call runs as usual, its writes join that transaction, and
its answer is kept in the same COMMIT. A refusal rolls everything back and keeps nothing, so the
caller may fix the call and send it again with the same key. A repeat that arrives while the
first is still running waits for it (this process's write lock, or SQLite's across processes).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from worktrail.domain.actor import Actor
from worktrail.domain.clock import format_ts
from worktrail.domain.errors import ToolError
from worktrail.store import replays
from worktrail.store.checks import FirstHopCheck, checked_first
from worktrail.store.database import Database
from worktrail.store.held import HoldTimeout
from worktrail.store.resources.keys import check_session
from worktrail.tools.answers import Answer
from worktrail.tools.call_options import digest


def _reused(tool: str, stored: replays.Stored) -> ToolError:
    return ToolError(
        "conflict",
        "This idempotency_key was used for a different request: send the same arguments to get its "
        "answer again, or a new key for a new request.",
        {"reason": "idempotency_key_reused", "tool": tool, "first_used_at": stored.created_at},
    )


def _in_progress(wait_seconds: float) -> ToolError:
    return ToolError(
        "conflict",
        f"A call with this idempotency_key (or another write) has held the ledger for over {wait_seconds:g} s; "
        "nothing was done. Call again with the same key to get its answer.",
        {"reason": "idempotency_in_progress", "retry_after_ms": 1000},
    )


@dataclass(frozen=True)
class Keeping:
    """How keyed calls are kept: for how long, and how long a repeat waits for the first."""

    ttl: timedelta
    in_progress_seconds: float


async def run_keyed(
    db: Database,
    keeping: Keeping,
    now: datetime,
    tool: str,
    sent: dict[str, Any],
    key: str,
    actor: Actor,
    work: Callable[[str], Awaitable[dict[str, Any]]],
) -> Answer:
    """Run a keyed call: `sent` is every argument as sent, `key` its idempotency key, and
    `work(at)` the call itself (validation, role, handler), answering its payload."""
    scope = replays.Scope(actor.resource_id, tool, key)
    wanted = digest(sent)
    at, kept_since = format_ts(now), format_ts(now - keeping.ttl)
    try:
        async with db.hold(keeping.in_progress_seconds):
            # First thing in the transaction: the session's key, then this idempotency key.
            with checked_first(FirstHopCheck(partial(check_session, actor=actor))):
                stored = await db.write(lambda conn: replays.find(conn, scope, kept_since))
            if stored is not None:
                if stored.digest != wanted:
                    raise _reused(tool, stored)
                return Answer(stored.answer, replayed=True)
            payload = await work(at)
            await db.commit_held(lambda conn: replays.save(conn, scope, wanted, payload, at))
            return Answer(payload)
    except HoldTimeout:
        raise _in_progress(keeping.in_progress_seconds) from None
    except ToolError as refused:
        if isinstance(refused.details, dict) and refused.details.get("reason") == "database_busy":
            raise _in_progress(keeping.in_progress_seconds) from None
        raise
