"""ts.name.list: what to call the ids a page or an agent holds, in one call: a person's name, a
task's title, a run as what it runs and its ordinal there ("Nightly triage", run 3)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from worktrail.store.names import NAMED
from worktrail.store.runs import BY_KIND
from worktrail.tools.context import Call
from worktrail.tools.declaration import tool
from worktrail.tools.params import Id, Params
from worktrail.tools.results import Result

Kind = Literal[(*(kind for kind, _, _ in NAMED), *BY_KIND)]  # type: ignore[valid-type]

DESCRIPTION = """Resources, endeavours, tasks, rituals, missions, workflows and runs of every kind, by id. \
A run is named by its ritual's, mission's or workflow's name (an execution by its config_id), with its \
number among that parent's runs, 1 for the first created. Ids that name nothing are left out."""


class NameList(Params):
    ids: list[Id] = Field(min_length=1, max_length=500, description="The ids to name (up to 500).")


class Named(Result):
    id: str
    kind: Kind
    name: str = Field(description="A resource's, endeavour's or parent's name; a task's title.")
    parent_id: str | None = Field(None, description="A run's ritual, mission, workflow or config_id.")
    number: int | None = Field(None, description="A run's ordinal among its parent's runs, from 1.")


class NamePage(Result):
    names: list[Named]


# in `admin` beside the audit trail, whose ids it names (core's tool list has no room to spare); the board has every tool
@tool("ts.name.list", params=NameList, result=NamePage, toolset="admin",
      summary="Name entities by id: people, tasks, and runs as what they run (run 3 of a ritual).",
      description=DESCRIPTION)  # fmt: skip
async def list_names(call: Call, p: NameList) -> NamePage:
    return NamePage(names=[Named(**n) for n in await call.store.names.of(p.ids)])


TOOLS = (list_names,)
