"""Nothing stays "running" forever, nor held by a claimant that is gone: the serving processes
(instances) keep a heartbeat, and the sweep moves runs that nobody touches any more along their
lifecycle's declared stale move, and puts back the claimed tasks whose lease ran out (tasks/leases.py).

An execution is tied to the process that started it: it is interrupted when that process is gone
(no heartbeat within the instance time to live) and the execution itself has been quiet for a
while. Other runs go stale on their own quiet alone. Each move is a compare-and-set in the
sweep's one transaction, so several processes may sweep at once and nothing is done twice.
"""

from __future__ import annotations

import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from worktrail.domain.clock import format_ts
from worktrail.domain.durations import parse_duration, shown
from worktrail.domain.errors import ToolError
from worktrail.domain.lifecycle import Lifecycle
from worktrail.domain.lifecycles import EXECUTION, MISSION_RUN, RITUAL_RUN, WORKFLOW_RUN
from worktrail.store.audit import Origin
from worktrail.store.connection import Connection
from worktrail.store.database import Database
from worktrail.store.moves import apply_update
from worktrail.store.rows import as_dict
from worktrail.store.tasks import leases
from worktrail.store.workflows import secrets


@dataclass(frozen=True)
class Durations:
    """The serving process's settings for the sweep (never stored in the ledger)."""

    instance_ttl: timedelta = parse_duration("30s")
    sweep_every: timedelta = parse_duration("60s")
    execution_stale_after: timedelta = parse_duration("2m")
    stale_after: timedelta = parse_duration("1h")

    def shown(self) -> dict[str, str]:
        """Each duration as the help and the command line write it (`2m`, `1h`)."""
        return {k: shown(v) for k, v in vars(self).items()}


@dataclass(frozen=True)
class StaleRule:
    """How one kind of run goes stale: its table, its lifecycle (whose `stale` says where to),
    whether its process must be gone too, and how the reason is written into its error."""

    kind: str
    table: str
    lifecycle: Lifecycle
    json_columns: tuple[str, ...]
    bound_to_instance: bool
    error: Callable[[dict[str, Any], str], dict[str, Any]]
    # What else goes when a run of this kind ends (a workflow run's secrets).
    ended: Callable[[Connection, str], Awaitable[None]] | None = None


RULES = (
    StaleRule("execution", "execution", EXECUTION, ("error_info",), True, lambda row, why: {}),
    StaleRule("ritual_run", "ritual_run", RITUAL_RUN, ("error",), False,
              lambda row, why: {"error": {"code": "interrupted", "message": why}}),
    StaleRule("mission_run", "mission_run", MISSION_RUN, ("error",), False, lambda row, why: {"error": why}),
    StaleRule("workflow_run", "workflow_run", WORKFLOW_RUN, ("error",), False,
              lambda row, why: {"error": [*(row["error"] or []), why]}, secrets.erase),
)  # fmt: skip
BY_KIND = {rule.kind: rule for rule in RULES}

# What counts as a run's last activity: its last write, or its last heartbeat.
_ACTIVITY = "CASE WHEN heartbeat_at > updated_at THEN heartbeat_at ELSE updated_at END"  # the later of the two


async def _candidates(conn: Connection, rule: StaleRule, now: datetime, durations: Durations) -> list[dict[str, Any]]:
    quiet_since = now - (durations.execution_stale_after if rule.bound_to_instance else durations.stale_after)
    states = list(rule.lifecycle.stale)
    where = [f"status IN ({', '.join('?' for _ in states)})", f"{_ACTIVITY} < ?"]
    params: list[Any] = [*states, format_ts(quiet_since)]
    if rule.bound_to_instance:
        where.append("(instance_id IS NULL OR instance_id NOT IN (SELECT id FROM instance WHERE heartbeat_at >= ?))")
        params.append(format_ts(now - durations.instance_ttl))
    rows = await conn.fetchall(f"SELECT * FROM {rule.table} WHERE {' AND '.join(where)} ORDER BY created_at", params)
    found = []
    for row in rows:
        item = as_dict(row, rule.json_columns)
        assert item is not None
        item["_quiet_since"] = max(item["updated_at"], item.get("heartbeat_at") or item["updated_at"])
        found.append(item)
    return found


def _reason(rule: StaleRule, row: dict[str, Any], durations: Durations) -> str:
    if rule.bound_to_instance:
        return (f"interrupted: the process that ran it is gone (no heartbeat for {shown(durations.instance_ttl)}) and it "
                f"has been quiet since {row['_quiet_since']}")  # fmt: skip
    return f"stale: no write or heartbeat since {row['_quiet_since']} (over {shown(durations.stale_after)})"


