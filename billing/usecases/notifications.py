"""Billing notifications by email, through an outbox.

A notification is queued in the transaction of the event that causes it (a
batch finishing, Stripe reporting a payment), so it exists exactly when the
event does, and at most once per event (a dedupe key). It goes to the
settings' notification email when that kind is switched on.

The hourly run drains the outbox: each message is claimed (``for update skip
locked``), sent and marked sent in one transaction, so concurrent senders
never take the same message and a sent message is never taken again. A failed
send is retried later with exponential backoff; a message the server refuses
outright (5xx), or one that failed ``MAX_ATTEMPTS`` times, is marked failed.
Content is business facts only: counts, amounts, invoice numbers, business
names — never PHI.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, Protocol

from billing.adapters.postgres import outbox_sql
from billing.adapters.postgres.sessions import Connection
from billing.adapters.postgres.settings_sql import load_settings
from billing.domain.errors import UpstreamUnavailable

log = logging.getLogger("billing.notifications")
INVOICES_GENERATED = "invoices_generated"
PAYMENT_RECEIVED = "payment_received"
DAILY_SUMMARY = "daily_summary"
FIRST_RETRY = timedelta(minutes=1)
LONGEST_WAIT = timedelta(hours=1)
MAX_ATTEMPTS = 8
ACTOR = "notifications"


class Mailer(Protocol):
    """What sending needs: one plain-text message to one recipient."""

    def send(self, recipient: str, subject: str, body: str, *, message_id: str) -> None: ...


def _cad(amount: Any) -> str:
    return f"${Decimal(amount or 0):,.2f} CAD"


def _recipient(conn: Connection, switch: str) -> str | None:
    settings = load_settings(conn)
    return settings["notification_email"] if settings[switch] else None


def queue_batch_summary(conn: Connection, view: dict[str, Any]) -> bool:
    """Queue the "invoices generated" summary of a finished batch (counts, total,
    failures); a batch with no customers sends none. True if queued."""
    recipient = _recipient(conn, "notify_on_invoice_generated")
    if recipient is None or not view["total"]:
        return False
    period = f"{view['period_start']} to {view['period_end']}"
    lines = [f"Invoices generated for {period} (mode: {view['mode']}).", "",
             f"Invoices created: {view['succeeded']}", f"Total: {_cad(view['total_cad'])}",
             f"Failed: {view['failed']}", f"Skipped: {view['skipped']}"]
    for status, title in (("failed", "Failed"), ("skipped", "Skipped")):
        items = [i for i in view["items"] if i["status"] == status]
        if items:
            lines += ["", f"{title}:"] + [
                f"- {i['customer_name']}: {i['error_message'] or i['reason'] or status}"
                for i in items]
    lines += ["", f"Batch: {view['id']}"]
    key = f"batch:{view['id']}:{view['succeeded']}:{view['failed']}:{view['skipped']}"
    return outbox_sql.enqueue(
        conn, kind=INVOICES_GENERATED, dedupe_key=key, recipient=recipient,
        subject=f"CareXPS billing: {view['succeeded']} invoice(s) generated for {period}",
        body="\n".join(lines) + "\n")


def queue_payment_received(conn: Connection, invoice: dict[str, Any]) -> bool:
    """Queue "payment received" for a paid invoice (number, business, amount)."""
    recipient = _recipient(conn, "notify_on_payment_received")
    if recipient is None:
        return False
    number = invoice["invoice_number"] or invoice["id"]
    body = (f"Stripe reports a payment for invoice {number}.\n\n"
            f"Customer: {invoice['customer_name']}\n"
            f"Amount: {_cad(invoice['total_amount_cad'])}\n"
            f"Billing period: {invoice['billing_period_start']} to "
            f"{invoice['billing_period_end']}\n")
    return outbox_sql.enqueue(
        conn, kind=PAYMENT_RECEIVED, dedupe_key=f"paid:{invoice['id']}", recipient=recipient,
        subject=f"CareXPS billing: payment received for invoice {number}", body=body)


def queue_daily_summary(conn: Connection, day: date, run: dict[str, Any] | None,
                        reminders: list[Any]) -> bool:
    """Queue the daily pass's summary: the payment reminders sent and the reconciliation's
    findings. Nothing to report, or no notification address: none. True if queued."""
    recipient = load_settings(conn)["notification_email"]
    found = [(kind, n) for kind, n in (run or {}).get("counts", {}).items() if n]
    if recipient is None or not (reminders or found):
        return False
    lines = [f"Billing daily pass for {day}.", "", f"Payment reminders sent: {len(reminders)}"]
    lines += [f"- {r.invoice_number or r.invoice_id}, {r.customer_name}: {_cad(r.total_cad)},"
              f" due {r.due_date} ({r.days_overdue} days overdue)" for r in reminders]
    if run is not None:
        lines += ["", f"Reconciliation with Stripe: {run['findings_total']} finding(s),"
                      f" {run['repaired_total']} repaired automatically."]
        lines += [f"- {kind}: {n}" for kind, n in found]
        lines += [f"Run: {run['id']}"]
    return outbox_sql.enqueue(
        conn, kind=DAILY_SUMMARY, dedupe_key=f"daily:{day}", recipient=recipient,
        subject=f"CareXPS billing: daily summary for {day} ({len(reminders)} reminder(s),"
                f" {len(found)} kind(s) of finding)", body="\n".join(lines) + "\n")


@dataclass(frozen=True)
class DrainResult:
    """Messages sent, put back for a later attempt, and given up on, in one drain."""

    sent: int = 0
    retrying: int = 0
    failed: int = 0


def retry_at(now: datetime, attempts: int) -> datetime:
    """When to try again after ``attempts`` failures: 1, 2, 4 … minutes, at most an hour."""
    return now + min(FIRST_RETRY * 2 ** (attempts - 1), LONGEST_WAIT)


def drain_outbox(deps: Any, *, limit: int = 100) -> DrainResult:
    """Send up to ``limit`` due messages, one transaction each."""
    mailer: Mailer | None = deps.mailer
    if mailer is None:
        with deps.db.system_session(ACTOR) as conn:
            waiting = outbox_sql.counts(conn).get("pending", 0)
        if waiting:
            log.warning("notifications wait: SMTP is not configured", extra={"pending": waiting})
        return DrainResult()
    tally = {"sent": 0, "retrying": 0, "failed": 0}
    for _ in range(limit):
        with deps.db.system_session(ACTOR) as conn:
            message = outbox_sql.claim_next(conn, deps.clock.now())
            if message is None:
                break
            tally[_deliver(conn, mailer, message, deps.clock.now())] += 1
    return DrainResult(**tally)


def _deliver(conn: Connection, mailer: Mailer, message: dict[str, Any], now: datetime) -> str:
    """Send one claimed message and record the outcome: sent, retrying or failed."""
    try:
        mailer.send(message["recipient"], message["subject"], message["body"],
                    message_id=f"<billing-notification-{message['id']}@carexps>")
    except UpstreamUnavailable as exc:
        attempts = message["attempts"] + 1
        give_up = getattr(exc, "permanent", False) or attempts >= MAX_ATTEMPTS
        outbox_sql.mark_unsent(conn, message["id"], error=f"{exc.code}: {exc.detail}",
                               next_attempt_at=None if give_up else retry_at(now, attempts))
        log.warning("notification not sent", extra={"notification_id": message["id"],
                                                    "code": exc.code, "attempts": attempts})
        return "failed" if give_up else "retrying"
    outbox_sql.mark_sent(conn, message["id"], now)
    return "sent"
