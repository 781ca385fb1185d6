"""The command line as an operator meets it: help, keys from the file, backup, check, and one
clear line (never a traceback) for every way the ledger file or the machine says no."""

from __future__ import annotations

import json
import os
import re
import resource
import signal
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import alter, peek
from tests.conftest import run_worktrail as worktrail
from worktrail.cli.parser import TOOLSETS as PARSER_TOOLSETS
from worktrail.store.store import Store
from worktrail.tools.catalog import TOOLSETS

pytestmark = pytest.mark.processes

COMMANDS = ["serve", "init", "call", "key", "backup", "check", "tools", "schemas", "demo"]


def quiet(done: subprocess.CompletedProcess[str], lines: int = 1) -> None:
    """No traceback, no asyncio noise: what a user sees is the line the command chose (argparse
    puts its usage lines above a usage error)."""
    assert "Traceback" not in done.stderr and "Event loop is closed" not in done.stderr, done.stderr
    assert len(done.stderr.strip().splitlines()) <= lines, done.stderr


def start_serving(db: Path, api_key: str) -> subprocess.Popen[str]:
    """A real `worktrail serve`, past its handshake, its stdin left open."""
    server = subprocess.Popen(
        [sys.executable, "-m", "worktrail", "serve", "--db", str(db)],
        env={**os.environ, "WORKTRAIL_API_KEY": api_key},
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert server.stdin is not None and server.stdout is not None
    hello = {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}}  # fmt: skip
    server.stdin.write(json.dumps(hello) + "\n")
    server.stdin.flush()
    assert json.loads(server.stdout.readline())["id"] == 1
    return server


def test_bare_worktrail_prints_help_naming_every_command() -> None:
    done = worktrail()
    assert done.returncode == 0 and all(name in done.stdout for name in COMMANDS)


@pytest.mark.parametrize("command", [*COMMANDS, "key create", "key revoke"])
def test_every_command_help_says_what_it_does_with_an_example(command: str) -> None:
    done = worktrail(*command.split(), "--help")
    assert done.returncode == 0 and re.search(r"example:\n  (\S+=\S+ )?worktrail ", done.stdout)


def test_the_parser_knows_the_catalogue_toolsets() -> None:
    assert tuple(PARSER_TOOLSETS) == TOOLSETS


def test_serve_without_a_ledger_says_to_run_init_and_creates_nothing(tmp_path: Path) -> None:
    db = tmp_path / "nothing-here.db"
    done = worktrail("serve", "--db", str(db), stdin="")
    assert done.returncode == 1 and "worktrail init" in done.stderr and not db.exists()
    quiet(done)


def test_serve_on_an_empty_sqlite_file_refuses_before_writing_anything(tmp_path: Path) -> None:
    db = tmp_path / "empty.db"
    sqlite3.connect(db).close()
    done = worktrail("serve", "--db", str(db), stdin="")
    assert done.returncode == 1 and "empty file, not a ledger" in done.stderr and "worktrail init" in done.stderr
    assert db.stat().st_size == 0 and sorted(p.name for p in tmp_path.iterdir()) == ["empty.db"]
    quiet(done)


@pytest.mark.anyio
async def test_serve_on_a_ledger_with_no_owner_says_to_run_init(ledger: str) -> None:
    store = await Store.open(ledger)  # the schema, but nobody to own it
    await store.close()
    done = worktrail("serve", "--db", ledger, stdin="")
    assert done.returncode == 1 and "has no owner" in done.stderr and "worktrail init" in done.stderr
    quiet(done)


@pytest.mark.parametrize("command", [["serve"], ["init"], ["call", "ts.tsk.list"], ["check"], ["key", "create"]])
def test_a_folder_as_a_sqlite_db_is_one_line(tmp_path: Path, command: list[str]) -> None:
    done = worktrail(*command, "--db", str(tmp_path), stdin="")
    assert done.returncode == 1 and "is a folder" in done.stderr
    quiet(done)


def test_a_sqlite_path_through_a_file_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "afile").write_text("x")
    done = worktrail("init", "--db", str(tmp_path / "afile" / "ledger.db"))
    assert done.returncode == 1 and "is a file, not a folder" in done.stderr
    quiet(done)


