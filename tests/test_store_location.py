"""Where `--db` says the ledger is: a path, a sqlite: URL in SQLAlchemy's form, or a PostgreSQL
URL; anything else is refused in one line naming the forms, and a password is never shown."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import run_worktrail as worktrail
from worktrail.store.locator import Location, LocationError, locate, without_password


@pytest.mark.parametrize(
    ("text", "path"),
    [
        ("ledger.db", Path("ledger.db")),
        ("/var/lib/worktrail/ledger.db", Path("/var/lib/worktrail/ledger.db")),
        ("sqlite:///ledger.db", Path("ledger.db")),
        ("sqlite:///teams/a.db", Path("teams/a.db")),
        ("sqlite:////var/lib/worktrail/ledger.db", Path("/var/lib/worktrail/ledger.db")),
        ("SQLite:////tmp/x.db", Path("/tmp/x.db")),
    ],
)
def test_a_path_or_a_sqlite_url_is_a_sqlite_file(text: str, path: Path) -> None:
    assert locate(text) == Location("sqlite", path=path)


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://worktrail@db.example:5432/ledger",
        "postgresql:///ledger",
        "postgres://u:p@localhost/ledger?sslmode=require",
    ],
)
def test_a_postgresql_url_is_a_postgresql_database(url: str) -> None:
    location = locate(url)
    assert location.kind == "postgresql" and location.url == url and location.path is None


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("mysql://u@h/db", "SQLite or PostgreSQL"),
        ("sqlite://ledger.db", "three slashes"),
        ("sqlite:///:memory:", "names no file"),
        ("sqlite:///", "names no file"),
        ("postgresql://u@host", "names no database"),
        ("postgresql:/ledger", "a URL has // after its scheme"),
        ("sqlite:ledger.db", "a URL has // after its scheme"),
        ("  ", "is empty"),
    ],
)
def test_anything_else_is_refused_saying_what_it_takes(text: str, says: str) -> None:
    with pytest.raises(LocationError, match=says):
        locate(text)


def test_a_password_is_never_shown() -> None:
    location = locate("postgresql://worktrail:s3cr3t@db.example/ledger?sslmode=require&password=other")
    assert "s3cr3t" not in str(location) and "other" not in location.shown
    assert str(location) == "postgresql://worktrail:***@db.example/ledger?sslmode=require&password=***"
    assert without_password("postgresql://worktrail@db.example/ledger") == "postgresql://worktrail@db.example/ledger"
    assert str(locate("postgresql:///ledger")) == "postgresql:///ledger", "a URL with no host is shown as written"


@pytest.mark.processes
def test_the_commands_take_a_sqlite_url_relative_to_the_working_folder(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "worktrail", "init", "--db", "sqlite:///team/ledger.db", "--json"],
        cwd=tmp_path, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["db"] == str((tmp_path / "team" / "ledger.db").resolve())
    checked = worktrail("check", "--db", f"sqlite:///{tmp_path}/team/ledger.db", "--json")
    assert checked.returncode == 0 and json.loads(checked.stdout)["sound"] is True, checked.stderr


@pytest.mark.processes
def test_an_unusable_db_is_one_line_that_never_shows_the_password(tmp_path: Path) -> None:
    for command in (["check"], ["key", "list"], ["call", "ts.auth.whoami"]):
        done = worktrail(*command, "--db", "mysql://admin:hunter2@db/ledger", env={"WORKTRAIL_DB": ""})
        assert done.returncode == 2 and "Traceback" not in done.stderr, "a usage error, naming --db"
        assert done.stderr.startswith(f"worktrail {' '.join(command[:1 + (command[0] == 'key')])}: --db: mysql://admin:***@db")
        assert "hunter2" not in done.stderr + done.stdout
        assert done.stderr.count("\n") == 1 and "SQLite or PostgreSQL" in done.stderr, done.stderr
    from_env = worktrail("check", env={"WORKTRAIL_DB": "mysql://admin:hunter2@db/ledger"})
    assert from_env.returncode == 1 and "hunter2" not in from_env.stderr and "mysql://admin:***@db" in from_env.stderr
    assert not any(tmp_path.iterdir())


@pytest.mark.processes
def test_a_postgresql_server_out_of_reach_is_one_line_without_the_password() -> None:
    done = worktrail("check", "--db", "postgresql://team:hunter2@127.0.0.1:1/ledger", env={"WORKTRAIL_DB": ""})
    assert done.returncode == 1 and "Traceback" not in done.stderr and "hunter2" not in done.stderr + done.stdout
    assert done.stderr.count("\n") == 1 and "postgresql://team:***@127.0.0.1:1/ledger" in done.stderr, done.stderr
    assert "cannot reach the PostgreSQL server" in done.stderr
