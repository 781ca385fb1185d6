"""Migration 8: full-text search of tasks with SQLite's FTS5.

`task_text` indexes each task's title and description by word (unicode61, accents folded), with
the task table as its content: it stores the index, not a second copy of the text. Triggers keep
it in step with every insert, update of either column, and delete, in the writing transaction.
The rowid ties an entry to its task; SQLite keeps rowids as they are except through VACUUM, after
which `worktrail check` finds the index out of step and says how to rebuild it.
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