def test_another_programs_sqlite_file_is_refused_and_left_alone(tmp_path: Path) -> None:
    db = tmp_path / "other.db"
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE notes (body TEXT)")
    done = worktrail("init", "--db", str(db))
    assert done.returncode == 1 and "not a worktrail ledger" in done.stderr
    quiet(done)
    with sqlite3.connect(db) as conn:
        assert [r[0] for r in conn.execute("SELECT name FROM sqlite_master")] == ["notes"]


def test_an_unknown_toolset_is_a_usage_error_naming_the_known_ones(initialised: tuple[Path, str]) -> None:
    db, _ = initialised
    done = worktrail("serve", "--db", str(db), "--toolsets", "core,nope", stdin="")
    assert done.returncode == 2 and "core, admin" in done.stderr.strip().splitlines()[-1]
    quiet(done, lines=len(done.stderr.split("error:")[0].splitlines()) + 1)  # argparse's usage, then one line


def _limit_file_size() -> None:
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails instead of killing
    resource.setrlimit(resource.RLIMIT_FSIZE, (160_000, 160_000))


def test_a_full_disk_under_a_sqlite_ledger_is_a_clear_refusal_that_changes_nothing(
    sqlite_initialised: tuple[Path, str],
) -> None:
    db, api_key = sqlite_initialised
    big = json.dumps({"title": "big", "description": "y" * 45_000})
    env = {**os.environ, "WORKTRAIL_API_KEY": api_key}
    command = [sys.executable, "-m", "worktrail", "call", "ts.tsk.create", big, "--db", str(db)]
    answers = [
        subprocess.run(command, env=env, preexec_fn=_limit_file_size, capture_output=True, text=True, timeout=60)
        for _ in range(6)
    ]
    refused = [a for a in answers if a.returncode != 0]
    assert refused, "the file size limit never bit"
    for done in refused:
        said = done.stdout + done.stderr
        assert "disk is full" in said or "disk" in done.stderr, said
        quiet(done)
    created = sum(1 for a in answers if a.returncode == 0)
    listed = worktrail("call", "ts.tsk.list", "--db", str(db), env={"WORKTRAIL_API_KEY": api_key})
    assert json.loads(listed.stdout)["total"] == created
    assert worktrail("check", "--db", str(db)).returncode == 0


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP])
def test_a_signal_stops_serve_at_once_and_cleanly(initialised: tuple[Path, str], signum: int) -> None:
    db, api_key = initialised
    server = start_serving(db, api_key)  # serving, and stdin stays open
    server.send_signal(signum)
    try:
        code = server.wait(timeout=10)
    finally:
        server.kill()
    stderr = server.stderr.read() if server.stderr else ""
    assert code == 0 and "Traceback" not in stderr and "Event loop is closed" not in stderr, stderr
    assert worktrail("check", "--db", str(db)).returncode == 0
    assert peek(db, "SELECT COUNT(*) FROM instance") == [(0,)], "its instance left with it"


def test_key_create_and_revoke_from_the_file(initialised: tuple[Path, str]) -> None:
    db, owner_key = initialised
    made = worktrail("key", "create", "--db", str(db), "--json")
    assert made.returncode == 0
    key = json.loads(made.stdout)
    who = worktrail("call", "ts.auth.whoami", "--db", str(db), env={"WORKTRAIL_API_KEY": key["api_key"]})
    assert who.returncode == 0 and json.loads(who.stdout)["role"] == "owner"
    agent = worktrail("call", "ts.res.create", '{"type": "agent", "name": "a"}', "--db", str(db),
                      env={"WORKTRAIL_API_KEY": owner_key})  # fmt: skip
    theirs = worktrail("key", "create", "--resource", json.loads(agent.stdout)["id"], "--db", str(db), "--json")
    assert json.loads(theirs.stdout)["resource_id"] == json.loads(agent.stdout)["id"]
    assert worktrail("key", "revoke", key["id"], "--db", str(db)).returncode == 0
    after = worktrail("call", "ts.auth.whoami", "--db", str(db), env={"WORKTRAIL_API_KEY": key["api_key"]})
    assert after.returncode == 1 and json.loads(after.stdout)["error"]["code"] == "not_authenticated"
    unknown = worktrail("key", "revoke", "key_nope", "--db", str(db))
    assert unknown.returncode == 1 and "does not exist" in unknown.stderr
    quiet(unknown)


