"""The re-check of a session's API key, made in the round trip that begins a write.

Every call re-checks its session's key first thing in its first hop (store/checks.py): on
PostgreSQL that was a round trip of its own, after the one that begins the transaction and takes
the write lock. Folded here, the same question rides in that first round trip, after the lock, as
a statement that fails unless the key is still live and its resource active and unchanged. It only
asks whether all is as the session knows it; when it is not, the write begins again and the full
check (`check_session`) runs and says why (revoked, inactive, or a changed role), as it always did.

The simple query protocol that carries BEGIN and the lock takes no parameters, so the values are
written into the statement: ids and the role only when they are the plain ASCII they always are,
the name as hex, so that no text of a caller's is ever quoted into SQL.
"""

from __future__ import annotations

import re

import asyncpg

from worktrail.domain.actor import Actor

# What the statement fails with when the key is not as the session knows it (division_by_zero).
NOT_AS_KNOWN = asyncpg.DivisionByZeroError
# What it fails with on a connection that has not prepared it yet (then: PREPARE, and again).
NOT_PREPARED = asyncpg.InvalidSQLStatementNameError

_STATEMENT = "worktrail_key_as_known"
# 1 / the count of rows that match: a division by zero unless the key is as known. Prepared once
# per connection, so that each call executes its plan: planned anew in every simple query the
# join took as long as the round trip it saved (0.11 ms, measured). A DO block with RAISE would
# say it more plainly, but PL/pgSQL compiles it on every call (0.25 ms).
PREPARE = (
    f"PREPARE {_STATEMENT} (text, text, text, text) AS SELECT 1 / COUNT(*)"
    " FROM api_key k JOIN resource r ON r.id = k.resource_id"
    " WHERE k.id = $1 AND k.revoked_at IS NULL AND r.status = 'active' AND r.id = $2 AND r.role = $3"
    " AND encode(convert_to(r.name, 'UTF8'), 'hex') = $4"
)

_KEY_ID = re.compile(r"^key_[0-9a-f]{24}$")
_RESOURCE_ID = re.compile(r"^res_[0-9a-f]{24}$")
_ROLES = frozenset({"viewer", "member", "admin", "owner"})


def known_key(actor: Actor) -> tuple[str, str, str, str] | None:
    """What the session knows of its API key (the key's id, its resource's id, role and name), the
    values the re-check compares; None for a session it does not cover (a board session, an OAuth
    grant, anything not plainly an API key's), which keeps its own round trip."""
    if actor.via is not None or not _KEY_ID.match(actor.key_id) or not _RESOURCE_ID.match(actor.resource_id):
        return None
    if actor.role not in _ROLES:
        return None
    return actor.key_id, actor.resource_id, actor.role, actor.name


def folded_key_check(actor: Actor) -> str | None:
    """The statement (PREPARE'd) that fails (NOT_AS_KNOWN) unless `actor`'s API key is unrevoked
    and its resource active with the same id, name and role; None for a session it does not cover
    (`known_key`). (update_function.py asks the same with parameters.)"""
    known = known_key(actor)
    if known is None:
        return None
    key_id, resource_id, role, name = known
    return f"EXECUTE {_STATEMENT}('{key_id}', '{resource_id}', '{role}', '{name.encode('utf-8').hex()}')"
