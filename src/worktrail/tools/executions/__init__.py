"""The executions toolset (seed 002), and the tools that keep runs of every kind from lying
"running" forever (ts.run.*)."""

from __future__ import annotations

from worktrail.tools.executions import executions, recovery

TOOLS = (*executions.TOOLS, *recovery.TOOLS)
