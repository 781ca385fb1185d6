"""A task's dependencies as the store keeps them: the cycle check of a new one, each task's count
of open dependencies (schema.py says why it is kept), and the ids that block a task.

All of it runs inside the caller's write transaction. Writes are one at a time on both stores
(SQLite's write lock, PostgreSQL's advisory write lock: postgresql/database.py), so the graph a
cycle check reads cannot change before its insert commits: two racing inserts cannot close a
cycle between them."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from worktrail.store.connection import Connection

DEPENDS_ON = "depends_on"
# Ids per `IN (...)` of one step of the walk (well under either store's parameter limit).
CHUNK = 500


async def _depended_on(conn: Connection, task_ids: Sequence[str]) -> list[tuple[str, str]]:
    """(task, a task it depends on) for every dependency of `task_ids`."""
    found: list[tuple[str, str]] = []
    for start in range(0, len(task_ids), CHUNK):
        chunk = task_ids[start : start + CHUNK]
        rows = await conn.fetchall(
            "SELECT source_entity_id, target_entity_id FROM relation WHERE source_entity_id IN "
            f"({', '.join('?' for _ in chunk)}) AND relationship_type = ?",
            [*chunk, DEPENDS_ON],
        )
        found += [(row[0], row[1]) for row in rows]
    return found


async def closing_path(conn: Connection, source_id: str, target_id: str) -> list[str] | None:
    """The cycle `source depends_on target` would close (source -> target -> ... -> source), or
    None: a walk from the target along what it depends on, one query a step, to the source."""
    if source_id == target_id:
        return [source_id, source_id]
    came_from: dict[str, str] = {target_id: source_id}
    frontier = [target_id]
    while frontier:
        reached: list[str] = []
        for waiting, awaited in await _depended_on(conn, frontier):
            if awaited in came_from:
                continue
            came_from[awaited] = waiting
            if awaited == source_id:
                path = [source_id]
                while path[-1] != target_id:
                    path.append(came_from[path[-1]])
                return [source_id, *reversed(path)]
            reached.append(awaited)
        frontier = reached
    return None


async def count_open(conn: Connection, task_ids: Iterable[str], change: int) -> None:
    """Add `change` (+1, -1) to the open dependencies of each of `task_ids`."""
    for task_id in task_ids:
        await conn.execute(
            "UPDATE task SET open_dependencies = open_dependencies + ? WHERE id = ?", (change, task_id)
        )


async def status_moved(conn: Connection, task_id: str, before: str, after: str) -> None:
    """A task's status changed: the tasks that depend on it gain an open dependency when it
    leaves `done`, lose one when it reaches it (one statement, on the index of targets)."""
    change = -1 if after == "done" else 1 if before == "done" else 0
    if change and before != after:
        await conn.execute(
            "UPDATE task SET open_dependencies = open_dependencies + ? WHERE id IN (SELECT source_entity_id "
            "FROM relation WHERE target_entity_id = ? AND relationship_type = ?)",
            (change, task_id, DEPENDS_ON),
        )


async def blocked_by(conn: Connection, task_id: str) -> list[str]:
    """The ids of the tasks `task_id` depends on that are not done, in the order they were related."""
    rows = await conn.fetchall(
        "SELECT t.id FROM relation r JOIN task t ON t.id = r.target_entity_id WHERE r.source_entity_id = ? "
        "AND r.relationship_type = ? AND t.status != 'done' ORDER BY r.rowid",
        (task_id, DEPENDS_ON),
    )
    return [row[0] for row in rows]


# A task's open dependencies counted from its relations, as `count_open` and `status_moved` keep them.
_COUNTED = (
    "(SELECT COUNT(*) FROM relation r JOIN task d ON d.id = r.target_entity_id "
    "WHERE r.source_entity_id = task.id AND r.relationship_type = ? AND d.status != 'done')"
)


async def miscounted(conn: Connection) -> int:
    """How many tasks' kept counts of open dependencies differ from their relations (a change
    made behind the store's back: a restore of one table, an edit by hand)."""
    row = await conn.fetchone(f"SELECT COUNT(*) FROM task WHERE open_dependencies != {_COUNTED}", (DEPENDS_ON,))
    return int(row[0])


async def recount(conn: Connection) -> int:
    """Count every task's open dependencies again from its relations; how many changed."""
    wrong = await miscounted(conn)
    if wrong:
        await conn.execute(
            f"UPDATE task SET open_dependencies = {_COUNTED} WHERE open_dependencies != {_COUNTED}",
            (DEPENDS_ON, DEPENDS_ON),
        )
    return wrong
