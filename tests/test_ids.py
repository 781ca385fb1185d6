"""Ids keep their forms (`prefix_` + 24 hex; UUIDv7 where the seeds want a UUID) and sort by time."""

from __future__ import annotations

import re
import time
import uuid

from worktrail.domain.ids import new_id, new_uuid


def test_prefixed_ids_keep_their_form_and_sort_by_the_time_they_were_made() -> None:
    made = []
    for _ in range(5):
        made.append(new_id("tsk"))
        time.sleep(0.002)
    assert all(re.fullmatch(r"tsk_[0-9a-f]{24}", i) for i in made)
    assert made == sorted(made) and len(set(made)) == 5
    stamp = int(made[0][4:16], 16)  # the first 48 bits are Unix milliseconds
    assert abs(stamp - time.time() * 1000) < 60_000


def test_ids_made_in_the_same_millisecond_still_differ() -> None:
    assert len({new_id("chg") for _ in range(10_000)}) == 10_000


def test_uuids_are_version_7_and_sort_by_time() -> None:
    made = []
    for _ in range(5):
        made.append(new_uuid())
        time.sleep(0.002)
    assert all(uuid.UUID(u).version == 7 for u in made)
    assert made == sorted(made)
