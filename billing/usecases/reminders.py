"""Payment reminders: Stripe e-mails an open invoice again (``send_invoice`` on an
open invoice re-sends it).

The daily pass reminds each overdue invoice on each configured day after its
due date (``billing.domain.reminders``), at most once per configured day and
invoice: the Stripe call's idempotency key names the invoice and the day, and
a unique index records the day once. An admin may remind one open invoice by
hand (409 unless it is open). Stripe is read first: an invoice Stripe reports
as paid or void is never reminded — its row is brought forward instead.
Each reminder is recorded, audited on the invoice (so it is on its timeline)
and listed in the daily summary e-mail.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from billing.adapters.postgres import invoices_sql, reminders_sql
from billing.adapters.postgres.audit_sql import record_audit
from billing.adapters.postgres.settings_sql import load_settings
from billing.domain.principal import Principal
from billing.domain.reminders import days_overdue, reminder_due
from billing.ports import PaymentGateway
from billing.usecases.invoice_actions import (
    REFRESHED,
    apply_stripe_invoice,
    begin_action,
    moved_on,
)
from billing.usecases.invoice_runs import load_org, session_for
from billing.usecases.invoice_saga import Session, idempotency_key

REMINDED = "BILLING_INVOICE_REMINDER_SENT"
ACTOR = "payment_reminders"


@dataclass(frozen=True)
class Reminder:
    """A reminder sent: which invoice, for which configured day (None: by hand)."""

    invoice_id: str
    invoice_number: str | None
    customer_name: str
    total_cad: Any
    due_date: date
    reminder_day: int | None
    days_overdue: int


def remind_invoice(deps: Any, principal: Principal, invoice_id: str) -> dict[str, Any]:
    """Have Stripe e-mail one open invoice again; returns the invoice row."""
    session = session_for(deps, principal)
    row = begin_action(session, invoice_id, "remind")
    today = load_org(deps, session).today
    step = f"remind-{uuid.uuid4()}"  # each request is a new e-mail; its retries are not
    reminder = _remind(deps.payments(), session, principal, row, today, None, step)
    if not isinstance(reminder, Reminder):
        moved_on(session, principal, row, reminder, "remind")
    with session() as conn:
        return invoices_sql.get_invoice(conn, invoice_id)


def send_due_reminders(deps: Any, today: date) -> list[Reminder]:
    """The daily pass: remind every overdue invoice whose configured day is due."""
    session: Session = lambda: deps.db.system_session(ACTOR)  # noqa: E731
    with session() as conn:
        settings = load_settings(conn)
        candidates = reminders_sql.overdue_open(conn, today) if settings[
            "payment_reminders_enabled"] else []
    due = [(row, day) for row in candidates if (day := reminder_due(
        row["due_date"], today, settings["payment_reminder_days"], row["sent_days"]))]
    if not due:
        return []
    payments: PaymentGateway = deps.payments()
    sent = []
    for candidate, day in due:
        with session() as conn:
            row = invoices_sql.get_invoice(conn, candidate["id"])
        reminder = _remind(payments, session, None, row, today, day, f"reminder-{day}")
        if isinstance(reminder, Reminder):
            sent.append(reminder)
        elif reminder is not None:
            _bring_forward(session, row, reminder)
    return sent


def _remind(payments: PaymentGateway, session: Session, principal: Principal | None,
            row: dict[str, Any], today: date, day: int | None, step: str) -> Any:
    """Re-send the invoice if Stripe holds it open: the Reminder, None if this day was
    recorded meanwhile, or Stripe's invoice when it is not open (nothing was sent)."""
    found = payments.retrieve_invoice(row["stripe_invoice_id"])
    if found.status != "open":
        return found
    sent = payments.send_invoice(found.id, idempotency_key=idempotency_key(row["id"], step))
    overdue = days_overdue(row["due_date"], today) if row["due_date"] else 0
    with session() as conn:
        current = invoices_sql.get_invoice(conn, row["id"], for_update=True)
        updated = apply_stripe_invoice(conn, current, sent, sent=True)
        if not reminders_sql.record(conn, invoice_id=row["id"], reminder_day=day,
                                    days_overdue=overdue, stripe_invoice_id=sent.id,
                                    created_by=principal.user_id if principal else None):
            return None  # another instance recorded this day (same key: one e-mail)
        record_audit(conn, actor=principal, action=REMINDED, resource_type="invoice",
                     resource_id=row["id"], details={
                         "invoice_id": row["id"], "invoice_number": updated["invoice_number"],
                         "stripe_invoice_id": sent.id, "customer_name": row["customer_name"],
                         "total_cad": row["total_amount_cad"], "due_date": row["due_date"],
                         "reminder_day": day, "days_overdue": overdue,
                         "status": updated["invoice_status"]})
    return Reminder(row["id"], updated["invoice_number"], row["customer_name"],
                    row["total_amount_cad"], row["due_date"], day, overdue)


def _bring_forward(session: Session, row: dict[str, Any], found: Any) -> None:
    """Stripe moved on (paid, void): apply it instead of reminding (forward only)."""
    with session() as conn:
        current = invoices_sql.get_invoice(conn, row["id"], for_update=True)
        updated = apply_stripe_invoice(conn, current, found)
        record_audit(conn, actor=None, action=REFRESHED, resource_type="invoice",
                     resource_id=row["id"], details={
                         "invoice_id": row["id"], "stripe_invoice_id": found.id,
                         "from_status": current["invoice_status"],
                         "to_status": updated["invoice_status"]})
