"""Opening the ledger for a command: where the database lives, the store, the registry, the login."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from worktrail.store.database import Access
from worktrail.store.locator import Location, LocationError, locate

if TYPE_CHECKING:  # every command's failure wording imports this module: the rest comes when used
    from worktrail.store.store import Store
    from worktrail.tools.context import Serving, Session
    from worktrail.tools.declaration import Tool
    from worktrail.tools.listing import Listed
    from worktrail.tools.registry import Registry


def ledger_location(explicit: str | None) -> Location:
    """`--db`, else `WORKTRAIL_DB`, else worktrail.db in the user's data directory (see locator.py
    for the forms it takes; raises LocationError for any other)."""
    chosen = explicit or os.environ.get("WORKTRAIL_DB")
    if chosen is None:
        from platformdirs import user_data_dir  # only for the default place (its import is a cold start's cost)

        return Location("sqlite", path=Path(user_data_dir("worktrail", appauthor=False)) / "worktrail.db")
    return locate(chosen)


def db_path(explicit: str | None) -> Path:
    """The ledger's SQLite file (see `ledger_location`)."""
    location = ledger_location(explicit)
    if location.path is None:
        raise LocationError(
            f"--db {location}: this version of worktrail keeps ledgers in SQLite files only; "
            "give a file path or sqlite:///PATH"
        )
    return location.path


def ledger(explicit: str | None) -> Location:
    """The ledger a command works on (see `ledger_location`), a SQLite file by its absolute path."""
    location = ledger_location(explicit)
    if location.path is not None:
        return Location("sqlite", path=location.path.resolve())
    return location


@asynccontextmanager
async def open_store(
    where: Path | Location, synchronous: str = "NORMAL", access: Access | Literal["readable"] = "existing"
) -> AsyncIterator[Store]:
    """The store `where` is, closed on exit: an existing ledger (migrated as needed; never
    created, but by `init`), or (`access`) one opened only to read; "readable": an existing
    ledger, read-only where it cannot be written (reads work there, writes say why not)."""
    from worktrail.store.sqlite.ledger_file import ReadOnlyLedger
    from worktrail.store.store import Store

    location = where if isinstance(where, Location) else Location("sqlite", path=where)
    try:
        store = await Store.open(
            location, synchronous=synchronous, access="existing" if access == "readable" else access
        )
    except ReadOnlyLedger:
        if access != "readable":
            raise
        store = await Store.open(location, synchronous=synchronous, access="read_only")
    try:
        yield store
    finally:
        await store.close()


async def login_from_env(store: Store, session: Session) -> None:
    """Log `session` in with WORKTRAIL_API_KEY when it is set (raises ToolError for a bad key)."""
    from worktrail.domain.clock import SystemClock, format_ts

    key = os.environ.get("WORKTRAIL_API_KEY")
    if key:
        session.actor = await store.keys.login(key, format_ts(SystemClock().now()))


def registry_for(
    store: Store,
    toolsets: Iterable[str] | None = None,
    idempotency_ttl: timedelta = timedelta(hours=24),
    serving: Serving | None = None,
    over_http: bool = False,
) -> Registry:
    """The registry over the selected toolsets (over HTTP, without the login tools: the bearer
    header is the login). The tools are as the shipped catalogue lists them: a family's module is
    imported at its first call."""
    from worktrail.tools.registry import Registry

    return Registry(listed_for(toolsets, over_http), store, idempotency_ttl=idempotency_ttl, serving=serving)


def listed_for(toolsets: Iterable[str] | None = None, over_http: bool = False) -> list[Tool | Listed]:
    """The tools a registry serves, as the shipped catalogue lists them (see `registry_for`)."""
    from worktrail.tools.catalog import NOT_OVER_HTTP, listed

    return [t for t in listed(toolsets) if not (over_http and t.name in NOT_OVER_HTTP)]
