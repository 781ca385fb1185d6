"""Whether a host names this machine: `localhost`, or a loopback address (IPv6 with or without
its brackets). One rule for every place that asks: a public URL, a bound address, a redirect URI."""

from __future__ import annotations

import ipaddress


def loopback_host(host: str) -> bool:
    try:
        return host == "localhost" or ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False
