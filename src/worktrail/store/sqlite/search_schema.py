"""Migrations 8, 9, 27 and 30: full-text search of tasks with SQLite's FTS5, task indexes in rowid
order, the search index's prefix indexes for one- and two-letter words, and an index of which
tasks hold a word without where in them.

`task_text` indexes each task's title and description by word (unicode61, accents folded), with
the task table as its content: it stores the index, not a second copy of the text. Triggers keep
it in step with every insert, update of either column, and delete, in the writing transaction.
The rowid ties an entry to its task; SQLite keeps rowids as they are except through VACUUM, after
which the index wants a rebuild (`worktrail check` finds it out of step and says how).
"""

from __future__ import annotations

TASK_TEXT = """
CREATE VIRTUAL TABLE task_text USING fts5(
    title, description, content='task', content_rowid='rowid', tokenize='unicode61 remove_diacritics 2'
);
CREATE TRIGGER task_text_insert AFTER INSERT ON task BEGIN
    INSERT INTO task_text(rowid, title, description) VALUES (new.rowid, new.title, new.description);
END;
CREATE TRIGGER task_text_delete AFTER DELETE ON task BEGIN
    INSERT INTO task_text(task_text, rowid, title, description) VALUES ('delete', old.rowid, old.title, old.description);
END;
CREATE TRIGGER task_text_update AFTER UPDATE OF title, description ON task BEGIN
    INSERT INTO task_text(task_text, rowid, title, description) VALUES ('delete', old.rowid, old.title, old.description);
    INSERT INTO task_text(rowid, title, description) VALUES (new.rowid, new.title, new.description);
END;
INSERT INTO task_text(task_text) VALUES ('rebuild');
"""

# Tasks list newest first in the order they were stored (rowid), which is the order they were
# created in: an index on a filter column keeps its entries in rowid order already, so it serves
# filter and order without a created_at copy in every entry, and the table itself is the
# unfiltered order. Four indexes of 20-60 bytes an entry become three of 8-36.
TASK_INDEXES_BY_ROWID = """
DROP INDEX task_created;
DROP INDEX task_status_created;
DROP INDEX task_endeavour_created;
DROP INDEX task_assignee_created;
CREATE INDEX task_status ON task(status);
CREATE INDEX task_endeavour ON task(endeavour_id);
CREATE INDEX task_assignee ON task(assignee_id);
"""

# FTS5 finds the words starting with `ka` by walking every indexed word that does and merging
# their entries: a one- or two-letter start names a large share of the vocabulary (at a million
# tasks, 338-560 ms). With `prefix='1 2'` the index keeps one entry list for each first letter and
# for each first two letters, read like a word's own (0.3-0.8 ms). The options of an FTS5 table
# are fixed when it is made: the table is made again and filled from the tasks; the triggers of
# migration 8 name it, not its options, and stay. `rebuild` (check --repair) keeps the option.
TASK_TEXT_PREFIXES = """
DROP TABLE task_text;
CREATE VIRTUAL TABLE task_text USING fts5(
    title, description, content='task', content_rowid='rowid', tokenize='unicode61 remove_diacritics 2',
    prefix='1 2'
);
INSERT INTO task_text(task_text) VALUES ('rebuild');
"""

# A search asks for tasks that have every word (each as the start of a word): it never asks for a
# phrase, a column or a rank, so the index need not keep where each word stands in each task
# (`detail=none`) nor each task's length in words (`columnsize=0`, used by bm25 alone). At a
# million tasks: 164.4 -> 41.1 MiB, the same pages and counts in the same time (benchmarks/).
# A quoted query word FTS5 cuts in two is a phrase, which this index refuses: match_query cuts
# words where the tokenizer does (sqlite/search.py).
TASK_TEXT_WITHOUT_POSITIONS = """
DROP TABLE task_text;
CREATE VIRTUAL TABLE task_text USING fts5(
    title, description, content='task', content_rowid='rowid', tokenize='unicode61 remove_diacritics 2',
    prefix='1 2', detail=none, columnsize=0
);
INSERT INTO task_text(task_text) VALUES ('rebuild');
"""
