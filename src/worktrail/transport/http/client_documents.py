"""Client ID metadata documents (draft-ietf-oauth-client-id-metadata-document, the MCP
authorization spec's first way for a client to be known): a `client_id` that is an https URL is
the address of the client's metadata, fetched here with httpx: 5 seconds in all, at most 64 KiB
read, no redirect followed, only from public addresses unless an operator allowed the host
(public_addresses.py). Its `client_id` must be the URL exactly; its redirect URIs are the ones the
SDK's exact match then holds the client to. How long it may be used before it is fetched again
comes from its HTTP caching headers."""

from __future__ import annotations

import json
import ssl
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

import anyio
import httpcore2
import httpx2
from mcp.shared.auth import OAuthClientMetadata
from pydantic import ValidationError

from worktrail.domain.scopes import SCOPES
from worktrail.transport.http.public_addresses import FetchRefused, PublicOnlyBackend

FETCH_SECONDS = 5
MOST_BYTES = 64 * 1024
# No caching headers: used this long before it is fetched again; whatever they say, never longer.
DEFAULT_FRESH = timedelta(hours=1)
LONGEST_FRESH = timedelta(hours=24)


def is_document_url(client_id: str) -> bool:
    """Whether a client_id names a metadata document (an https URL); an http:// one never does."""
    return client_id.startswith("https://")


