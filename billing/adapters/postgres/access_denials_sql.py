"""SQL for refused requests without a valid token: counted per source, minute and reason.

Both functions are SECURITY DEFINER in the database (migration
``20261201000210``): the app's roles cannot update or delete audit rows themselves.
"""
from __future__ import annotations

from datetime import datetime

from billing.adapters.postgres.sessions import Connection


def count_denial(conn: Connection, *, source_hash: str, reason: str, at: datetime,
                 per_minute_limit: int) -> int | None:
    """Count one denial; the source's total this minute, or None if it was already at
    the limit (then nothing was written)."""
    return conn.execute(
        "select billing_record_access_denial(%s, %s, %s, %s) as total",
        [source_hash, reason, at, per_minute_limit]).fetchone()["total"]


def prune_denials(conn: Connection, *, before: datetime) -> int:
    """Delete the aggregated denial rows of minutes before ``before``; how many."""
    return conn.execute("select billing_prune_access_denials(%s) as deleted",
                        [before]).fetchone()["deleted"]
