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
from billing.domain.reminders import days_overdue, due_day, reminder_due
from billing.ports import PaymentGateway, StripeInvoice
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
    org = load_org(deps, session)
    payments: PaymentGateway = deps.payments()
    found = payments.retrieve_invoice(row["stripe_invoice_id"])
    if found.status != "open":
        moved_on(session, principal, row, found, "remind")
    step = f"remind-{uuid.uuid4()}"  # each request is a new e-mail; its retries are not
    _send(payments, session, principal, row, found,
          _Due(due_day(found.due_at, org.tz) or row["due_date"], org.today, None), step)
    with session() as conn:
        return invoices_sql.get_invoice(conn, invoice_id)


def send_due_reminders(deps: Any, today: date) -> list[Reminder]:
    """The daily pass: remind every overdue invoice whose configured day is due. Days
    count from Stripe's due date as a day in the billing time zone (as the overdue
    sweep does); Stripe is asked first, so a paid or void invoice is never reminded."""
    session: Session = lambda: deps.db.system_session(ACTOR)  # noqa: E731
    with session() as conn:
        settings = load_settings(conn)
        candidates = reminders_sql.overdue_open(conn, today) if settings[
            "payment_reminders_enabled"] else []
    if not candidates:
        return []
    payments: PaymentGateway = deps.payments()
    sent = []
    for candidate in candidates:
        with session() as conn:
            row = invoices_sql.get_invoice(conn, candidate["id"])
        found = payments.retrieve_invoice(row["stripe_invoice_id"])
        if found.status != "open":
            _bring_forward(session, row, found)
            continue
        due = due_day(found.due_at, settings["billing_time_zone"]) or row["due_date"]
        day = reminder_due(due, today, settings["payment_reminder_days"], candidate["sent_days"])
        if day is None:
            continue
        reminder = _send(payments, session, None, row, found, _Due(due, today, day),
                         f"reminder-{day}")
        if reminder is not None:
            sent.append(reminder)
    return sent


@dataclass(frozen=True)
class _Due:
    """The invoice's due day (billing time zone), today there, and the configured day."""

    due: date
    today: date
    day: int | None


def _send(payments: PaymentGateway, session: Session, principal: Principal | None,
          row: dict[str, Any], found: StripeInvoice, when: _Due, step: str) -> Reminder | None:
    """Have Stripe re-send the open invoice, record and audit it; None if this configured
    day was recorded meanwhile (the same idempotency key: one e-mail)."""
    sent = payments.send_invoice(found.id, idempotency_key=idempotency_key(row["id"], step))
    overdue = days_overdue(when.due, when.today)
    with session() as conn:
        current = invoices_sql.get_invoice(conn, row["id"], for_update=True)
        updated = apply_stripe_invoice(conn, current, sent, sent=True)
        if not reminders_sql.record(conn, invoice_id=row["id"], reminder_day=when.day,
                                    days_overdue=overdue, stripe_invoice_id=sent.id,
                                    created_by=principal.user_id if principal else None):
            return None
        record_audit(conn, actor=principal, action=REMINDED, resource_type="invoice",
                     resource_id=row["id"], details={
                         "invoice_id": row["id"], "invoice_number": updated["invoice_number"],
                         "stripe_invoice_id": sent.id, "customer_name": row["customer_name"],
                         "total_cad": row["total_amount_cad"], "due_date": when.due,
                         "reminder_day": when.day, "days_overdue": overdue,
                         "status": updated["invoice_status"]})
    return Reminder(row["id"], updated["invoice_number"], row["customer_name"],
                    row["total_amount_cad"], when.due, when.day, overdue)


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
