"""Task search on PostgreSQL: the counterpart of SQLite's FTS5 table (sqlite/search_schema.py).

`task_text` holds one `tsvector` a task (its title and description, accents folded by
`unaccent`, words as they are by the `simple` configuration), kept in step by a trigger in the
writing transaction, with a GIN index; a search asks for each word as the start of a word
(`plan:* & week:*`), as SQLite's does, and finds the task by its rowid."""

from __future__ import annotations

import re

# A task's entry, as the trigger writes it and `check` compares it ({task}: the task row's name).
SEARCH_OF_TASK = "to_tsvector('simple', unaccent({task}.title || ' ' || {task}.description))"

# Migration 8, PostgreSQL's way.
TASK_TEXT = """
CREATE EXTENSION IF NOT EXISTS unaccent;
CREATE TABLE task_text (
    rowid BIGINT PRIMARY KEY REFERENCES task(rowid) ON DELETE CASCADE,
    search TSVECTOR NOT NULL
);
CREATE INDEX task_text_search ON task_text USING GIN (search);
CREATE FUNCTION task_text_keep() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO task_text (rowid, search)
    VALUES (NEW.rowid, to_tsvector('simple', unaccent(NEW.title || ' ' || NEW.description)))
    ON CONFLICT (rowid) DO UPDATE SET search = EXCLUDED.search;
    RETURN NULL;
END
$$;
CREATE TRIGGER task_text_insert AFTER INSERT ON task FOR EACH ROW EXECUTE FUNCTION task_text_keep();
CREATE TRIGGER task_text_update AFTER UPDATE OF title, description ON task
    FOR EACH ROW EXECUTE FUNCTION task_text_keep();
INSERT INTO task_text (rowid, search)
    SELECT rowid, to_tsvector('simple', unaccent(title || ' ' || description)) FROM task;
"""

# A word as SQLite's unicode61 tokenizer cuts them, so both stores find the same words.
_WORD = re.compile(r"[^\W_]+")

# The words as a tsquery, made while the statement is planned: `worktrail_words` (migration 33) is
# declared IMMUTABLE, so a plan made for the read's values (its BEGIN sets plan_cache_mode =
# force_custom_plan: a generic plan cannot see the words, and would plan `b` as it plans `bimife`)
# holds the tsquery as a constant. `to_tsquery(unaccent(?))` itself is STABLE (unaccent reads its
# rules): it was a call the planner priced (and the executor ran) for every entry a plan might test,
# so a walk of the entries was never chosen, and a capped count of `b` read every entry of the
# index starting with b (0.5 s at a million tasks; walked, 9 ms). Made in a round trip of its own
# before the statements instead, it cost a round trip every search.
MATCH = "search @@ worktrail_words(?)"

# Migration 33 (migrations.SEARCH_WORDS), PostgreSQL's way. Not inlined into the statements that
# call it (an IMMUTABLE SQL function whose body is not is never inlined), and folded by the planner
# once its argument is a constant; it would read other words only if the unaccent rules changed,
# and no index is built on it.
SEARCH_WORDS = """
CREATE FUNCTION worktrail_words(words TEXT) RETURNS TSQUERY LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT to_tsquery('simple', unaccent(words)) $$;
"""

# A search alone, its count and its page in one statement, so one round trip: the matches are found
# once through the GIN index (each one's entry read to be checked: the count's cost), up to the cap,
# and the page's rowids are the newest of them (a LIMIT on the match itself lets the planner walk
# the entries newest first, testing each: for a rare word 10,000 entries for 50, for a word found
# nowhere every entry, 0.8 s at a million tasks). The page's tasks are read by rowid and come in
# no order (sort them). At the cap the matches found are not the newest: no page is read, and the
# page is WALKED. Parameters: the words, the limit, the offset.
NEWEST = """
WITH found AS MATERIALIZED (SELECT rowid FROM task_text WHERE search @@ worktrail_words(?) LIMIT {cap})
SELECT counted.search_total, page_row.* FROM (SELECT COUNT(*) AS search_total FROM found) AS counted LEFT JOIN LATERAL
    (SELECT * FROM task WHERE counted.search_total < {cap}
     AND rowid IN (SELECT rowid FROM found ORDER BY rowid DESC LIMIT ? OFFSET ?)) AS page_row
    ON true
"""

# A broad search alone (the cap reached, a prefix of one or two letters): its entries walked newest
# first until the page is full (a few hundred entries), and only the page's tasks read. Kept out of
# NEWEST: a branch for it there was planned for every search (0.5 ms more each, at a million tasks).
WALKED = """
SELECT * FROM task WHERE rowid IN (SELECT rowid FROM task_text WHERE search @@ worktrail_words(?)
                                   ORDER BY rowid DESC LIMIT ? OFFSET ?)
"""


# Migration 25 (migrations.SEARCH_STATISTICS), PostgreSQL's way: the planner's statistics of the entries keep 10,000 words (100
# times the default target of 100 keeps 1,000), so that a prefix's share of the tasks is estimated
# from the words it starts, and `task_text` is analysed at once when it has entries (an empty one,
# in a new ledger or under `worktrail migrate`, is left to autovacuum).
TASK_TEXT_STATISTICS = """
ALTER TABLE task_text ALTER COLUMN search SET STATISTICS 1000;
DO $$ BEGIN IF EXISTS (SELECT FROM task_text) THEN ANALYZE task_text; END IF; END $$;
"""


def match_query(text: str) -> str | None:
    """A tsquery finding entries that have, for each word of `text`, a word starting with it, or
    None when `text` has no word to look up (each word quoted, so nothing in it is syntax)."""
    words = _WORD.findall(text)
    return " & ".join(f"'{word}':*" for word in words) if words else None