def url_problem(url: str) -> str | None:
    """Why `url` cannot be a client ID metadata document's address (None: it can): https, a
    path, no fragment, no user, no dot segments."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - read for its check: a port that is no number is a ValueError
    except ValueError:  # a bracketed host that is no IPv6 address (https://[zz]/c.json), an unclosed one
        return f"client_id {url} is not a URL this server can read"
    if parts.scheme != "https" or not parts.hostname:
        return f"client_id {url} is not an https URL"
    if parts.path in ("", "/") or "/./" in parts.path + "/" or "/../" in parts.path + "/":
        return f"client_id {url} needs a path, without . or .. segments"
    if parts.fragment or "@" in parts.netloc:
        return f"client_id {url} may have no fragment and no user"
    return None


def fresh_for(headers: httpx2.Headers, now: datetime) -> timedelta:
    """How long an answer may be used, by its Cache-Control (no-store, no-cache: not at all;
    max-age) or else its Expires (against its Date): DEFAULT_FRESH when neither says, and never
    more than LONGEST_FRESH."""
    directives: dict[str, str] = {}
    for part in ",".join(headers.get_list("cache-control")).split(","):
        name, _, value = part.strip().partition("=")
        directives[name.strip().lower()] = value.strip().strip('"')
    if "no-store" in directives or "no-cache" in directives:
        return timedelta(0)
    if "max-age" in directives:
        seconds = int(directives["max-age"]) if directives["max-age"].isdigit() else 0
        return min(timedelta(seconds=seconds), LONGEST_FRESH)
    if "expires" in headers:
        try:
            expires = parsedate_to_datetime(headers["expires"])
            date = parsedate_to_datetime(headers["date"]) if "date" in headers else now
        except (TypeError, ValueError):
            return timedelta(0)  # an Expires that is no date means "already expired" (RFC 9111 5.3)
        if expires.tzinfo is None or date.tzinfo is None:
            return timedelta(0)
        return max(timedelta(0), min(expires - date, LONGEST_FRESH))
    return DEFAULT_FRESH


def client_metadata(url: str, body: bytes, redirect_problem: Callable[[str], str | None]) -> dict[str, Any]:
    """The client's metadata as this server keeps it, from the document's bytes; refused with the
    reason when the document does not hold. A public client: no secret, `none` at the token endpoint."""
    try:
        document = json.loads(body)
    except (UnicodeDecodeError, ValueError):
        raise FetchRefused(f"the metadata document at {url} is not JSON") from None
    if not isinstance(document, dict):
        raise FetchRefused(f"the metadata document at {url} is not a JSON object")
    if document.get("client_id") != url:
        raise FetchRefused(f"the client_id in the metadata document is {document.get('client_id')!r}, not its URL {url}")
    if "client_secret" in document or document.get("token_endpoint_auth_method", "none") != "none":
        raise FetchRefused(f"the metadata document at {url} asks for a client secret: a document's client is "
                           'public ("token_endpoint_auth_method": "none"; PKCE protects the code)')  # fmt: skip
    try:
        metadata = OAuthClientMetadata.model_validate({k: v for k, v in document.items() if k != "client_id"})
    except ValidationError as error:
        fields = ", ".join(".".join(str(p) for p in e["loc"]) for e in error.errors()) or "its fields"
        raise FetchRefused(f"the metadata document at {url} does not hold as client metadata ({fields})") from None
    for uri in metadata.redirect_uris or []:
        problem = redirect_problem(str(uri))
        if problem is not None:
            raise FetchRefused(f"the metadata document at {url}: {problem}")
    kept = metadata.model_dump(mode="json", exclude_none=True)
    return {**kept, "token_endpoint_auth_method": "none", "scope": kept.get("scope") or " ".join(SCOPES)}


@dataclass(frozen=True)
class Fetched:
    metadata: dict[str, Any]
    fresh_for: timedelta


@dataclass(frozen=True)
class ClientDocuments:
    """The fetcher: `allowed_hosts` (HOST or HOST:PORT) may be on any address; `extra_ca` is a PEM
    bundle trusted beside the system's."""

    allowed_hosts: tuple[str, ...] = ()
    extra_ca: str | None = None
    _tls: ssl.SSLContext = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        tls = ssl.create_default_context()
        if self.extra_ca:
            tls.load_verify_locations(cafile=self.extra_ca)
        object.__setattr__(self, "_tls", tls)

    def _client(self) -> httpx2.AsyncClient:
        transport = httpx2.AsyncHTTPTransport(verify=self._tls, trust_env=False)
        # httpx takes no network backend: its pool, as it builds one, with ours (public_addresses.py).
        transport._pool = httpcore2.AsyncConnectionPool(ssl_context=self._tls, max_connections=1,
                                                        network_backend=PublicOnlyBackend(self.allowed_hosts))  # fmt: skip
        return httpx2.AsyncClient(transport=transport, timeout=FETCH_SECONDS, follow_redirects=False, trust_env=False)

    async def fetch(self, url: str, now: datetime, redirect_problem: Callable[[str], str | None]) -> Fetched:
        """The document at `url`, checked; or FetchRefused saying why not."""
        problem = url_problem(url)
        if problem is not None:
            raise FetchRefused(problem)
        try:
            with anyio.fail_after(FETCH_SECONDS):
                async with self._client() as client, client.stream("GET", url, headers={"Accept": "application/json"}) as answer:
                    if answer.is_redirect or 300 <= answer.status_code < 400:
                        raise FetchRefused(f"{url} answered {answer.status_code}, a redirect: a metadata document is "
                                           "served at its client_id itself (redirects are not followed)")  # fmt: skip
                    if answer.status_code != 200:
                        raise FetchRefused(f"{url} answered {answer.status_code}, not 200 with the metadata document")
                    body = bytearray()
                    async for chunk in answer.aiter_bytes():
                        body += chunk
                        if len(body) > MOST_BYTES:
                            raise FetchRefused(f"the metadata document at {url} is larger than {MOST_BYTES // 1024} KiB")
                    headers = answer.headers
        except TimeoutError:
            raise FetchRefused(f"{url} did not answer within {FETCH_SECONDS} s") from None
        except (httpx2.HTTPError, httpx2.InvalidURL) as error:  # InvalidURL (a host httpx will not take) is no HTTPError
            raise FetchRefused(f"{url} could not be fetched ({type(error).__name__}: {error})") from None
        return Fetched(client_metadata(url, bytes(body), redirect_problem), fresh_for(headers, now.astimezone(UTC)))