async def stale(conn: Connection, now: datetime, durations: Durations) -> list[dict[str, Any]]:
    """What a sweep would change now, and why: `[{kind, id, from, to, reason}]`."""
    found = []
    for rule in RULES:
        for row in await _candidates(conn, rule, now, durations):
            to = rule.lifecycle.stale[row["status"]]
            found.append({"kind": rule.kind, "id": row["id"], "from": row["status"], "to": to,
                          "reason": _reason(rule, row, durations)})  # fmt: skip
    return found + await leases.stale(conn, now)


async def sweep(conn: Connection, origin: Origin, now: datetime, durations: Durations) -> list[dict[str, Any]]:
    """Move every stale run along its declared stale move, with its change record; answer what moved."""
    changed = []
    for rule in RULES:
        for row in await _candidates(conn, rule, now, durations):
            to = rule.lifecycle.stale[row["status"]]
            why = _reason(rule, row, durations)
            changes = {"status": to, **rule.error(row, why)}
            try:
                await apply_update(conn, origin, rule.table, rule.lifecycle, row, changes, rule.json_columns,
                             action="sweep", noted={"reason": [None, why]})  # fmt: skip
            except ToolError:  # moved by someone else in the meantime: theirs stands
                continue
            if to in rule.lifecycle.terminal:
                if rule.ended is not None:
                    await rule.ended(conn, row["id"])
            changed.append({"kind": rule.kind, "id": row["id"], "from": row["status"], "to": to, "reason": why})
    return changed + await leases.sweep(conn, origin, now)


async def heartbeat(
    conn: Connection, kind: str, run_id: str, at: str, extra: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Note that a run is alive (no version, no change record: activity, not a change)."""
    rule = BY_KIND[kind]
    row = await conn.fetchone(f"SELECT id, status FROM {rule.table} WHERE id = ?", (run_id,))
    if row is None:
        raise ToolError("not_found", f"No {kind.replace('_', ' ')} with id {run_id!r}.", {"kind": kind, "id": run_id})
    if row["status"] not in rule.lifecycle.stale:
        raise ToolError(
            "invalid_transition",
            f"The {kind.replace('_', ' ')} {run_id} is {row['status']}: only a live one takes heartbeats.",
            {"current_status": row["status"], "live_statuses": list(rule.lifecycle.stale)},
        )
    sets = ", ".join(["heartbeat_at = ?", *(f"{k} = ?" for k in (extra or {}))])
    await conn.execute(f"UPDATE {rule.table} SET {sets} WHERE id = ?", [at, *(extra or {}).values(), run_id])
    return {"kind": kind, "id": run_id, "status": row["status"], "heartbeat_at": at}


class Recovery:
    """Instances and the sweep, for the serving process and the tools."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def register(self, instance_id: str, pid: int, at: str) -> None:
        await self.db.write(lambda conn: conn.execute(
            "INSERT INTO instance (id, pid, host, started_at, heartbeat_at) VALUES (?, ?, ?, ?, ?)",
            (instance_id, pid, socket.gethostname(), at, at),
        ))  # fmt: skip

    async def beat(self, instance_id: str, at: str) -> None:
        await self.db.write(lambda conn: conn.execute(
            "UPDATE instance SET heartbeat_at = ? WHERE id = ?", (at, instance_id)))  # fmt: skip

    async def remove(self, instance_id: str) -> None:
        await self.db.write(lambda conn: conn.execute("DELETE FROM instance WHERE id = ?", (instance_id,)))

    async def alive(self, now: datetime, instance_ttl: timedelta) -> list[dict[str, Any]]:
        """The serving processes with a heartbeat within `instance_ttl`, the latest first."""

        async def read(conn: Connection) -> list[dict[str, Any]]:
            rows = await conn.fetchall("SELECT id, pid, host, heartbeat_at FROM instance WHERE heartbeat_at >= ? "
                                       "ORDER BY heartbeat_at DESC", [format_ts(now - instance_ttl)])  # fmt: skip
            return [dict(row) for row in rows]

        return await self.db.read(read)

    async def stale(self, now: datetime, durations: Durations) -> list[dict[str, Any]]:
        return await self.db.read(lambda conn: stale(conn, now, durations))

    async def sweep(self, origin: Origin, now: datetime, durations: Durations) -> list[dict[str, Any]]:
        return await self.db.write(lambda conn: sweep(conn, origin, now, durations), patient=True)

    async def heartbeat(self, kind: str, run_id: str, at: str, extra: dict[str, Any] | None = None) -> dict[str, Any]:
        return await self.db.write(lambda conn: heartbeat(conn, kind, run_id, at, extra))
