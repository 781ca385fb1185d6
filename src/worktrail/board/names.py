"""What a page calls the ids it shows: people by name, tasks by title, a run as what it runs and
its ordinal there ("Nightly triage (ritual) · run 3"); each with the page it links to. One
`ts.name.list` call for a page's ids (per 500), never a read per row."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from worktrail.board.links import entity_url
from worktrail.board.reader import Reader

# ts.name.list takes up to this many ids in a call
BATCH = 500
# the columns of a table that name a person, shown by name
PEOPLE = ("run_by", "created_by")
# what a run's parent is called beside its name
RUN_FAMILY = {"ritual_run": "ritual", "mission_run": "mission", "workflow_run": "workflow", "execution": "config"}


@dataclass(frozen=True)
class Name:
    """An id as a page shows it: its label, and the page it links to."""

    id: str
    label: str
    url: str


def name_of(named: dict[str, Any]) -> Name:
    """A `ts.name.list` answer as a page shows it."""
    kind = named["kind"]
    if kind in RUN_FAMILY:
        label = f"{named['name']} ({RUN_FAMILY[kind]}) · run {named['number']}"
    else:
        label = named["name"]
    return Name(named["id"], label, entity_url(kind, named["id"], named.get("parent_id")))


async def names_of(reader: Reader, ids: Iterable[Any]) -> dict[str, Name]:
    """The names of `ids` (Nones and repeats ignored); an id that names nothing is left out."""
    wanted = list(dict.fromkeys(i for i in ids if isinstance(i, str) and 0 < len(i) <= 128))
    found: dict[str, Name] = {}
    for start in range(0, len(wanted), BATCH):
        for named in (await reader.ok("ts.name.list", ids=wanted[start : start + BATCH]))["names"]:
            found[named["id"]] = name_of(named)
    return found


def referenced(entity: dict[str, Any]) -> list[Any]:
    """The ids an entity's fields hold (`*_id`, `*_by`), to be named on its page."""
    return [v for k, v in entity.items() if k.endswith(("_id", "_by")) and isinstance(v, str)]
