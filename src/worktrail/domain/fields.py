"""Field rules shared by every entity: limits, dates, metadata."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

from worktrail.domain.clock import format_ts

TITLE_MAX = 500
NAME_MAX = 500
DESCRIPTION_MAX = 50_000
REASON_MAX = 2_000
METADATA_MAX_BYTES = 64 * 1024
LIST_LIMIT_DEFAULT = 50
LIST_LIMIT_MAX = 500
# Every integer a tool takes has a ceiling: past what a ledger can hold, it is a mistake, not a wish.
OFFSET_MAX = 1_000_000_000
# The largest integer JSON carries exactly everywhere (2^53 - 1); SQLite's own limit is 2^63 - 1.
INTEGER_MAX = 2**53 - 1


def json_size(value: Any) -> int:
    """The size of a value as compact UTF-8 JSON, the form in which it is stored."""
    return len(json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8"))


def check_metadata(value: dict[str, Any]) -> dict[str, Any]:
    """Metadata is an object of at most 64 KiB as JSON."""
    size = json_size(value)
    if size > METADATA_MAX_BYTES:
        raise ValueError(f"metadata is {size} bytes as JSON; the limit is {METADATA_MAX_BYTES} bytes (64 KiB)")
    return value


def check_not_blank(value: str) -> str:
    """A required text must hold more than white space."""
    if not value.strip():
        raise ValueError("must not be empty or only white space")
    return value


def normalize_date_or_datetime(value: str) -> str:
    """An ISO 8601 date stays a date (`2026-03-01`); a date-time becomes UTC with `Z`.

    A date-time without an offset is read as UTC. The empty string is kept (it clears the field).
    """
    if value == "":
        return value
    return _moment(value, ', or "" to clear')


def normalize_moment(value: str) -> str:
    """As `normalize_date_or_datetime`, for a filter: there is nothing to clear, so "" is refused."""
    return _moment(value, "")


def _moment(value: str, or_clear: str) -> str:
    text = value.strip()
    if len(text) == 10:
        try:
            return date.fromisoformat(text).isoformat()
        except ValueError:
            pass
    try:
        moment = datetime.fromisoformat(text.replace("z", "Z"))
    except ValueError:
        raise ValueError(
            f"must be an ISO 8601 date (2026-03-01) or date-time (2026-03-01T17:00:00Z){or_clear}"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return format_ts(moment)


def normalize_date(value: str) -> str:
    """A calendar date in ISO 8601 (`2026-03-01`); the empty string clears."""
    if value == "":
        return value
    try:
        return date.fromisoformat(value.strip()).isoformat()
    except ValueError:
        raise ValueError('must be an ISO 8601 date such as 2026-03-01, or "" to clear') from None
