"""ts.tsk.claim: take the next ready task, or a named one, for yourself, under a lease (team toolset)."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator, Field

from worktrail.domain import leases
from worktrail.tools.context import Call
from worktrail.tools.declaration import tool
from worktrail.tools.params import Id, Params
from worktrail.tools.results import Result
from worktrail.tools.tasks.tasks import TaskShown


def _check_lease(text: str) -> str:
    leases.lease_seconds(text)
    return text


Lease = Annotated[str, Field(min_length=1, max_length=16), AfterValidator(_check_lease)]

CLAIM_DESCRIPTION = f"""In one transaction: takes the ready task created earliest (ties by id), within endeavour_id if \
given, or the task named by id; assigns it to you, moves it to active (started_at, change record) and leases it \
to you for lease (default {leases.DEFAULT}, at least 5s). Ready: planned, and every task it depends on (ts.rel) done. \
Racing claimers never get the same task.

The lease: any write of yours to the task (ts.tsk.update, or ts.tsk.claim with its id) renews it for as long again; \
others' writes do not. It ends when the task leaves active. If it runs out, the stale-run sweep puts the task back \
to planned, unassigned. The task shows lease_holder_id and lease_expires_at while leased.

Answers {{task}} as ts.tsk.get shows it; {{task: null}} when nothing is ready (not an error).
Errors: conflict (details.reason: held by another, not_ready with its status, blocked with blocked_by); not_found."""


class TaskClaim(Params):
    endeavour_id: Id = Field(None, description="Only a task of this endeavour.")
    lease: Lease = Field(None, description=f'How long the task stays yours without a write of yours, e.g. "10m" '
                                           f'(default {leases.DEFAULT}; at least "5s").')  # fmt: skip
    id: Id = Field(None, description="Claim this task instead (yours already: its lease is renewed).")


def _nullable(schema: dict[str, Any]) -> None:
    """`task` is the task or null: said as oneOf, which the schemas' cleaning keeps (it drops an
    optional field's null branch from anyOf)."""
    schema["oneOf"] = schema.pop("anyOf")


class Claimed(Result):
    task: TaskShown | None = Field(json_schema_extra=_nullable)

    @property
    def KEEP_NULLS(self) -> bool:  # noqa: N802  # the name answers.dump reads
        """`task: null` when nothing was ready; a task leaves its empty fields out, as ts.tsk.get's does."""
        return self.task is None


@tool("ts.tsk.claim", params=TaskClaim, result=Claimed, toolset="team", min_role="member",
      summary="Take the next ready task (or the one named) for yourself, leased; null when none is ready.",
      description=CLAIM_DESCRIPTION)  # fmt: skip
async def claim_task(call: Call, p: TaskClaim) -> Claimed:
    seconds = leases.lease_seconds(p.lease) if p.lease else None
    found = await call.store.claims.claim(call.origin(), call.me, p.id, p.endeavour_id, seconds)
    return Claimed(task=None if found is None else TaskShown(**found))


TOOLS = (claim_task,)
