"""Refused requests without a valid token: counted, not written one row each.

Anyone can send requests without a valid token, so each refusal is not an
audit row of its own: ``BILLING_ACCESS_DENIED`` rows are aggregated per source
address, minute and reason with a ``count``. The address is kept only as a
keyed hash (HMAC-SHA256 under a key derived from ``BILLING_ENCRYPTION_KEY``;
IPv6 by its /64 network, so one host cannot rotate through its own prefix).
A source that reached ``BILLING_DENIALS_PER_MINUTE`` refusals in the current
minute gets 429 ``rate_limited`` (``Retry-After`` and ``retry_after_s``: the
seconds to the next minute) and nothing is written. Denials of an identified
user stay one row each (see ``access.record_denial``).

Retention: ``billing audit prune --before DATE`` deletes aggregated denial rows
only; the append-only trigger refuses every other update or delete.
"""
from __future__ import annotations

import hashlib
import hmac
import ipaddress
import re
import secrets
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from billing.adapters.postgres import access_denials_sql
from billing.adapters.postgres.audit_sql import record_audit
from billing.domain import audit
from billing.domain.errors import RateLimited, UpstreamUnavailable, ValidationFailed

UNKNOWN_SOURCE = "unknown"
_REASON = re.compile(r"^[a-z_]{1,60}$")
#: Used only if no encryption key is configured (the product requires one).
_PROCESS_KEY = secrets.token_bytes(32)


def source_key(address: str | None) -> str:
    """The address as counted: IPv4 as is, IPv6 by its /64 network, else ``unknown``."""
    try:
        ip = ipaddress.ip_address((address or "").strip())
    except ValueError:
        return UNKNOWN_SOURCE
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((ip, 64), strict=False))
    return str(ip)


def source_hash(address: str | None, key: bytes) -> str:
    """The keyed hash of the source (32 hex characters) stored instead of the address."""
    return hmac.new(key, source_key(address).encode(), hashlib.sha256).hexdigest()[:32]


def _hash_key(deps: Any) -> bytes:
    try:
        return deps.keyring.derived_key("billing-audit-source-address")
    except UpstreamUnavailable:
        return _PROCESS_KEY


def seconds_to_next_minute(now: datetime) -> int:
    """How long until the counting window (the minute) turns over, at least 1 s."""
    return max(1, 60 - now.second)


def record_anonymous_denial(deps: Any, *, source: str | None, reason: str) -> None:
    """Count one refusal of ``source``; RateLimited (429) if it is over the limit."""
    now = deps.clock.now()
    with deps.db.system_session("access_gate") as conn:
        counted = access_denials_sql.count_denial(
            conn, source_hash=source_hash(source, _hash_key(deps)),
            reason=reason if _REASON.match(reason) else "unauthenticated", at=now,
            per_minute_limit=deps.settings.billing_denials_per_minute)
    if counted is None:
        wait = seconds_to_next_minute(now)
        raise RateLimited("Too many refused requests from your address. Please wait a moment "
                          "and try again.", retry_after=wait)


def prune_denials(deps: Any, *, before: date) -> int:
    """Delete the aggregated denial rows of minutes before local midnight of ``before``
    (billing time zone) and audit the pruning; how many rows went. Nothing else in the
    audit log can be deleted (the append-only trigger refuses it)."""
    zone = ZoneInfo(deps.settings.billing_time_zone)
    if before > deps.clock.now().astimezone(zone).date():
        raise ValidationFailed("The date must not be in the future.", code="invalid_date",
                               errors=[{"field": "before", "message": "Not after today."}])
    cutoff = datetime.combine(before, time(0), tzinfo=zone)
    with deps.db.system_session("audit_prune") as conn:
        deleted = access_denials_sql.prune_denials(conn, before=cutoff)
        record_audit(conn, actor=None, action=audit.AUDIT_PRUNED,
                     details={"count": deleted, "before": before})
    return deleted
