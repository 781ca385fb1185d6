"""Why a file is not a ledger this worktrail may open: another program's, or a newer worktrail's."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import quote


class LedgerFileError(RuntimeError):
    """The file is a SQLite database, but not one this worktrail can use."""


class SchemaTooNew(LedgerFileError):
    """The file was written by a newer worktrail than this one."""


class NotALedger(LedgerFileError):
    """The file is another program's SQLite database: worktrail adds no tables to it."""


class NoLedger(LedgerFileError):
    """There is no ledger at the path (no file, or an empty one): nothing is created there."""


class ReadOnlyLedger(LedgerFileError):
    """The ledger cannot be written: open it read-only, or refuse a command that must write."""


def check_existing(path: Path) -> None:
    """`NoLedger` unless `path` is a file with something in it (checked before anything opens it)."""
    if not path.exists():
        raise NoLedger(f"there is no ledger at {path}; create it with: worktrail init --db {path}")
    if path.is_file() and path.stat().st_size == 0:
        raise NoLedger(f"{path} is an empty file, not a ledger; create it with: worktrail init --db {path}")


def read_only_uri(path: Path) -> str:
    """The SQLite URI that opens `path` for reading only. Where SQLite could not make the shared
    memory file a WAL reader needs (a read-only folder or mount), the file is opened as immutable:
    a ledger on such a disk was closed cleanly, so its WAL holds nothing more."""
    quoted = quote(str(path.resolve()))
    if os.access(path.parent, os.W_OK) or Path(f"{path}-shm").exists():
        return f"file:{quoted}?mode=ro"
    return f"file:{quoted}?immutable=1"


def create_private(path: Path, *, exclusive: bool = False) -> None:
    """Create `path` readable and writable by its owner only (0600), unless it exists (an error when
    `exclusive`). SQLite gives the -wal and -shm files the database file's permissions."""
    flags = os.O_WRONLY | os.O_CREAT | (os.O_EXCL if exclusive else 0)
    if not exclusive and path.exists():
        return
    os.close(os.open(path, flags, 0o600))
