"""The database behind the store, as the repositories see it: units of work run as one read
snapshot or one write transaction, a write transaction held across the steps of one call, and
the few things a command asks of the ledger as a whole. Each backend (sqlite/, postgresql/)
implements it its own way; repositories know only this."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import Literal, Protocol, TypeVar

from worktrail.store.connection import Unit
from worktrail.store.health import Health
from worktrail.store.held import Held


class StoreUnreachable(RuntimeError):
    """A ledger's server or database could not be used (PostgreSQL's): the message names it and
    the cause. Here, not in the backend, so that the CLI can name the failure without importing a
    driver it may not need."""

T = TypeVar("T")

# "create": make the ledger and its schema as needed (init, tests); "existing": the ledger must be
# there already (serve, call, key), and an empty one is refused before anything is written;
# "read_only": never write it (check, backup, export, or a ledger that cannot be written).
Access = Literal["create", "existing", "read_only"]


class Database(Protocol):
    """One ledger's database, opened for one process."""

    access: Access

    @property
    def read_only(self) -> bool: ...

    async def open(self) -> Database: ...

    async def close(self) -> None: ...

    async def read(self, fn: Unit[T], *, patient: bool = False, planned_for_values: bool = False) -> T:
        """`fn(conn)` against one consistent snapshot; `patient`: a long read (an integrity check);
        `planned_for_values`: each statement planned for its parameters' values, never a plan kept
        for any values (PostgreSQL's plan_cache_mode; SQLite plans every statement so)."""
        ...

    async def write(self, fn: Unit[T], *, patient: bool = False, read_first: bool = False) -> T:
        """`fn(conn)` as one transaction: all of it commits, or none (inside `hold`, it joins the
        held transaction instead). `read_first`: `fn` begins with the read of one row and ends with
        an update's compare-and-set on it (`rows.update_if_status`), nothing after; a store may read
        that row before taking the write lock and write it in one statement, and runs `fn` again
        the usual way whenever it cannot (PostgreSQL: postgresql/read_first.py)."""
        ...

    def hold(self, wait_seconds: float) -> AbstractAsyncContextManager[Held]:
        """One write transaction for this task's writes until `commit_held`; rolled back if not."""
        ...

    async def commit_held(self, fn: Unit[T]) -> T:
        """The held transaction's last statements and its COMMIT."""
        ...

    async def health(self) -> Health:
        """The store's own check of itself, for `worktrail check` (see health.py)."""
        ...

    async def rebuild_search_index(self) -> None:
        """Make the task search index anew from the tasks (`worktrail check --repair`)."""
        ...

    async def readable(self) -> None:
        """Raise unless the ledger can be read now, from its storage (what /readyz asks)."""
        ...

    async def backup(self, dest: Path) -> None:
        """A consistent copy of the whole ledger to a new file `dest`."""
        ...

    def signals(self, period: float) -> AsyncIterator[None]:
        """A tick whenever a change may have been committed, by any process, at most once every
        `period` seconds (SQLite: every `period`; PostgreSQL: on NOTIFY from the change record)."""
        ...
