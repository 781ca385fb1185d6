"""Client ID metadata documents (issue 29) on `serve --http --auth oauth`: a client whose
client_id is the https URL of its metadata, served by the test itself under a test CA; the SDK's
own OAuth client signs in by it, and the documents that do not hold are refused saying why: a
client_id that is not the URL, one on a loopback address without the allow-list (never
connected to), too large, a redirect, too slow; an http:// client_id is no document; the ledger's copy
is used while the document's caching headers allow; and the consent, in Chromium, says where the
app's metadata came from."""

from __future__ import annotations

import base64
import hashlib
import ipaddress
import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

import httpx2
import pytest

from tests.conftest import run_worktrail as worktrail
from tests.document_server import Documents, document_server, make_test_ca, needs_openssl
from tests.oauth_sign_in import REDIRECT, Memory, form_fields, provider, signed_in_client
from tests.servers import free_port, start_http_on_any_port, stop
from worktrail.transport.http.client_documents import DEFAULT_FRESH, LONGEST_FRESH, fresh_for
from worktrail.transport.http.public_addresses import allowed_host, not_public

PATH = "/oauth/client.json"


@pytest.fixture(scope="module")
def ca_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    return make_test_ca(tmp_path_factory.mktemp("ca"))


@pytest.fixture
def documents(ca_files: tuple[Path, Path, Path]) -> Iterator[Documents]:
    with document_server(ca_files) as served:
        yield served


def document(url: str, **more: Any) -> bytes:
    return json.dumps({"client_id": url, "client_name": "Doc assistant", "redirect_uris": [REDIRECT],
                       "grant_types": ["authorization_code", "refresh_token"], "token_endpoint_auth_method": "none",
                       **more}).encode()  # fmt: skip


def authorize(issuer: str, client_id: str) -> httpx2.Response:
    asked = {"response_type": "code", "client_id": client_id, "redirect_uri": REDIRECT, "code_challenge": "c" * 43,
             "code_challenge_method": "S256", "state": "s"}  # fmt: skip
    return httpx2.get(f"{issuer}/authorize", params=asked, timeout=30)


def fetched_each_time(documents: Documents) -> str:
    """The URL of a document served `no-store`: every use of it fetches it again."""
    url = documents.url("/each-time.json")
    documents.serve("/each-time.json", document(url), Cache_Control="no-store")
    return url


def refused_saying(answer: httpx2.Response) -> str:
    assert answer.status_code == 400 and "location" not in answer.headers, (answer.status_code, answer.text)
    assert answer.json()["error"] == "invalid_request"
    return str(answer.json()["error_description"])


def serve_oauth(db: Path | str, ca: Path, *extra: str) -> tuple[Any, str, str]:
    process, url, _ = start_http_on_any_port(db, "--auth", "oauth", "--client-metadata-ca", str(ca), *extra)  # type: ignore[arg-type]
    return process, url, url.removesuffix("/mcp")


@needs_openssl
@pytest.mark.anyio
@pytest.mark.processes
async def test_the_sdk_client_signs_in_by_its_metadata_document_and_calls_tools(
    initialised: tuple[Path | str, str], documents: Documents, ca_files: tuple[Path, Path, Path]
) -> None:
    db, key = initialised
    url_of_document = documents.serve(PATH, b"")
    documents.serve(PATH, document(url_of_document), Cache_Control="max-age=300")
    process, url, issuer = serve_oauth(db, ca_files[0], "--client-metadata-allow-host", documents.address)
    try:
        metadata = httpx2.get(f"{issuer}/.well-known/oauth-authorization-server", timeout=30).json()
        assert metadata["client_id_metadata_document_supported"] is True
        storage, pages = Memory(), []
        async with signed_in_client(url, provider(url, issuer, key, storage, url_of_document, pages)) as agent:
            me = (await agent.call_tool("ts.auth.whoami", {})).structured_content
            made = await agent.call_tool("ts.tsk.create", {"title": "via a metadata document"})
        assert me is not None and me["name"] == "owner" and not made.is_error, (me, made.structured_content)
        assert storage.client is not None and storage.client.client_id == url_of_document, "known by its document"
        assert f"Doc assistant <small>(verified: fetched from {url_of_document})</small>" in pages[0]
        assert 'on your <a href="/apps">Connected apps</a> page' in pages[0], "where a person of any role takes it back"
        assert documents.requests[PATH] == 1, "fetched once: the consent and the token step used the ledger's copy"
        assert authorize(issuer, url_of_document).status_code == 302
        assert documents.requests[PATH] == 1, "asked again within its max-age: not fetched again"
    finally:
        stop(process)


