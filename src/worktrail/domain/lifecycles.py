"""Every lifecycle worktrail keeps, declared as data."""

from __future__ import annotations

from worktrail.domain import leases
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
    # Leaving active ends a claim's lease (domain/leases.py), by whatever path the task leaves it.
    clears={"done": ("completed_at",), "canceled": ("canceled_at", "canceled_reason"), "active": leases.COLUMNS},
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

# Seed 000 (ts.rtr.update): a run starts running and ends once; a refused move is invalid_input.
RITUAL_RUN = Lifecycle(
    entity="ritual run",
    initial="running",
    moves={
        "running": ("succeeded", "failed", "skipped"),
        "succeeded": (),
        "failed": (),
        "skipped": (),
    },
    stamps={"succeeded": "finished_at", "failed": "finished_at", "skipped": "finished_at"},
    stale={"running": "failed"},
    refused_code="invalid_input",
    common={"running": "running", "succeeded": "succeeded", "failed": "failed", "skipped": "succeeded"},
)

RITUAL = Lifecycle(
    entity="ritual",
    initial="active",
    moves={"active": ("archived",), "archived": ("active",)},
    stamps={"archived": "archived_at"},
    clears={"archived": ("archived_at",)},
    refused_code="invalid_transition",
)

# Seed 003 (mission runs): the seed publishes no table; this is ours (the issue's), refused with
# invalid_transition. started_at is the creation time, stamped again when a pending run starts.
MISSION_RUN = Lifecycle(
    entity="mission run",
    initial="running",
    moves={
        "pending": ("running", "cancelled", "failed"),
        "running": ("paused", "succeeded", "failed", "cancelled"),
        "paused": ("running", "cancelled", "failed"),
        "succeeded": (),
        "failed": (),
        "cancelled": (),
    },
    stamps={"succeeded": "finished_at", "failed": "finished_at", "cancelled": "finished_at"},
    move_stamps={("pending", "running"): "started_at"},
    stale={"running": "failed", "paused": "failed"},
    refused_code="invalid_transition",
    common={
        "pending": "queued",
        "running": "running",
        "paused": "paused",
        "succeeded": "succeeded",
        "failed": "failed",
        "cancelled": "cancelled",
    },
)

PLAN_STEP = Lifecycle(
    entity="plan step",
    initial="pending",
    moves={
        "pending": ("in_progress", "skipped"),
        "in_progress": ("completed", "failed", "pending"),
        "completed": (),
        "failed": (),
        "skipped": (),
    },
    stamps={
        "in_progress": "started_at",
        "completed": "completed_at",
        "failed": "completed_at",
        "skipped": "completed_at",
    },
    refused_code="invalid_transition",
)

# Seed 004 (workflow runs): the seed's five statuses; a final run is left only through retry.
WORKFLOW_RUN = Lifecycle(
    entity="workflow run",
    initial="scheduling",
    moves={
        "scheduling": ("running", "cancelled", "error"),
        "running": ("success", "error", "cancelled"),
        "success": (),
        "error": (),
        "cancelled": (),
    },
    stamps={"running": "started_at", "success": "ended_at", "error": "ended_at", "cancelled": "ended_at"},
    stale={"running": "error"},
    refused_code="invalid_transition",
    common={
        "scheduling": "queued",
        "running": "running",
        "success": "succeeded",
        "error": "failed",
        "cancelled": "cancelled",
    },
)

# Retry (seed 004's system): the one way out of a final workflow run, back to scheduling, in place.
WORKFLOW_RETRY = Lifecycle(
    entity="workflow run",
    initial="scheduling",
    moves={
        "success": ("scheduling",),
        "error": ("scheduling",),
        "cancelled": ("scheduling",),
        "scheduling": (),
        "running": (),
    },  # fmt: skip
    refused_code="invalid_transition",
)

# Seed 002 (executions): an update settles a running or an interrupted execution; `interrupted` is
# set only by the sweep, when the process that ran it is gone, and is not final (no finished_at).
EXECUTION = Lifecycle(
    entity="execution",
    initial="running",
    moves={
        "running": ("completed", "failed", "cancelled", "interrupted"),
        "interrupted": ("completed", "failed", "cancelled"),
        "completed": (),
        "failed": (),
        "cancelled": (),
    },
    stamps={"completed": "finished_at", "failed": "finished_at", "cancelled": "finished_at"},
    stale={"running": "interrupted"},
    refused_code="invalid_transition",
    common={
        "running": "running",
        "interrupted": "interrupted",
        "completed": "succeeded",
        "failed": "failed",
        "cancelled": "cancelled",
    },
)

TASK_STATUSES = TASK.states
