"""Per-user request limits held in PostgreSQL (sliding windows)."""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from billing.adapters.postgres import rate_limits_sql as sql
from billing.adapters.postgres.sessions import Connection
from billing.domain.errors import RateLimited
from billing.domain.principal import Principal


@dataclass(frozen=True)
class RateRule:
    """At most ``limit`` events of ``action`` per user in ``window_seconds``."""

    action: str
    limit: int
    window_seconds: int


MUTATIONS = RateRule("mutation", 120, 60)
EXPORTS = RateRule("export", 20, 60)
MFA_ATTEMPTS = RateRule("mfa_attempt", 10, 60)


def enforce_rate_limit(conn: Connection, *, user_id: str, action: str, limit: int,
                       window_seconds: int, now: datetime) -> None:
    """Count one event, or raise ``RateLimited`` (429 with Retry-After) if over the limit."""
    window = timedelta(seconds=window_seconds)
    sql.lock_counter(conn, user_id, action)
    count, oldest = sql.window_events(conn, user_id, action, since=now - window)
    if count >= limit and oldest is not None:
        wait = math.ceil((oldest + window - now).total_seconds())
        raise RateLimited("Too many requests. Please wait a moment and try again.",
                          retry_after=wait, extra={"limit": limit,
                                                   "window_seconds": window_seconds})
    sql.add_event(conn, user_id, action, at=now, keep=window)


def check_rate(deps: Any, principal: Principal, rule: RateRule) -> None:
    """Count one request of ``principal`` under ``rule`` in its own committed transaction."""
    with deps.db.system_session("rate_limit") as conn:
        enforce_rate_limit(conn, user_id=principal.user_id, action=rule.action,
                           limit=rule.limit, window_seconds=rule.window_seconds,
                           now=deps.clock.now())
