"""Roles and what each may do, as data."""

from __future__ import annotations

from typing import Literal

Role = Literal["owner", "admin", "member", "viewer"]

# Higher rank may do everything a lower rank may.
_RANK = {"viewer": 0, "member": 1, "admin": 2, "owner": 3}


def at_least(role: str, needed: str) -> bool:
    """Whether `role` carries every right of `needed`."""
    return _RANK.get(role, -1) >= _RANK[needed]


def is_admin(role: str) -> bool:
    """Owners and admins may do everything."""
    return at_least(role, "admin")
