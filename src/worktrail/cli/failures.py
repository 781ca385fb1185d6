"""Why a command could not use its ledger file, in one line that says what to do."""

from __future__ import annotations

import errno
import os
import sqlite3
from pathlib import Path

from worktrail.cli.ledger import ledger_location
from worktrail.store.database import StoreUnreachable
from worktrail.store.locator import LocationError
from worktrail.store.sqlite.ledger_file import LedgerFileError, NoLedger


class Refused(Exception):
    """A command's own one-line refusal (exit 1), raised where the problem is found."""


def innermost(error: BaseException) -> BaseException:
    """The one failure inside task-group wrappers."""
    while isinstance(error, BaseExceptionGroup) and len(error.exceptions) == 1:
        error = error.exceptions[0]
    return error


def explain(error: BaseException, db: str | None) -> str | None:
    """One line for a failure a user can fix, or None for one that is a bug."""
    error = innermost(error)
    if isinstance(error, Refused | NoLedger | StoreUnreachable | LocationError):
        return str(error)
    try:
        location = ledger_location(db)
    except LocationError as unusable:
        return str(unusable)
    if location.path is None:  # PostgreSQL: its errors name the server themselves
        return f"{location}: {error}" if isinstance(error, LedgerFileError) else None
    path = location.path
    if isinstance(error, LedgerFileError):
        return f"cannot use {path}: {error}"
    other = getattr(error, "filename", None)
    if isinstance(error, OSError) and other and Path(other).resolve() != path.resolve():
        return _about_another_file(error, Path(other))
    if isinstance(error, IsADirectoryError) or path.is_dir():
        return f"--db {path} is a folder; name a file in it, e.g. --db {path / 'worktrail.db'}"
    if isinstance(error, NotADirectoryError | FileExistsError):
        return f"cannot create {path}: a part of its folder path is a file, not a folder"
    if isinstance(error, PermissionError):
        return f"cannot write {path}: permission denied; choose a --db in a folder you can write to"
    if isinstance(error, OSError) and error.errno == errno.ENOSPC:
        return f"the disk holding {path} is full; free some space and try again"
    if isinstance(error, sqlite3.DatabaseError):
        text = str(error).lower()
        if "disk is full" in text or "disk i/o error" in text:
            return f"the disk holding {path} is full; free some space and try again (nothing was half-written)"
        if "unable to open" in text or "readonly" in text or "read-only" in text:
            return f"cannot open or create {path}: make sure its folder exists and you may write there"
        if "not a database" in text or "malformed" in text:
            return f"{path} is not a worktrail ledger (not a SQLite database at all); choose another --db"
        return f"cannot use the database at {path}: {error}"
    return None


def _about_another_file(error: OSError, other: Path) -> str:
    """An OS error about a file that is not the ledger (a backup's destination, a schema folder):
    name that file, not the ledger."""
    if isinstance(error, NotADirectoryError | FileExistsError) or (other.parent.exists() and not other.parent.is_dir()):
        return f"cannot write {other}: a part of its folder path is a file, not a folder"
    if isinstance(error, FileNotFoundError):
        return f"cannot write {other}: its folder {other.parent} does not exist"
    if isinstance(error, PermissionError):
        return f"cannot write {other}: permission denied; choose a folder you can write to"
    if error.errno == errno.ENOSPC:
        return f"cannot write {other}: the disk is full; free some space and try again"
    return f"cannot write {other}: {os.strerror(error.errno) if error.errno else error}"
