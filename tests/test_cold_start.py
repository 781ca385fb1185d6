"""Cold start over stdio (issue 30): what a server's start and its first `tools/list` leave unbuilt.
Each check runs in a fresh interpreter, where no other test has built a model yet."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

# The tools' models that are complete (validator and serializer built) once the code has run.
BUILT_MODELS = """
import json
from worktrail.tools.catalog import ALL_TOOLS
{work}
models = {{m for t in ALL_TOOLS for m in (t.params, t.result)}}
print(json.dumps(sorted(m.__qualname__ for m in models if m.__pydantic_complete__)))
"""


def _built_after(work: str) -> list[str]:
    done = subprocess.run([sys.executable, "-c", BUILT_MODELS.format(work=work)],
                          capture_output=True, text=True, timeout=60)  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout)


@pytest.mark.processes
def test_the_first_tools_list_builds_no_tool_model() -> None:
    listed = "from worktrail.transport.server import Publication\nPublication(ALL_TOOLS, 'auto').listing('dotted')"
    assert _built_after(listed) == _built_after("")


@pytest.mark.processes
def test_importing_the_tools_builds_no_tool_model() -> None:
    """A model is built at the first call that needs it: a cold start built ~60 it may never use."""
    assert _built_after("") == []


def _serve(db: Path, key: str, *said: dict[str, Any]) -> tuple[list[dict[str, Any]], set[str]]:
    """A real `serve` over stdio answering `initialize` then `said`: its answers, and every module
    it imported (from `python -X importtime`'s record)."""
    hello = {"jsonrpc": "2.0", "id": 1, "method": "initialize",
             "params": {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "t", "version": "0"}}}
    lines = [hello, {"jsonrpc": "2.0", "method": "notifications/initialized"}, *said]
    served = subprocess.run([sys.executable, "-X", "importtime", "-m", "worktrail", "serve", "--db", str(db)],
                            input="".join(json.dumps(m) + "\n" for m in lines), capture_output=True, text=True,
                            timeout=60, env={**os.environ, "WORKTRAIL_API_KEY": key})  # fmt: skip
    answers = [json.loads(line) for line in served.stdout.splitlines()]
    imported = {ln.split("|")[2].strip() for ln in served.stderr.splitlines() if ln.startswith("import time:")}
    assert "worktrail.transport.stdio" in imported, served.stderr[-2000:]  # the record is read right
    return answers, imported


def _families_imported(imported: set[str]) -> list[str]:
    from worktrail.tools.catalog import FAMILIES

    # importtime may leave a package's own line out, so a family counts by any of its modules.
    named = {f"worktrail.tools.{f}": f for f in FAMILIES}
    return sorted({named[m.rsplit(".", 1)[0]] if m not in named else named[m] for m in imported
                   if m in named or m.rsplit(".", 1)[0] in named})  # fmt: skip


@pytest.mark.processes
def test_serving_tools_list_imports_no_family_of_tools(sqlite_initialised: tuple[Path, str]) -> None:
    """`tools/list` answers from the shipped catalogue and schemas: no family's module (nor its
    models, nor the store's repositories of tasks, missions, workflows) is imported to list them."""
    from worktrail.tools.catalog import ALL_TOOLS

    answers, imported = _serve(*sqlite_initialised, {"jsonrpc": "2.0", "id": 2, "method": "tools/list"})
    assert len(answers[1]["result"]["tools"]) == len(ALL_TOOLS), "every tool listed, from the shipped catalogue"
    assert _families_imported(imported) == []
    repositories = ("worktrail.store.tasks.tasks", "worktrail.store.missions.missions", "worktrail.store.workflows.runs")
    assert sorted(imported & set(repositories)) == []


@pytest.mark.processes
def test_a_tool_call_imports_its_own_family_only_and_answers(sqlite_initialised: tuple[Path, str]) -> None:
    create = {"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {"name": "ts_tsk_create", "arguments": {"title": "t"}}}
    answers, imported = _serve(*sqlite_initialised, create)
    assert answers[1]["result"]["structuredContent"]["title"] == "t", answers[1]
    assert _families_imported(imported) == ["tasks"]


@pytest.mark.processes
def test_what_serve_imports_before_its_first_answer_holds_no_store_or_registry() -> None:
    """The store's backend, its repositories, the registry and the tools' declarations are
    imported once the client has its first answer (the ledger opens behind it), not before."""
    later = ("worktrail.store.store", "worktrail.store.sqlite.database", "worktrail.tools.registry",
             "worktrail.tools.declaration", "worktrail.store.recovery", "aiosqlite")  # fmt: skip
    probe = f"import sys, worktrail.cli.main, worktrail.cli.serve; print(sorted(set({later!r}) & set(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "[]"


# A served process's collections before what start-up made was frozen (collector.py): none while
# the collector is paused, where the SDK's and worktrail's imports made ~100 of them unpaused.
COLLECTIONS_WHILE_STARTING = """
import gc, sys
before = []
gc.callbacks.append(lambda phase, info: phase == "start" and gc.get_freeze_count() == 0 and before.append(info))
sys.argv = ["worktrail", *sys.argv[1:]]
from worktrail.__main__ import main  # what `worktrail` and `python -m worktrail` run
before.clear()  # from here on: the command's own start-up
status = main()
print(status, len(before), gc.isenabled(), gc.get_freeze_count() > 0, file=sys.stderr)
"""


@pytest.mark.processes
@pytest.mark.parametrize("command", [["serve"], ["tools", "ts.tsk.update"]])
def test_start_up_runs_without_the_collector_and_resumes_it(sqlite_initialised: tuple[Path, str], command: list[str]) -> None:
    db, key = sqlite_initialised
    hello = {"jsonrpc": "2.0", "id": 1, "method": "initialize",
             "params": {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "t", "version": "0"}}}
    args = [*command, "--db", str(db)] if command == ["serve"] else command
    done = subprocess.run([sys.executable, "-c", COLLECTIONS_WHILE_STARTING, *args], input=json.dumps(hello) + "\n",
                          capture_output=True, text=True, timeout=60, env={**os.environ, "WORKTRAIL_API_KEY": key})  # fmt: skip
    status, collections, enabled, frozen = done.stderr.split()[-4:]
    assert status == "0", done.stderr[-2000:]
    assert enabled == "True", "the collector is on again once start-up is over"
    if command == ["serve"]:
        assert '"result"' in done.stdout, done.stdout
        assert frozen == "True", "what start-up made is frozen"
        assert collections == "0", "no collection walked the start-up's imports"


@pytest.mark.processes
def test_serve_builds_its_own_options_and_imports_no_client_table(sqlite_initialised: tuple[Path, str]) -> None:
    _, imported = _serve(*sqlite_initialised)
    assert sorted(imported & {"worktrail.cli.clients", "worktrail.cli.connectors", "worktrail.cli.remote_clients"}) == []
