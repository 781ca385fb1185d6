"""The board's own pages: Now, the task board and a task's page, the audit trail, an entity's
history, the keys, and a person's own connected apps. Each reads through the tools as the
logged-in person."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import quote, urlencode

from starlette.responses import Response

from worktrail.board.cards import cards, referenced
from worktrail.board.forms import Form
from worktrail.board.sign_in_links import link_forms
from worktrail.board.view import PAGE, View
from worktrail.domain.clock import format_ts, parse_ts
from worktrail.domain.lifecycles import TASK
from worktrail.domain.roles import is_admin
from worktrail.store.runs import KINDS

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


async def now_page(view: View) -> Response:
    reader = view.reader
    under_way = []
    for status in UNDER_WAY:
        under_way += (await reader.ok("ts.run.list", status=status, limit=PAGE))["runs"]
    for run in under_way:
        run["stale"] = _stale(view, run)
    since = format_ts(view.now - timedelta(hours=24))
    failed = [
        r for r in (await reader.ok("ts.run.list", status="failed", limit=100))["runs"] if r["updated_at"] >= since
    ]
    active = await reader.ok("ts.tsk.list", status=["active"], limit=PAGE)
    counts: dict[str, dict[str, int]] = {"task": {}}
    for status in TASK.states:
        counts["task"][status] = (await reader.ok("ts.tsk.list", status=[status], limit=1))["total"]
    for kind in KINDS:
        counts[kind.kind] = {}
        for common in dict.fromkeys(kind.lifecycle.common.values()):
            counts[kind.kind][common] = (await reader.ok("ts.run.list", kind=kind.kind, status=common, limit=1))[
                "total"
            ]
    return view.render("now.html", under_way=under_way, failed=failed, active=active, counts=counts)


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
    names = await view.board.store.board_names.names(referenced([t for _, tasks, _ in columns for t in tasks]))
    columns = [(status, cards(tasks, names, view.now), total) for status, tasks, total in columns]
    return view.render("tasks.html", columns=columns, filters=filters, endeavours=endeavours, resources=resources,
                       offset=offset, more=more, page=page, keep=kept(filters), matches=matches,
                       movable=view.reader.may("ts.tsk.update"))  # fmt: skip


async def named(view: View, rows: list[dict[str, Any]], by: str = "actor_id") -> dict[str, Any]:
    """The rows with the name of the resource each names in `by` beside it (`actor`), read in one
    go for them all; an id the ledger no longer knows stands for itself."""
    names = await view.board.store.board_names.names(r.get(by) for r in rows)
    for r in rows:
        r["actor"] = names.get(r.get(by) or "", r.get(by) or "worktrail")
    return {"records": rows}


async def history_of(view: View, entity_id: str) -> dict[str, Any]:
    found = await view.reader.ok("ts.aud.list", entity_id=entity_id, limit=200)
    return {**found, **await named(view, found["records"])}


async def history_page(view: View) -> Response:
    entity_id = view.request.path_params["id"]
    history = await history_of(view, entity_id)
    return view.render("history.html", entity_id=entity_id, history=history)


AUDIT_FILTERS = ("entity_type", "entity_id", "actor_id", "action", "since")


async def audit_page(view: View) -> Response:
    q = view.request.query_params
    filters = {name: q.get(name) or None for name in AUDIT_FILTERS}
    offset = offset_of(view)
    found = await view.reader.ok("ts.aud.list", limit=PAGE, offset=offset, **filters)
    await named(view, found["records"])
    return view.render("audit.html", found=found, filters=filters, offset=offset, page=PAGE, keep=kept(filters))


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
    await named(view, found["keys"], by="resource_id")
    await named(view, found["apps"], by="resource_id")
    standing = [k for k in found["keys"] if not k.get("revoked_at")] + found["apps"]
    forms = {k["id"]: revoke_form(k) for k in standing}
    return view.render("keys.html", found=found, offset=offset, page=PAGE, forms=forms, links=await link_forms(view))


async def apps_page(view: View) -> Response:
    """Everyone's own connected apps, whatever their role (a viewer too: a credential's person may
    always end it). Only their own, an admin's too: everyone's are on Keys, where the person is named."""
    # the apps come whole, whatever the page of keys (none of which is shown here)
    apps = (await view.reader.ok("ts.key.list", resource_id=view.actor.resource_id, limit=1))["apps"]
    forms = {g["id"]: revoke_form(g, back="/apps") for g in apps}
    return view.render("apps.html", apps=apps, forms=forms, admin=is_admin(view.actor.role))
