"""The tasks family (seed 001): ts.tsk."""

from __future__ import annotations

from worktrail.tools.tasks import claims, tasks

TOOLS = (*tasks.TOOLS, *claims.TOOLS)
