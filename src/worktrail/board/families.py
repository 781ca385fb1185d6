"""The pages of the run families: rituals, missions, workflows and executions, each a list and a
page per entity, read through the family's own tools (whose answers keep the seeds' shapes)."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from worktrail.board.forms import execution_acts, mission_run_acts, workflow_run_acts
from worktrail.board.names import names_of
from worktrail.board.pages import Names, entity_view, history_of, kept, offset_of, table_ids
from worktrail.board.timefmt import ran
from worktrail.board.timeline import timeline
from worktrail.board.view import PAGE, View
from worktrail.domain.lifecycles import EXECUTION, MISSION_RUN, RITUAL_RUN, WORKFLOW_RUN
from worktrail.store.runs import BY_KIND

# (field, heading) of each family's tables
RITUAL_COLUMNS = (("name", "Ritual"), ("schedule", "Schedule"), ("next_due_at", "Next due"),
                  ("last_run_at", "Last run"), ("status", "Status"))  # fmt: skip
RITUAL_RUN_COLUMNS = (("id", "Run"), ("status", "Status"), ("run_by", "Run by"), ("result_summary", "Summary"),
                      ("started_at", "Started"), ("finished_at", "Finished"))  # fmt: skip
MISSION_COLUMNS = (("name", "Mission"), ("execution_mode", "Mode"), ("updated_at", "Updated"))
MISSION_RUN_COLUMNS = (("run_id", "Run"), ("status", "Status"), ("result_summary", "Summary"),
                       ("started_at", "Started"), ("updated_at", "Updated"))  # fmt: skip
WORKFLOW_COLUMNS = (("name", "Workflow"), ("created_at", "Created"))
WORKFLOW_RUN_COLUMNS = (("id", "Run"), ("status", "Status"), ("attempt", "Attempt"), ("created_at", "Created"),
                        ("ended_at", "Ended"))  # fmt: skip
EXECUTION_COLUMNS = (("execution_id", "Execution"), ("config_id", "Config"), ("status", "Status"),
                     ("started_at", "Started"), ("heartbeat_at", "Heartbeat"), ("finished_at", "Finished"))  # fmt: skip


def table(rows: list[dict[str, Any]], columns: tuple[tuple[str, str], ...], link: str, key: str,
          total: int, title: str, pages: dict[str, Any] | None = None,
          statuses: tuple[str, ...] | None = None) -> dict[str, Any]:  # fmt: skip
    """A table for `table.html`: its rows, columns, and each row's page (`link` with the row's `key`);
    with `pages` (`paged`), a pager; with `statuses`, a form filtering it by status."""
    return {"rows": rows, "columns": columns, "link": link, "key": key, "total": total, "title": title,
            "pages": pages, "statuses": statuses}  # fmt: skip


# What a family's pages are filtered and paged by: the runs' status, the runs' page, the parents' page.
LIST_PARAMS = ("status", "runs_offset", "offset")


def paged(view: View, name: str) -> dict[str, Any]:
    """A table's pages, read at `?name=`: where it starts, and the page's other parameters to keep."""
    q = view.request.query_params
    keep = {k: q.get(k) for k in LIST_PARAMS if k != name and q.get(k)}
    return {"name": name, "offset": offset_of(view, name), "page": PAGE, "keep": keep, "kept": kept(keep)}


def status_of(view: View) -> str | None:
    """The runs' status filter (`?status=`); the family's tool refuses one it does not know."""
    return view.request.query_params.get("status") or None


async def table_names(view: View, tables: list[dict[str, Any]]) -> Names:
    """The names a page's tables show, in one call."""
    return await names_of(view.reader, table_ids(tables))


async def run_view(view: View, label: str, kind: str, run: dict[str, Any], run_id: str,
                   history: dict[str, Any] | None = None, **context: Any) -> Response:  # fmt: skip
    """A run's page: its entity page, with the timeline of its status changes from its history."""
    history = history or await history_of(view, run_id)
    steps = timeline(history["records"], run["status"], BY_KIND[kind].lifecycle.terminal, view.now)
    return await entity_view(view, label, run, run_id, history=history, timeline=steps, **context)


