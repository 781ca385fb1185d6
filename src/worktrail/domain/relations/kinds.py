"""Which relations may be made, as data: a relationship type and the entity types it joins.
Taskschmiede accepts any type between any entities; worktrail accepts what it acts on, and says so."""

from __future__ import annotations

from collections.abc import Sequence

from worktrail.domain.errors import ToolError, invalid_field

# relationship_type -> (source entity type, target entity type). `depends_on`: the source task
# waits for the target task (it is ready once every task it depends on is done).
KINDS: dict[str, tuple[str, str]] = {"depends_on": ("task", "task")}
RELATIONSHIP_TYPES = tuple(KINDS)
ENTITY_TYPES = tuple(sorted({entity for pair in KINDS.values() for entity in pair}))


def check_kind(relationship_type: str, source_entity_type: str, target_entity_type: str) -> None:
    """`invalid_input` naming the field, and what it may be, unless this relation may be made."""
    if relationship_type not in KINDS:
        raise invalid_field("relationship_type", f"must be one of: {', '.join(RELATIONSHIP_TYPES)}",
                            'e.g. {"relationship_type": "depends_on"}')  # fmt: skip
    source, target = KINDS[relationship_type]
    if source_entity_type != source:
        raise invalid_field("source_entity_type", f"must be {source!r} for {relationship_type}")
    if target_entity_type != target:
        raise invalid_field("target_entity_type", f"must be {target!r} for {relationship_type}")


def cycle(path: Sequence[str]) -> ToolError:
    """The refusal of a dependency that would close `path` (its first id is its last)."""
    shown = " -> ".join(path)
    return ToolError(
        "invalid_input",
        f"target_entity_id: this dependency would close a cycle: {shown}; a task cannot wait for itself.",
        [{"loc": ["target_entity_id"], "msg": f"would close the cycle {shown}", "type": "value_error",
          "cycle": list(path)}],
    )  # fmt: skip


def duplicate(relation_id: str) -> ToolError:
    """The refusal of a relation that exists already (Taskschmiede's code: `invalid_input`)."""
    return ToolError("invalid_input", f"This relation exists already: {relation_id}.",
                     [{"loc": [], "msg": "relation exists already", "type": "value_error", "id": relation_id}])  # fmt: skip
