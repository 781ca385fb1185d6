"""Time as people read it on the board: relative times (`4 min ago`, `in 2 h`) with the exact
moment kept in `<time datetime title>`, and how long a run ran (`ran 3 min 12 s`)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.board_client import board_over, browser
from tests.conftest import PinnedClock, connect
from worktrail.board.timefmt import duration, ran, relative, when
from worktrail.domain.clock import parse_ts
from worktrail.store.store import Store

NOW = parse_ts("2026-12-07T13:00:00Z")


@pytest.mark.parametrize(("at", "said"), [
    ("2026-12-07T12:56:00Z", "4 min ago"), ("2026-12-07T15:00:00Z", "in 2 h"), ("2026-12-07T12:59:48Z", "12 s ago"),
    ("2026-12-05T12:00:00Z", "2 d ago"), ("2026-12-07T13:00:00Z", "just now"), (None, "-"),
])  # fmt: skip
def test_a_moment_reads_relative_to_now_in_its_largest_unit(at: str | None, said: str) -> None:
    assert relative(at, NOW) == said


@pytest.mark.parametrize(("seconds", "said"), [(0, "0 s"), (5, "5 s"), (192, "3 min 12 s"), (7200, "2 h"),
                                               (7260, "2 h 1 min"), (90061, "1 d 1 h"), (3612, "1 h")])  # fmt: skip
def test_a_duration_reads_in_at_most_two_units(seconds: int, said: str) -> None:
    assert duration(seconds) == said


def test_a_run_ran_from_its_start_to_its_end_or_runs_still() -> None:
    assert ran("2026-12-07T12:00:00Z", "2026-12-07T12:03:12Z", NOW) == "ran 3 min 12 s"
    assert ran("2026-12-07T12:58:00Z", None, NOW) == "running for 2 min"
    assert ran(None, None, NOW) == "not started"


def test_the_exact_moment_stays_in_the_time_element_and_what_is_no_moment_shows_escaped() -> None:
    assert str(when("2026-12-07T12:56:00Z", NOW)) == (
        '<time datetime="2026-12-07T12:56:00Z" title="2026-12-07 12:56:00 UTC">4 min ago</time>'
    )
    assert "<b>" not in str(when("<b>soon</b>", NOW))


@pytest.mark.anyio
async def test_pages_show_times_relative_with_the_moment_and_runs_how_long_they_ran(
    store: Store, owner_key: str
) -> None:
    clock = PinnedClock("2026-12-07T12:00:00Z")
    async with connect(store, owner_key, clock=clock) as agent:
        ritual = await agent.ok("ts.rtl.create", {"name": "Nightly triage", "prompt": "Sort the new issues."})
        run = await agent.ok("ts.rtr.create", {"ritual_id": ritual["id"]})
        clock.moment += timedelta(minutes=3, seconds=12)
        await agent.ok("ts.rtr.update", {"id": run["id"], "status": "succeeded"})
        running = await agent.ok("ts.rtr.create", {"ritual_id": ritual["id"]})
    clock.moment += timedelta(minutes=4)
    async with browser(board_over(store, clock)) as person:
        assert (await person.login(owner_key)).status_code == 303
        now = (await person.get("/")).text
        assert '<time datetime="2026-12-07T12:03:12Z" title="2026-12-07 12:03:12 UTC">4 min ago</time>' in now
        page = (await person.get(f"/ritual-runs/{run['id']}")).text
        assert "ran 3 min 12 s" in page
        assert '<time datetime="2026-12-07T12:00:00Z" title="2026-12-07 12:00:00 UTC">7 min ago</time>' in page
        assert "running for 4 min" in (await person.get(f"/ritual-runs/{running['id']}")).text
        listed = (await person.get(f"/rituals/{ritual['id']}")).text
        assert '<time datetime="2026-12-07T12:03:12Z" title="2026-12-07 12:03:12 UTC">4 min ago</time>' in listed
