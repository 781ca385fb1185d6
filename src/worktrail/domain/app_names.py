"""How an OAuth app is named to people (consent, Connected apps, `worktrail key list`, the audit's
"via"): its name as it gave it, without the characters that make one name look like another
(control and format characters, such as U+202E, which reverses the text after it) and at most
`LONGEST` characters; and the host that vouches for it, since anyone may register any name."""

from __future__ import annotations

import unicodedata
from typing import Any
from urllib.parse import urlsplit

LONGEST = 80


def shown_name(given: str) -> str:
    """The name to store and show: control characters (Cc) read as spaces, format characters (Cf:
    bidi overrides, zero-width ones) dropped, spaces collapsed, cut at `LONGEST`."""
    kept = "".join(" " if unicodedata.category(c) in ("Cc", "Zl", "Zp") else c for c in given
                   if unicodedata.category(c) != "Cf")  # fmt: skip
    return " ".join(kept.split())[:LONGEST].rstrip()


def app_host(kind: str, client_id: str, metadata: dict[str, Any]) -> str:
    """Where an app is: a metadata document's host (verified: it served the document), or for a
    self-registered app the host (or, without one, the scheme) of its first redirect URI."""
    if kind == "document":
        return urlsplit(client_id).hostname or client_id
    uris = metadata.get("redirect_uris") or [""]
    parts = urlsplit(str(uris[0]))
    return parts.hostname or (f"{parts.scheme}:" if parts.scheme else "-")
