"""Migrations 8 and 9: full-text search of tasks with SQLite's FTS5, and task indexes in rowid order.

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
