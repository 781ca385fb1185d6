"""`ts.tsk.list search`: SQLite's full-text index, kept in step with every write."""

from __future__ import annotations

import pytest

from tests.conftest import Agent

pytestmark = pytest.mark.anyio


async def titles(agent: Agent, search: str, **more: object) -> list[str]:
    found = await agent.ok("ts.tsk.list", {"search": search, **more})
    assert found["total"] == len(found["tasks"])
    return [t["title"] for t in found["tasks"]]


async def test_each_word_matches_the_start_of_a_word_in_title_or_description(owner: Agent) -> None:
    await owner.ok("ts.tsk.create", {"title": "Plan the weekly review"})
    await owner.ok("ts.tsk.create", {"title": "Ship it", "description": "After the planning meeting"})
    await owner.ok("ts.tsk.create", {"title": "Café order"})
    assert await titles(owner, "plan") == ["Ship it", "Plan the weekly review"], "newest first"
    assert await titles(owner, "PLAN week") == ["Plan the weekly review"], "every word must match"
    assert await titles(owner, "cafe") == ["Café order"], "accents are folded"
    assert await titles(owner, "lan") == [], "a word matches from its start"
    assert await titles(owner, "plan", status=["done"]) == [], "with the other filters"


async def test_the_index_follows_every_change_of_title_and_description(owner: Agent) -> None:
    task = await owner.ok("ts.tsk.create", {"title": "Draft memo"})
    await owner.ok("ts.tsk.update", {"id": task["id"], "title": "Final memo", "description": "signed"})
    assert await titles(owner, "draft") == []
    assert await titles(owner, "final signed") == ["Final memo"]
    await owner.ok("ts.tsk.update", {"id": task["id"], "status": "active"})  # a move leaves the index alone
    assert await titles(owner, "memo") == ["Final memo"]


@pytest.mark.parametrize(
    "text",
    ['"', "a AND", "NEAR(x y)", "-x", "x*", "title:x", "(", "^x", "OR", "x OR y NOT z", "'; DROP TABLE task; --"],
)
async def test_search_text_is_words_never_query_syntax(owner: Agent, text: str) -> None:
    await owner.ok("ts.tsk.create", {"title": "x y z and or near title drop table task"})
    found = await owner.ok("ts.tsk.list", {"search": text})
    assert found["total"] in (0, 1)  # answered as words, never refused as a broken query
    assert (await owner.ok("ts.tsk.list", {}))["total"] == 1


async def test_a_search_counts_every_match_beyond_its_page_alone_or_filtered(owner: Agent) -> None:
    """A search alone is counted from the index's entries, a filtered one from the tasks: the same."""
    made = [await owner.ok("ts.tsk.create", {"title": f"Plan part {n}"}) for n in range(5)]
    await owner.ok("ts.tsk.create", {"title": "Other work", "description": "no match here"})
    await owner.ok("ts.tsk.update", {"id": made[0]["id"], "status": "active"})
    alone = await owner.ok("ts.tsk.list", {"search": "plan", "limit": 2})
    assert (alone["total"], [t["title"] for t in alone["tasks"]]) == (5, ["Plan part 4", "Plan part 3"])
    assert (await owner.ok("ts.tsk.list", {"search": "plan", "status": ["planned"], "limit": 2}))["total"] == 4
    assert (await owner.ok("ts.tsk.list", {"search": "plan part", "offset": 4}))["total"] == 5
    assert (await owner.ok("ts.tsk.list", {"search": "zzz"}))["total"] == 0


async def test_a_search_pages_through_every_match_newest_first_once(owner: Agent) -> None:
    """PostgreSQL reads a search's page by the rowids its count found (postgresql/connection.py):
    the pages still follow one another as on SQLite, and past the last one is empty."""
    made = [(await owner.ok("ts.tsk.create", {"title": f"Kalo step {n}"}))["id"] for n in range(7)]
    await owner.ok("ts.tsk.create", {"title": "Other"})
    pages = [await owner.ok("ts.tsk.list", {"search": "kal", "limit": 3, "offset": offset}) for offset in (0, 3, 6, 9)]
    assert [t["id"] for page in pages for t in page["tasks"]] == made[::-1]
    assert [page["total"] for page in pages] == [7] * 4 and pages[-1]["tasks"] == []
