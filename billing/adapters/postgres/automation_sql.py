"""SQL for the hourly automation: monthly auto-invoice runs and the overdue sweep."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from billing.adapters.postgres.sessions import Connection
from billing.domain.periods import Period


def lock_month(conn: Connection, period_start: date) -> None:
    """Serialise the auto-invoice claim of one month for the rest of the transaction."""
    conn.execute("select pg_advisory_xact_lock(hashtextextended('billing_auto_invoice:' || %s, 0))",
                 [period_start.isoformat()])


def get_run(conn: Connection, period_start: date) -> dict[str, Any] | None:
    """The month's auto-invoice run, if it was started."""
    return conn.execute("select *, batch_id::text as batch_id from billing_auto_invoice_runs"
                        " where period_start = %s", [period_start]).fetchone()


def latest_period_start(conn: Connection) -> date | None:
    """The most recent month automation has invoiced (or started to)."""
    return conn.execute("select max(period_start) as latest from billing_auto_invoice_runs"
                        ).fetchone()["latest"]


def insert_run(conn: Connection, period: Period, batch_id: str, *, scheduled_for: datetime,
               started_at: datetime, lease_until: datetime) -> None:
    """Record the month's run, leased to the caller (the primary key refuses a second)."""
    conn.execute(
        "insert into billing_auto_invoice_runs (period_start, period_end, batch_id,"
        " scheduled_for, started_at, lease_until) values (%s, %s, %s, %s, %s, %s)",
        [period.start, period.end, batch_id, scheduled_for, started_at, lease_until])


def claim_run(conn: Connection, period_start: date, *, now: datetime, lease_until: datetime,
              max_attempts: int) -> dict[str, Any] | None:
    """Lease an unfinished run whose lease is free or ran out; None if there is none."""
    return conn.execute(
        "update billing_auto_invoice_runs set lease_until = %s, attempts = attempts + 1,"
        " status = 'running', finished_at = null where period_start = %s"
        " and status <> 'completed' and attempts < %s"
        " and (lease_until is null or lease_until <= %s)"
        " returning batch_id::text as batch_id, attempts",
        [lease_until, period_start, max_attempts, now]).fetchone()


def finish_run(conn: Connection, period_start: date, *, status: str | None,
               finished_at: datetime) -> None:
    """Release the lease; with a ``status``, record how the batch ended."""
    conn.execute(
        "update billing_auto_invoice_runs set lease_until = null,"
        " status = coalesce(%s, status), finished_at = case when %s::text is null"
        " then finished_at else %s end where period_start = %s",
        [status, status, finished_at, period_start])


def finish_run_of_batch(conn: Connection, batch_id: str, *, status: str | None,
                        finished_at: datetime) -> None:
    """``finish_run`` for the month whose run is this batch (if any)."""
    row = conn.execute("select period_start from billing_auto_invoice_runs where batch_id = %s",
                       [batch_id]).fetchone()
    if row is not None:
        finish_run(conn, row["period_start"], status=status, finished_at=finished_at)


def customers_to_invoice(conn: Connection, period: Period) -> list[str]:
    """Customers on auto-invoicing without a regular invoice for exactly this period."""
    rows = conn.execute(
        "select c.id::text as id from billing_customers c where c.auto_invoice_enabled"
        " and not exists (select 1 from invoice_records r where r.billing_customer_id = c.id"
        " and r.billing_period_start = %s and r.billing_period_end = %s"
        " and r.invoice_status <> 'cancelled' and not r.supplementary)"
        " order by c.customer_name, c.id", [period.start, period.end]).fetchall()
    return [row["id"] for row in rows]


def overdue_candidates(conn: Connection, today: date) -> list[tuple[str, str]]:
    """(invoice id, Stripe id) of sent invoices whose recorded due date is today or
    earlier: the ones the overdue sweep checks against Stripe."""
    rows = conn.execute(
        "select id::text as id, stripe_invoice_id from invoice_records"
        " where invoice_status = 'sent' and stripe_invoice_id is not null"
        " and due_date <= %s order by due_date, id", [today]).fetchall()
    return [(row["id"], row["stripe_invoice_id"]) for row in rows]
