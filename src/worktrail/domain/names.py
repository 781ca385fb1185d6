"""When two resource names are the same name: a name is an identity on the board and in the audit
trail, so names that look alike must not both be in one ledger."""

from __future__ import annotations

import unicodedata

from worktrail.domain.fields import NAME_MAX


def name_key(name: str) -> str:
    """What a name is compared by: Unicode NFKC (full-width, ligature and compatibility forms made
    plain), case folded, invisible format characters (zero-width joiners and spaces) dropped and
    white space runs made one space, trimmed. "Alice", "ＡＬＩＣＥ" and " alice " are one name."""
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", name).casefold())
    visible = "".join(c for c in folded if unicodedata.category(c) != "Cf")
    return " ".join(visible.split())


def suffixed(name: str, number: int) -> str:
    """`name (number)`, cut to fit the longest name a resource may have."""
    tail = f" ({number})"
    return name[: NAME_MAX - len(tail)] + tail
