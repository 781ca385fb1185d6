"""Resource names are unique in a ledger, compared by `name_key` (domain/names.py), enforced by a
unique index on the stored key (migrations 15 to 17).

A ledger that already holds names alike keeps the earliest-created resource's name as it is; each
later one is renamed `name (2)`, `name (3)`, ... (a suffix whose key no resource holds), its
version counted, and the rename written to the audit trail as an update by no actor through
"worktrail upgrade"."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from worktrail.domain.ids import new_id
from worktrail.domain.names import name_key, suffixed
from worktrail.store.rewrite import Rewrite, Statement
from worktrail.store.rows import to_json

NAME_KEY_COLUMN = "ALTER TABLE resource ADD COLUMN name_key TEXT;"
NAME_KEY_UNIQUE = "CREATE UNIQUE INDEX resource_name_key ON resource(name_key);"
UPGRADE_TOOL = "worktrail upgrade"


def _keyed(rows: Sequence[tuple[Any, ...]], now: str) -> list[Statement]:
    """Rows (id, name, version), oldest first: each gets its key; a name alike an earlier one is renamed."""
    every_key = {name_key(name) for _, name, _ in rows}
    taken: set[str] = set()
    statements: list[Statement] = []
    for resource_id, name, version in rows:
        key = name_key(name)
        if key not in taken:
            taken.add(key)
            statements.append(("UPDATE resource SET name_key = ? WHERE id = ?", (key, resource_id)))
            continue
        number = 2
        while name_key(suffixed(name, number)) in every_key | taken:
            number += 1
        renamed = suffixed(name, number)
        taken.add(name_key(renamed))
        statements += [
            ("UPDATE resource SET name = ?, name_key = ?, version = ?, updated_at = ? WHERE id = ?",
             (renamed, name_key(renamed), version + 1, now, resource_id)),
            ("INSERT INTO change_record (id, at, actor_id, tool, entity_type, entity_id, action, changes, version) "
             "VALUES (?, ?, NULL, ?, 'resource', ?, 'update', ?, ?)",
             (new_id("chg"), now, UPGRADE_TOOL, resource_id, to_json({"name": [name, renamed]}), version + 1)),
        ]  # fmt: skip
    return statements


NAME_KEYS = Rewrite("SELECT id, name, version FROM resource ORDER BY created_at, rowid", _keyed)
