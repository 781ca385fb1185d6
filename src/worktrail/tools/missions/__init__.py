"""The missions toolset (seed 003): ts.msn, ts.mrn, ts.pln and ts.evt."""

from __future__ import annotations

from worktrail.tools.missions import events, missions, plans, runs

TOOLS = (*missions.TOOLS, *runs.TOOLS, *plans.TOOLS, *events.TOOLS)
