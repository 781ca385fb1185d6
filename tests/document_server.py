"""An https server a test runs in its own process to serve client ID metadata documents, under a
test CA made by `openssl`: what it answers on each path, and how many connections and requests
reached it (a refused fetch must reach it not at all)."""

from __future__ import annotations

import shutil
import ssl
import subprocess
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

needs_openssl = pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl makes the test CA")


def make_test_ca(where: Path) -> tuple[Path, Path, Path]:
    """A CA, and a certificate it signed for 127.0.0.1 and localhost: (ca.pem, cert.pem, key.pem)."""
    ca, ca_key, cert, key, ask = (where / n for n in ("ca.pem", "ca.key", "cert.pem", "key.pem", "cert.csr"))
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"]
    (where / "ext.cnf").write_text("subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n"
                                   "keyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n")  # fmt: skip
    for command in (
        ["req", "-x509", *ec, "-days", "1", "-subj", "/CN=worktrail test CA", "-keyout", ca_key, "-out", ca],
        ["req", *ec, "-subj", "/CN=localhost", "-keyout", key, "-out", ask],
        ["x509", "-req", "-in", ask, "-CA", ca, "-CAkey", ca_key, "-CAcreateserial", "-days", "1",
         "-extfile", where / "ext.cnf", "-out", cert],
    ):  # fmt: skip
        subprocess.run(["openssl", *map(str, command)], check=True, capture_output=True)
    return ca, cert, key


@dataclass
class Documents:
    """What the server answers: `answers[path] = (status, headers, body)`; what reached it."""

    base: str = ""
    answers: dict[str, tuple[int, dict[str, str], bytes]] = field(default_factory=dict)
    requests: Counter[str] = field(default_factory=Counter)
    hosts: list[str] = field(default_factory=list)  # the Host header of each request
    connections: int = 0
    stalled: set[str] = field(default_factory=set)  # paths answered only once `release` is set
    release: threading.Event = field(default_factory=threading.Event)

    @property
    def address(self) -> str:
        """host:port, as --client-metadata-allow-host takes it."""
        return self.base.removeprefix("https://")

    def url(self, path: str) -> str:
        return f"{self.base}{path}"

    def serve(self, path: str, body: bytes, status: int = 200, **headers: str) -> str:
        self.answers[path] = (status, {k.replace("_", "-"): v for k, v in headers.items()}, body)
        return self.url(path)


@contextmanager
def document_server(ca_files: tuple[Path, Path, Path]) -> Iterator[Documents]:
    """An https server on a free loopback port, in a thread of the test's process."""
    documents = Documents()

    class Answer(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            documents.requests[self.path] += 1
            documents.hosts.append(self.headers.get("Host", ""))
            if self.path in documents.stalled:
                documents.release.wait(60)
            status, headers, body = documents.answers.get(self.path, (404, {}, b"not here"))
            self.send_response(status)
            for name, value in {"Content-Type": "application/json", **headers}.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    class Counting(ThreadingHTTPServer):
        daemon_threads = True

        def verify_request(self, request: Any, client_address: Any) -> bool:
            documents.connections += 1
            return True

    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls.load_cert_chain(ca_files[1], ca_files[2])
    server = Counting(("127.0.0.1", 0), Answer)
    server.socket = tls.wrap_socket(server.socket, server_side=True)
    documents.base = f"https://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield documents
    finally:
        documents.release.set()
        server.shutdown()
        server.server_close()
        thread.join(10)
