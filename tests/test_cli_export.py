"""`worktrail export`, `worktrail key list` and `worktrail tools --toolsets`: what a user reaches for."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from tests.conftest import Agent
from tests.conftest import run_worktrail as worktrail
from tests.test_tool_list_budget import listed_tokens
from worktrail.cli.parser import EXPORT_KINDS
from worktrail.store import export
from worktrail.store.store import Store
from worktrail.tools.catalog import select

pytestmark = pytest.mark.processes


def test_the_parser_offers_every_kind_the_store_exports() -> None:
    assert EXPORT_KINDS == tuple(kind.name for kind in export.KINDS)


def test_export_streams_every_row_of_every_kind_and_never_a_secret_or_key(
    initialised: tuple[Path, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    db, key = initialised
    env = {"WORKTRAIL_API_KEY": key}
    for n in range(3):
        assert (
            worktrail("call", "ts.tsk.create", json.dumps({"title": f"task {n}"}), "--db", str(db), env=env).returncode
            == 0
        )
    flow = json.loads(
        worktrail("call", "ts.wfl.create", '{"name": "w", "main_prompt": "p"}', "--db", str(db), env=env).stdout
    )
    run = {"workflow_id": flow["id"], "sensitive_input_values": {"pw": "hunter2-secret"}}
    assert worktrail("call", "ts.wrn.create", json.dumps(run), "--db", str(db), env=env).returncode == 0
    done = worktrail("export", "--db", str(db))
    assert done.returncode == 0, done.stderr
    rows = [json.loads(line) for line in done.stdout.splitlines()]
    by_kind: dict[str, list[dict]] = {}
    for row in rows:
        by_kind.setdefault(row["_kind"], []).append(row)
    assert [r["title"] for r in by_kind["tasks"]] == ["task 0", "task 1", "task 2"], "in storing order"
    assert by_kind["tasks"][0]["metadata"] == {}, "JSON columns as JSON"
    assert len(by_kind["workflow_runs"]) == 1 and len(by_kind["keys"]) == 1
    owner_id = by_kind["keys"][0]["resource_id"]
    assert by_kind["workflow_runs"][0]["created_by"] == owner_id, "who created the run"
    assert ["name_key" in r for r in by_kind["resources"]] == [False], "not the key derived from the name"
    assert "hunter2-secret" not in done.stdout and key not in done.stdout and "key_hash" not in done.stdout
    assert f"exported {len(rows):,} rows" in done.stderr


def test_export_has_the_relations_and_not_the_count_kept_from_them(initialised: tuple[Path, str]) -> None:
    db, key = initialised
    env = {"WORKTRAIL_API_KEY": key}
    made = [json.loads(worktrail("call", "ts.tsk.create", json.dumps({"title": t}), "--db", str(db), env=env).stdout)["id"]
            for t in ("waits", "first")]  # fmt: skip
    relation = {"relationship_type": "depends_on", "source_entity_type": "task", "source_entity_id": made[0],
                "target_entity_type": "task", "target_entity_id": made[1], "metadata": {"why": "order"}}  # fmt: skip
    assert worktrail("call", "ts.rel.create", json.dumps(relation), "--db", str(db), env=env).returncode == 0
    done = worktrail("export", "--kind", "relations", "--kind", "tasks", "--db", str(db))
    assert done.returncode == 0, done.stderr
    rows = [json.loads(line) for line in done.stdout.splitlines()]
    (exported,) = [r for r in rows if r["_kind"] == "relations"]
    assert {k: exported[k] for k in relation} == relation and exported["id"].startswith("rel_")
    assert all("open_dependencies" not in r for r in rows if r["_kind"] == "tasks") and len(rows) == 3


def test_export_one_kind_as_csv_since_a_moment(initialised: tuple[Path, str]) -> None:
    db, key = initialised
    env = {"WORKTRAIL_API_KEY": key}
    assert (
        worktrail("call", "ts.tsk.create", '{"title": "a, with \\"quotes\\""}', "--db", str(db), env=env).returncode
        == 0
    )
    done = worktrail("export", "--db", str(db), "--kind", "tasks", "--format", "csv", "--since", "2000-01-01")
    rows = list(csv.DictReader(io.StringIO(done.stdout)))
    assert done.returncode == 0 and [r["title"] for r in rows] == ['a, with "quotes"'] and rows[0]["metadata"] == "{}"
    later = worktrail("export", "--db", str(db), "--kind", "tasks", "--since", "2999-01-01")
    assert later.returncode == 0 and later.stdout == ""
    both = worktrail("export", "--db", str(db), "--format", "csv")
    assert both.returncode == 1 and "--kind" in both.stderr


@pytest.mark.anyio
async def test_export_reads_in_batches_in_storing_order(owner: Agent, store: Store) -> None:
    made = [(await owner.ok("ts.tsk.create", {"title": f"t{n}"}))["id"] for n in range(12)]
    sizes, seen = [], []
    kind = export.BY_NAME["tasks"]
    original = export.BATCH
    export.BATCH = 5  # a batch at a time: memory holds one batch, whatever the ledger's size
    try:
        async for batch in store.export.rows(kind, None):
            sizes.append(len(batch))
            seen += [row["id"] for row in batch]
    finally:
        export.BATCH = original
    assert sizes == [5, 5, 2] and seen == made


def test_key_list_shows_every_key_and_never_a_key(initialised: tuple[Path, str]) -> None:
    db, key = initialised
    spare = json.loads(worktrail("key", "create", "--db", str(db), "--name", "laptop", "--json").stdout)
    worktrail("key", "revoke", "--db", str(db), spare["id"])
    done = worktrail("key", "list", "--db", str(db))
    assert done.returncode == 0 and "2 keys, 1 active" in done.stdout
    line = next(line for line in done.stdout.splitlines() if spare["id"] in line)
    assert "laptop" in line and "owner" in line and line.split()[-1].endswith("Z"), "revoked at"
    as_json = [json.loads(x) for x in worktrail("key", "list", "--db", str(db), "--json").stdout.splitlines()]
    assert {k["id"] for k in as_json} >= {spare["id"]} and "last_used_at" in as_json[0]
    assert key not in done.stdout and spare["api_key"] not in done.stdout


@pytest.mark.anyio
@pytest.mark.parametrize("toolsets", ["core", "core,missions", "executions"])
async def test_tools_toolsets_lists_those_tools_and_what_they_cost(store: Store, toolsets: str) -> None:
    done = worktrail("tools", "--toolsets", toolsets)
    wanted = select(toolsets.split(","))
    listed = [line.split()[0] for line in done.stdout.splitlines()[: len(wanted)]]
    assert done.returncode == 0 and listed == [t.name for t in wanted]
    tokens = await listed_tokens(store, wanted, "cursor")
    assert (
        f"{len(wanted)} tools ({toolsets.replace(',', ', ')}); their tools/list costs a model about {tokens:,} tokens"
        in done.stdout
    )
