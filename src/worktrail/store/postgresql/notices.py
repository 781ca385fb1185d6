"""Changes heard as they commit, on PostgreSQL: a statement trigger on the change record (and on
the count of ended board sessions, so a logout is heard too) sends NOTIFY (after commit, once per writing statement, naming the ledger's schema), and one
connection per process LISTENs. Nobody polls; a lost connection is opened again, and a tick
after it says that something may have been missed meanwhile."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

import anyio
import asyncpg

log = logging.getLogger(__name__)

CHANNEL = "worktrail_change"
# Ticks also come this often with nothing heard, in case a notice was lost with its connection.
QUIET_TICK = 30.0

# Part of migration 12 on PostgreSQL (the board's sessions), beside the shared tables.
NOTIFY_CHANGES = f"""
CREATE FUNCTION change_record_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('{CHANNEL}', current_schema());
    RETURN NULL;
END
$$;
CREATE TRIGGER change_record_notify AFTER INSERT ON change_record
    FOR EACH STATEMENT EXECUTE FUNCTION change_record_notify();
"""

# Part of migration 32 on PostgreSQL: a task's create is kept on its row (audit_creates.py), and
# heard as the change record it was.
NOTIFY_CREATES = """
CREATE TRIGGER task_create_notify AFTER INSERT ON task
    FOR EACH STATEMENT EXECUTE FUNCTION change_record_notify();
"""

# Part of migration 15 on PostgreSQL: a board session's end is heard as a commit is.
NOTIFY_SESSION_ENDS = """
CREATE TRIGGER board_session_ends_notify AFTER UPDATE ON board_session_ends
    FOR EACH STATEMENT EXECUTE FUNCTION change_record_notify();
"""


async def notices(url: str, period: float) -> AsyncIterator[None]:
    """A tick at once, then one after each commit that wrote change records (at most one every
    `period`), for as long as the caller iterates."""
    while True:
        try:
            conn = await asyncpg.connect(url, server_settings={"application_name": "worktrail board"})
        except (OSError, asyncpg.PostgresError) as error:
            log.warning("cannot listen for changes (%s); trying again", type(error).__name__)
            await anyio.sleep(max(period, 2.0))
            continue
        try:
            schema = await conn.fetchval("SELECT current_schema()")
            heard = [anyio.Event()]

            def note(_conn: object, _pid: int, _channel: str, payload: str, ours: str = schema,
                     heard: list[anyio.Event] = heard) -> None:  # fmt: skip
                if payload == ours:
                    heard[0].set()

            await conn.add_listener(CHANNEL, note)
            while not conn.is_closed():
                yield
                await anyio.sleep(period)
                with anyio.move_on_after(QUIET_TICK):
                    await heard[0].wait()
                heard[0] = anyio.Event()
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as error:
            log.warning("lost the connection that listens for changes (%s); opening it again", type(error).__name__)
        finally:
            if not conn.is_closed():
                await conn.close()
