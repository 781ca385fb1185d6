"""A task on the board: its page (description as Markdown, fields by name, history), the form to
edit every field `ts.tsk.update` takes, and the page to create one (`ts.tsk.create`). Each form
goes through the tool as the person; a refused one comes back as typed, the tool's message by
each field; a task changed by someone else meanwhile (`conflict`) is said with what changed, and
nothing is overwritten."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from starlette.responses import RedirectResponse, Response

from worktrail.board.cards import overdue
from worktrail.board.edits import NUMBERS, Typed, argument, refused, submit, typed
from worktrail.board.forms import Form, task_moves
from worktrail.board.pages import history_of, named
from worktrail.board.view import View

CREATE_FIELDS = ("title", "description", "endeavour_id", "assignee_id", "estimate", "due_date")
EDIT_FIELDS = ("title", "description", "endeavour_id", "assignee_id", "estimate", "actual", "due_date")
# What a field is called on the page, and in "what changed" after a conflict.
LABELS = {"title": "Title", "description": "Description", "endeavour_id": "Endeavour", "assignee_id": "Assignee",
          "estimate": "Estimate (hours)", "actual": "Actual (hours)", "due_date": "Due date", "status": "Status",
          "canceled_reason": "Why canceled", "metadata": "Metadata"}  # fmt: skip
# How many endeavours and people a form offers to choose from (the tools' page size).
CHOICES = 200


def _path(task_id: str) -> str:
    return f"/tasks/{quote(task_id, safe='')}"


def shown_value(task: dict[str, Any], name: str) -> str:
    """A field of the task as its form shows it (numbers as people write them)."""
    value = task.get(name)
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


async def choices(view: View) -> dict[str, Any]:
    """The endeavours a task may join (not archived) and the active people it may be given to, as
    (id, name), in one read (`ts.edv.list` reads every field of each, which a form does not need)."""
    endeavours, people = await view.board.store.board_names.choices(CHOICES)
    return {"endeavours": endeavours, "people": people}


def lifecycle_forms(view: View, task: dict[str, Any]) -> list[Form]:
    """Moves, reopen and cancel as the lifecycle and the person allow (a viewer: none)."""
    if not view.reader.may("ts.tsk.update"):
        return []
    return task_moves(view, task)


async def render_task(view: View, task_id: str, form: Typed | None = None, version: str | None = None) -> Response:
    """The task's page; with `form`, the edit form as it was typed (at `version`) and what the tool said."""
    task = await view.reader.ok("ts.tsk.get", id=task_id)
    names = await view.board.store.board_names.names([task.get("endeavour_id"), task.get("assignee_id"),
                                                      task.get("creator_id"), task.get("lease_holder_id")])  # fmt: skip
    archived = False
    if task.get("endeavour_id"):
        archived = (await view.reader.ok("ts.edv.get", id=task["endeavour_id"]))["status"] == "archived"
    context: dict[str, Any] = {}
    if view.reader.may("ts.tsk.update") and not archived:
        context = await choices(view)
        context["edit"] = form or Typed({n: shown_value(task, n) for n in EDIT_FIELDS})
        context["version"] = version or task["version"]
    conflict = None
    if form is not None and form.code == "conflict" and isinstance(form.details, dict):
        conflict = [LABELS.get(n, n) for n in form.details.get("changed_fields_since") or []]
        form.message = None  # the conflict says it, with what changed
    history = await history_of(view, task_id)
    # who changed it, and the tasks it waits for, by name
    history_names = await named(view, history["records"], more=task.get("blocked_by") or [])
    return view.render("task.html", form.status if form else None, task=task, names=names,
                       overdue=overdue(task, view.now), forms=lifecycle_forms(view, task), archived=archived,
                       conflict=conflict, labels=LABELS, history=history, history_names=history_names, **context)  # fmt: skip


async def task_page(view: View) -> Response:
    return await render_task(view, view.request.path_params["id"])


async def edit_task(view: View) -> Response:
    """Save the edit form with the version the page was rendered at: a change made meanwhile is
    refused (`conflict`), never overwritten. Every field is sent as typed (the same arguments
    whenever the form is sent again, so its key replays the first answer), but a number left
    empty, which `ts.tsk.update` cannot clear; a form that changes nothing makes no call."""
    task_id = view.request.path_params["id"]
    posted = await view.request.form()
    form = typed(posted, EDIT_FIELDS)
    version = str(posted.get("expected_version") or "")
    arguments: dict[str, Any] = {"id": task_id}
    arguments.update({n: argument(n, t) for n, t in form.values.items() if t.strip() or n not in NUMBERS})
    if version.isdigit():
        arguments["expected_version"] = int(version)
        current = await view.reader.ok("ts.tsk.get", id=task_id)
        if current["version"] == int(version) and all(argument(n, shown_value(current, n)) == v
                                                      for n, v in arguments.items() if n in EDIT_FIELDS):  # fmt: skip
            return RedirectResponse(f"{_path(task_id)}?done=unchanged", status_code=303)
    outcome = await submit(view, "ts.tsk.update", arguments, clears=True)
    if outcome.is_error:
        return await render_task(view, task_id, refused(form, outcome), version)
    again = "&again=1" if outcome.replayed else ""
    return RedirectResponse(f"{_path(task_id)}?done=saved{again}", status_code=303)


async def new_task_page(view: View, form: Typed | None = None) -> Response:
    if not view.reader.may("ts.tsk.create"):
        return view.render("error.html", 403, code="forbidden", message="Creating a task needs a member or more.")
    endeavour = view.request.query_params.get("endeavour_id", "")
    shown = form or Typed({n: endeavour if n == "endeavour_id" else "" for n in CREATE_FIELDS})
    return view.render("task_new.html", form.status if form else None, edit=shown, labels=LABELS,
                       **await choices(view))  # fmt: skip


async def create_task(view: View) -> Response:
    form = typed(await view.request.form(), CREATE_FIELDS)
    arguments = {name: argument(name, text) for name, text in form.values.items()}
    outcome = await submit(view, "ts.tsk.create", arguments)
    if outcome.is_error:
        return await new_task_page(view, refused(form, outcome))
    again = "&again=1" if outcome.replayed else ""
    return RedirectResponse(f"{_path(outcome.payload['id'])}?done=created{again}", status_code=303)
