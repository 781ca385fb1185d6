"""What an option's value must be, checked as the command line is read: each function takes the
text given and returns the value, or raises ArgumentTypeError saying what the option takes (the
parser puts the option's name in front: `worktrail serve: --port: takes a port number 1-65535
(got 99999)`). A value that may be a secret (a key) is never echoed back."""

from __future__ import annotations

import ipaddress
import os
import re
from argparse import ArgumentTypeError
from datetime import timedelta
from pathlib import Path
from urllib.parse import SplitResult, urlsplit

from worktrail.domain.durations import parse_duration
from worktrail.domain.fields import normalize_moment
from worktrail.domain.hosts import loopback_host
from worktrail.domain.ids import API_KEY_PREFIX
from worktrail.store.locator import FORMS, LocationError, locate

_LABEL = re.compile(r"^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$")
_RESOURCE_ID = re.compile(r"^res_[0-9a-f]{24}$")


def text(value: str) -> str:
    """Any text but none: a name, a label, a key of one's choosing."""
    if not value.strip():
        raise ArgumentTypeError("takes some text (got nothing)")
    return value


def port(value: str) -> int:
    """A TCP port, 1-65535."""
    try:
        number = int(value)
    except ValueError:
        number = 0
    if not 1 <= number <= 65535:
        raise ArgumentTypeError(f"takes a port number 1-65535 (got {value!r})")
    return number


def per_hour(value: str) -> int:
    """A count an hour, 1 to 1000000: `100` (or `100/h`)."""
    try:
        number = int(value.strip().removesuffix("/h"))
    except ValueError:
        number = 0
    if not 1 <= number <= 1_000_000:
        raise ArgumentTypeError(f"takes a whole number an hour, 1 or more (at most 1000000), e.g. 100 (got {value!r})")
    return number


def port_or_any(value: str) -> int:
    """A TCP port, or 0 for a free one the system picks."""
    if value.strip() == "0":
        return 0
    try:
        return port(value)
    except ArgumentTypeError:
        raise ArgumentTypeError(f"takes a port number 1-65535, or 0 for a free one (got {value!r})") from None


def _is_host(value: str) -> bool:
    try:
        ipaddress.ip_address(value[1:-1] if value.startswith("[") and value.endswith("]") else value)
        return True
    except ValueError:
        pass
    labels = value.rstrip(".").split(".")
    if all(label.isdigit() for label in labels):  # 999.1.1.1 is no address and no name
        return False
    return len(value) <= 253 and all(_LABEL.match(label) for label in labels)


def host(value: str) -> str:
    """An address or a host name, without a scheme, a port or a path."""
    if not _is_host(value):
        raise ArgumentTypeError(
            f"takes an IP address or a host name, without scheme, port or path, e.g. 127.0.0.1 or ledger.example.com "
            f"(got {value!r})"
        )
    return value


def host_and_port(value: str) -> str:
    """A host with an optional port: HOST, HOST:PORT, or an IPv6 address (in brackets with a
    port: [::1]:8443); returned lowercased."""
    name, number = value, ""
    if value.startswith("[") and "]:" in value:
        name, number = value[: value.index("]:") + 1], value[value.index("]:") + 2 :]
    elif value.count(":") == 1:
        name, number = value.split(":")
    fine = _is_host(name) and (number == "" or number.isdigit() and 1 <= int(number) <= 65535)
    if not fine:
        raise ArgumentTypeError(
            f"takes a host and an optional port, without scheme or path, e.g. idp.intranet.example or "
            f"127.0.0.1:8443 (got {value!r})"
        )
    return value.lower()


def _web_url(value: str) -> SplitResult | None:
    """`value`'s parts when it is http:// or https://, a host and a port in range, with no query,
    fragment or user; None otherwise (each caller then says what it takes)."""
    parts = urlsplit(value)
    try:
        parts.port  # noqa: B018 - raises for a port out of range
    except ValueError:
        return None
    fine = parts.scheme in ("http", "https") and _is_host(parts.hostname or "")
    return parts if fine and not (parts.query or parts.fragment or "@" in parts.netloc) else None


def origin(value: str) -> str:
    """A browser Origin: scheme, host and an optional port, nothing more."""
    parts = _web_url(value)
    if parts is None or parts.path:
        raise ArgumentTypeError(
            f"takes an origin: http:// or https://, a host and an optional port, no path, e.g. "
            f"https://app.example.com (got {value!r})"
        )
    return value


def public_url(value: str) -> str:
    """The address clients reach a `serve --http` server by: https (http only for a loopback host),
    a host and an optional port, no path (returned without a trailing slash: it is the issuer)."""
    parts = _web_url(value)
    if parts is None or parts.path not in ("", "/"):
        raise ArgumentTypeError(
            "takes the address clients reach this server by: https://, a host and an optional port, no path, "
            f"e.g. https://ledger.example.com (got {value!r})"
        )
    if parts.scheme == "http" and not loopback_host(parts.hostname or ""):
        raise ArgumentTypeError(
            f"takes an https:// address; http:// only for a loopback host such as http://127.0.0.1:8765 (got {value!r})"
        )
    return value.rstrip("/")


def board_url(value: str) -> str:
    """The address a board is reached by, where a one-time sign-in address works: https (http only
    for a loopback host, as `worktrail board`'s), a host and an optional port, no path (returned
    without a trailing slash: it is the board's origin)."""
    parts = _web_url(value)
    if parts is None or parts.path not in ("", "/"):
        raise ArgumentTypeError(
            "takes the board's address: http://127.0.0.1:PORT (worktrail board's) or a server's public URL, "
            f"https://, a host and an optional port, no path, e.g. https://ledger.example.com (got {value!r})"
        )
    if parts.scheme == "http" and not loopback_host(parts.hostname or ""):
        raise ArgumentTypeError(
            "takes an https:// address (the one-time address is a secret); http:// only for a loopback host "
            f"such as http://127.0.0.1:8766 (got {value!r})"
        )
    return value.rstrip("/")


