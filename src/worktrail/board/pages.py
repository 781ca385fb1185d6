"""The board's own pages: Now, the task board and a task's page, the audit trail, an entity's
history, the keys, and a person's own connected apps. Each reads through the tools as the
logged-in person."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from typing import Any
from urllib.parse import quote, urlencode

from starlette.responses import Response

from worktrail.board.cards import cards
from worktrail.board.cards import referenced as on_cards
from worktrail.board.forms import Form
from worktrail.board.names import PEOPLE, Name, names_of, referenced
from worktrail.board.sign_in_links import link_forms
from worktrail.board.view import PAGE, View
from worktrail.domain.clock import format_ts, parse_ts
from worktrail.domain.lifecycle import COMMON
from worktrail.domain.lifecycles import TASK
from worktrail.domain.roles import is_admin
from worktrail.store.runs import KINDS

# A page's names: id -> how it is shown and where it links
Names = dict[str, Name]
# A search's page: its matches, newest first, sorted into the columns.
SEARCHED = 100
# Shown on Now: what is under way, whatever its kind.
UNDER_WAY = ("running", "paused", "queued", "interrupted")


def kept(filters: dict[str, Any]) -> str:
    """The filters in effect, for the pager's links."""
    return urlencode({k: v for k, v in filters.items() if v})


def offset_of(view: View, name: str = "offset") -> int:
    value = view.request.query_params.get(name, "0")
    return int(value) if value.isdigit() and int(value) <= 1_000_000 else 0


def _stale(view: View, run: dict[str, Any]) -> bool:
    """Quiet for longer than the sweep allows (it will be moved at the next sweep)."""
    durations = view.board.registry.serving.durations
    allowed = durations.execution_stale_after if run["kind"] == "execution" else durations.stale_after
    last = max(run["updated_at"], run.get("last_heartbeat_at") or run["updated_at"])
    return run["status"] in ("running", "paused") and parse_ts(last) < view.now - allowed


async def runs_wanted(view: View) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Now's runs as filtered (`?kind=`, `?status=`: the tool refuses a value it does not know) and
    paged (`?offset=`): of one status, or by default those under way, each such status paged alike."""
    q = view.request.query_params
    filters = {"kind": q.get("kind") or None, "status": q.get("status") or None}
    offset = offset_of(view)
    runs, more = [], False
    for status in (filters["status"],) if filters["status"] else UNDER_WAY:
        found = await view.reader.ok("ts.run.list", kind=filters["kind"], status=status, limit=PAGE, offset=offset)
        runs += found["runs"]
        more = more or offset + PAGE < found["total"]
    return runs, {"filters": filters, "offset": offset, "more": more, "page": PAGE, "keep": kept(filters)}


async def now_page(view: View) -> Response:
    reader = view.reader
    under_way, listing = await runs_wanted(view)
    for run in under_way:
        run["stale"] = _stale(view, run)
    since = format_ts(view.now - timedelta(hours=24))
    failed = [
        r for r in (await reader.ok("ts.run.list", status="failed", limit=100))["runs"] if r["updated_at"] >= since
    ]
    active = await reader.ok("ts.tsk.list", status=["active"], limit=PAGE)
    counts = await view.board.store.board_counts.by_status()  # one read, not a list call per count
    names = await names_of(reader, [*(r["id"] for r in under_way + failed), *(t.get("assignee_id") for t in active["tasks"])])
    return view.render("now.html", under_way=under_way, failed=failed, active=active, counts=counts, names=names,
                       listing=listing, kinds=[k.kind for k in KINDS], statuses=COMMON)  # fmt: skip


async def tasks_page(view: View) -> Response:
    q = view.request.query_params
    filters = {"endeavour_id": q.get("endeavour_id"), "assignee_id": q.get("assignee_id"), "search": q.get("search")}
    offset = offset_of(view)
    columns, matches = [], None
    if filters["search"]:  # one search, its matches sorted into the columns (a search reads its matches once)
        found = await view.reader.ok("ts.tsk.list", limit=SEARCHED, offset=offset, **filters)
        matches = found["total"]
        for status in TASK.states:
            tasks = [t for t in found["tasks"] if t["status"] == status]
            columns.append((status, tasks, len(tasks)))
    else:
        for status in TASK.states:
            found = await view.reader.ok("ts.tsk.list", status=[status], limit=PAGE, offset=offset, **filters)
            columns.append((status, found["tasks"], found["total"]))
    endeavours, resources = await view.board.store.board_names.choices(200, every=True)  # the filters' choices
    page = PAGE if matches is None else SEARCHED
    more = offset + page < matches if matches is not None else any(offset + PAGE < total for _, _, total in columns)
    # every name the cards show, in one read for the page
    names = await view.board.store.board_names.names(on_cards([t for _, tasks, _ in columns for t in tasks]))
    columns = [(status, cards(tasks, names, view.now), total) for status, tasks, total in columns]
    return view.render("tasks.html", columns=columns, filters=filters, endeavours=endeavours, resources=resources,
                       offset=offset, more=more, page=page, keep=kept(filters), matches=matches,
                       movable=view.reader.may("ts.tsk.update"))  # fmt: skip


async def named(view: View, rows: list[dict[str, Any]], by: str = "actor_id", more: Iterable[Any] = ()) -> Names:
    """The names of the resources the rows name in `by` (set beside each as `actor`) and of `more`,
    read in one call for the page."""
    found = await names_of(view.reader, [*(r.get(by) for r in rows), *more])
    for r in rows:
        name = found.get(r.get(by) or "")
        r["actor"] = name.label if name else (r.get(by) or "worktrail")
    return found


async def history_of(view: View, entity_id: str) -> dict[str, Any]:
    return await view.reader.ok("ts.aud.list", entity_id=entity_id, limit=200)


def table_ids(tables: Iterable[dict[str, Any]]) -> list[Any]:
    """The ids a page's tables show: each row's own, and the people its columns name."""
    ids = []
    for t in tables:
        ids += [row[t["key"]] for row in t["rows"]]
        ids += [row.get(column) for row in t["rows"] for column, _ in t["columns"] if column in PEOPLE]
    return ids


async def entity_view(view: View, kind: str, entity: dict[str, Any], entity_id: str, *,
                      history: dict[str, Any] | None = None, title: str | None = None, **context: Any) -> Response:  # fmt: skip
    """An entity's page, its ids named in one call: its own (the title: a run as what it runs), whom
    and what its fields name, its tables' rows, and who changed it."""
    history = history or await history_of(view, entity_id)
    more = [entity_id, *referenced(entity), *table_ids(context.get("tables") or ())]
    names = await named(view, history["records"], more=more)
    own = names.get(entity_id)
    return view.render("entity.html", kind=kind, title=title or (own.label if own else entity_id), entity=entity,
                       entity_id=entity_id, history=history, names=names, **context)  # fmt: skip


