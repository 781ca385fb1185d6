"""A task as a card on the board: its title, its endeavour and assignee by name (and while it is
claimed, who holds its lease and until when), its due date (flagged when overdue), its estimate
and actual hours, and when it last changed. The names come from one read for the whole page
(`BoardNames`), never one per card."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from worktrail.board.timefmt import moment
from worktrail.domain.lifecycles import TASK

# A task still to be done can be late; a done or canceled one cannot.
OPEN = ("planned", "active")


def hours(value: Any) -> str:
    """Hours as people write them: `3 h`, `1.5 h`; `-` for none."""
    if not isinstance(value, int | float):
        return "-"
    return f"{value:g} h"


def overdue(task: dict[str, Any], now: datetime) -> bool:
    """Still open and past its due date (a date is due by the end of that day, UTC)."""
    due = moment(task.get("due_date") or "")
    if due is None or task["status"] not in OPEN:
        return False
    if len(task["due_date"]) == 10:
        return due.date() < now.date()
    return due < now


@dataclass(frozen=True)
class Card:
    task: dict[str, Any]
    endeavour: str | None  # its name (its id when the name is not to be had)
    assignee: str | None
    overdue: bool
    holder: str | None = None  # who holds its lease (ts.tsk.claim), by name
    key: str = field(default_factory=lambda: uuid.uuid4().hex)  # its move form's idempotency key

    @property
    def moves(self) -> tuple[str, ...]:
        """Where its move form may take it: the lifecycle's next statuses, but canceled, which asks
        why (on the task's page, or when a card is dragged there)."""
        return tuple(to for to in TASK.allowed(self.task["status"]) if to != "canceled")


def cards(tasks: list[dict[str, Any]], names: dict[str, str], now: datetime) -> list[Card]:
    """The tasks as cards, with the names `names` holds."""

    def name(ref: str | None) -> str | None:
        return None if not ref else names.get(ref, ref)

    return [Card(t, name(t.get("endeavour_id")), name(t.get("assignee_id")), overdue(t, now),
                 name(t.get("lease_holder_id"))) for t in tasks]  # fmt: skip


def referenced(tasks: list[dict[str, Any]]) -> set[str]:
    """The endeavours and resources `tasks` name: what a page needs the names of."""
    return {ref for t in tasks for ref in (t.get("endeavour_id"), t.get("assignee_id"), t.get("lease_holder_id")) if ref}
