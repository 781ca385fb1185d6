"""Entity ids and API keys."""

from __future__ import annotations

import hashlib
import secrets

API_KEY_PREFIX = "wtk_"


def new_id(prefix: str) -> str:
    """A Taskschmiede-style id: `<prefix>_<24 lowercase hex>` from 12 random bytes."""
    return f"{prefix}_{secrets.token_hex(12)}"


def new_api_key() -> str:
    """A fresh API key: 32 random bytes (256 bits), shown once and never stored."""
    return API_KEY_PREFIX + secrets.token_hex(32)


def hash_api_key(api_key: str) -> str:
    """The only form in which a key is stored: its SHA-256, hex."""
    return hashlib.sha256(api_key.encode("utf-8")).hexdigest()
