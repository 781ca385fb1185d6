"""Random JSON thrown at ts.tsk.update and ts.rtr.update never finds an internal error, and never
half-applies."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from anyio.from_thread import BlockingPortal, start_blocking_portal
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from tests.conftest import Agent, connect
from worktrail.domain.clock import SystemClock, format_ts
from worktrail.store.audit import Origin
from worktrail.store.store import Store
from worktrail.tools.call_options import published_input_schema
from worktrail.tools.catalog import ALL_TOOLS
from worktrail.tools.rituals.runs import RunUpdate
from worktrail.tools.tasks.tasks import TaskUpdate

FIELDS = list(TaskUpdate.model_fields)
scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(max_size=20)
    | st.sampled_from(
        ["planned", "active", "done", "canceled", "", "2026-03-01", "2026-03-01T10:00:00Z", "tsk_x", "edv_x", "me"]
    )
)
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=6,
)
anything = st.dictionaries(st.sampled_from(FIELDS) | st.text(max_size=8), json_values, max_size=6)
statuses = st.sampled_from(["planned", "active", "done", "canceled"])
numbers = st.integers(-5, 10**6) | st.floats(allow_nan=True, allow_infinity=True)
plausible = st.fixed_dictionaries(
    {},
    optional={
        "title": st.text(min_size=1, max_size=30).filter(str.strip) | st.just("x" * 501),
        "description": st.text(max_size=30),
        "status": statuses,
        "endeavour_id": st.sampled_from(["", "edv_missing"]),
        "assignee_id": st.sampled_from(["", "res_missing"]),
        "estimate": st.floats(0, 1000) | numbers,
        "actual": st.floats(0, 1000) | numbers,
        "due_date": st.sampled_from(["", "2026-03-01", "2026-03-01T10:00:00+02:00", "2026-03-01T10:00", "2026-13-01"]),
        "canceled_reason": st.text(min_size=1, max_size=10).filter(str.strip),
        "metadata": st.dictionaries(st.text(max_size=5), json_values, max_size=3),
    },
)
arguments = anything | plausible


@pytest.fixture(scope="module")
def agent(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[BlockingPortal, Agent, str]]:
    db = tmp_path_factory.mktemp("fuzz") / "fuzz.db"
    with start_blocking_portal(backend="asyncio") as portal:
        store = portal.call(Store.open, str(db))
        owner = portal.call(store.keys.bootstrap_owner, Origin(None, "fuzz", format_ts(SystemClock().now())), "o")
        with portal.wrap_async_context_manager(connect(store, owner[2])) as connected:
            task = portal.call(connected.ok, "ts.tsk.create", {"title": "fuzzed"})
            yield portal, connected, task["id"]
        portal.call(store.close)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(args=arguments, use_real_id=st.booleans())
def test_random_arguments_never_cause_an_internal_error(
    agent: tuple[BlockingPortal, Agent, str], args: dict[str, Any], use_real_id: bool
) -> None:
    portal, connected, task_id = agent
    if use_real_id:
        args = {**args, "id": task_id}
    before = portal.call(connected.ok, "ts.tsk.get", {"id": task_id})
    is_error, payload = portal.call(connected.call, "ts.tsk.update", args)
    event(payload["error"]["code"] if is_error else "updated")
    if is_error:
        assert payload["error"]["code"] in {"invalid_input", "invalid_transition", "not_found", "forbidden"}, payload
        assert portal.call(connected.ok, "ts.tsk.get", {"id": task_id}) == before, "a refused call changed nothing"
    else:
        assert payload["id"] == task_id and payload["updated_fields"]


RUN_FIELDS = list(RunUpdate.model_fields)
run_statuses = st.sampled_from(["running", "succeeded", "failed", "skipped", "done"])
run_plausible = st.fixed_dictionaries(
    {},
    optional={
        "status": run_statuses,
        "result_summary": st.text(max_size=30),
        "effects": st.dictionaries(st.text(max_size=5), json_values, max_size=3) | json_values,
        "error": st.fixed_dictionaries({"code": st.text(max_size=5), "message": st.text(max_size=10)}) | json_values,
        "metadata": st.dictionaries(st.text(max_size=5), json_values, max_size=3),
    },
)
run_arguments = (
    st.dictionaries(st.sampled_from(RUN_FIELDS) | st.text(max_size=8), json_values, max_size=5) | run_plausible
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(first=run_plausible, then=run_arguments)
def test_random_run_updates_never_cause_an_internal_error_or_rewrite_an_outcome(
    agent: tuple[BlockingPortal, Agent, str], first: dict[str, Any], then: dict[str, Any]
) -> None:
    portal, connected, _ = agent
    ritual = portal.call(connected.ok, "ts.rtl.create", {"name": "fuzzed", "prompt": "p"})
    run_id = portal.call(connected.ok, "ts.rtr.create", {"ritual_id": ritual["id"]})["id"]
    for args in (first, then):
        before = portal.call(connected.ok, "ts.rtr.get", {"id": run_id})
        is_error, payload = portal.call(connected.call, "ts.rtr.update", {**args, "id": run_id})
        event(payload["error"]["code"] if is_error else "updated")
        after = portal.call(connected.ok, "ts.rtr.get", {"id": run_id})
        if is_error:
            assert payload["error"]["code"] in {"invalid_input", "not_found"}, payload
            assert after == before, "a refused call changed nothing"
            continue
        assert payload["id"] == run_id and payload["updated_fields"]
        if before["status"] != "running":  # finished: only metadata may have changed
            keep = {k: v for k, v in before.items() if k not in ("metadata", "updated_at", "version")}
            assert {k: v for k, v in after.items() if k not in ("metadata", "updated_at", "version")} == keep


def _integers(schema: Any, path: tuple[str | int, ...] = ()) -> Iterator[tuple[tuple[str | int, ...], dict[str, Any]]]:
    if isinstance(schema, dict):
        if schema.get("type") == "integer":
            yield path, schema
        for key, value in schema.items():
            yield from _integers(value, (*path, key))
    elif isinstance(schema, list):
        for i, value in enumerate(schema):
            yield from _integers(value, (*path, i))


def test_every_integer_a_tool_takes_has_a_maximum() -> None:
    unbounded = [
        (t.name, ".".join(map(str, path)))
        for t in ALL_TOOLS
        for path, schema in _integers(published_input_schema(t))
        if "maximum" not in schema
    ]
    assert unbounded == []


TOP_LEVEL_INTEGERS = [
    (t.name, name, prop["maximum"])
    for t in ALL_TOOLS
    for name, prop in published_input_schema(t)["properties"].items()
    if prop.get("type") == "integer"
]


@pytest.mark.parametrize("over", [1, 2**63, 2**64])
@pytest.mark.parametrize(("tool", "field", "maximum"), TOP_LEVEL_INTEGERS)
def test_an_integer_past_its_maximum_is_invalid_input_naming_the_field(
    agent: tuple[BlockingPortal, Agent, str], tool: str, field: str, maximum: int, over: int
) -> None:
    portal, connected, task_id = agent
    value = maximum + 1 if over == 1 else over
    is_error, payload = portal.call(connected.call, tool, {"id": task_id, field: value})
    assert is_error and payload["error"]["code"] == "invalid_input", payload
    assert [field] in [d["loc"] for d in payload["error"]["details"]], payload