@needs_openssl
@pytest.mark.processes
def test_the_consent_page_fetches_a_stale_document_again_and_refuses_a_redirect_the_app_dropped(
    initialised: tuple[Path | str, str], documents: Documents, ca_files: tuple[Path, Path, Path]
) -> None:
    db, key = initialised
    old, new = "https://old.example/cb", "https://new.example/cb"
    url_of_document = documents.serve(PATH, b"")
    documents.serve(PATH, document(url_of_document, redirect_uris=[old]), Cache_Control="no-store")
    process, url, issuer = serve_oauth(db, ca_files[0], "--client-metadata-allow-host", documents.address)
    try:
        asked = {"response_type": "code", "client_id": url_of_document, "redirect_uri": old, "code_challenge": "c" * 43,
                 "code_challenge_method": "S256", "state": "s", "resource": url}  # fmt: skip
        to_consent = httpx2.get(f"{issuer}/authorize", params=asked, timeout=30).headers["location"]
        with httpx2.Client(timeout=30, headers={"Origin": issuer}) as browser:
            assert browser.post(f"{issuer}/login", data={"api_key": key, "next": "/"}).status_code == 303
            page = browser.get(to_consent)
            assert page.status_code == 200 and "Approve" in page.text
            documents.serve(PATH, document(url_of_document, redirect_uris=[new]), Cache_Control="no-store")  # old dropped
            approved = browser.post(f"{issuer}/oauth/consent", data={**form_fields(page.text), "decision": "approve"})
            assert approved.status_code == 400 and "location" not in approved.headers, "no code for a dropped redirect"
            assert "did not register the address" in approved.text
            assert documents.requests[PATH] == 3, "/authorize, the page and the decision each fetched the stale copy again"
            again = browser.get(to_consent)
            assert again.status_code == 400 and "did not register the address" in again.text, "nor a page to approve on"
            documents.serve(PATH, b"gone", 404)
            gone = browser.get(to_consent.replace(quote(old, safe=""), quote(new, safe="")))
            assert gone.status_code == 400 and "metadata document) cannot be used now" in gone.text, gone.text
    finally:
        stop(process)


