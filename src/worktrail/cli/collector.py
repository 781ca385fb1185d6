"""The start-up runs without the cyclic garbage collector.

Importing the SDK and worktrail makes some hundred thousand objects and no cyclic garbage to
speak of, yet each young generation's threshold (700 allocations) starts a collection that walks
them: ~9 % of the start-up's CPU, measured (benchmarks/README.md). The process's own command
(worktrail.__main__) pauses the collector before its imports, and resumes it once what start-up made is frozen (out
of the collector's sight for good: `gc.freeze`), or, for a command that does not serve, as soon
as its module is imported. A paused collector still frees by reference counting; only cycles wait.
"""

from __future__ import annotations

import gc


def pause() -> None:
    """Before the start-up's imports: no collection walks them as they are made."""
    gc.disable()


def resume(freeze: bool = False) -> None:
    """Collect again; with `freeze`, first move what exists now out of the collector's sight
    (what start-up made lives as long as the process)."""
    if freeze:
        gc.freeze()
    gc.enable()
