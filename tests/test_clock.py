"""The one timestamp form (RFC 3339, UTC, to the second, trailing Z): written field by field and
read back, exactly as `strftime`/`strptime` with that format would, from any moment and any zone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from worktrail.domain.clock import format_ts, parse_ts

ZONES = st.integers(min_value=-14 * 60, max_value=14 * 60).map(lambda minutes: timezone(timedelta(minutes=minutes)))
MOMENTS = st.datetimes(min_value=datetime(1000, 1, 2), max_value=datetime(9999, 12, 30), timezones=ZONES)


@given(MOMENTS)
def test_a_moment_is_written_as_strftime_writes_it_and_read_back_to_the_second(moment: datetime) -> None:
    written = format_ts(moment)
    assert written == moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert parse_ts(written) == datetime.strptime(written, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    assert parse_ts(written) == moment.replace(microsecond=0)


@pytest.mark.parametrize("text", ["2026-02-09 10:05:00Z", "2026-02-09T10:05:00", "2026-02-09T10:05:00+00:00",
                                  "2026-02-09T10:05Z", "+026-02-09T10:05:00Z", "2026-13-09T10:05:00Z", ""])  # fmt: skip
def test_any_other_form_is_refused(text: str) -> None:
    with pytest.raises(ValueError):
        parse_ts(text)