@needs_openssl
@pytest.mark.processes
def test_documents_that_do_not_hold_are_refused_saying_why(
    initialised: tuple[Path | str, str], documents: Documents, ca_files: tuple[Path, Path, Path]
) -> None:
    db, _ = initialised
    port = documents.address.rpartition(":")[2]
    process, _, issuer = serve_oauth(db, ca_files[0], "--client-metadata-allow-host", documents.address,
                                     "--client-metadata-allow-host", f"localhost:{port}")  # fmt: skip
    try:
        named = f"https://localhost:{port}/named.json"
        documents.serve("/named.json", document(named))
        assert authorize(issuer, named).status_code == 302, "a host by name: its certificate checked for that name"
        assert documents.hosts == [f"localhost:{port}"]
        other = documents.serve("/other.json", document("https://assistant.example/oauth/client.json"))
        said = refused_saying(authorize(issuer, other))
        assert f"client_id in the metadata document is 'https://assistant.example/oauth/client.json', not its URL {other}" in said
        large = documents.serve("/large.json", b"")
        documents.serve("/large.json", document(large, software_id="x" * (64 * 1024)))
        assert "larger than 64 KiB" in refused_saying(authorize(issuer, large))
        target = documents.serve(PATH, document(documents.url(PATH)))
        moved = documents.serve("/moved.json", b"", 302, Location=target)
        assert "answered 302, a redirect" in refused_saying(authorize(issuer, moved))
        assert documents.requests[PATH] == 0, "a redirect is not followed"
        secret = documents.serve("/secret.json", b"")
        documents.serve("/secret.json", document(secret, token_endpoint_auth_method="client_secret_post"))
        assert "asks for a client secret" in refused_saying(authorize(issuer, secret))
        bad_redirect = documents.serve("/bad-redirect.json", b"")
        documents.serve("/bad-redirect.json", document(bad_redirect, redirect_uris=["http://evil.example/cb"]))
        assert "http only to a loopback host" in refused_saying(authorize(issuer, bad_redirect))
        slow = documents.serve("/slow.json", b"")
        documents.serve("/slow.json", document(slow))
        documents.stalled.add("/slow.json")
        started = time.monotonic()
        assert "did not answer within 5 s" in refused_saying(authorize(issuer, slow))
        assert time.monotonic() - started < 9, "5 seconds in all"
        before = documents.connections
        plain = refused_saying(authorize(issuer, f"http://{documents.address}{PATH}"))
        assert "not found" in plain and documents.connections == before, "an http:// client_id is no document"
        unstored = documents.serve("/no-store.json", b"")
        documents.serve("/no-store.json", document(unstored), Cache_Control="no-store")
        assert authorize(issuer, unstored).status_code == 302 and authorize(issuer, unstored).status_code == 302
        assert documents.requests["/no-store.json"] == 2, "no-store: fetched again each time"
    finally:
        _, logged = stop(process)
    assert "client metadata document refused: " in logged and "larger than 64 KiB" in logged


@needs_openssl
@pytest.mark.processes
def test_a_document_on_a_loopback_address_is_refused_unfetched_without_the_allow_list(
    initialised: tuple[Path | str, str], documents: Documents, ca_files: tuple[Path, Path, Path]
) -> None:
    db, _ = initialised
    process, _, issuer = serve_oauth(db, ca_files[0])
    try:
        url_of_document = documents.serve(PATH, b"")
        documents.serve(PATH, document(url_of_document))
        said = refused_saying(authorize(issuer, url_of_document))
        assert "resolves to 127.0.0.1, a loopback address" in said and "--client-metadata-allow-host" in said
        assert documents.connections == 0, "the guard is before the connection: nothing reached the server"
        port = documents.address.rpartition(":")[2]
        named = refused_saying(authorize(issuer, f"https://localhost:{port}{PATH}"))
        assert "a loopback address" in named and documents.connections == 0
    finally:
        stop(process)


@needs_openssl
@pytest.mark.processes
def test_one_address_has_at_most_30_documents_fetched_an_hour_then_429(
    initialised: tuple[Path | str, str], documents: Documents, ca_files: tuple[Path, Path, Path]
) -> None:
    db, _ = initialised
    process, _, issuer = serve_oauth(db, ca_files[0], "--client-metadata-allow-host", documents.address)
    try:
        unstored = fetched_each_time(documents)
        assert all(authorize(issuer, unstored).status_code == 302 for _ in range(30))
        over = authorize(issuer, unstored)
        assert over.status_code == 429 and int(over.headers["retry-after"]) > 0, over.text
        assert over.json()["error"] == "rate_limited" and "over 30 an hour" in over.json()["error_description"]
        assert documents.requests["/each-time.json"] == 30, "the 31st was not fetched"
    finally:
        stop(process)


@needs_openssl
@pytest.mark.processes
def test_the_consent_page_draws_on_the_fetch_budget_of_authorize(
    initialised: tuple[Path | str, str], documents: Documents, ca_files: tuple[Path, Path, Path]
) -> None:
    db, key = initialised
    process, _, issuer = serve_oauth(db, ca_files[0], "--client-metadata-allow-host", documents.address)
    try:
        unstored = fetched_each_time(documents)
        to_consent = [authorize(issuer, unstored).headers["location"] for _ in range(30)][-1]
        with httpx2.Client(timeout=30, headers={"Origin": issuer}) as browser:
            assert browser.post(f"{issuer}/login", data={"api_key": key, "next": "/"}).status_code == 303
            page = browser.get(to_consent)
        assert page.status_code == 400 and "too many client metadata documents fetched for 127.0.0.1" in page.text, page.text
        assert documents.requests["/each-time.json"] == 30, "the consent page's fetch was not made"
    finally:
        stop(process)


