"""Relations: typed edges between entities (Taskschmiede's `ts.rel`), for now a task's dependencies."""
