"""The client's address as the platform's front end saw it.

Azure's front end appends the address it accepted the connection from to
``X-Forwarded-For`` (``ip:port``; IPv6 in brackets). Entries to its left came
from the client and are not trusted, so only the rightmost entry is used.
``billing serve`` appends the socket's peer the same way.
"""
from __future__ import annotations

import ipaddress
from collections.abc import Mapping

MAX_HEADER = 2048


def client_address(headers: Mapping[str, str]) -> str | None:
    """The rightmost ``X-Forwarded-For`` address without its port, or None."""
    forwarded = (headers.get("X-Forwarded-For") or headers.get("x-forwarded-for") or "")
    last = forwarded[-MAX_HEADER:].rsplit(",", 1)[-1].strip()
    for candidate in (last, last.rsplit(":", 1)[0], last.split("]", 1)[0].lstrip("[")):
        try:
            return str(ipaddress.ip_address(candidate))
        except ValueError:
            continue
    return None
