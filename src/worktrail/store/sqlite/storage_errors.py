"""What a failed SQLite operation means to a caller: a full or failing disk, or a lock held past
the wait, each a refusal the caller can act on; anything else is a bug and stays an exception."""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path

from worktrail.domain.errors import ToolError

log = logging.getLogger("worktrail.store.database")


def busy(error: sqlite3.OperationalError) -> bool:
    text = str(error).lower()
    return "database is locked" in text or "database is busy" in text


# SQLite's words for a disk that cannot take the write, and for a lock held past the busy timeout.
_DISK_TROUBLE = ("database or disk is full", "disk i/o error")


def storage_refusal(error: sqlite3.OperationalError, path: Path) -> ToolError | None:
    """The refusal a caller can act on for a storage failure, or None for anything else (a bug)."""
    text = str(error).lower()
    if any(words in text for words in _DISK_TROUBLE):
        log.error("could not write %s: %s", path, error)
        return ToolError(
            "internal_error",
            "The ledger could not be written: its disk is full or failing. Nothing was changed; "
            "free some space and call again.",
            {"reason": "storage_full"},
        )
    if busy(error):
        return ToolError(
            "rate_limited",
            "The ledger is busy: another process held it for the whole wait. Nothing was changed; call again.",
            {"reason": "database_busy", "retry_after_ms": 1000},
        )
    return None
