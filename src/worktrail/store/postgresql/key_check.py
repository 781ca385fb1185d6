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

from worktrail.domain.actor import Actor

# SQLSTATE of "the key is not as the session knows it" (class WT: worktrail's own).
NOT_AS_KNOWN = "WTK01"

_KEY_ID = re.compile(r"^key_[0-9a-f]{24}$")
_RESOURCE_ID = re.compile(r"^res_[0-9a-f]{24}$")
_ROLES = frozenset({"viewer", "member", "admin", "owner"})


def folded_key_check(actor: Actor) -> str | None:
    """The statement that fails with NOT_AS_KNOWN unless `actor`'s API key is unrevoked and its
    resource active with the same id, name and role; None for a session it does not cover (a board
    session, an OAuth grant, anything not plainly an API key's), which keeps its own round trip."""
    if actor.via is not None or not _KEY_ID.match(actor.key_id) or not _RESOURCE_ID.match(actor.resource_id):
        return None
    if actor.role not in _ROLES:
        return None
    name = actor.name.encode("utf-8").hex()
    return (
        "DO $$BEGIN IF NOT EXISTS (SELECT 1 FROM api_key k JOIN resource r ON r.id = k.resource_id"
        f" WHERE k.id = '{actor.key_id}' AND k.revoked_at IS NULL AND r.status = 'active'"
        f" AND r.id = '{actor.resource_id}' AND r.role = '{actor.role}'"
        f" AND encode(convert_to(r.name, 'UTF8'), 'hex') = '{name}')"
        f" THEN RAISE EXCEPTION USING ERRCODE = '{NOT_AS_KNOWN}'; END IF; END$$"
    )
