"""Every lifecycle worktrail keeps, declared as data."""

from __future__ import annotations

from worktrail.domain.lifecycle import Lifecycle

# Seed 001 (ts.tsk.update): the transition table and its automatic timestamps, to the letter.
TASK = Lifecycle(
    entity="task",
    initial="planned",
    moves={
        "planned": ("active", "canceled"),
        "active": ("done", "canceled", "planned"),
        "done": ("active",),
        "canceled": ("planned",),
    },
    stamps={"active": "started_at", "done": "completed_at", "canceled": "canceled_at"},
    stamp_once=frozenset({"started_at"}),
    clears={"done": ("completed_at",), "canceled": ("canceled_at", "canceled_reason")},
    refused_code="invalid_transition",
)

ENDEAVOUR = Lifecycle(
    entity="endeavour",
    initial="active",
    moves={
        "active": ("on_hold", "completed", "archived"),
        "on_hold": ("active", "archived"),
        "completed": ("active", "archived"),
        "archived": (),
    },
    stamps={"completed": "completed_at", "archived": "archived_at"},
    clears={"completed": ("completed_at",)},
    refused_code="invalid_transition",
)

RESOURCE = Lifecycle(
    entity="resource",
    initial="active",
    moves={"active": ("inactive",), "inactive": ("active",)},
    refused_code="invalid_transition",
)

TASK_STATUSES = TASK.states
