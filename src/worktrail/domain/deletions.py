"""What every delete asks beyond its tool's role, as data: one rule for who (an owner or admin, or
the entity's creator) and, per kind, which runs must have ended first and the call that ends one.
The store checks it against the entity as stored, in the delete's own transaction."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from worktrail.domain import lifecycles
from worktrail.domain.actor import Actor
from worktrail.domain.errors import ToolError
from worktrail.domain.lifecycle import Lifecycle
from worktrail.domain.permissions import check_may_delete

# How many of the runs in the way a refusal names.
NAMED_RUNS = 20


@dataclass(frozen=True)
class Deletion:
    """One kind of entity a tool deletes. `unfinished`: the statuses of its runs (of the entity
    itself when `is_run`) that refuse the delete; `end_with`: the tool and arguments that end such
    a run, `{run_id}` and `{entity_id}` standing for the ids."""

    tool: str
    kind: str
    unfinished: tuple[str, ...] = ()
    end_with: tuple[str, Mapping[str, Any]] | None = None
    reason: str = "unfinished_runs"
    is_run: bool = False

    def ending(self, entity_id: str, run_id: str) -> dict[str, Any]:
        """The call that ends one run in the way: `{tool, arguments}`."""
        assert self.end_with is not None
        tool, arguments = self.end_with
        ids = {"{run_id}": run_id, "{entity_id}": entity_id}
        return {"tool": tool, "arguments": {k: ids.get(v, v) for k, v in arguments.items()}}


def unfinished(lifecycle: Lifecycle) -> tuple[str, ...]:
    """A run kind's states that are not final, in the lifecycle's order."""
    return tuple(s for s in lifecycle.states if s not in lifecycle.terminal)


CANCEL_WORKFLOW_RUN = ("ts.wrn.update", {"id": "{run_id}", "status": "cancelled"})
WORKFLOW_RUNNING = unfinished(lifecycles.WORKFLOW_RUN)
WORKFLOW = Deletion("ts.wfl.delete", "workflow", WORKFLOW_RUNNING, CANCEL_WORKFLOW_RUN, "active_runs")
WORKFLOW_RUN = Deletion("ts.wrn.delete", "workflow run", WORKFLOW_RUNNING, CANCEL_WORKFLOW_RUN, "run_not_final",
                        is_run=True)  # fmt: skip
ATTACHMENT = Deletion("ts.att.delete", "attachment")
MISSION = Deletion("ts.msn.delete", "mission", unfinished(lifecycles.MISSION_RUN),
                   ("ts.mrn.cancel", {"mission_id": "{entity_id}", "run_id": "{run_id}"}))  # fmt: skip
RELATION = Deletion("ts.rel.delete", "relation")

# Every delete tool by name: a delete tool without an entry is a test failure (test_roles.py).
DELETIONS = {d.tool: d for d in (WORKFLOW, WORKFLOW_RUN, ATTACHMENT, MISSION, RELATION)}


def check_delete(
    actor: Actor, deletion: Deletion, entity: Mapping[str, Any], busy: Sequence[tuple[str, str]] = ()
) -> None:
    """Every delete's one check: who may (`forbidden`), then no unfinished run in the way
    (`conflict`). `busy` is (run id, status) of each unfinished run, oldest first (the entity's own
    status when it is a run); the refusal names them and the call that ends each."""
    check_may_delete(actor, entity, deletion.kind)
    entity_id = entity["id"]
    if not busy:
        return
    endings = [deletion.ending(entity_id, run_id) for run_id, _ in busy[:NAMED_RUNS]]
    how = f"{endings[0]['tool']} {json.dumps(endings[0]['arguments'])}"
    details: dict[str, Any] = {"reason": deletion.reason, "statuses": list(deletion.unfinished)}
    if deletion.is_run:
        status = busy[0][1]
        message = f"{deletion.kind.capitalize()} {entity_id} is {status}, not final; end it first with {how}."
        details.update(current_status=status, end_with=endings[0])
    else:
        message = (f"{deletion.kind.capitalize()} {entity_id} has {len(busy)} unfinished run(s); end each first "
                   f"(e.g. {how}), then delete it.")  # fmt: skip
        details.update(run_ids=[run_id for run_id, _ in busy[:NAMED_RUNS]], end_with=endings)
    raise ToolError("conflict", message, details)
