"""The hourly overdue sweep: an invoice becomes overdue from Stripe's facts only.

Candidates are our sent invoices whose recorded due date is today or earlier;
each is read from Stripe, what Stripe says is applied (a payment or a void seen
here first wins over overdue), and the invoice is marked overdue only if Stripe
shows it ``open`` with its due date passed in the billing time zone. Each change
is audited as the system.
"""
from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from billing.adapters.postgres import automation_sql, invoices_sql
from billing.adapters.postgres.audit_sql import record_audit
from billing.adapters.postgres.settings_sql import load_settings
from billing.domain.errors import BillingError
from billing.domain.invoice import Status, advance, past_due
from billing.domain.periods import local_today
from billing.ports import StripeInvoice
from billing.usecases.invoice_actions import apply_stripe_invoice

log = logging.getLogger("billing.overdue")
ACTOR = "overdue_sweep"
OVERDUE = "BILLING_INVOICE_OVERDUE"


def mark_overdue_invoices(deps: Any) -> list[str]:
    """Check sent invoices due by today against Stripe; returns the ids made overdue."""
    now = deps.clock.now()
    with deps.db.system_session(ACTOR) as conn:
        tz = load_settings(conn)["billing_time_zone"]
        candidates = automation_sql.overdue_candidates(conn, local_today(now, tz))
    if not candidates:
        return []
    payments = deps.payments()
    marked = []
    for invoice_id, stripe_id in candidates:
        try:
            found = payments.retrieve_invoice(stripe_id)
        except BillingError as exc:
            log.warning("overdue check skipped", extra={"invoice_id": invoice_id,
                                                        "code": exc.code})
            continue
        if _apply(deps, invoice_id, found, now, tz):
            marked.append(invoice_id)
    return marked


def _apply(deps: Any, invoice_id: str, found: StripeInvoice, now: datetime, tz: str) -> bool:
    with deps.db.system_session(ACTOR) as conn:
        before = invoices_sql.get_invoice(conn, invoice_id, for_update=True)
        row = apply_stripe_invoice(conn, before, found)
        status = Status(row["invoice_status"])
        if not past_due(found.status, found.due_at, now, tz) or \
                advance(status, Status.OVERDUE) is status:
            return False
        invoices_sql.update_invoice(conn, invoice_id, invoice_status=Status.OVERDUE.value)
        record_audit(conn, actor=None, action=OVERDUE, resource_type="invoice",
                     resource_id=invoice_id, details={
                         "invoice_id": invoice_id, "invoice_number": row["invoice_number"],
                         "stripe_invoice_id": row["stripe_invoice_id"],
                         "customer_name": row["customer_name"],
                         "total_cad": row["total_amount_cad"], "due_date": row["due_date"],
                         "from_status": before["invoice_status"], "to_status": "overdue"})
    return True
