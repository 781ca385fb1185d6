"""`worktrail serve --http`: the HTTP app under uvicorn, stopped by SIGTERM, SIGHUP or Ctrl-C
after the calls in flight finish (up to --drain), with exit status 0.

uvicorn, left to itself, catches the stop signal and raises it again once it has shut down, so
the process would end with the signal's status; here the signals are ours, and uvicorn is only
told to stop."""

from __future__ import annotations

import argparse
import contextlib
import errno
import gc
import logging
import os
import signal
import socket
import ssl
import sys
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import anyio
import uvicorn
from sse_starlette.sse import AppStatus
from starlette.types import ASGIApp

from worktrail.cli import early_stop
from worktrail.cli.failures import Refused
from worktrail.domain.hosts import loopback_host
from worktrail.tools.registry import Registry
from worktrail.transport.http.app import HttpOptions, build_http_app
from worktrail.transport.http.oauth_routes import REGISTRATIONS_PER_HOUR
from worktrail.transport.http.rate_limit import Limits

log = logging.getLogger(__name__)


def build_http_options(args: argparse.Namespace) -> HttpOptions:
    """The listening options, or a one-line refusal: a non-loopback address needs the names
    clients reach it by (DNS-rebinding protection stays on with that allow-list)."""
    allowed = tuple(args.allowed_host or ())
    public = urlsplit(args.public_url) if args.public_url else None
    if public is not None and not loopback_host(public.hostname or ""):
        # The address clients reach this server by is a Host it answers to (a proxy in front passes it on).
        allowed = tuple(dict.fromkeys((*allowed, public.netloc if public.port else public.hostname or "")))
    # An https address with no certificate here: a proxy in front terminates TLS (the board's cookie is Secure).
    proxied = args.behind_tls_proxy or (public is not None and public.scheme == "https" and not args.tls_cert)
    if not loopback_host(args.host) and not allowed:
        raise Refused(
            f"--host {args.host} listens beyond this machine: name the host clients reach it by with "
            "--allowed-host NAME (repeat for more); requests for any other Host are refused (421)"
        )
    if bool(args.tls_cert) != bool(args.tls_key):
        raise Refused("--tls-cert and --tls-key go together: give both, or neither")
    if args.tls_cert:
        try:  # as uvicorn will load them, so that a mismatch is said here in words
            ssl.create_default_context(ssl.Purpose.CLIENT_AUTH).load_cert_chain(args.tls_cert, args.tls_key)
        except ssl.SSLError as error:
            raise Refused(
                f"--tls-key: {args.tls_key} is not the private key of --tls-cert {args.tls_cert} ({error.reason})"
            ) from None
    tls = bool(args.tls_cert)
    if args.auth == "oauth" and args.public_url is None and not loopback_host(args.host):
        raise Refused(
            f"--auth oauth with --host {args.host} needs --public-url URL, the https address clients reach this "
            "server by (it is the OAuth issuer); only a loopback --host goes without (its issuer is then "
            "http://127.0.0.1:PORT)"
        )
    documents = tuple(args.client_metadata_allow_host or ())
    if (documents or args.client_metadata_ca) and args.auth != "oauth":
        raise Refused("--client-metadata-allow-host and --client-metadata-ca are for --auth oauth (client ID metadata "
                      "documents): add --auth oauth, or leave them out")  # fmt: skip
    if args.registrations_per_hour is not None and args.auth != "oauth":
        raise Refused("--registrations-per-hour is for --auth oauth (dynamic client registration): add --auth oauth, "
                      "or leave it out")  # fmt: skip
    if args.client_metadata_ca:
        try:  # as the fetches will load it, so that a file that is no CA bundle is said here in words
            ssl.create_default_context(cafile=args.client_metadata_ca)
        except ssl.SSLError as error:
            raise Refused(f"--client-metadata-ca: {args.client_metadata_ca} holds no usable CA certificate ({error.reason})") from None
    if not loopback_host(args.host) and not tls and not proxied:
        log.warning(
            "serving %s without TLS: API keys cross the network in clear text. Give --tls-cert/--tls-key, "
            "or --behind-tls-proxy when a proxy terminates TLS", args.host
        )  # fmt: skip
    return HttpOptions(
        host=args.host, port=args.port, allowed_hosts=allowed, allowed_origins=tuple(args.allowed_origin or ()),
        max_body=args.max_body, limits=Limits(args.rate_limit, args.auth_fail_limit), tls_cert=args.tls_cert, tls_key=args.tls_key,
        behind_tls_proxy=proxied,
        log_json=args.log_format == "json", tool_names=args.tool_names, otel=args.otel,
        auth=args.auth, public_url=args.public_url, client_metadata_hosts=documents,
        client_metadata_ca=args.client_metadata_ca,
        registrations_per_hour=args.registrations_per_hour or REGISTRATIONS_PER_HOUR,
    )  # fmt: skip


def access_lines_to_stderr(level: str) -> None:
    """The access log, one bare line (text or JSON) a request on stderr, at the default log level
    too (`--log-level ERROR` silences it)."""
    access = logging.getLogger("worktrail.access")
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(message)s"))
    access.handlers = [handler]
    access.propagate = False
    access.setLevel(logging.ERROR if level == "ERROR" else logging.INFO)


