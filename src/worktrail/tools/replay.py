"""A call with an idempotency key: its effect once, however often and from wherever it is sent.

The key is looked up first, inside one held write transaction (see store/held.py): a repeat with
the same arguments gets the first call's answer and writes nothing; the same key with other
arguments is `conflict`. Otherwise the call runs as usual, its writes join that transaction, and
its answer is kept in the same COMMIT. A refusal rolls everything back and keeps nothing, so the
caller may fix the call and send it again with the same key. A repeat that arrives while the
first is still running waits for it (this process's write lock, or SQLite's across processes).
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Any

from worktrail.domain.actor import Actor
from worktrail.domain.clock import format_ts
from worktrail.domain.errors import ToolError
from worktrail.store import replays
from worktrail.store.checks import FirstHopCheck, checked_first
from worktrail.store.held import HoldTimeout
from worktrail.store.keys import check_session
from worktrail.tools.call_options import CallOptions, digest
from worktrail.tools.context import Call, Session

if TYPE_CHECKING:
    from worktrail.tools.registry import Answer, Registry, Tool


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


async def run_keyed(
    registry: Registry,
    spec: Tool,
    sent: dict[str, Any],
    arguments: dict[str, Any],
    options: CallOptions,
    session: Session,
    actor: Actor,
) -> Answer:
    """Run a keyed call (`sent`: every argument as sent; `arguments`: the handler's)."""
    from worktrail.tools.registry import Answer, dump  # the registry imports this module

    assert options.idempotency_key is not None
    scope = replays.Scope(actor.resource_id, spec.name, options.idempotency_key)
    wanted = digest(sent)
    now = registry.clock.now()
    at, kept_since = format_ts(now), format_ts(now - registry.idempotency_ttl)
    db = registry.store.db
    try:
        async with db.hold(registry.in_progress_seconds):
            # First thing in the transaction: the session's key, then this idempotency key.
            with checked_first(FirstHopCheck(partial(check_session, actor=actor))):
                stored = await db.write(lambda conn: replays.find(conn, scope, kept_since))
            if stored is not None:
                if stored.digest != wanted:
                    raise _reused(spec.name, stored)
                return Answer(stored.answer, replayed=True)
            params = registry.prepare(spec, arguments, actor)
            call = Call(spec.name, registry.store, session, actor, at, registry.serving)
            payload = dump(await registry.handle(spec, call, params, arguments, options))
            await db.commit_held(lambda conn: replays.save(conn, scope, wanted, payload, at))
            return Answer(payload)
    except HoldTimeout:
        raise _in_progress(registry.in_progress_seconds) from None
    except ToolError as refused:
        if isinstance(refused.details, dict) and refused.details.get("reason") == "database_busy":
            raise _in_progress(registry.in_progress_seconds) from None
        raise
