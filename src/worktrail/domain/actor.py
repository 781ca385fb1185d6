"""Who is calling: the resource behind a verified API key."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Actor:
    """A logged-in caller. `role` is read fresh from the store on every call."""

    resource_id: str
    name: str
    role: str
    key_id: str
    # The app the person acts through: an OAuth grant's client, by name (None: a key or the board).
    via: str | None = None
