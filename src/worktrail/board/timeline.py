"""A run's timeline: each status it was in, from when, by whom, and for how long, read from its
change records (its history, oldest first)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from worktrail.board.timefmt import duration
from worktrail.domain.clock import parse_ts


def timeline(records: list[dict[str, Any]], status: str, terminal: frozenset[str], now: datetime) -> list[dict[str, Any]]:
    """The statuses a run went through, oldest first: `{status, at, actor_id, lasted, ongoing}`.
    The first is the status it was created in (the first move's old one, else its status now); the
    last one lasts until now unless the run is over."""
    created = next((r for r in records if r["action"] == "create"), records[0] if records else None)
    moves = [r for r in records if "status" in (r.get("changes") or {})]
    if created is None:
        return []
    first = moves[0]["changes"]["status"][0] if moves else status
    steps = [{"status": first, "at": created["at"], "actor_id": created.get("actor_id")}]
    steps += [{"status": r["changes"]["status"][1], "at": r["at"], "actor_id": r.get("actor_id")} for r in moves]
    for step, after in zip(steps, [*steps[1:], None], strict=True):
        step["ongoing"] = after is None and step["status"] not in terminal
        if after is not None or step["ongoing"]:
            until = parse_ts(after["at"]) if after else now
            step["lasted"] = duration((until - parse_ts(step["at"])).total_seconds())
    return steps