@needs_openssl
@pytest.mark.processes
def test_token_and_revoke_draw_on_the_same_fetch_budget_and_a_host_httpx_refuses_is_a_400(
    initialised: tuple[Path | str, str], documents: Documents, ca_files: tuple[Path, Path, Path]
) -> None:
    db, _ = initialised
    process, _, issuer = serve_oauth(db, ca_files[0], "--client-metadata-allow-host", documents.address)
    try:
        for host in ("0177.0.0.1", "[zz]", "[2002:7f00:1::"):  # a host httpx, or urlsplit, will not take: no 500
            odd = authorize(issuer, f"https://{host}/c.json")
            assert odd.status_code == 400 and odd.json()["error"] == "invalid_request", (host, odd.text)
        unstored = fetched_each_time(documents)
        for path in ("/token", "/revoke") * 20:
            form = {"grant_type": "refresh_token", "refresh_token": "wtr_x", "token": "x", "client_id": unstored}
            assert httpx2.post(f"{issuer}{path}", data=form, timeout=30).status_code in (200, 400, 401)  # 200: RFC 7009
        assert documents.requests["/each-time.json"] <= 30, "one address's budget, whatever the route"
    finally:
        stop(process)


def test_caching_headers_say_how_long_a_document_is_used() -> None:
    now = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)

    def fresh(**headers: str) -> timedelta:
        return fresh_for(httpx2.Headers({k.replace("_", "-"): v for k, v in headers.items()}), now)

    assert fresh() == DEFAULT_FRESH == timedelta(hours=1)
    assert fresh(Cache_Control="public, max-age=600") == timedelta(minutes=10)
    assert fresh(Cache_Control="max-age=9999999") == LONGEST_FRESH == timedelta(hours=24)
    assert fresh(Cache_Control="no-store") == fresh(Cache_Control="no-cache, max-age=600") == timedelta(0)
    assert fresh(Cache_Control="max-age=soon") == timedelta(0)
    dated = {"Date": "Mon, 07 Dec 2026 10:00:00 GMT"}
    assert fresh(Expires="Mon, 07 Dec 2026 10:30:00 GMT", **dated) == timedelta(minutes=30)
    assert fresh(Expires="Mon, 07 Dec 2026 09:00:00 GMT", **dated) == timedelta(0)
    assert fresh(Expires="0") == timedelta(0), "an Expires that is no date: already expired"
    assert fresh(Cache_Control="max-age=60", Expires="Mon, 07 Dec 2026 10:30:00 GMT") == timedelta(minutes=1)


@pytest.mark.parametrize(
    ("address", "kind"),
    [("127.0.0.1", "loopback"), ("::1", "loopback"), ("10.1.2.3", "private"), ("192.168.0.1", "private"),
     ("169.254.169.254", "link-local"), ("fe80::1", "link-local"), ("0.0.0.0", "unspecified"), ("::", "unspecified"),
     ("224.0.0.1", "multicast"), ("ff02::1", "multicast"), ("240.0.0.1", "reserved"), ("fc00::1", "private"),
     ("::ffff:127.0.0.1", "loopback"), ("::ffff:10.0.0.1", "private"), ("100.64.0.1", "non-global"),
     ("2002:7f00:1::", "loopback"), ("2002:a00:1::1", "private"), ("2002:a9fe:a9fe::", "link-local"),
     ("2001:0:4136:e378:8000:63bf:80ff:fffe", "loopback"), ("2001:0:4136:e378:8000:63bf:f5ff:fffe", "private"),
     ("192.0.0.1", "reserved"), ("192.0.0.9", "reserved"), ("192.0.0.170", "reserved"),
     ("2002:5db8:d70e::1", None), ("2001:0:4136:e378:8000:63bf:a247:28f1", None),
     ("93.184.215.14", None), ("2606:2800:21f:cb07:6820:80da:af6b:8b2c", None)],
)  # fmt: skip
def test_only_public_addresses_are_fetched_from(address: str, kind: str | None) -> None:
    assert not_public(ipaddress.ip_address(address)) == kind