def _id(view: View, name: str = "id") -> str:
    return str(view.request.path_params[name])


async def rituals_page(view: View) -> Response:
    mine, theirs = paged(view, "offset"), paged(view, "runs_offset")
    found = await view.reader.ok("ts.rtl.list", limit=PAGE, offset=mine["offset"])
    runs = await view.reader.ok("ts.rtr.list", status=status_of(view), limit=PAGE, offset=theirs["offset"])
    tables = [table(found["rituals"], RITUAL_COLUMNS, "/rituals/{}", "id", found["total"], "Rituals", mine),
              table(runs["runs"], RITUAL_RUN_COLUMNS, "/ritual-runs/{}", "id", runs["total"], "Latest runs", theirs,
                    RITUAL_RUN.states)]  # fmt: skip
    return view.render("tables.html", heading="Rituals", tables=tables, names=await table_names(view, tables))


async def ritual_page(view: View) -> Response:
    ritual = await view.reader.ok("ts.rtl.get", id=_id(view))
    pages = paged(view, "runs_offset")
    runs = await view.reader.ok("ts.rtr.list", ritual_id=ritual["id"], status=status_of(view), limit=PAGE,
                                offset=pages["offset"])  # fmt: skip
    tables = [table(runs["runs"], RITUAL_RUN_COLUMNS, "/ritual-runs/{}", "id", runs["total"], "Runs", pages,
                    RITUAL_RUN.states)]  # fmt: skip
    return await entity_view(view, "Ritual", ritual, ritual["id"], tables=tables, back=("/rituals", "Rituals"))


async def ritual_run_page(view: View) -> Response:
    run = await view.reader.ok("ts.rtr.get", id=_id(view))
    return await run_view(view, "Ritual run", "ritual_run", run, run["id"], span=ran(run["started_at"], run.get("finished_at"), view.now),
                             back=(f"/rituals/{run['ritual_id']}", "Ritual"))  # fmt: skip


async def missions_page(view: View) -> Response:
    mine, theirs = paged(view, "offset"), paged(view, "runs_offset")
    found = await view.reader.ok("ts.msn.list", limit=PAGE, offset=mine["offset"])
    runs = await view.reader.ok("ts.mrn.list", status=status_of(view), limit=PAGE, offset=theirs["offset"])
    for run in runs["data"]:
        run["_url"] = f"/missions/{run['mission_id']}/runs/{run['run_id']}"
    tables = [table(found["data"], MISSION_COLUMNS, "/missions/{}", "mission_id", found["meta"]["total"], "Missions",
                    mine),
              table(runs["data"], MISSION_RUN_COLUMNS, "", "run_id", runs["meta"]["total"], "Latest runs", theirs,
                    MISSION_RUN.states)]  # fmt: skip
    return view.render("tables.html", heading="Missions", tables=tables, names=await table_names(view, tables))


async def mission_page(view: View) -> Response:
    mission = (await view.reader.ok("ts.msn.get", mission_id=_id(view)))["data"]
    pages = paged(view, "runs_offset")
    runs = await view.reader.ok("ts.mrn.list", mission_id=mission["mission_id"], status=status_of(view), limit=PAGE,
                                offset=pages["offset"])  # fmt: skip
    for run in runs["data"]:
        run["_url"] = f"/missions/{run['mission_id']}/runs/{run['run_id']}"
    tables = [table(runs["data"], MISSION_RUN_COLUMNS, "", "run_id", runs["meta"]["total"], "Runs", pages,
                    MISSION_RUN.states)]  # fmt: skip
    return await entity_view(view, "Mission", mission, mission["mission_id"], tables=tables,
                             back=("/missions", "Missions"))  # fmt: skip


