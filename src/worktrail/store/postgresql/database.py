"""The PostgreSQL database: one asyncpg pool for this process, every unit of work a coroutine on
one pooled connection.

Writes keep SQLite's one guarantee that all the others rest on: one write transaction at a time
on the whole ledger. Each takes a transaction-level advisory lock first (`WRITE_LOCK`), as SQLite's
`BEGIN IMMEDIATE` takes its write lock, so a transition's compare-and-set, an idempotency key and
the work it answers for, a version check and the stale-run sweep behave exactly as on SQLite,
across every process on every host. Reads take no lock: each runs in one REPEATABLE READ, READ ONLY
snapshot, as a SQLite read does, and scales with the pool.

`synchronous` says what a COMMIT waits for, as on SQLite: NORMAL sets `synchronous_commit = off`
(a crash of worktrail never loses an acknowledged write; a crash of the server or its machine may
lose the last few hundred milliseconds), FULL leaves it on (the WAL reaches the disk first).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import asyncpg

from worktrail.domain.errors import ToolError
from worktrail.store.checks import FirstHopCheck, due_checks, due_first, with_checks
from worktrail.store.connection import Unit
from worktrail.store.database import Access, StoreUnreachable
from worktrail.store.health import Health
from worktrail.store.held import Held, HoldTimeout, enter, held_by, leave
from worktrail.store.locator import Location
from worktrail.store.postgresql import health
from worktrail.store.postgresql.connection import PostgresqlConnection
from worktrail.store.postgresql.key_check import NOT_AS_KNOWN, NOT_PREPARED, PREPARE, folded_key_check, known_key
from worktrail.store.postgresql.notices import notices
from worktrail.store.postgresql.read_first import ReadFirstConnection, RowsKnown, Unsettled
from worktrail.store.postgresql.upgrade import schema_version, upgrade

T = TypeVar("T")

# pg_advisory_xact_lock key of the ledger's one writer: 'wkwr'.
WRITE_LOCK = 0x776B7772
_UNSETTLED = object()  # a write read first that is to run again the usual way


@dataclass
class _HeldOn:
    """What a held transaction keeps on PostgreSQL: its connection and, once begun, its transaction."""

    raw: Any
    transaction: Any = None
    erases: bool = False


class PostgresqlDatabase:
    """A ledger in a PostgreSQL database, opened for one process."""

    def __init__(
        self,
        location: Location,
        *,
        access: Access = "create",
        synchronous: str = "NORMAL",
        pool_size: int = 10,
        busy_timeout_ms: int = 10_000,
    ) -> None:
        assert location.url is not None
        self.location = location
        self.access = access
        self._synchronous = synchronous
        self._pool_size = pool_size
        self._busy_timeout_ms = busy_timeout_ms
        self._pool: asyncpg.Pool | None = None
        self._known = RowsKnown()  # the rows its update functions wrote last (read_first.py)
        # When a list: every statement run, with its parameters (for a look at query plans).
        self.traced: list[tuple[str, tuple[Any, ...]]] | None = None

    @property
    def read_only(self) -> bool:
        return self.access == "read_only"

    @property
    def path(self) -> str:
        """How the ledger is named in messages (its URL without the password)."""
        return self.location.shown

    async def open(self) -> PostgresqlDatabase:
        # How this process's connections plan (their own settings; the server's stay as they are).
        # A list reads one page: a parallel plan only delays it, and at a million tasks PostgreSQL
        # picked parallel backward walks for a search (0.5 s; 1 s when nothing matched; serially
        # 1-33 ms). A ledger's working set is in memory, where a random read costs about what a
        # sequential one does: at the default 4 the planner walked every task by rowid rather than
        # read a status's index (canceled tasks at offset 10,000: 130 ms; by the index 25 ms).
        settings = {"application_name": "worktrail",
                    "synchronous_commit": "on" if self._synchronous == "FULL" else "off",
                    "max_parallel_workers_per_gather": "0", "random_page_cost": "1.1"}  # fmt: skip
        try:
            self._pool = await asyncpg.create_pool(
                self.location.url, min_size=1, max_size=self._pool_size, server_settings=settings, reset=_released
            )
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as error:
            raise StoreUnreachable(_why(error, self.location)) from None
        try:
            async with self._pool.acquire() as raw:
                if self.read_only:
                    await schema_version(raw, self.location.shown)
                else:
                    await upgrade(raw, create=self.access == "create", shown=self.location.shown)
        except BaseException:
            await self.close()
            raise
        return self

    async def close(self) -> None:
        if self._pool is not None:
            await self._pool.close()
            self._pool = None

    async def __aenter__(self) -> PostgresqlDatabase:
        return await self.open()

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    def _require(self) -> asyncpg.Pool:
        if self._pool is None:
            raise RuntimeError("the database is not open")
        return self._pool

    async def read(self, fn: Unit[T], *, patient: bool = False, planned_for_values: bool = False) -> T:
        async with self._require().acquire() as raw:
            await self._begin_reading(raw, planned_for_values)
            checked = with_checks(fn, write=False)
            try:
                result = await checked(PostgresqlConnection(raw, self.traced))
            except BaseException:
                await raw.execute("ROLLBACK")
                raise
            await raw.execute("COMMIT")
        return result

    async def _begin_reading(self, raw: Any, planned_for_values: bool) -> None:
        """The read's snapshot, and in the same round trip the re-check of the session's key when
        one is due (key_check.py, as a write's BEGIN carries it) and, when asked, plans made for
        each statement's values (a generic plan of a search cannot see its words: search.py)."""
        begin = _READ + ("; SET LOCAL plan_cache_mode = force_custom_plan" if planned_for_values else "")
        await _begin_checked(raw, lambda then: raw.execute(begin + (f"; {then}" if then else "")), write=False)

    async def write(self, fn: Unit[T], *, patient: bool = False, read_first: bool = False) -> T:
        if self.read_only:
            raise ToolError("forbidden", f"The ledger at {self.path} is open read-only: reads work, writes do not. "
                            "Nothing was changed.", {"reason": "read_only"})  # fmt: skip
        held = held_by(self)
        if held is not None:
            return await self._write_held(held, with_checks(fn, write=True))
        async with self._require().acquire() as raw:
            if read_first:
                settled = await self._write_read_first(raw, fn)
                if settled is not _UNSETTLED:
                    return settled  # type: ignore[return-value]
            conn = PostgresqlConnection(raw, self.traced)
            await self._begin_writing(raw)
            checked = with_checks(fn, write=True)
            try:
                result = await checked(conn)
            except BaseException:
                await raw.execute("ROLLBACK")
                raise
            await raw.execute("COMMIT")
            if conn.erases:
                await _vacuum_secrets(raw)
        return result

    async def _write_read_first(self, raw: Any, fn: Unit[T]) -> T | object:
        """`fn` read first and written by its table's update function (read_first.py), or
        _UNSETTLED with nothing written, for the usual way to run it. Only the key's re-check may
        be due (in the function, or in the BEGIN that a unit reading more sends): a board session's
        or a grant's check, or a conditional write's version, keeps the usual way."""
        due = due_checks(write=True)
        key = known_key(due[0].actor) if len(due) == 1 and due[0].actor is not None else None
        if due and key is None:
            return _UNSETTLED
        conn = ReadFirstConnection(raw, self.traced, lambda: self._begin_read_first(raw, due),
                                   (WRITE_LOCK, max(1, self._busy_timeout_ms)), key, self._known)  # fmt: skip
        try:
            result = await fn(conn)
            if not conn.written:
                raise Unsettled("the unit ended without its compare-and-set")
            if conn.began:
                await raw.execute("COMMIT")
        except asyncpg.LockNotAvailableError:  # the function's wait for the lock (its transaction ended)
            raise _busy() from None
        except (Unsettled, ToolError) as refused:
            if conn.written and not conn.began:  # the function's own transaction committed: never again
                raise
            if conn.first is not None:  # decided on a row that may be another now: read it next time
                self._known.forget(conn.first[0], conn.first[1])
            if conn.began:
                await raw.execute("ROLLBACK")
            if isinstance(refused, ToolError) and refused.code == "rate_limited":
                raise  # the lock was busy for the whole wait: the usual way would wait as long again
            return _UNSETTLED
        except BaseException:
            if conn.began:
                await raw.execute("ROLLBACK")
            raise
        for check in due:
            check.done = True  # the key, re-checked after the lock, in the function or with BEGIN
        if conn.first is not None and conn.kept is not None:
            self._known.keep(conn.first[0], conn.first[1], *conn.kept)
        return result

    async def _begin_read_first(self, raw: Any, due: list[FirstHopCheck]) -> None:
        """BEGIN, the lock and the key's re-check, for a unit read first that reads or writes more:
        Unsettled (rolled back) when the key is not as the session knows it."""
        folded = folded_key_check(due[0].actor) if due and due[0].actor is not None else None
        try:
            await _prepared(raw, lambda: self._begin(raw, folded))
        except NOT_AS_KNOWN:
            await raw.execute("ROLLBACK")
            raise Unsettled("the session's key is not as it knows it: the full check says why") from None

    async def _begin_writing(self, raw: Any) -> None:
        """BEGIN and the ledger's write lock, in one round trip, and in it the re-check of the
        session's key when one is due (key_check.py)."""
        await _begin_checked(raw, lambda then: self._begin(raw, then), write=True)

    async def _begin(self, raw: Any, then: str | None = None) -> None:
        try:
            await _begin_writing(raw, self._busy_timeout_ms, then)
        except asyncpg.LockNotAvailableError:
            await raw.execute("ROLLBACK")
            raise _busy() from None

    async def _write_held(self, held: Held, fn: Unit[T]) -> T:
        """A write inside the held transaction, in a savepoint: a failure undoes only its own part."""
        state: _HeldOn = held.state
        conn = PostgresqlConnection(state.raw, self.traced)
        async with state.raw.transaction():
            result = await fn(conn)
        held.begun = True
        state.erases = state.erases or conn.erases
        return result

    @asynccontextmanager
    async def hold(self, wait_seconds: float) -> AsyncIterator[Held]:
        """The transaction and the ledger's write lock from the start, as on SQLite, so that a repeat
        of a keyed call waits here for the first, at most `wait_seconds` (then `HoldTimeout`)."""
        pool = self._require()
        try:
            raw = await pool.acquire(timeout=wait_seconds)
        except TimeoutError:
            raise HoldTimeout from None
        transaction = raw.transaction()
        try:
            await transaction.start()
            try:
                await raw.execute(_write_lock(int(wait_seconds * 1000)))
            except asyncpg.LockNotAvailableError:
                raise HoldTimeout from None
        except BaseException:
            await transaction.rollback()
            await pool.release(raw)
            raise
        held = Held(self, state=_HeldOn(raw, transaction))
        token = enter(held)
        try:
            yield held
        finally:
            leave(token)
            try:
                if not held.committed:
                    await transaction.rollback()
            finally:
                await pool.release(raw)

    async def commit_held(self, fn: Unit[T]) -> T:
        held = held_by(self)
        if held is None:
            raise RuntimeError("commit_held outside hold()")
        state: _HeldOn = held.state
        conn = PostgresqlConnection(state.raw, self.traced)
        try:
            result = await fn(conn)
            await state.transaction.commit()
        except BaseException:
            await state.transaction.rollback()
            held.committed = True  # ended: nothing is left to roll back
            raise
        held.committed = True
        if conn.erases or state.erases:
            await _vacuum_secrets(state.raw)
        return result

    async def health(self) -> Health:
        return await health.health(self)

    async def rebuild_search_index(self) -> None:
        await health.rebuild_search_index(self)

    def signals(self, period: float) -> AsyncIterator[None]:
        return notices(self.location.url or "", period)

    async def readable(self) -> None:
        async with self._require().acquire(timeout=5) as raw:
            await raw.fetchval("SELECT 1 FROM resource LIMIT 1")

    async def backup(self, dest: Path) -> None:
        raise StoreUnreachable(
            f"{self.location.shown} is a PostgreSQL ledger and this copies SQLite files; back it up with pg_dump: "
            f"pg_dump --format=custom --file={dest} '{self.location.shown}'"
        )


# A read: one snapshot for all its statements, as a SQLite read has.
_READ = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"


def _write_lock(wait_ms: int) -> str:
    """The statements that take the ledger's write lock for this transaction, waiting at most
    `wait_ms` for it (then LockNotAvailableError), as SQLite's busy timeout bounds the wait for its
    lock. The timeout stays for the rest of the transaction, which waits for no other lock: it
    holds the ledger's."""
    return f"SET LOCAL lock_timeout = {max(1, int(wait_ms))}; SELECT pg_advisory_xact_lock({WRITE_LOCK})"


async def _begin_writing(raw: Any, wait_ms: int, then: str | None = None) -> None:
    """A transaction and the ledger's write lock for it, and `then` (a statement without
    parameters) once the lock is held, in one round trip (the simple query protocol takes several
    statements)."""
    await raw.execute(f"BEGIN; {_write_lock(wait_ms)}" + (f"; {then}" if then else ""))


async def _begin_checked(raw: Any, begin: Callable[[str | None], Awaitable[Any]], *, write: bool) -> None:
    """`begin(then)`: a transaction begun in one round trip, with `then` (a statement without
    parameters) in it: the re-check of the session's key when one is due (key_check.py). A key not
    as the session knows it begins again without, and leaves the full check to say why."""
    due = due_first(write=write)
    folded = folded_key_check(due.actor) if due is not None and due.actor is not None else None
    if due is not None and folded is not None:
        try:
            await _prepared(raw, lambda: begin(folded))
            due.done = True
            return
        except NOT_AS_KNOWN:
            await raw.execute("ROLLBACK")
    await begin(None)


async def _prepared(raw: Any, begin: Callable[[], Awaitable[Any]]) -> None:
    """`begin()`, which executes the key's prepared re-check: prepared first on this connection's
    first (a prepared statement outlives a rollback)."""
    try:
        await begin()
    except NOT_PREPARED:
        await raw.execute("ROLLBACK")
        await raw.execute(PREPARE)
        await begin()


async def _released(raw: Any) -> None:
    """Nothing more to undo when a connection goes back to the pool than asyncpg always does (the
    ROLLBACK of a transaction an error left open). Its default reset costs a round trip on every
    release (unlock all, close cursors, unlisten, reset settings), for state worktrail never
    leaves: its locks and settings end with their transaction, and it listens to nothing. (The
    key check's prepared statement, key_check.py, is kept on purpose: a connection prepares it once.)"""


def _busy() -> ToolError:
    return ToolError(
        "rate_limited",
        "The ledger is busy: other writers held it for the whole wait. Nothing was changed; call again.",
        {"reason": "database_busy", "retry_after_ms": 1000},
    )


async def _vacuum_secrets(raw: Any) -> None:
    """Deleted secrets leave the table's pages now, not at the next autovacuum (they stay in the
    WAL until PostgreSQL recycles it; the README says for how long)."""
    await raw.execute("VACUUM workflow_secret")


def _why(error: BaseException, location: Location) -> str:
    """One line naming the server or database and what went wrong."""
    if isinstance(error, asyncpg.InvalidCatalogNameError):
        name = (location.url or "").rsplit("/", 1)[-1].split("?", 1)[0]
        return f"{location.shown}: the database {name} does not exist; create it first: createdb {name}"
    if isinstance(error, asyncpg.InvalidPasswordError | asyncpg.InvalidAuthorizationSpecificationError):
        return f"{location.shown}: the server refused the user or password: {error}"
    return f"{location.shown}: cannot reach the PostgreSQL server: {error}"