def test_the_allow_list_names_a_host_or_a_host_and_port() -> None:
    assert allowed_host(["idp.intranet"], "IDP.intranet", 443) and allowed_host(["idp.intranet:8443"], "idp.intranet", 8443)
    assert not allowed_host(["idp.intranet:8443"], "idp.intranet", 443) and not allowed_host(["idp.intranet"], "other", 443)
    assert allowed_host(["[::1]:8443"], "::1", 8443) and allowed_host(["::1"], "[::1]", 443)


def test_the_options_are_refused_at_start_in_one_line(initialised: tuple[Path | str, str], tmp_path: Path) -> None:
    db, _ = initialised
    start = ("serve", "--http", "--db", str(db), "--port", str(free_port()), "--auth", "oauth")
    missing = worktrail(*start, "--client-metadata-ca", str(tmp_path / "nowhere.pem"))
    assert missing.returncode == 2 and "--client-metadata-ca" in missing.stderr and "there is no file" in missing.stderr
    (tmp_path / "ca.pem").write_text("-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n")
    broken = worktrail(*start, "--client-metadata-ca", str(tmp_path / "ca.pem"))
    assert broken.returncode == 1 and broken.stderr.count("\n") == 1 and "--client-metadata-ca" in broken.stderr, broken.stderr
    for wrong in ("https://idp.example", "idp.example:99999", "idp.example/path"):
        said = worktrail(*start, "--client-metadata-allow-host", wrong)
        assert said.returncode == 2 and "--client-metadata-allow-host" in said.stderr, said.stderr
    keys = worktrail("serve", "--http", "--db", str(db), "--port", str(free_port()), "--client-metadata-allow-host", "x")
    assert keys.returncode == 1 and "are for --auth oauth" in keys.stderr, keys.stderr


@needs_openssl
@pytest.mark.processes
@pytest.mark.browser
def test_a_person_approves_a_document_client_in_the_browser_seeing_where_it_came_from(
    initialised: tuple[Path | str, str], documents: Documents, ca_files: tuple[Path, Path, Path], chromium: Any
) -> None:
    db, key = initialised
    callback = "https://assistant.example/callback"
    url_of_document = documents.serve(PATH, b"")
    documents.serve(PATH, document(url_of_document, redirect_uris=[callback]))
    process, url, issuer = serve_oauth(db, ca_files[0], "--client-metadata-allow-host", documents.address)
    try:
        verifier = "d" * 64
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")
        asked = {"response_type": "code", "client_id": url_of_document, "redirect_uri": callback, "state": "st",
                 "code_challenge": challenge, "code_challenge_method": "S256", "resource": url}  # fmt: skip
        context = chromium.new_context()
        came_back: list[str] = []

        def app(route: Any) -> None:
            came_back.append(route.request.url)
            route.fulfill(status=200, content_type="text/html", body="<h1>Connected</h1>")

        context.route("https://assistant.example/**", app)
        page = context.new_page()
        page.set_default_timeout(10_000)
        page.goto(str(httpx2.URL(f"{issuer}/authorize", params=asked)))
        page.wait_for_url("**/login?next=*")
        page.get_by_label("API key").fill(key)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url("**/oauth/consent?*")
        assert page.get_by_text(f"verified: fetched from {url_of_document}").is_visible()
        page.get_by_role("button", name="Approve").click()
        page.wait_for_url(f"{callback}*")
        context.close()
        code = parse_qs(urlsplit(came_back[-1]).query)["code"][0]
        token = httpx2.post(f"{issuer}/token", data={"grant_type": "authorization_code", "code": code, "redirect_uri": callback,
                                                      "client_id": url_of_document, "code_verifier": verifier}, timeout=30)  # fmt: skip
        assert token.status_code == 200, token.text
    finally:
        stop(process)
