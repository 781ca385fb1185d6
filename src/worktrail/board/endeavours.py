"""Endeavours on the board: the list (each with its tasks counted by status and its progress),
an endeavour's page (its description, goals, counts, progress and its tasks as cards), and the
page to create one through `ts.edv.create`. Counts and names come in one read for the page."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from starlette.responses import RedirectResponse, Response

from worktrail.board.cards import cards, referenced
from worktrail.board.edits import Typed, argument, refused, submit, typed
from worktrail.board.pages import history_of, kept, named, offset_of
from worktrail.board.view import PAGE, View
from worktrail.domain.lifecycles import ENDEAVOUR, TASK

CREATE_FIELDS = ("name", "description", "goals", "start_date", "end_date")
LABELS = {"name": "Name", "description": "Description", "goals": "Goals", "start_date": "Start date",
          "end_date": "End date"}  # fmt: skip


def progress(counts: dict[str, int]) -> dict[str, Any]:
    """How far along: done out of the tasks that count (a canceled one does not)."""
    counted = sum(n for status, n in counts.items() if status != "canceled")
    done = counts.get("done", 0)
    return {"done": done, "of": counted, "percent": round(100 * done / counted) if counted else 0}


async def endeavours_page(view: View) -> Response:
    status = view.request.query_params.get("status") or None
    status = status if status in ENDEAVOUR.states else None
    offset = offset_of(view)
    found = await view.reader.ok("ts.edv.list", status=status, limit=PAGE, offset=offset)
    counts = await view.board.store.board_names.task_counts(e["id"] for e in found["endeavours"])
    rows = [(e, counts[e["id"]], progress(counts[e["id"]])) for e in found["endeavours"]]
    return view.render("endeavours.html", rows=rows, total=found["total"], offset=offset, page=PAGE,
                       chosen=status, statuses=ENDEAVOUR.states, task_statuses=TASK.states,
                       keep=kept({"status": status}))  # fmt: skip


async def endeavour_page(view: View) -> Response:
    endeavour = await view.reader.ok("ts.edv.get", id=view.request.path_params["id"])
    offset = offset_of(view)
    tasks = await view.reader.ok("ts.tsk.list", endeavour_id=endeavour["id"], limit=PAGE, offset=offset)
    names = await view.board.store.board_names.names(referenced(tasks["tasks"]) | {endeavour.get("created_by") or ""})
    counts = endeavour.get("task_counts") or dict.fromkeys(TASK.states, 0)
    history = await history_of(view, endeavour["id"])
    history_names = await named(view, history["records"])  # who changed it, by name
    return view.render("endeavour.html", endeavour=endeavour, counts=counts, progress=progress(counts),
                       cards=cards(tasks["tasks"], names, view.now), total=tasks["total"], offset=offset, page=PAGE,
                       names=names, task_statuses=TASK.states, history=history,
                       history_names=history_names)  # fmt: skip


async def new_endeavour_page(view: View, form: Typed | None = None) -> Response:
    if not view.reader.may("ts.edv.create"):
        return view.render("error.html", 403, code="forbidden", message="Creating an endeavour needs a member or more.")
    shown = form or Typed(dict.fromkeys(CREATE_FIELDS, ""))
    return view.render("endeavour_new.html", form.status if form else None, edit=shown, labels=LABELS)


def goals_of(text: str) -> list[str] | None:
    """One goal a line (blank lines left out); None for none."""
    goals = [line.strip() for line in text.splitlines() if line.strip()]
    return goals or None


async def create_endeavour(view: View) -> Response:
    form = typed(await view.request.form(), CREATE_FIELDS)
    arguments: dict[str, Any] = {n: argument(n, t) for n, t in form.values.items() if n != "goals"}
    arguments["goals"] = goals_of(form.values["goals"])
    outcome = await submit(view, "ts.edv.create", arguments)
    if outcome.is_error:
        return await new_endeavour_page(view, refused(form, outcome))
    again = "&again=1" if outcome.replayed else ""
    return RedirectResponse(f"/endeavours/{quote(outcome.payload['id'], safe='')}?done=endeavour{again}", 303)
