"""ts.run.list: every run of every kind in one list, so an agent asks "what is running now?" once."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from worktrail.domain.lifecycle import COMMON
from worktrail.store.runs import BY_KIND
from worktrail.tools.context import Call
from worktrail.tools.declaration import tool
from worktrail.tools.params import ListParams
from worktrail.tools.results import Result

Kind = Literal[tuple(BY_KIND)]  # type: ignore[valid-type]
Common = Literal[COMMON]  # type: ignore[valid-type]

DESCRIPTION = """Ritual runs, mission runs, workflow runs and executions together, newest first. status is \
the one all runs share: queued (mission pending, workflow scheduling), running, paused, succeeded (ritual \
succeeded or skipped, workflow success, execution completed), failed (workflow error), cancelled, \
interrupted (execution); native_status is the run's own. {status: "running"} answers what is running now."""


class RunList(ListParams):
    kind: Kind = Field(None, description="Only this kind of run.")
    status: Common = Field(None, description="Only runs with this shared status.")


class Run(Result):
    kind: Kind
    id: str
    status: Common
    native_status: str = Field(description="The status in the run's own lifecycle.")
    parent_id: str = Field(description="Its ritual, mission, workflow or config_id.")
    started_at: str | None = Field(None, description="Absent until it starts (a queued workflow run).")
    updated_at: str
    last_heartbeat_at: str | None = Field(None, description="Its last ts.run.heartbeat, if any.")


class RunPage(Result):
    runs: list[Run]
    total: int


@tool("ts.run.list", params=RunList, result=RunPage, toolset="core",
      summary="List runs of every kind, newest first, with one shared status.", description=DESCRIPTION)  # fmt: skip
async def list_runs(call: Call, p: RunList) -> RunPage:
    runs, total = await call.store.all_runs.list(p.kind, p.status, p.limit, p.offset)
    return RunPage(runs=[Run(**r) for r in runs], total=total)


TOOLS = (list_runs,)
