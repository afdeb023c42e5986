"""SQL for invoice_records: create, find, lock, and record Stripe progress."""
from __future__ import annotations

from datetime import date
from typing import Any

from psycopg.types.json import Jsonb

from billing.adapters.postgres.sessions import Connection

UNPAID_STATUSES = ("draft", "finalized", "sent", "overdue")
_JSON_COLUMNS = ("line_items", "rate_card")


def _adapt(values: dict[str, Any]) -> dict[str, Any]:
    return {k: Jsonb(v) if k in _JSON_COLUMNS else v for k, v in values.items()}


def lock_customer(conn: Connection, customer_id: str) -> None:
    """Serialise invoice generation per customer for the rest of the transaction."""
    conn.execute("select pg_advisory_xact_lock(hashtextextended('billing_invoice:' || %s, 0))",
                 [customer_id])


def existing_for_period(conn: Connection, customer_id: str, start: date,
                        end: date) -> dict[str, Any] | None:
    """The regular (not cancelled, not supplementary) invoice for exactly this period."""
    return conn.execute(
        "select id::text, invoice_number, invoice_status, total_amount_cad from invoice_records"
        " where billing_customer_id = %s and billing_period_start = %s"
        " and billing_period_end = %s and invoice_status <> 'cancelled' and not supplementary",
        [customer_id, start, end],
    ).fetchone()


def existing_for_customers(conn: Connection, customer_ids: list[str], start: date,
                           end: date) -> dict[str, dict[str, Any]]:
    """Regular invoices for exactly this period, keyed by customer id."""
    rows = conn.execute(
        "select billing_customer_id::text as customer_id, id::text, invoice_number,"
        " invoice_status, total_amount_cad from invoice_records"
        " where billing_customer_id = any(%s::uuid[]) and billing_period_start = %s"
        " and billing_period_end = %s and invoice_status <> 'cancelled' and not supplementary",
        [customer_ids, start, end],
    ).fetchall()
    return {row["customer_id"]: row for row in rows}


def insert_invoice(conn: Connection, values: dict[str, Any]) -> str:
    """Insert an invoice row (``stripe_state`` pending); returns its id."""
    values = _adapt(values)
    columns = ", ".join(values)
    placeholders = ", ".join(f"%({k})s" for k in values)
    row = conn.execute(
        f"insert into invoice_records ({columns}) values ({placeholders}) returning id::text",
        values,
    ).fetchone()
    return row["id"]


def update_invoice(conn: Connection, invoice_id: str, **fields: Any) -> None:
    """Set columns of one invoice row."""
    assignments = ", ".join(f"{k} = %({k})s" for k in fields)
    conn.execute(f"update invoice_records set {assignments} where id = %(id)s",
                 {**_adapt(fields), "id": invoice_id})


def get_invoice(conn: Connection, invoice_id: str, *, for_update: bool = False) -> dict | None:
    """One invoice row with its customer's name and email, or None."""
    lock = " for update of i" if for_update else ""
    return conn.execute(
        "select i.*, i.id::text as id, i.billing_customer_id::text as billing_customer_id,"
        " c.customer_name, c.customer_email from invoice_records i"
        " join billing_customers c on c.id = i.billing_customer_id where i.id = %s" + lock,
        [invoice_id],
    ).fetchone()


def get_by_stripe_id(conn: Connection, stripe_invoice_id: str) -> dict[str, Any] | None:
    """The invoice row behind a Stripe invoice id, locked for update."""
    row = conn.execute("select id::text from invoice_records where stripe_invoice_id = %s",
                       [stripe_invoice_id]).fetchone()
    return get_invoice(conn, row["id"], for_update=True) if row else None
