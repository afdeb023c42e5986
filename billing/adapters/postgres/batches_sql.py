"""SQL for invoice batches and their per-customer items."""
from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from psycopg.types.json import Jsonb

from billing.adapters.postgres.sessions import Connection


def create_batch(conn: Connection, *, start: date, end: date, mode: str,
                 options: dict[str, Any], customer_ids: list[str], actor_type: str,
                 created_by: str | None) -> str:
    """Insert a queued batch with one pending item per customer; returns its id."""
    row = conn.execute(
        "insert into invoice_batches (period_start, period_end, mode, options, total,"
        " actor_type, created_by) values (%s, %s, %s, %s, %s, %s, %s) returning id::text",
        [start, end, mode, Jsonb(options), len(customer_ids), actor_type, created_by],
    ).fetchone()
    with conn.cursor() as cur:
        cur.executemany(
            "insert into invoice_batch_items (batch_id, billing_customer_id) values (%s, %s)",
            [(row["id"], cid) for cid in customer_ids],
        )
    return row["id"]


def get_batch(conn: Connection, batch_id: str) -> dict[str, Any] | None:
    """The batch row with progress counts."""
    return conn.execute(
        "select b.*, b.id::text as id,"
        " count(i.*) filter (where i.status <> 'pending') as processed,"
        " count(i.*) filter (where i.status = 'succeeded') as succeeded,"
        " count(i.*) filter (where i.status = 'failed') as failed,"
        " count(i.*) filter (where i.status = 'skipped') as skipped"
        " from invoice_batches b left join invoice_batch_items i on i.batch_id = b.id"
        " where b.id = %s group by b.id", [batch_id],
    ).fetchone()


def lock_batch(conn: Connection, batch_id: str) -> None:
    """Lock the batch row for the rest of the transaction (retries queue one at a time)."""
    conn.execute("select 1 from invoice_batches where id = %s for update", [batch_id])


def batch_items(conn: Connection, batch_id: str,
                statuses: tuple[str, ...] | None = None) -> list[dict[str, Any]]:
    """The batch's items with customer names and invoice figures."""
    return conn.execute(
        "select i.billing_customer_id::text as customer_id, c.customer_name, i.status,"
        " i.invoice_id::text, i.reason, i.error_code, i.error_message, i.attempts,"
        " r.invoice_number, r.total_amount_cad, r.invoice_status, r.stripe_invoice_id"
        " from invoice_batch_items i join billing_customers c on c.id = i.billing_customer_id"
        " left join invoice_records r on r.id = i.invoice_id"
        " where i.batch_id = %s and (%s::text[] is null or i.status = any(%s::text[]))"
        " order by c.customer_name",
        [batch_id, list(statuses) if statuses else None, list(statuses) if statuses else None],
    ).fetchall()


def set_item(conn: Connection, batch_id: str, customer_id: str, *, status: str,
             invoice_id: str | None = None, reason: str | None = None,
             error_code: str | None = None, error_message: str | None = None) -> None:
    """Record one item's outcome (attempts counted)."""
    conn.execute(
        "update invoice_batch_items set status = %s, invoice_id = coalesce(%s, invoice_id),"
        " reason = %s, error_code = %s, error_message = %s, attempts = attempts + 1"
        " where batch_id = %s and billing_customer_id = %s",
        [status, invoice_id, reason, error_code, error_message, batch_id, customer_id],
    )


def finish_batch(conn: Connection, batch_id: str, runner_id: str) -> str:
    """Mark the batch completed (with errors if any item failed) and release the
    runner's lease; returns the status."""
    row = conn.execute(
        "update invoice_batches b set finished_at = now(), runner_id = null,"
        " runner_lease_until = null, last_error = null, status = case when exists ("
        " select 1 from invoice_batch_items i where i.batch_id = b.id and i.status = 'failed')"
        " then 'completed_with_errors' else 'completed' end where b.id = %s and runner_id = %s"
        " returning status", [batch_id, runner_id],
    ).fetchone()
    return row["status"] if row else "running"


def claim_runner(conn: Connection, batch_id: str, runner_id: str, now: datetime,
                 lease: timedelta) -> bool:
    """Lease a queued batch (or a running one whose runner's lease ran out by ``now``) to
    ``runner_id``; False if another runner holds it or it is finished."""
    return conn.execute(
        "update invoice_batches set status = 'running', runner_id = %(runner)s,"
        " runner_lease_until = %(until)s, attempts = attempts + 1"
        " where id = %(batch)s and (status = 'queued' or (status = 'running'"
        " and (runner_lease_until is null or runner_lease_until <= %(now)s)))",
        {"runner": runner_id, "until": now + lease, "now": now, "batch": batch_id}
    ).rowcount == 1


def renew_lease(conn: Connection, batch_id: str, runner_id: str, until: datetime) -> None:
    """Extend the runner's lease (after each item)."""
    conn.execute("update invoice_batches set runner_lease_until = %s"
                 " where id = %s and runner_id = %s", [until, batch_id, runner_id])


def runner_busy(batch: dict[str, Any], now: datetime) -> bool:
    """A runner holds the batch and its lease has not run out."""
    return batch["status"] == "running" and batch["runner_lease_until"] is not None \
        and batch["runner_lease_until"] > now


def release_after_error(conn: Connection, batch_id: str, runner_id: str, error: str) -> None:
    """The runner stopped on an error: keep it (for the poison handler), free the
    lease and queue the batch again for the message's next delivery."""
    conn.execute("update invoice_batches set status = 'queued', runner_id = null,"
                 " runner_lease_until = null, last_error = %s where id = %s and runner_id = %s",
                 [error[:500], batch_id, runner_id])


def mark_failed(conn: Connection, batch_id: str, reason: str) -> bool:
    """Give up on an unfinished batch (its message was poisoned); False if it had finished."""
    return conn.execute(
        "update invoice_batches set status = 'failed', finished_at = now(), runner_id = null,"
        " runner_lease_until = null, failure_reason = %s where id = %s"
        " and status in ('queued', 'running')", [reason[:1000], batch_id]).rowcount == 1


def reopen_batch(conn: Connection, batch_id: str) -> None:
    """Queue a finished batch again for a retry (failed and pending items)."""
    conn.execute("update invoice_batches set status = 'queued', finished_at = null,"
                 " failure_reason = null where id = %s", [batch_id])


def adopt_unrecorded_invoices(conn: Connection, batch_id: str) -> int:
    """Give back to its batch item an invoice this batch created but never recorded
    (the run stopped in between): one finished in Stripe makes the item succeeded,
    one still in progress is resumed — never reported as a duplicate of itself."""
    return conn.execute(
        "update invoice_batch_items i set invoice_id = r.id, reason = null, error_code = null,"
        " error_message = null, status = case when r.stripe_state = 'complete'"
        " then 'succeeded' else 'pending' end"
        " from invoice_records r where i.batch_id = %(batch)s and r.batch_id = %(batch)s"
        " and r.billing_customer_id = i.billing_customer_id and r.invoice_status <> 'cancelled'"
        " and i.status in ('pending', 'skipped', 'failed')"
        " and (i.invoice_id is null or i.invoice_id = r.id)"
        " and not (i.status = 'failed' and r.stripe_state <> 'complete')",
        {"batch": batch_id}).rowcount
