"""The resources family: ts.key, the API keys that identify them, and ts.res, the people and
agents who do the work."""

from __future__ import annotations

from worktrail.tools.resources import keys, resources

TOOLS = (*keys.TOOLS, *resources.TOOLS)
