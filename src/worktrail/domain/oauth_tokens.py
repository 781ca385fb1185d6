"""The lifetimes of OAuth codes and tokens, and what a refresh token's second use means, as data:
a refresh token rotates on every use; used again within the grace after its rotation it is still
honoured (two sessions of one client refreshing at once must not lock the person out); used
again after that, it was stolen and replayed, and the whole grant is revoked."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Literal

CODE_TTL = timedelta(seconds=60)
ACCESS_TTL = timedelta(hours=1)
REFRESH_GRACE = timedelta(seconds=30)
ACCESS_PREFIX, REFRESH_PREFIX = "wta_", "wtr_"
# A grant's id stands where a key's id stands in an Actor (as a board session's `bss_` does).
GRANT_PREFIX = "ogr_"

RefreshUse = Literal["rotate", "grace", "replay"]


def new_code() -> str:
    """An authorization code: 256 random bits (RFC 6749 10.10 asks at least 128)."""
    return secrets.token_urlsafe(32)


def new_token(prefix: str) -> str:
    """An opaque access or refresh token: 256 random bits, shown once and kept only hashed."""
    return prefix + secrets.token_hex(32)


def refresh_use(rotated_at: datetime | None, now: datetime) -> RefreshUse:
    """What using a refresh token now is: its first use, a use within the grace, or a replay."""
    if rotated_at is None:
        return "rotate"
    return "grace" if now - rotated_at <= REFRESH_GRACE else "replay"
