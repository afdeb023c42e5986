"""SQL for the daily pass: one row per local day, leased to the instance working on it."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from billing.adapters.postgres.sessions import Connection


def lock_day(conn: Connection, day: date) -> None:
    """Serialise the claim of one day's pass for the rest of the transaction."""
    conn.execute("select pg_advisory_xact_lock(hashtextextended('billing_daily_pass:' || %s, 0))",
                 [day.isoformat()])


def get_pass(conn: Connection, day: date) -> dict[str, Any] | None:
    """The day's pass, if it was started."""
    return conn.execute("select * from billing_daily_passes where pass_day = %s",
                        [day]).fetchone()


def insert_pass(conn: Connection, day: date, *, started_at: datetime,
                lease_until: datetime) -> None:
    """Start the day's pass, leased to the caller (the primary key refuses a second)."""
    conn.execute("insert into billing_daily_passes (pass_day, started_at, lease_until)"
                 " values (%s, %s, %s)", [day, started_at, lease_until])


def claim_pass(conn: Connection, day: date, *, now: datetime, lease_until: datetime,
               max_attempts: int) -> bool:
    """Lease an unfinished pass whose lease is free or ran out; False if there is none."""
    return conn.execute(
        "update billing_daily_passes set lease_until = %s, attempts = attempts + 1,"
        " status = 'running', finished_at = null where pass_day = %s"
        " and status <> 'completed' and attempts < %s"
        " and (lease_until is null or lease_until <= %s)",
        [lease_until, day, max_attempts, now]).rowcount == 1


def finish_pass(conn: Connection, day: date, *, status: str, finished_at: datetime,
                run_id: str | None, reminders_sent: int, error_code: str | None) -> None:
    """Release the lease and record how the pass ended."""
    conn.execute(
        "update billing_daily_passes set lease_until = null, status = %s, finished_at = %s,"
        " reconciliation_run_id = coalesce(%s::uuid, reconciliation_run_id),"
        " reminders_sent = reminders_sent + %s, error_code = %s where pass_day = %s",
        [status, finished_at, run_id, reminders_sent, error_code, day])