async def mission_run_page(view: View) -> Response:
    ref = {"mission_id": _id(view, "mission_id"), "run_id": _id(view, "run_id")}
    got = await view.reader.ok("ts.mrn.get", **ref, include=["plan"])
    run, plan = got["data"], got.get("plan") or {}  # the plan comes beside the run, not inside it
    offset = offset_of(view, "events_offset")
    events = await view.reader.ok("ts.evt.list", **ref, limit=PAGE, offset=offset)
    return await run_view(view, "Mission run", "mission_run", run, run["run_id"],
                             span=ran(run.get("started_at"), run.get("finished_at"), view.now),
                             forms=mission_run_acts(view, run), plan=plan, events=events, events_offset=offset,
                             page=PAGE, back=(f"/missions/{ref['mission_id']}", "Mission"))  # fmt: skip


async def workflows_page(view: View) -> Response:
    mine, theirs = paged(view, "offset"), paged(view, "runs_offset")
    found = await view.reader.ok("ts.wfl.list", limit=PAGE, offset=mine["offset"])
    runs = await view.reader.ok("ts.wrn.list", status=status_of(view), limit=PAGE, offset=theirs["offset"])
    tables = [table(found["items"], WORKFLOW_COLUMNS, "/workflows/{}", "id", found["total"], "Workflows", mine),
              table(runs["items"], WORKFLOW_RUN_COLUMNS, "/workflow-runs/{}", "id", runs["total"], "Runs", theirs,
                    WORKFLOW_RUN.states)]  # fmt: skip
    return view.render("tables.html", heading="Workflows", tables=tables, names=await table_names(view, tables))


async def workflow_page(view: View) -> Response:
    workflow = await view.reader.ok("ts.wfl.get", id=_id(view))
    pages = paged(view, "runs_offset")
    runs = await view.reader.ok("ts.wrn.list", workflow_id=workflow["id"], status=status_of(view), limit=PAGE,
                                offset=pages["offset"])  # fmt: skip
    tables = [table(runs["items"], WORKFLOW_RUN_COLUMNS, "/workflow-runs/{}", "id", runs["total"], "Runs", pages,
                    WORKFLOW_RUN.states)]  # fmt: skip
    return await entity_view(view, "Workflow", workflow, workflow["id"], tables=tables,
                             back=("/workflows", "Workflows"))  # fmt: skip


async def workflow_run_page(view: View) -> Response:
    run = await view.reader.ok("ts.wrn.get", id=_id(view))
    history = run.pop("run_message_history", None)
    files = (await view.reader.ok("ts.att.list", run_id=run["id"]))["items"]
    return await run_view(view, "Workflow run", "workflow_run", run, run["id"],
                             span=ran(run.get("started_at"), run.get("ended_at"), view.now),
                             forms=workflow_run_acts(view, run), messages=history, attachments=files,
                             back=(f"/workflows/{run['workflow_id']}", "Workflow"))  # fmt: skip


async def executions_page(view: View) -> Response:
    pages = paged(view, "offset")
    found = await view.reader.ok("ts.exe.list", status=status_of(view), limit=PAGE, offset=pages["offset"])
    tables = [table(found["items"], EXECUTION_COLUMNS, "/executions/{}", "execution_id", found["total"], "Executions",
                    pages, EXECUTION.states)]  # fmt: skip
    return view.render("tables.html", heading="Executions", tables=tables, names=await table_names(view, tables))


async def execution_page(view: View) -> Response:
    execution = await view.reader.ok("ts.exe.get", execution_id=_id(view))
    history = await history_of(view, execution["execution_id"])
    moves = [r["changes"]["status"] for r in history["records"] if "status" in r["changes"]]
    if moves:  # where it was before its last move (seed 002's previous_status), from its history
        execution = {**execution, "previous_status": moves[-1][0]}
    return await run_view(view, "Execution", "execution", execution, execution["execution_id"], history=history,
                             span=ran(execution.get("started_at"), execution.get("finished_at"), view.now),
                             forms=execution_acts(view, execution), back=("/executions", "Executions"))  # fmt: skip
