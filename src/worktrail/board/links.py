"""Where each kind of entity is shown on the board: one table, used by every page and template."""

from __future__ import annotations

from urllib.parse import quote

# entity_type (as the audit trail names it) -> the page that shows it
PAGES = {
    "task": "/tasks/{id}",
    "endeavour": "/endeavours/{id}",
    "resource": "/people/{id}",
    "ritual": "/rituals/{id}",
    "ritual_run": "/ritual-runs/{id}",
    "mission": "/missions/{id}",
    "workflow": "/workflows/{id}",
    "workflow_run": "/workflow-runs/{id}",
    "attachment": "/history/{id}",
    "execution": "/executions/{id}",
    "api_key": "/keys",
}


def entity_url(entity_type: str, entity_id: str, parent_id: str | None = None) -> str:
    """The page of an entity; a mission run's needs its mission, else its history stands in."""
    if entity_type == "mission_run" and parent_id:
        return f"/missions/{quote(parent_id, safe='')}/runs/{quote(entity_id, safe='')}"
    pattern = PAGES.get(entity_type, "/history/{id}")
    return pattern.format(id=quote(entity_id, safe=""))
