"""Sliding-window counters held in PostgreSQL, so limits hold across instances.

Run as ``service_role`` (a ``system_session``). Each (user, action) is
serialised by a transaction-scoped advisory lock while it is counted.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from billing.adapters.postgres.sessions import Connection


def lock_counter(conn: Connection, user_id: str, action: str) -> None:
    """Serialise concurrent counting of one (user, action) until commit."""
    conn.execute("select pg_advisory_xact_lock(hashtextextended(%s, 7))",
                 [f"rate:{user_id}:{action}"])


def window_events(conn: Connection, user_id: str, action: str, *, since: datetime
                  ) -> tuple[int, datetime | None]:
    """How many events since ``since`` and when the oldest of them happened."""
    row = conn.execute(
        "select count(*) as n, min(occurred_at) as oldest from billing_rate_limit_events"
        " where user_id = %s and action = %s and occurred_at > %s",
        [user_id, action, since]).fetchone()
    return row["n"], row["oldest"]


def add_event(conn: Connection, user_id: str, action: str, *, at: datetime,
              keep: timedelta) -> None:
    """Count one event and prune this counter's events older than ``keep``."""
    conn.execute("delete from billing_rate_limit_events where user_id = %s and action = %s"
                 " and occurred_at <= %s", [user_id, action, at - keep])
    conn.execute("insert into billing_rate_limit_events (user_id, action, occurred_at)"
                 " values (%s, %s, %s)", [user_id, action, at])


def clear_events(conn: Connection, user_id: str, action: str) -> None:
    """Forget every event of one counter (e.g. MFA failures after a success)."""
    conn.execute("delete from billing_rate_limit_events where user_id = %s and action = %s",
                 [user_id, action])
