"""`GET /healthz` (the process runs) and `GET /readyz` (a read of the ledger succeeds): no key
needed, and nothing said beyond the answer."""

from __future__ import annotations

import logging

from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from worktrail.store.store import Store

log = logging.getLogger(__name__)


def health_routes(store: Store) -> list[Route]:
    async def healthz(request: Request) -> PlainTextResponse:
        return PlainTextResponse("ok\n")

    async def readyz(request: Request) -> PlainTextResponse:
        try:
            await store.db.readable()
        except Exception as error:  # noqa: BLE001 - any failure to read is "not ready", said in one line
            log.warning("not ready: the ledger could not be read: %s", type(error).__name__)
            return PlainTextResponse("not ready: the ledger could not be read\n", status_code=503)
        return PlainTextResponse("ready\n")

    return [Route("/healthz", healthz, methods=["GET"]), Route("/readyz", readyz, methods=["GET"])]
