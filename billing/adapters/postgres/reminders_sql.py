"""SQL for payment reminders: the invoices that may need one, and each one sent."""
from __future__ import annotations

from datetime import date
from typing import Any

from billing.adapters.postgres.sessions import Connection


def overdue_open(conn: Connection, today: date) -> list[dict[str, Any]]:
    """Emailed invoices complete in Stripe whose recorded due date is today or earlier
    (Stripe's due day in the billing time zone decides; it is at most a day apart),
    with the configured days already reminded."""
    return conn.execute(
        "select i.id::text as id, i.due_date, array(select r.reminder_day from"
        " billing_invoice_reminders r where r.invoice_id = i.id and r.reminder_day is not null)"
        " as sent_days from invoice_records i where i.invoice_status in ('sent', 'overdue')"
        " and i.due_date <= %s and i.stripe_state = 'complete' and i.stripe_invoice_id is not null"
        " order by i.due_date, i.id", [today]).fetchall()


def record(conn: Connection, *, invoice_id: str, reminder_day: int | None, days_overdue: int,
           stripe_invoice_id: str, created_by: str | None) -> bool:
    """Record a reminder; False if this configured day was already recorded."""
    return conn.execute(
        "insert into billing_invoice_reminders (invoice_id, reminder_day, days_overdue,"
        " stripe_invoice_id, actor_type, created_by) values (%s, %s, %s, %s, %s, %s)"
        " on conflict (invoice_id, reminder_day) where reminder_day is not null do nothing",
        [invoice_id, reminder_day, days_overdue, stripe_invoice_id,
         "user" if created_by else "system", created_by]).rowcount == 1