def mcp_url(value: str) -> str:
    """The /mcp URL of a `serve --http` server."""
    parts = _web_url(value)
    if parts is None or not parts.path.rstrip("/").endswith("/mcp"):
        raise ArgumentTypeError(
            "takes the URL of a serve --http server's MCP endpoint: http:// or https://, a host, and a path "
            "ending in /mcp, with no query, fragment or user, e.g. https://ledger.example.com/mcp "
            f"(got {value!r})"
        )
    return value


def client_url(value: str) -> str:
    """`client --url`: a server's /mcp URL, or (for claude-ai and chatgpt, which add /mcp) its
    public address alone."""
    parts = _web_url(value)
    if parts is not None and parts.path in ("", "/"):
        return value.rstrip("/")
    try:
        return mcp_url(value)
    except ArgumentTypeError:
        raise ArgumentTypeError(
            "takes the URL of a serve --http server's MCP endpoint: http:// or https://, a host, and a path "
            "ending in /mcp, with no query, fragment or user, e.g. https://ledger.example.com/mcp (claude-ai and "
            f"chatgpt also take the public address alone, e.g. https://ledger.example.com) (got {value!r})"
        ) from None


def _readable(value: str, what: str) -> Path:
    path = Path(value).expanduser()
    if not path.is_file():
        raise ArgumentTypeError(f"takes {what} (there is no file {value})")
    if not os.access(path, os.R_OK):
        raise ArgumentTypeError(f"takes {what} ({value} cannot be read: permission denied)")
    return path


def certificate(value: str) -> str:
    """A PEM certificate (chain) file."""
    if b"-----BEGIN CERTIFICATE-----" not in _readable(value, "a PEM certificate file").read_bytes():
        raise ArgumentTypeError(f"takes a PEM certificate file ({value} holds no BEGIN CERTIFICATE block)")
    return value


def private_key(value: str) -> str:
    """A PEM private key file."""
    if not re.search(rb"-----BEGIN [A-Z ]*PRIVATE KEY-----", _readable(value, "a PEM private key file").read_bytes()):
        raise ArgumentTypeError(f"takes a PEM private key file ({value} holds no BEGIN PRIVATE KEY block)")
    return value


def ledger_place(value: str) -> str:
    """A ledger's place as `--db` takes it (kept as written: the commands locate it themselves)."""
    if not value.strip():
        raise ArgumentTypeError(f"takes a ledger: {FORMS} (got nothing)")
    try:
        locate(value)
    except LocationError as error:
        raise ArgumentTypeError(str(error).removeprefix("--db ")) from None
    return value


def api_key(value: str) -> str:
    """An API key (never echoed)."""
    if not value.startswith(API_KEY_PREFIX) or len(value) <= len(API_KEY_PREFIX) or not value.isprintable():
        raise ArgumentTypeError(f"takes an API key, which starts with {API_KEY_PREFIX} (the one given does not)")
    return value


def resource_id(value: str) -> str:
    """A resource's id, res_ and 24 hex digits."""
    if not _RESOURCE_ID.match(value):
        raise ArgumentTypeError(f"takes a resource id: res_ and 24 lowercase hex digits (got {value!r})")
    return value


def moment(value: str) -> str:
    """An ISO 8601 date or date-time (the command normalises it)."""
    try:
        normalize_moment(value)
    except ValueError as error:
        raise ArgumentTypeError(str(error)) from None
    return value


_SIZE = re.compile(r"^\s*([0-9]+)\s*(B|KiB|MiB|GiB|KB|MB|GB)?\s*$", re.IGNORECASE)
_UNIT = {"": 1, "b": 1, "kib": 1024, "mib": 1024**2, "gib": 1024**3, "kb": 1000, "mb": 1000**2, "gb": 1000**3}


def size(text: str) -> int:
    """A size in bytes, or with a unit: `65536`, `64KiB`, `16MiB`."""
    found = _SIZE.match(text)
    if found is None:
        raise ArgumentTypeError(
            f"{text!r} is not a size: write bytes, or a number and KiB, MiB or GiB (16MiB)"
        )
    size = int(found.group(1)) * _UNIT[(found.group(2) or "").lower()]
    if size < 1024:
        raise ArgumentTypeError(f"{text!r} is too small: at least 1KiB")
    return size


def rate(text: str) -> float:
    """Requests a second: `20/s` (or `20`)."""
    number = text.strip().removesuffix("/s")
    try:
        rate = float(number)
    except ValueError:
        raise ArgumentTypeError(f"{text!r} is not a rate: write requests a second, e.g. 20/s") from None
    if not 0 < rate <= 1_000_000:
        raise ArgumentTypeError(f"{text!r} must be greater than zero (and at most 1000000/s)")
    return rate


def per_minute(text: str) -> int:
    """A count a minute: `20/min` (or `20`); 0 for none."""
    number = text.strip().removesuffix("/min")
    if not number.isdigit() or int(number) > 1_000_000:
        raise ArgumentTypeError(f"{text!r} is not a count a minute: write e.g. 20/min, or 0 for no limit")
    return int(number)


def duration(text: str) -> timedelta:
    """A duration: `30s`, `10m`, `24h`, `7d`."""
    try:
        return parse_duration(text)
    except ValueError as error:
        raise ArgumentTypeError(str(error)) from None
