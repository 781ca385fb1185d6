"""The lifecycle engine against every declared lifecycle: every allowed and every refused move."""

from __future__ import annotations

import itertools

import pytest

from worktrail.domain.errors import ToolError
from worktrail.domain.lifecycle import Lifecycle, transition
from worktrail.domain.lifecycles import ENDEAVOUR, RESOURCE, RITUAL, RITUAL_RUN, TASK

NOW = "2026-02-06T14:00:00Z"
EARLIER = "2026-02-06T09:00:00Z"

# Seed 001's table, written out independently of the declaration it checks.
TASK_ALLOWED = {
    ("planned", "active"), ("planned", "canceled"),
    ("active", "done"), ("active", "canceled"), ("active", "planned"),
    ("done", "active"),
    ("canceled", "planned"),
}  # fmt: skip
ENDEAVOUR_ALLOWED = {
    ("active", "on_hold"), ("active", "completed"), ("active", "archived"),
    ("on_hold", "active"), ("on_hold", "archived"),
    ("completed", "active"), ("completed", "archived"),
}  # fmt: skip
RESOURCE_ALLOWED = {("active", "inactive"), ("inactive", "active")}
# Seed 000's table: only running -> succeeded | failed | skipped.
RITUAL_RUN_ALLOWED = {("running", "succeeded"), ("running", "failed"), ("running", "skipped")}
RITUAL_ALLOWED = {("active", "archived"), ("archived", "active")}
LIFECYCLES = (
    (TASK, TASK_ALLOWED),
    (ENDEAVOUR, ENDEAVOUR_ALLOWED),
    (RESOURCE, RESOURCE_ALLOWED),
    (RITUAL_RUN, RITUAL_RUN_ALLOWED),
    (RITUAL, RITUAL_ALLOWED),
)

CASES = [
    (lifecycle, a, b, (a, b) in allowed)
    for lifecycle, allowed in LIFECYCLES
    for a, b in itertools.product(lifecycle.states, repeat=2)
]


@pytest.mark.parametrize(
    ("lifecycle", "current", "requested", "allowed"), CASES, ids=[f"{c[0].entity}:{c[1]}->{c[2]}" for c in CASES]
)
def test_every_move_is_allowed_or_refused_as_declared(
    lifecycle: Lifecycle, current: str, requested: str, allowed: bool
) -> None:
    if allowed:
        assert transition(lifecycle, current, requested, {}, NOW)["status"] == requested
        return
    with pytest.raises(ToolError) as refused:
        transition(lifecycle, current, requested, {}, NOW)
    assert refused.value.code == ("invalid_input" if lifecycle is RITUAL_RUN else "invalid_transition")
    assert refused.value.details == {
        "current_status": current,
        "requested_status": requested,
        "allowed": list(lifecycle.allowed(current)),
    }


def test_a_move_to_the_current_status_says_it_is_already_there() -> None:
    with pytest.raises(ToolError) as refused:
        transition(TASK, "done", "done", {}, NOW)
    assert "already done" in refused.value.message


def test_archived_endeavour_is_final_with_no_allowed_moves() -> None:
    assert ENDEAVOUR.terminal == frozenset({"archived"})
    with pytest.raises(ToolError) as refused:
        transition(ENDEAVOUR, "archived", "active", {}, NOW)
    assert refused.value.details["allowed"] == []
    assert "final" in refused.value.message


def test_task_stamps_started_at_only_on_first_activation() -> None:
    assert transition(TASK, "planned", "active", {"started_at": None}, NOW)["started_at"] == NOW
    assert transition(TASK, "planned", "active", {"started_at": EARLIER}, NOW)["started_at"] == EARLIER


def test_task_stamps_completed_at_and_canceled_at() -> None:
    assert transition(TASK, "active", "done", {}, NOW)["completed_at"] == NOW
    assert transition(TASK, "active", "canceled", {}, NOW)["canceled_at"] == NOW


def test_reopening_clears_the_stamp_of_the_state_it_leaves() -> None:
    assert transition(TASK, "done", "active", {"started_at": EARLIER}, NOW) == {
        "status": "active",
        "completed_at": None,
        "started_at": EARLIER,
    }
    assert transition(TASK, "canceled", "planned", {}, NOW) == {
        "status": "planned",
        "canceled_at": None,
        "canceled_reason": None,
    }


def test_every_finished_run_state_stamps_finished_at_and_is_final() -> None:
    assert RITUAL_RUN.terminal == frozenset({"succeeded", "failed", "skipped"})
    for status in RITUAL_RUN.terminal:
        assert transition(RITUAL_RUN, "running", status, {}, NOW) == {"status": status, "finished_at": NOW}


def test_a_lifecycle_with_an_undeclared_target_is_rejected_at_declaration() -> None:
    with pytest.raises(ValueError):
        Lifecycle(entity="x", initial="a", moves={"a": ("b",)})


def test_refusal_code_comes_from_the_declaration() -> None:
    lifecycle = Lifecycle(
        entity="run", initial="running", moves={"running": ("done",), "done": ()}, refused_code="invalid_input"
    )
    with pytest.raises(ToolError) as refused:
        transition(lifecycle, "done", "running", {}, NOW)
    assert refused.value.code == "invalid_input"
