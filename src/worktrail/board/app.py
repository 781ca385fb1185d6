"""The board's routes, served by `serve --http` beside `/mcp` and by `worktrail board` alone."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sse_starlette import EventSourceResponse
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from worktrail.board import actions, endeavours, families, pages, sign_in_links, task_page
from worktrail.board.bodies import BodyLimit
from worktrail.board.consent import consent_handlers, same_site_hop
from worktrail.board.headers import HEADERS, SecurityHeaders
from worktrail.board.login import login_routes
from worktrail.board.view import Board, Handler, View, guarded
from worktrail.transport.http.oauth_provider import CONSENT_PATH

STATIC = Path(__file__).parent / "static"

PAGES: tuple[tuple[str, Handler], ...] = (
    ("/", pages.now_page),
    ("/tasks", pages.tasks_page),
    ("/tasks/new", task_page.new_task_page),
    ("/tasks/{id}", task_page.task_page),
    ("/endeavours", endeavours.endeavours_page),
    ("/endeavours/new", endeavours.new_endeavour_page),
    ("/endeavours/{id}", endeavours.endeavour_page),
    ("/rituals", families.rituals_page),
    ("/rituals/{id}", families.ritual_page),
    ("/ritual-runs/{id}", families.ritual_run_page),
    ("/missions", families.missions_page),
    ("/missions/{id}", families.mission_page),
    ("/missions/{mission_id}/runs/{run_id}", families.mission_run_page),
    ("/workflows", families.workflows_page),
    ("/workflows/{id}", families.workflow_page),
    ("/workflow-runs/{id}", families.workflow_run_page),
    ("/attachments/{id}", actions.download),
    ("/executions", families.executions_page),
    ("/executions/{id}", families.execution_page),
    ("/audit", pages.audit_page),
    ("/history/{id}", pages.history_page),
    ("/people/{id}", pages.person_page),
    ("/keys", pages.keys_page),
    ("/apps", pages.apps_page),
)

ACTIONS: tuple[tuple[str, Handler], ...] = (
    ("/tasks/new", task_page.create_task),
    ("/tasks/{id}/edit", task_page.edit_task),
    ("/endeavours/new", endeavours.create_endeavour),
    ("/tasks/{id}/move", actions.move_task),
    ("/missions/{mission_id}/runs/{run_id}/pause", actions.mission_run_act("pause")),
    ("/missions/{mission_id}/runs/{run_id}/resume", actions.mission_run_act("resume")),
    ("/missions/{mission_id}/runs/{run_id}/cancel", actions.mission_run_act("cancel")),
    ("/workflow-runs/{id}/cancel", actions.cancel_workflow_run),
    ("/workflow-runs/{id}/retry", actions.retry_workflow_run),
    ("/executions/{id}/cancel", actions.cancel_execution),
    ("/keys/{id}/revoke", actions.revoke_key),
    ("/people/{id}/link", sign_in_links.make_link),
)


def _events(board: Board) -> Handler:
    """The page's live stream: `change` after every commit by any process, `ended` when the
    session is over; the browser's EventSource reconnects by itself after a lost connection."""

    async def stream(view: View) -> Response:
        token, store, clock = view.token, board.store, board.clock

        async def still_allowed() -> bool:
            return await store.board_sessions.actor(token, clock.now()) is not None

        async def events() -> Any:
            assert board.watcher is not None
            async for name in board.watcher.changes(still_allowed):
                yield {"event": name, "data": name}

        return EventSourceResponse(events(), ping=15, headers={"X-Accel-Buffering": "no"})

    return stream


def board_routes(board: Board) -> list[BaseRoute]:
    """Every route of the board, for an app of its own or beside `/mcp`."""
    login = login_routes(board)
    routes: list[BaseRoute] = [
        Route("/login", login["show"], methods=["GET"]),  # type: ignore[arg-type]
        Route("/login", login["with_key"], methods=["POST"]),  # type: ignore[arg-type]
        Route("/login/once", login["once"], methods=["GET"]),  # type: ignore[arg-type]
        Route("/login/once", login["once_pasted"], methods=["POST"]),  # type: ignore[arg-type]
        Route("/logout", login["logout"], methods=["POST"]),  # type: ignore[arg-type]
        Route("/events", guarded(board, _events(board)), methods=["GET"]),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]
    if board.oauth is not None:
        show, decide = consent_handlers(board.oauth)
        routes += [Route(CONSENT_PATH, same_site_hop(guarded(board, show)), methods=["GET"]),
                   Route(CONSENT_PATH, guarded(board, decide, action=True), methods=["POST"])]  # fmt: skip
    routes += [Route(path, guarded(board, handler), methods=["GET"]) for path, handler in PAGES]
    routes += [Route(path, guarded(board, handler, action=True), methods=["POST"]) for path, handler in ACTIONS]
    return routes


def board_app(board: Board) -> Starlette:
    """The board's app: alone for `worktrail board`, mounted at `/` beside `/mcp` for `serve
    --http`. Every answer it gives carries the security headers, its own 404 page included."""

    async def not_found(request: Request, exc: Exception) -> Response:
        return board.page(request, "error.html", 404, code="not_found", message="No such page on this board.")

    async def failed(request: Request, exc: Exception) -> Response:  # outside the middleware: headers by hand
        answer = PlainTextResponse("Internal error: the board could not answer; its log says why.", 500)
        answer.headers.update(HEADERS)
        return answer

    return Starlette(
        routes=board_routes(board),
        middleware=[Middleware(SecurityHeaders), Middleware(BodyLimit)],
        exception_handlers={404: not_found, 500: failed},
    )
