"""The rituals family (seed 000): ts.rtl, recurring procedures, and ts.rtr, their runs."""

from __future__ import annotations

from worktrail.tools.rituals import rituals, runs

TOOLS = (*rituals.TOOLS, *runs.TOOLS)
