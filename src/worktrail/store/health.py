"""What `worktrail check` asks of a store about itself: is it sound, at which schema version, and
is the task search index in step with the tasks. Each backend answers its own way
(sqlite/health.py, postgresql/health.py); the counts and the owner are asked the same way of both
(maintenance.py)."""

from __future__ import annotations

from dataclasses import dataclass, field

SEARCH_OUT_OF_STEP = "the task search index is out of step with the tasks"
REBUILD_HINT = f"{SEARCH_OUT_OF_STEP}: rebuild it with worktrail check --repair"
DEPENDENCIES_OUT_OF_STEP = "tasks' counts of open dependencies are out of step with their relations"


@dataclass
class Health:
    """The store's own verdict: problems found (none when sound), notes on what it could not check,
    and the schema version it is at."""

    schema_version: int
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
