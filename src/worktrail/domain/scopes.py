"""OAuth scopes, as data: each names the role a grant acts with, and a grant never carries more
than the person's own role (cut down to it whenever the person's role is)."""

from __future__ import annotations

from functools import cache

from worktrail.domain.roles import at_least

READ, WRITE, ADMIN = "ledger:read", "ledger:write", "ledger:admin"
# Scope -> the role it acts as; the order is from least to most.
SCOPE_ROLES = {READ: "viewer", WRITE: "member", ADMIN: "admin"}
SCOPES = tuple(SCOPE_ROLES)
# What a client is told to ask for when it asks for nothing (the 401's scope=).
DEFAULT_SCOPE = WRITE


def role_of(scope: str) -> str:
    """The role a granted scope acts as (the highest of the scopes it lists)."""
    listed = [s for s in SCOPES if s in scope.split()]
    if not listed:
        raise ValueError(f"no ledger scope in {scope!r}; known: {', '.join(SCOPES)}")
    return SCOPE_ROLES[listed[-1]]


def _scope_for(role: str) -> str:
    return next(s for s, r in SCOPE_ROLES.items() if r == role)


def cap(asked: str | None, person_role: str) -> str:
    """The scope a grant gets: what was asked (the default when nothing was), never beyond the
    person's role: an owner's or admin's is at most `ledger:admin`, a member's `ledger:write`."""
    wanted = role_of(asked) if asked else SCOPE_ROLES[DEFAULT_SCOPE]
    granted = wanted if at_least(person_role, wanted) else _highest_role_within(person_role)
    return _scope_for(granted)


def choices(asked: str | None, person_role: str) -> tuple[tuple[str, ...], str]:
    """What a person may grant an app that asked for `asked`: the scopes up to what was asked
    (the default when nothing was) and their role allow, least first; and the one offered first,
    which is the most of those, except that an app taking every scope the server lists (as MCP
    Inspector does) is offered `ledger:write` (or less, by role). A step-up that lists the scope it
    held beside the one it needs (the SDK's, SEP-2350: `ledger:write ledger:admin`) asked for more
    on purpose: it is offered the most."""
    listed = [s for s in (asked or "").split() if s in SCOPE_ROLES]
    ceiling = cap(" ".join(listed) or None, person_role)
    offered = SCOPES[: SCOPES.index(ceiling) + 1]
    return offered, cap(DEFAULT_SCOPE, person_role) if set(listed) == set(SCOPES) else ceiling


def _highest_role_within(person_role: str) -> str:
    return next(r for r in reversed(SCOPE_ROLES.values()) if at_least(person_role, r))


@cache  # a few scopes and roles, asked on every request made with a token
def acting_role(scope: str, person_role: str) -> str:
    """The role a grant acts with now: its scope's, cut down to the person's role as it stands
    (an owner's grant of `ledger:admin` acts as an admin; a person made a viewer acts as a viewer)."""
    granted = role_of(scope)
    return granted if at_least(person_role, granted) else _highest_role_within(person_role)


def scope_for_role(role: str) -> str | None:
    """The scope a grant needs to act as `role` (None: no grant acts as an owner)."""
    return next((s for s, r in SCOPE_ROLES.items() if r == role), None)
