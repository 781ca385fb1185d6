"""Why a file is not a ledger this worktrail may open: another program's, or a newer worktrail's."""

from __future__ import annotations


class LedgerFileError(RuntimeError):
    """The file is a SQLite database, but not one this worktrail can use."""


class SchemaTooNew(LedgerFileError):
    """The file was written by a newer worktrail than this one."""


class NotALedger(LedgerFileError):
    """The file is another program's SQLite database: worktrail adds no tables to it."""
