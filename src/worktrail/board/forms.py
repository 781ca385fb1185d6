"""The action forms a page offers: taken from the lifecycle declarations (the moves allowed from
where the entity stands) and the tools' roles, never written again in a template. Each form
carries an idempotency key of its own, so a double submit is one change."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from worktrail.domain.lifecycles import EXECUTION, MISSION_RUN, TASK, WORKFLOW_RETRY, WORKFLOW_RUN
from worktrail.domain.permissions import may_cancel_task

if TYPE_CHECKING:
    from worktrail.board.view import View


@dataclass(frozen=True)
class Form:
    """One action: where it posts, its button, the hidden values it sends, whether it asks a reason."""

    url: str
    label: str
    values: dict[str, str] = field(default_factory=dict)
    reason: str | None = None  # the label of a reason field, when the action asks for one
    reason_required: bool = False
    danger: bool = False
    key: str = field(default_factory=lambda: uuid.uuid4().hex)


# The moves the lifecycle calls reopening (seed 001: done -> active, canceled -> planned).
REOPEN = {("done", "active"), ("canceled", "planned")}


def task_moves(view: View, task: dict[str, Any]) -> list[Form]:
    """A form for each status the task's lifecycle allows from where it is, cancel only for whom
    may cancel this task (its creator, its assignee, an admin); canceled asks why."""
    url = f"/tasks/{quote(task['id'], safe='')}/move"
    forms = []
    for to in TASK.allowed(task["status"]):
        asks = to == "canceled"
        if asks and not may_cancel_task(view.actor, task):
            continue
        reopens = (task["status"], to) in REOPEN
        label = "Reopen" if reopens else "Cancel" if asks else f"Move to {to}"
        values = {"status": to, "reopen": "1"} if reopens else {"status": to}  # the answer says "Reopened."
        forms.append(Form(url, label, values, "Why cancel it?" if asks else None, asks, asks))
    return forms


# A mission run's moves, each through its own tool (seed 003).
MISSION_ACTS = {"paused": ("pause", "Pause"), "running": ("resume", "Resume"), "cancelled": ("cancel", "Cancel")}


def mission_run_acts(view: View, run: dict[str, Any]) -> list[Form]:
    base = f"/missions/{quote(run['mission_id'], safe='')}/runs/{quote(run['run_id'], safe='')}"
    forms = []
    for to in MISSION_RUN.allowed(run["status"]):
        if to not in MISSION_ACTS or (to == "running" and run["status"] != "paused"):
            continue
        act, label = MISSION_ACTS[to]
        if view.reader.may(f"ts.mrn.{act}"):
            reason = "Why?" if act != "resume" else None
            forms.append(Form(f"{base}/{act}", label, {}, reason, False, act == "cancel"))
    return forms


def workflow_run_acts(view: View, run: dict[str, Any]) -> list[Form]:
    base = f"/workflow-runs/{quote(run['id'], safe='')}"
    forms = []
    if "cancelled" in WORKFLOW_RUN.allowed(run["status"]) and view.reader.may("ts.wrn.update"):
        forms.append(Form(f"{base}/cancel", "Cancel", danger=True))
    if "scheduling" in WORKFLOW_RETRY.allowed(run["status"]) and view.reader.may("ts.wrn.retry"):
        forms.append(Form(f"{base}/retry", "Retry"))
    return forms


def execution_acts(view: View, execution: dict[str, Any]) -> list[Form]:
    if "cancelled" not in EXECUTION.allowed(execution["status"]) or not view.reader.may("ts.exe.cancel"):
        return []
    url = f"/executions/{quote(execution['execution_id'], safe='')}/cancel"
    return [Form(url, "Cancel", {}, "Why?", False, True)]