async def person_page(view: View) -> Response:
    """A person's (or an agent's) page: who they are, with their tasks and their changes a click away."""
    person = await view.reader.ok("ts.res.get", id=view.request.path_params["id"])
    see = [(f"/tasks?{urlencode({'assignee_id': person['id']})}", "Tasks assigned"),
           (f"/audit?{urlencode({'actor_id': person['id']})}", "Changes made")]  # fmt: skip
    return await entity_view(view, person["type"].capitalize(), person, person["id"], see=see, back=("/", "Now"))


async def history_page(view: View) -> Response:
    entity_id = view.request.path_params["id"]
    history = await history_of(view, entity_id)
    names = await named(view, history["records"], more=[entity_id])
    return view.render("history.html", entity_id=entity_id, history=history, names=names)


AUDIT_FILTERS = ("entity_type", "entity_id", "actor_id", "action", "since")


async def audit_page(view: View) -> Response:
    q = view.request.query_params
    filters = {name: q.get(name) or None for name in AUDIT_FILTERS}
    offset = offset_of(view)
    found = await view.reader.ok("ts.aud.list", limit=PAGE, offset=offset, **filters)
    names = await named(view, found["records"], more=[r["entity_id"] for r in found["records"]])
    return view.render("audit.html", names=names, found=found, filters=filters, offset=offset, page=PAGE, keep=kept(filters))


def revoke_form(credential: dict[str, Any], back: str = "/keys") -> Form:
    """The Revoke form of a standing key or app, posting to the one revoke action, which then
    goes `back` to the page the form was on."""
    values = {} if back == "/keys" else {"back": back}
    return Form(f"/keys/{quote(credential['id'], safe='')}/revoke", "Revoke", values=values, danger=True)


async def keys_page(view: View) -> Response:
    if not is_admin(view.actor.role):
        return view.render("error.html", 403, code="forbidden", message="The keys page is for owners and admins.")
    offset = offset_of(view)
    found = await view.reader.ok("ts.key.list", limit=PAGE, offset=offset)
    names = await named(view, [*found["keys"], *found["apps"]], by="resource_id")
    standing = [k for k in found["keys"] if not k.get("revoked_at")] + found["apps"]
    forms = {k["id"]: revoke_form(k) for k in standing}
    return view.render("keys.html", names=names, found=found, offset=offset, page=PAGE, forms=forms, links=await link_forms(view))


async def apps_page(view: View) -> Response:
    """Everyone's own connected apps, whatever their role (a viewer too: a credential's person may
    always end it). Only their own, an admin's too: everyone's are on Keys, where the person is named."""
    # the apps come whole, whatever the page of keys (none of which is shown here)
    apps = (await view.reader.ok("ts.key.list", resource_id=view.actor.resource_id, limit=1))["apps"]
    forms = {g["id"]: revoke_form(g, back="/apps") for g in apps}
    return view.render("apps.html", apps=apps, forms=forms, admin=is_admin(view.actor.role))
