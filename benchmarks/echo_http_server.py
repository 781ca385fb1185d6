"""The HTTP baseline: one empty tool on the official SDK's low-level server, served by the SDK's
own streamable HTTP app under uvicorn with the options `worktrail serve --http` uses (stateless,
JSON answers, DNS-rebinding protection), and no auth. Whatever it costs per call is the floor.

    python benchmarks/echo_http_server.py PORT [--auth]
"""

from __future__ import annotations

import sys

import echo_server  # beside this file: the script's folder is on sys.path
import uvicorn
from mcp.server.auth.provider import AccessToken
from mcp.server.auth.settings import AuthSettings
from mcp.server.transport_security import TransportSecuritySettings

server = echo_server.server  # the same empty tool the stdio benchmark measures
server.middleware = []  # as worktrail serves without --otel
security = TransportSecuritySettings(
    allowed_hosts=["127.0.0.1:*", "localhost:*"], allowed_origins=["http://127.0.0.1:*"]
)


class AnyKey:
    """With --auth: the SDK's bearer stack with a verifier that accepts any key and reads nothing,
    to tell the SDK's own cost of bearer auth from worktrail's lookup of the key."""

    async def verify_token(self, token: str) -> AccessToken | None:
        return AccessToken(token="", client_id="any", scopes=[])


URL = "http://127.0.0.1:0/mcp"
auth = {"auth": AuthSettings(issuer_url=URL, resource_server_url=URL, validate_token_resource=False),
        "token_verifier": AnyKey()} if "--auth" in sys.argv else {}  # fmt: skip
app = server.streamable_http_app(json_response=True, stateless_http=True, transport_security=security, **auth)

if __name__ == "__main__":
    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="critical", access_log=False,
                server_header=False)  # fmt: skip
