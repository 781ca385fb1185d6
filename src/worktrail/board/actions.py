"""What a person does from the board, each through the registry as a tool call made by them:
validated, role-checked, audited under their name, and idempotent by the form's own key, so a
double submit changes once and the second answer is the first's. Every action ends on the
entity's page (POST/redirect/GET); a refusal shows the tool's own message there."""

from __future__ import annotations

import base64
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import quote, urlsplit

from starlette.responses import RedirectResponse, Response

from worktrail.board.reader import Refused
from worktrail.board.refusals import carry
from worktrail.board.view import View
from worktrail.domain.oauth_tokens import GRANT_PREFIX
from worktrail.domain.roles import is_admin

# How much of an attachment one read takes (the tool's own cap).
CHUNK = 1024 * 1024


async def _act(view: View, tool: str, arguments: dict[str, Any], back: str, done: str) -> Response:
    """Call the tool as the person, then go to the entity's page (303) whatever the answer
    (POST/redirect/GET): saying so on success, showing the tool's own message on a refusal."""
    form = await view.request.form()
    key = str(form.get("idempotency_key") or "")
    if key:
        arguments["idempotency_key"] = f"board-{key}"[:128]
    outcome = await view.reader.call(tool, arguments)
    if outcome.is_error:
        error = outcome.payload["error"]
        if error["code"] == "session_expired":
            raise Refused(error["code"], error["message"])
        back_here = RedirectResponse(back, status_code=303)
        return carry(back_here, view.token, error["code"], error["message"], view.board.options)
    again = "&again=1" if outcome.replayed else ""
    return RedirectResponse(f"{back}{'&' if '?' in back else '?'}done={done}{again}", status_code=303)


async def _reason(view: View) -> str | None:
    return str((await view.request.form()).get("reason") or "").strip() or None


def _path(*parts: str) -> str:
    return "/" + "/".join(quote(p, safe="") for p in parts)


async def move_task(view: View) -> Response:
    task_id = view.request.path_params["id"]
    sent = await view.request.form()
    to = str(sent.get("status") or "")
    arguments: dict[str, Any] = {"id": task_id, "status": to}
    if to == "canceled":
        arguments["canceled_reason"] = await _reason(view)
    done = "reopened" if sent.get("reopen") == "1" else "moved"
    return await _act(view, "ts.tsk.update", arguments, await _board_or(view, _path("tasks", task_id)), done)


async def _board_or(view: View, page: str) -> str:
    """Where a move ends: the task board it was made on (a card's form says so, with its filters),
    else the task's page. Only the board's own address is taken, never another place."""
    back = str((await view.request.form()).get("back") or "")
    parts = urlsplit(back)
    if parts.path == "/tasks" and not parts.scheme and not parts.netloc and not parts.fragment:
        query = "&".join(p for p in parts.query.split("&") if p and not p.startswith(("done=", "again=")))
        return "/tasks" + (f"?{query}" if query else "")
    return page


MISSION_DONE = {"pause": "paused", "resume": "resumed", "cancel": "cancelled"}


def mission_run_act(act: str) -> Callable[[View], Awaitable[Response]]:
    async def acting(view: View) -> Response:
        p = view.request.path_params
        arguments: dict[str, Any] = {"mission_id": p["mission_id"], "run_id": p["run_id"]}
        if act != "resume":
            arguments["reason"] = await _reason(view)
        back = _path("missions", p["mission_id"], "runs", p["run_id"])
        return await _act(view, f"ts.mrn.{act}", arguments, back, MISSION_DONE[act])

    return acting


async def cancel_workflow_run(view: View) -> Response:
    run_id = view.request.path_params["id"]
    arguments = {"id": run_id, "status": "cancelled"}
    return await _act(view, "ts.wrn.update", arguments, _path("workflow-runs", run_id), "cancelled")


async def retry_workflow_run(view: View) -> Response:
    run_id = view.request.path_params["id"]
    return await _act(view, "ts.wrn.retry", {"id": run_id}, _path("workflow-runs", run_id), "retried")


async def cancel_execution(view: View) -> Response:
    execution_id = view.request.path_params["id"]
    arguments = {"execution_id": execution_id, "reason": await _reason(view)}
    back = _path("executions", execution_id)
    return await _act(view, "ts.exe.cancel", arguments, back, "cancelled")


async def revoke_key(view: View) -> Response:
    """A key, or a connected app's OAuth grant (`ogr_…`): the same tool ends either. Back to the
    page the form was on: Connected apps (`back=/apps`), or Keys, which is an owner's or admin's only."""
    credential = view.request.path_params["id"]
    done = "disconnected" if credential.startswith(GRANT_PREFIX) else "revoked"
    asked = str((await view.request.form()).get("back") or "")
    back = "/keys" if asked != "/apps" and is_admin(view.actor.role) else "/apps"
    return await _act(view, "ts.key.revoke", {"id": credential}, back, done)


async def download(view: View) -> Response:
    """An attachment's content, read through ts.att.read in chunks, as a download."""
    attachment_id = view.request.path_params["id"]
    meta = await view.reader.ok("ts.att.get", id=attachment_id)
    parts, offset = [], 0
    while True:
        chunk = await view.reader.ok("ts.att.read", id=attachment_id, offset=offset, length=CHUNK)
        data = base64.b64decode(chunk["content_base64"])
        parts.append(data)
        offset += len(data)
        if chunk["eof"] or not data:
            break
    name = quote(str(meta.get("filename") or attachment_id), safe="")
    headers = {"Content-Disposition": f"attachment; filename*=UTF-8''{name}"}
    return Response(b"".join(parts), media_type="application/octet-stream", headers=headers)
