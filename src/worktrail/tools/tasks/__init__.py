"""The tasks family (seed 001): ts.tsk."""

from __future__ import annotations

from worktrail.tools.tasks import tasks

TOOLS = tasks.TOOLS
