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

# The words made a tsquery once, before the statements that use it: as `to_tsquery(unaccent(?))`
# inside them it was a function call the planner priced (and the executor ran) for every row it
# might test, so a walk of the entries was never chosen, and a capped count of `b` read every entry
# of the index starting with b (0.5 s at a million tasks; walked, 9 ms). Plans of this read are
# made for its words (a generic plan cannot see them, and would plan `b` as it plans `bimife`).
QUERY = "SELECT set_config('plan_cache_mode', 'force_custom_plan', true), to_tsquery('simple', unaccent(?))::text"
MATCH = "search @@ ?::tsquery"

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
