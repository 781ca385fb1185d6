"""The endeavours family: ts.edv, the bodies of work that tasks belong to."""

from __future__ import annotations

from worktrail.tools.endeavours import endeavours

TOOLS = endeavours.TOOLS
