"""The command line: init, call, tools, demo, with their exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import peek, shown
from tests.conftest import run_worktrail as worktrail

pytestmark = pytest.mark.processes


def test_init_prints_the_key_and_a_client_configuration(tmp_path: Path) -> None:
    db = tmp_path / "human.db"
    done = worktrail("init", "--db", str(db))
    assert done.returncode == 0
    config, _ = json.JSONDecoder().raw_decode(done.stdout[done.stdout.index("{") :])
    server = config["mcpServers"]["worktrail"]
    assert server["args"][-3:] == ["serve", "--db", str(db.resolve())] and Path(server["command"]).is_absolute()
    assert server["env"]["WORKTRAIL_API_KEY"].startswith("wtk_")
    assert server["env"]["WORKTRAIL_API_KEY"] in done.stdout.split("MCP client")[0]


def test_init_twice_changes_nothing_and_exits_1(initialised: tuple[Path, str]) -> None:
    db, api_key = initialised
    again = worktrail("init", "--db", str(db), "--json")
    assert again.returncode == 1 and json.loads(again.stdout)["error"]["code"] == "conflict"
    plain = worktrail("init", "--db", str(db))
    assert plain.returncode == 1 and "already initialised" in plain.stderr and plain.stdout == ""
    assert f"worktrail key create --db {shown(db)}" in plain.stderr, "a second init points to key create"
    still = worktrail("call", "ts.auth.whoami", "--db", str(db), env={"WORKTRAIL_API_KEY": api_key})
    assert still.returncode == 0


def test_call_success_tool_error_and_usage_exit_codes(initialised: tuple[Path, str], tmp_path: Path) -> None:
    db, api_key = initialised
    env = {"WORKTRAIL_API_KEY": api_key}
    created = worktrail("call", "ts.tsk.create", '{"title": "from a script"}', "--db", str(db), env=env)
    assert created.returncode == 0 and json.loads(created.stdout)["status"] == "planned"
    task_id = json.loads(created.stdout)["id"]
    request = tmp_path / "start.json"
    request.write_text(json.dumps({"id": task_id, "status": "active"}))
    assert worktrail("call", "ts.tsk.update", f"@{request}", "--db", str(db), env=env).returncode == 0
    refused = worktrail(
        "call", "ts_tsk_update", "-", "--db", str(db), env=env, stdin=json.dumps({"id": task_id, "status": "active"})
    )
    assert refused.returncode == 1 and json.loads(refused.stdout)["error"]["code"] == "invalid_transition"
    assert worktrail("call", "ts.tsk.list", "{not json", "--db", str(db), env=env).returncode == 2
    assert worktrail("call", "ts.tsk.list", "[1]", "--db", str(db), env=env).returncode == 2
    unknown = worktrail("call", "ts.nope", "{}", "--db", str(db), env=env)
    assert unknown.returncode == 2 and "unknown tool" in unknown.stderr


def test_call_with_a_bad_key_exits_1_with_not_authenticated(initialised: tuple[Path, str]) -> None:
    db, _ = initialised
    done = worktrail("call", "ts.tsk.list", "--db", str(db), env={"WORKTRAIL_API_KEY": "wtk_bad"})
    assert done.returncode == 1 and json.loads(done.stdout)["error"]["code"] == "not_authenticated"


def test_db_path_comes_from_the_environment(tmp_path: Path) -> None:
    db = tmp_path / "from-env.db"
    assert worktrail("init", "--json", env={"WORKTRAIL_DB": str(db)}).returncode == 0
    assert db.exists()


def test_tools_lists_the_catalogue() -> None:
    done = worktrail("tools", "--json", "--log-level", "INFO")
    names = {t["name"] for t in json.loads(done.stdout)}
    assert {"ts.tsk.update", "ts.tsk.cancel", "ts.auth.login", "ts.key.revoke"} <= names


def test_demo_exits_0_and_leaves_nothing_behind(tmp_path: Path) -> None:
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    done = worktrail("demo", env={"TMPDIR": str(scratch)})
    assert done.returncode == 0, done.stderr
    assert "invalid_transition" in done.stdout and "allowed" in done.stdout
    assert "already finished" in done.stdout  # the ritual run's part
    # every family: a mission run through its plan, a workflow run's output checked, an execution kept alive
    for tool in ("ts.pln.create", "ts.pln.update_step", "ts.mrn.update", "ts.wrn.update", "ts.exe.heartbeat", "ts.exe.update"):
        assert f"-> {tool} " in done.stdout, tool
    assert "output_data does not match the workflow's schema" in done.stdout
    trail = done.stdout.split("audit trail")[-1]
    for line in ('mission run', 'plan step', 'workflow run', 'execution'):
        assert f'updated {line} ' in trail and 'status "' in trail, line
    assert "finished_at set to" in done.stdout and "null" not in done.stdout.split("audit trail")[-1]  # a timeline
    assert "seed" not in done.stdout.lower() and "worktrail init --client" in done.stdout  # what to do next
    assert list(scratch.iterdir()) == []


def test_a_file_that_is_not_a_database_gets_a_clear_error(tmp_path: Path) -> None:
    bogus = tmp_path / "notes.txt"
    bogus.write_text("these are not the tables you are looking for\n" * 100)
    done = worktrail("call", "ts.tsk.list", "--db", str(bogus))
    assert done.returncode == 1 and "is not a worktrail ledger" in done.stderr and "Traceback" not in done.stderr
    assert bogus.read_text().startswith("these are not")


def test_demo_on_a_ledger_of_ones_choice_keeps_it_and_needs_it_new(cli_ledger: Path | str) -> None:
    done = worktrail("demo", "--db", str(cli_ledger))
    assert done.returncode == 0, done.stderr
    assert f"The walk-through's ledger is {shown(cli_ledger)}; it stays there" in done.stdout
    assert peek(cli_ledger, "SELECT COUNT(*) FROM task")[0][0] >= 1, "the walk's tasks are kept"
    again = worktrail("demo", "--db", str(cli_ledger))
    assert again.returncode == 1 and "already initialised" in again.stderr and "new, empty ledger" in again.stderr


def test_claude_codes_project_file_names_the_key_by_variable_not_by_value(initialised: tuple[Path, str]) -> None:
    db, api_key = initialised
    done = worktrail("client", "claude-code", "--db", str(db), "--key", api_key)
    assert done.returncode == 0, done.stderr
    command, project = done.stdout.split(".mcp.json", 1)
    assert f"WORKTRAIL_API_KEY={api_key}" in command, "the user-scope command carries the key itself"
    config, _ = json.JSONDecoder().raw_decode(project[project.index("{") :])
    assert config["mcpServers"]["worktrail"]["env"] == {"WORKTRAIL_API_KEY": "${WORKTRAIL_API_KEY}"}
    assert api_key not in json.dumps(config)
    assert f"export WORKTRAIL_API_KEY={api_key}" in project, "the export line beside the file"
