"""The command line and the files it touches: a command that should only look writes nothing, a
command names the file that failed (not always the ledger), and a ledger that cannot be written
is still read."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.conftest import alter
from tests.conftest import run_worktrail as worktrail

pytestmark = pytest.mark.processes


def files_in(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def one_line(done: subprocess.CompletedProcess[str]) -> str:
    assert "Traceback" not in done.stderr, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    return lines[0]


@contextmanager
def immutable(*paths: Path) -> Iterator[None]:
    """Files or folders nobody may change, not even root (`chattr +i`)."""
    done = subprocess.run(["chattr", "+i", *map(str, paths)], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"chattr +i is not available here: {done.stderr.strip()}")
    try:
        yield
    finally:
        subprocess.run(["chattr", "-i", *map(str, paths)], check=True)


def test_call_on_a_mistyped_sqlite_ledger_refuses_and_creates_nothing(
    sqlite_initialised: tuple[Path, str], tmp_path: Path
) -> None:
    _, key = sqlite_initialised
    typo = tmp_path / "typo" / "ledgr.db"
    done = worktrail("call", "ts.tsk.list", "{}", "--db", str(typo), env={"WORKTRAIL_API_KEY": key})
    assert done.returncode == 1
    assert one_line(done) == f"worktrail call: there is no ledger at {typo}; create it with: worktrail init --db {typo}"
    assert not typo.parent.exists()


@pytest.mark.parametrize("command", [["check"], ["serve"], ["call", "ts.tsk.list", "{}"], ["key", "create"]])
def test_an_empty_sqlite_file_is_no_ledger_and_stays_empty(tmp_path: Path, command: list[str]) -> None:
    db = tmp_path / "empty.db"
    db.touch()
    done = worktrail(*command, "--db", str(db), stdin="")
    assert done.returncode == 1 and "empty file, not a ledger" in one_line(done)
    assert files_in(tmp_path) == {"empty.db": b""}


def test_check_writes_nothing_into_a_sqlite_file_or_its_wal(sqlite_initialised: tuple[Path, str]) -> None:
    db, _ = sqlite_initialised
    before = db.read_bytes()
    done = worktrail("check", "--db", str(db))
    assert done.returncode == 0 and "sound" in done.stdout
    assert db.read_bytes() == before, "check wrote nothing into the ledger"
    wal = Path(f"{db}-wal")
    assert not wal.exists() or wal.stat().st_size == 0, "nor into its WAL"


def test_check_calls_an_ownerless_ledger_unusable(initialised: tuple[Path, str]) -> None:
    db, _ = initialised
    assert worktrail("check", "--db", str(db)).returncode == 0
    alter(db, "UPDATE resource SET role = 'admin'")  # nobody owns it any more
    ownerless = worktrail("check", "--db", str(db))
    assert ownerless.returncode == 1 and "no owner: not a usable ledger" in ownerless.stdout


def test_schemas_into_a_file_names_that_file(tmp_path: Path) -> None:
    target = tmp_path / "a-file"
    target.write_text("not a folder")
    done = worktrail("schemas", "--write", str(target / "schemas"))
    assert done.returncode == 1 and str(target) in one_line(done) and "worktrail.db" not in done.stderr


def test_schemas_check_of_a_missing_folder_is_one_line_naming_it(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere"
    done = worktrail("schemas", "--check", str(missing))
    assert done.returncode == 1
    assert one_line(done) == (
        f"worktrail schemas: there is no folder {missing}; write it with: worktrail schemas --write {missing}"
    )


def test_a_sqlite_backup_into_a_folder_that_cannot_be_written_names_the_destination(
    sqlite_initialised: tuple[Path, str], tmp_path: Path
) -> None:
    db, _ = sqlite_initialised
    shut = tmp_path / "shut"
    shut.mkdir()
    with immutable(shut):
        done = worktrail("backup", "--db", str(db), str(shut / "copy.db"))
    line = one_line(done)
    assert done.returncode == 1 and str(shut / "copy.db") in line and str(db) not in line


def test_a_sqlite_ledger_that_cannot_be_written_is_read_and_refuses_writes_saying_why(
    sqlite_initialised: tuple[Path, str], tmp_path: Path
) -> None:
    db, key = sqlite_initialised
    env = {"WORKTRAIL_API_KEY": key}
    assert worktrail("call", "ts.tsk.create", '{"title": "kept"}', "--db", str(db), env=env).returncode == 0
    assert worktrail("check", "--db", str(db)).returncode == 0  # (a clean close left no WAL behind)
    for leftover in (Path(f"{db}-wal"), Path(f"{db}-shm")):
        leftover.unlink(missing_ok=True)
    with immutable(db, db.parent):
        checked = worktrail("check", "--db", str(db))
        listed = worktrail("call", "ts.tsk.list", "{}", "--db", str(db), env=env)
        written = worktrail("call", "ts.tsk.create", '{"title": "refused"}', "--db", str(db), env=env)
        backed_up = worktrail("backup", "--db", str(db), str(tmp_path.parent / f"{tmp_path.name}-copy.db"))
    assert checked.returncode == 0 and "sound" in checked.stdout, checked.stdout + checked.stderr
    assert listed.returncode == 0 and [t["title"] for t in json.loads(listed.stdout)["tasks"]] == ["kept"]
    refused = json.loads(written.stdout)["error"]
    assert written.returncode == 1 and refused["details"]["reason"] == "read_only" and "read-only" in refused["message"]
    assert backed_up.returncode == 0, backed_up.stderr
    os.unlink(tmp_path.parent / f"{tmp_path.name}-copy.db")