def test_the_sqlite_ledger_and_its_wal_files_are_private(sqlite_initialised: tuple[Path, str]) -> None:
    db, api_key = sqlite_initialised
    server = start_serving(db, api_key)  # holds the ledger open, so its -wal and -shm stay
    try:
        assert worktrail("call", "ts.tsk.create", '{"title": "t"}', "--db", str(db),
                         env={"WORKTRAIL_API_KEY": api_key}).returncode == 0  # fmt: skip
        files = [db, Path(f"{db}-wal"), Path(f"{db}-shm")]
        assert all(f.exists() for f in files)
        assert all(stat.S_IMODE(f.stat().st_mode) == 0o600 for f in files)
    finally:
        server.kill()
        server.wait()


def test_backup_copies_a_live_sqlite_ledger_and_never_overwrites(
    sqlite_initialised: tuple[Path, str], tmp_path: Path
) -> None:
    db, api_key = sqlite_initialised
    env = {"WORKTRAIL_API_KEY": api_key}
    assert worktrail("call", "ts.tsk.create", '{"title": "kept"}', "--db", str(db), env=env).returncode == 0
    copy = tmp_path / "copy.db"
    done = worktrail("backup", str(copy), "--db", str(db))
    assert done.returncode == 0 and stat.S_IMODE(copy.stat().st_mode) == 0o600
    listed = worktrail("call", "ts.tsk.list", "--db", str(copy), env=env)
    assert [t["title"] for t in json.loads(listed.stdout)["tasks"]] == ["kept"]
    again = worktrail("backup", str(copy), "--db", str(db))
    assert again.returncode == 1 and "already exists" in again.stderr


def test_check_reports_counts(initialised: tuple[Path, str]) -> None:
    db, api_key = initialised
    for title in ("one", "two"):
        assert worktrail("call", "ts.tsk.create", json.dumps({"title": title}), "--db", str(db),
                         env={"WORKTRAIL_API_KEY": api_key}).returncode == 0  # fmt: skip
    report = worktrail("check", "--db", str(db), "--json")
    counts = json.loads(report.stdout)["counts"]
    assert report.returncode == 0 and counts["resource"] == 1 and counts["task"] == 2
    assert json.loads(report.stdout)["sound"] is True
    # The trail lists the stored records and the two tasks' creates, kept on their rows.
    assert counts["audit_trail"] == counts["change_record"] + 2


def test_check_fails_on_a_damaged_sqlite_file(sqlite_initialised: tuple[Path, str], tmp_path: Path) -> None:
    db, _ = sqlite_initialised
    damaged = tmp_path / "damaged.db"
    assert worktrail("backup", str(damaged), "--db", str(db)).returncode == 0
    data = bytearray(damaged.read_bytes())
    data[4096 * 2 : 4096 * 6] = b"\xa5" * (4096 * 4)  # scribble over pages 3 to 6
    damaged.write_bytes(bytes(data))
    done = worktrail("check", "--db", str(damaged))
    assert done.returncode == 1
    quiet(done)


def test_check_finds_a_search_index_out_of_step_and_repair_rebuilds_it(initialised: tuple[Path, str]) -> None:
    db, key = initialised
    env = {**os.environ, "WORKTRAIL_API_KEY": key}
    assert worktrail("call", "ts.tsk.create", '{"title": "plan the week"}', "--db", str(db), env=env).returncode == 0
    # What a change made behind the triggers' back leaves (e.g. a VACUUM on SQLite).
    on = "" if isinstance(db, Path) else " ON task"
    alter(db, f"DROP TRIGGER task_text_update{on}", "UPDATE task SET title = 'something else'")
    done = worktrail("check", "--db", str(db))
    assert done.returncode == 1 and "search index is out of step" in done.stdout
    assert "worktrail check --repair" in done.stdout
    assert worktrail("check", "--db", str(db)).returncode == 1, "check alone changed nothing"
    repaired = worktrail("check", "--repair", "--db", str(db))
    assert repaired.returncode == 0 and "rebuilt the task search index" in repaired.stdout, repaired.stdout
    assert worktrail("check", "--db", str(db)).returncode == 0
    found = worktrail("call", "ts.tsk.list", '{"search": "something"}', "--db", str(db), env=env)
    assert json.loads(found.stdout)["total"] == 1, "the rebuilt index finds the task by its new title"


