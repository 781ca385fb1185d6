"""What a caller's search text asks FTS5 for: every word, as the start of a word."""

from __future__ import annotations

import re

# A word as FTS5's unicode61 tokenizer cuts them: letters and digits; the rest separates words.
_WORD = re.compile(r"[^\W_]+")


def match_query(text: str) -> str | None:
    """An FTS5 MATCH expression finding entries that have, for each word of `text`, a word
    starting with it (`"plan"* "week"*`), or None when `text` has no word to look up. Each word
    goes in double quotes, so nothing in it is read as FTS5 syntax."""
    words = _WORD.findall(text)
    return " ".join(f'"{word}"*' for word in words) if words else None
