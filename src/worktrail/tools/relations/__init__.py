"""The team toolset's relations (Taskschmiede's ts.rel): a task's dependencies."""

from __future__ import annotations

from worktrail.tools.relations import relations

TOOLS = relations.TOOLS