class _Uvicorn(uvicorn.Server):
    """uvicorn without its own signal handling (see the module's note), which says once where it
    listens (the port it was given, or the one the system chose for `--port 0`)."""

    def __init__(self, config: uvicorn.Config, listening: Callable[[int], None] | None) -> None:
        super().__init__(config)
        self.listening = listening

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield

    async def startup(self, sockets: list[Any] | None = None) -> None:
        await super().startup(sockets)
        if self.started and self.listening is not None:
            self.listening(self.servers[0].sockets[0].getsockname()[1])


def announce(options: HttpOptions, board: bool = True) -> Callable[[int], None]:
    """The line `serve --http` prints on stderr once it listens: where, and how to stop it."""

    def say(port: int) -> None:
        # With --auth oauth the address printed is the issuer's (an OAuth client signs in only there).
        base = replace(options, port=port).issuer if options.auth == "oauth" else \
            options.public_url or f"{options.scheme}://{options.public_host}:{port}"
        board_at = f", the board at {base}/" if board else ""
        bearer = "<key>" if options.auth != "oauth" else f"<key>, or an OAuth token: issuer {options.issuer}"
        print(f"worktrail serve: MCP at {base}/mcp (each request with Authorization: Bearer {bearer}){board_at}; "
              "Ctrl-C or SIGTERM stops it.", file=sys.stderr, flush=True)  # fmt: skip

    return say


async def serve_http(
    registry: Registry, options: HttpOptions, drain: timedelta, beside: Callable[[HttpOptions], HttpOptions] | None = None
) -> None:
    """Serve MCP (and what `options.extra_routes` adds, and `beside` adds once the port is known)
    until a stop signal. The socket is bound first, so that with `--port 0` the app knows its real
    port (the issuer's, without --public-url)."""
    sock = listening_socket(options.host.strip("[]"), options.port)
    options = replace(options, port=sock.getsockname()[1])
    if beside is not None:
        options = beside(options)
    app = build_http_app(registry, options)
    # As over stdio: what start-up made (modules, models, the board's templates) lives as long as the
    # process; out of the collector's sight, a full collection no longer walks it in the middle of a
    # request (measured: one every few thousand requests, 0.3-0.9 s each on this 2-core machine).
    gc.freeze()
    await serve_app(app, options, drain, announce(options, bool(options.extra_routes)), sock=sock)


def listening_socket(host: str, port: int) -> socket.socket:
    """A socket bound to `host:port` (as uvicorn binds one), or a one-line refusal: bound before
    anything is announced, so that an address printed is one that answers."""
    # IPPROTO_TCP named, not left 0: asyncio sets TCP_NODELAY only on sockets that say they are TCP,
    # and without it every answer (headers, then body) waits ~40 ms for the client's delayed ACK.
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as error:
        sock.close()
        why = "the port is in use" if error.errno == errno.EADDRINUSE else os.strerror(error.errno or 0).lower()
        raise Refused(f"could not listen on {host}:{port}: {why}; choose another --port") from None
    return sock


async def serve_app(
    app: ASGIApp,
    options: HttpOptions,
    drain: timedelta,
    listening: Callable[[int], None] | None = None,
    sock: socket.socket | None = None,
) -> None:
    """Serve until a stop signal, then stop accepting and let calls in flight finish (up to `drain`);
    on `sock` when it is given (bound already), else on `options`' host and port; `listening` is
    told the port once the server listens."""
    config = uvicorn.Config(
        app, host=options.host.strip("[]"), port=options.port,
        log_level="critical", access_log=False, lifespan="on", server_header=False,
        timeout_graceful_shutdown=max(1, int(drain.total_seconds())),
        ssl_certfile=options.tls_cert, ssl_keyfile=options.tls_key,
    )  # fmt: skip
    server = _Uvicorn(config, listening)

    async def stop_on_signal() -> None:
        with anyio.open_signal_receiver(signal.SIGINT, signal.SIGTERM, signal.SIGHUP) as signals:
            async for signum in early_stop.after_missed(signals):
                if server.should_exit:  # a second signal while draining: stop now (as uvicorn does)
                    log.warning("%s again: not waiting for the calls in flight", signal.Signals(signum).name)
                    server.force_exit = True
                    continue
                log.info("%s: stopping after the calls in flight (up to %s)", signal.Signals(signum).name, drain)
                server.should_exit = True
                # The board's open streams end now rather than hold the drain to its end: sse-starlette
                # looks for uvicorn's own signal handler, which is ours here, so it is told directly.
                AppStatus.should_exit = True

    async with anyio.create_task_group() as group:
        group.start_soon(stop_on_signal)
        try:
            await server.serve(sockets=None if sock is None else [sock])
        except SystemExit:  # uvicorn's word for a failed start (its own log line says why)
            raise Refused(
                f"could not listen on {options.host}:{options.port}: the port is in use, or the address is not "
                "this machine's (choose another --port or --host)"
            ) from None
        group.cancel_scope.cancel()
    sys.stderr.flush()
