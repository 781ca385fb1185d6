"""An app a person has connected, without the OAuth dance (tests/test_oauth_flow.py drives that):
a registered client, a code the person approved, redeemed into a grant and its first tokens."""

from __future__ import annotations

from worktrail.domain.clock import SystemClock
from worktrail.store.oauth.grants import Issued
from worktrail.store.store import Store

# The /mcp a grant is bound to when no server is asked (a server refuses a token bound elsewhere).
AUDIENCE = "http://127.0.0.1:8765/mcp"


async def connect_app(
    store: Store, name: str, resource_id: str, scope: str, audience: str = AUDIENCE, document: str | None = None
) -> Issued:
    """An app of that name that the person approved with that scope: its grant's first tokens. It
    registered itself, or with `document`, is known by its metadata document at that URL."""
    now = SystemClock().now()
    metadata = {"client_name": name, "redirect_uris": ["https://app.example/cb"]}
    if document is None:
        client = await store.oauth_clients.register(metadata, now)
    else:
        await store.oauth_clients.remember_document(document, metadata, now)
        client = document
    code = await store.oauth_grants.issue_code(client, resource_id, scope, audience, "x", "https://app.example/cb",
                                               True, now)  # fmt: skip
    issued = await store.oauth_grants.redeem(code, client, now)
    assert issued is not None
    return issued
