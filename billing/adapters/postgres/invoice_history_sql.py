"""SQL for the invoice history: filtered, sorted pages with totals, and the audit
entries of one invoice (for its timeline)."""
from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from billing.adapters.postgres.sessions import Connection


@dataclass(frozen=True)
class InvoiceFilters:
    """Which invoices to list; ``created_*`` are UTC instants, ``created_to`` exclusive.

    The billing period filter keeps invoices whose period overlaps
    [``period_from``, ``period_to``]; amounts are inclusive; ``search`` matches
    the invoice number or the customer name (case-insensitive, anywhere).
    """

    statuses: tuple[str, ...] = ()
    customer_id: str | None = None
    created_from: datetime | None = None
    created_to: datetime | None = None
    period_from: date | None = None
    period_to: date | None = None
    amount_min: Decimal | None = None
    amount_max: Decimal | None = None
    search: str | None = None
    sort: str = "created"
    order: str = "desc"


_CONDITIONS = (
    ("statuses", "i.invoice_status = any(%(statuses)s::text[])"),
    ("customer_id", "i.billing_customer_id = %(customer_id)s::uuid"),
    ("created_from", "i.created_at >= %(created_from)s"),
    ("created_to", "i.created_at < %(created_to)s"),
    ("period_from", "i.billing_period_end >= %(period_from)s"),
    ("period_to", "i.billing_period_start <= %(period_to)s"),
    ("amount_min", "i.total_amount_cad >= %(amount_min)s"),
    ("amount_max", "i.total_amount_cad <= %(amount_max)s"),
    ("search", "(i.invoice_number ilike %(search)s or c.customer_name ilike %(search)s)"),
)

_STATUS_ORDER = "array['draft', 'finalized', 'sent', 'overdue', 'paid', 'cancelled']"
SORTS = {
    "created": "i.created_at",
    "customer": "lower(c.customer_name)",
    "total": "i.total_amount_cad",
    "status": f"array_position({_STATUS_ORDER}, i.invoice_status)",
}
ORDERS = {"asc": "asc", "desc": "desc"}

_COLUMNS = """
  i.id::text as id, i.invoice_number, i.stripe_invoice_id, i.stripe_customer_id,
  i.billing_customer_id::text as billing_customer_id, c.customer_name, c.customer_email,
  i.billing_period_start, i.billing_period_end, i.supplementary, i.batch_id::text as batch_id,
  i.total_chats, i.total_calls, i.total_sms_segments, i.total_call_minutes,
  i.twilio_sms_cost_cad, i.twilio_voice_cost_cad, i.retell_ai_chat_cost_cad,
  i.retell_ai_voice_cost_cad, i.subtotal_cad, i.markup_percentage, i.markup_amount_cad,
  i.total_amount_cad, i.invoice_status, i.stripe_state, i.stripe_invoice_url,
  i.stripe_invoice_pdf_url, i.created_at, i.finalized_at, i.sent_at, i.paid_at,
  i.cancelled_at, i.due_date
"""
_FROM = " from invoice_records i join billing_customers c on c.id = i.billing_customer_id"


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _where(filters: InvoiceFilters) -> tuple[str, dict[str, Any]]:
    params = asdict(filters)
    params["statuses"] = list(filters.statuses)
    if filters.search:
        params["search"] = _like(filters.search)
    clauses = [sql for name, sql in _CONDITIONS if params[name] not in (None, "", [])]
    return " where " + (" and ".join(clauses) or "true"), params


def summarize(conn: Connection, filters: InvoiceFilters) -> dict[str, Any]:
    """How many invoices match and their total amount (CAD)."""
    where, params = _where(filters)
    return conn.execute(
        "select count(*) as count, coalesce(sum(i.total_amount_cad), 0) as total_amount_cad"
        + _FROM + where, params).fetchone()


def list_invoices(conn: Connection, filters: InvoiceFilters, *, limit: int | None = None,
                  offset: int = 0) -> list[dict[str, Any]]:
    """The matching invoices in the requested order (``limit`` None: all of them)."""
    where, params = _where(filters)
    order = f"{SORTS[filters.sort]} {ORDERS[filters.order]}, i.created_at desc, i.id"
    return conn.execute(
        f"select {_COLUMNS}{_FROM}{where} order by {order} limit %(limit)s offset %(offset)s",
        {**params, "limit": limit, "offset": offset}).fetchall()


def audit_entries(conn: Connection, invoice_id: str) -> list[dict[str, Any]]:
    """The invoice's audit entries, oldest first."""
    return conn.execute(
        "select occurred_at, action, actor_type, actor_id::text as actor_id, details"
        " from billing_audit_log where resource_type = 'invoice' and resource_id = %s"
        " order by occurred_at, id", [invoice_id]).fetchall()
