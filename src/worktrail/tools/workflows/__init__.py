"""The workflows toolset (seed 004): ts.wfl, ts.wrn and ts.att."""

from __future__ import annotations

from worktrail.tools.workflows import attachments, runs, workflows

TOOLS = (*workflows.TOOLS, *runs.TOOLS, *attachments.TOOLS)