def test_check_finds_dependency_counts_out_of_step_and_repair_counts_them_again(
    initialised: tuple[Path, str],
) -> None:
    db, key = initialised
    env = {**os.environ, "WORKTRAIL_API_KEY": key}

    def call(tool: str, arguments: dict) -> dict:
        done = worktrail("call", tool, json.dumps(arguments), "--db", str(db), env=env)
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)

    first, then = (call("ts.tsk.create", {"title": title})["id"] for title in ("write it", "ship it"))
    call("ts.rel.create", {"relationship_type": "depends_on", "source_entity_type": "task", "source_entity_id": then,
                           "target_entity_type": "task", "target_entity_id": first})  # fmt: skip
    alter(db, "UPDATE task SET open_dependencies = 0")  # what a restore of the task table alone leaves
    assert then in [t["id"] for t in call("ts.tsk.list", {"ready": True})["tasks"]], "the wrong count shows"
    done = worktrail("check", "--db", str(db))
    assert done.returncode == 1 and "(1 tasks): count them again with worktrail check --repair" in done.stdout
    assert worktrail("check", "--db", str(db)).returncode == 1, "check alone changed nothing"
    repaired = worktrail("check", "--repair", "--db", str(db))
    assert repaired.returncode == 0 and "open dependencies of 1 tasks again" in repaired.stdout, repaired.stdout
    assert worktrail("check", "--db", str(db)).returncode == 0
    assert [t["id"] for t in call("ts.tsk.list", {"ready": True})["tasks"]] == [first]


def test_tools_name_shows_one_tool_by_either_name() -> None:
    done = worktrail("tools", "ts_tsk_update")
    assert done.returncode == 0 and "planned -> active" in done.stdout and '"canceled_reason"' in done.stdout
    assert worktrail("tools", "ts.nope").returncode == 2


@pytest.mark.parametrize(
    ("client", "marker"),
    [("claude-desktop", "claude_desktop_config.json"), ("claude-code", "claude mcp add"),
     ("vscode", '"servers"'), ("cursor", ".cursor/mcp.json"), ("windsurf", "mcp_config.json"),
     ("zed", '"context_servers"')],
)  # fmt: skip
def test_init_prints_the_form_of_the_client_asked_for(tmp_path: Path, client: str, marker: str) -> None:
    done = worktrail("init", "--db", str(tmp_path / "l.db"), "--client", client)
    assert done.returncode == 0 and marker in done.stdout
    key = done.stdout.split("API key")[1].split()[-1] if client == "claude-code" else None
    assert "wtk_" in done.stdout.split("(shown only now")[1]
    if key is None:
        config, _ = json.JSONDecoder().raw_decode(done.stdout[done.stdout.index("{") :])
        assert "wtk_" in json.dumps(config)


def test_call_without_a_key_says_to_set_the_environment_key(initialised: tuple[Path, str]) -> None:
    db, _ = initialised
    done = worktrail("call", "ts.tsk.list", "--db", str(db), env={"WORKTRAIL_API_KEY": ""})
    error = json.loads(done.stdout)["error"]
    assert done.returncode == 1 and error["code"] == "not_authenticated"
    assert "WORKTRAIL_API_KEY" in error["message"] and "worktrail key create" in error["message"]
    assert "ts.auth.login" not in error["message"]


def test_checking_a_backup_leaves_no_wal_or_shm_file_beside_it(sqlite_initialised: tuple[Path, str], tmp_path: Path) -> None:
    db, _ = sqlite_initialised
    copy = tmp_path / "kept" / "copy.db"
    copy.parent.mkdir()
    assert worktrail("backup", str(copy), "--db", str(db)).returncode == 0
    assert worktrail("check", "--db", str(copy)).returncode == 0
    assert sorted(p.name for p in copy.parent.iterdir()) == ["copy.db"], "a backup stays one file"


def test_one_key_is_counted_in_the_singular(initialised: tuple[Path, str]) -> None:
    db, _ = initialised
    done = worktrail("key", "list", "--db", str(db))
    assert done.returncode == 0 and "\n1 key, 1 active" in done.stdout


def test_the_postgresql_backup_refusal_does_not_repeat_the_command_name(tmp_path: Path) -> None:
    done = worktrail("backup", str(tmp_path / "copy.dump"), "--db", "postgresql://team@db.example/ledger")
    assert done.returncode == 1 and "pg_dump --format=custom" in done.stderr
    assert done.stderr.count("worktrail backup") == 1, done.stderr
