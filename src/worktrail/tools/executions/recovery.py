"""ts.run.*: keep any run alive with a heartbeat, see what a sweep would change, sweep now."""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated, Literal

from pydantic import Field

from worktrail.domain.clock import parse_ts
from worktrail.domain.durations import parse_duration
from worktrail.store.recovery import BY_KIND
from worktrail.store.tasks.leases import KIND as LEASED
from worktrail.tools.context import Call
from worktrail.tools.declaration import tool
from worktrail.tools.params import NoParams, Params
from worktrail.tools.results import Result

Kind = Literal[tuple(BY_KIND)]  # type: ignore[valid-type]
# What a sweep moves: the runs, and the tasks whose lease ran out (store/tasks/leases.py).
SweptKind = Literal[(*BY_KIND, LEASED)]  # type: ignore[valid-type]


class HeartbeatParams(Params):
    kind: Kind = Field(description="ritual_run, mission_run, workflow_run or execution.")
    id: Annotated[str, Field(min_length=1, max_length=128)] = Field(description="The run's ID.")


class StaleParams(Params):
    older_than: Annotated[str, Field(pattern=r"^[1-9][0-9]{0,6}[smhdw]$")] = Field(
        None, description='Quiet for longer than this counts as stale, e.g. "30m" (instead of --stale-after).'
    )


class Beat(Result):
    kind: Kind
    id: str
    status: str
    heartbeat_at: str


class Change(Result):
    kind: SweptKind
    id: str
    from_: str = Field(serialization_alias="from")
    to: str
    reason: str


class StaleList(Result):
    candidates: list[Change]
    durations: dict[str, str]


class Swept(Result):
    changed: list[Change]


@tool("ts.run.heartbeat", params=HeartbeatParams, result=Beat, toolset="core", min_role="member",
      summary="Tell worktrail a long run is alive, so the stale-run sweep leaves it alone.")  # fmt: skip
async def heartbeat(call: Call, p: HeartbeatParams) -> Beat:
    return Beat(**await call.store.recovery.heartbeat(p.kind, p.id, call.now))


@tool("ts.run.stale", params=StaleParams, result=StaleList, toolset="admin",
      summary="What a sweep would change now and why (changes nothing), with the durations in effect.")  # fmt: skip
async def list_stale(call: Call, p: StaleParams) -> StaleList:
    durations = call.serving.durations
    if p.older_than:
        durations = replace(durations, stale_after=parse_duration(p.older_than))
    found = await call.store.recovery.stale(parse_ts(call.now), durations)
    return StaleList(candidates=[Change(from_=c.pop("from"), **c) for c in found], durations=durations.shown())


# Not replayed from a key: a sweep changes only what is stale at that moment, so run it again instead.
@tool("ts.run.sweep", params=NoParams, result=Swept, toolset="admin", min_role="admin", replayable=False,
      summary="Sweep now: interrupt executions whose process is gone, fail runs stale for too long, "
              "put back tasks whose lease ran out.")  # fmt: skip
async def sweep(call: Call, p: NoParams) -> Swept:
    changed = await call.store.recovery.sweep(call.origin(), parse_ts(call.now), call.serving.durations)
    return Swept(changed=[Change(from_=c.pop("from"), **c) for c in changed])


TOOLS = (heartbeat, list_stale, sweep)
