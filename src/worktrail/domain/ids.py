"""Entity ids and API keys."""

from __future__ import annotations

import hashlib
import secrets
import time
import uuid

API_KEY_PREFIX = "wtk_"


def new_id(prefix: str) -> str:
    """A Taskschmiede-style id, `<prefix>_<24 lowercase hex>`, ordered by time: 48 bits of Unix
    milliseconds, then 48 random bits. Ids made later sort later, so an insert appends to the
    id's index instead of landing on a random page of it (which, at a million rows, costs a
    page read and a page write per insert)."""
    return f"{prefix}_{time.time_ns() // 1_000_000:012x}{secrets.token_hex(6)}"


def numbered_id(prefix: str, number: int) -> str:
    """The id of a row numbered by its store (a change record's sequence): `<prefix>_<24 lowercase
    hex>` like every id, with no text of its own stored or indexed."""
    return f"{prefix}_{number:024x}"


def new_uuid() -> str:
    """A UUIDv7 (RFC 9562): 48 bits of Unix milliseconds, then random bits, so ids made later
    sort later and inserts append to their indexes instead of scattering."""
    value = (time.time_ns() // 1_000_000) << 80 | int.from_bytes(secrets.token_bytes(10), "big")
    value = (value & ~(0xF << 76)) | (0x7 << 76)  # version 7
    value = (value & ~(0x3 << 62)) | (0x2 << 62)  # the RFC 4122 variant
    return str(uuid.UUID(int=value))


def new_api_key() -> str:
    """A fresh API key: 32 random bytes (256 bits), shown once and never stored."""
    return API_KEY_PREFIX + secrets.token_hex(32)


def hash_api_key(api_key: str) -> str:
    """The only form in which a key is stored: its SHA-256, hex."""
    return hashlib.sha256(api_key.encode("utf-8")).hexdigest()
