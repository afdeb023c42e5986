"""Stripe webhooks: signed invoice events applied to our invoices, each event once.

Nothing is read or written before the ``Stripe-Signature`` holds against the
saved signing secret (400 ``invalid_signature``; its timestamp within the
tolerance, past or future). A signed body that is not an event of the shape we
read is 400 ``invalid_event``, recorded once (see ``webhook_payloads``). Stripe
delivers at least once and in no particular order, so:

* every event id is recorded once, in the transaction that applies it; a
  redelivery is acknowledged and changes nothing;
* the event says *which* invoice changed; *how* it stands is read from Stripe
  at the moment we apply it (so an event older than what we hold never wins),
  and applied with ``apply_stripe_invoice``: the status only moves forward
  (a late ``invoice.sent`` after ``invoice.paid`` changes nothing), a voided
  invoice becomes cancelled and releases its usage;
* ``invoice.overdue`` is a hint, not a fact: the invoice becomes overdue only if
  Stripe shows it open and its due date has passed in the billing time zone;
* an invoice that is already paid or cancelled needs no reading; an update,
  finalization or sending that our own Stripe saga is still recording is left
  to it; a payment failure is audited and changes no status;
* an event for an invoice we do not know is acknowledged (200) and logged.

A payment queues the "payment received" notification in the same transaction.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from billing.adapters.postgres import invoices_sql, webhook_sql
from billing.adapters.postgres.audit_sql import record_audit
from billing.adapters.postgres.sessions import Connection
from billing.adapters.postgres.settings_sql import load_settings
from billing.domain.errors import BillingError, UpstreamUnavailable, ValidationFailed
from billing.domain.invoice import TERMINAL, Status, advance, past_due
from billing.ports import PaymentGateway, StripeInvoice
from billing.usecases.invoice_actions import apply_stripe_invoice
from billing.usecases.notifications import queue_payment_received
from billing.usecases.settings import open_secret
from billing.usecases.webhook_payloads import InvalidEvent, reject, stripe_event

log = logging.getLogger("billing.stripe_webhook")
ACTOR = "stripe_webhook"
RECEIVED = "BILLING_WEBHOOK_RECEIVED"
PAID = "BILLING_INVOICE_PAID"
PAYMENT_FAILED = "BILLING_INVOICE_PAYMENT_FAILED"
HANDLED = frozenset({"invoice.finalized", "invoice.sent", "invoice.paid",
                     "invoice.payment_failed", "invoice.voided",
                     "invoice.marked_uncollectible", "invoice.overdue", "invoice.updated"})
#: Changes our Stripe saga makes itself and records when it completes.
SAGA_EVENTS = frozenset({"invoice.updated", "invoice.finalized", "invoice.sent"})


class InvalidSignature(BillingError):
    """The webhook is not signed with our signing secret (HTTP 400)."""

    code = "invalid_signature"
    title = "Invalid signature"


@dataclass(frozen=True)
class WebhookResult:
    """The event and what became of it: applied, unchanged, deferred (to our saga),
    unknown_invoice, ignored (not an invoice event we handle) or replay."""

    event_id: str
    event_type: str
    outcome: str
    invoice_id: str | None = None
    status: str | None = None


def handle_stripe_webhook(payload: bytes, signature: str | None, *, deps: Any) -> WebhookResult:
    """Verify, record once and apply one Stripe event."""
    payments: PaymentGateway = deps.payments()
    _verify(payments, payload, signature, _signing_secret(deps))
    try:
        event = stripe_event(payload, HANDLED)
    except InvalidEvent as invalid:
        raise reject(deps.db, "stripe", payload, invalid) from None
    kind, obj = event["type"], event["data"]["object"]
    stripe_id = obj.get("id") if kind in HANDLED else None
    if stripe_id is None:
        with deps.db.system_session(ACTOR) as conn:
            fresh = webhook_sql.record_event(conn, event, stripe_invoice_id=None,
                                             outcome="ignored")
        return WebhookResult(event["id"], kind, "ignored" if fresh else "replay")
    with deps.db.system_session(ACTOR) as conn:
        if webhook_sql.seen(conn, event["id"]):
            return WebhookResult(event["id"], kind, "replay")
        row = invoices_sql.get_by_stripe_id(conn, stripe_id)
    reads_stripe = row is not None and _skip_reason(kind, row) is None
    current = payments.retrieve_invoice(stripe_id) if reads_stripe else None
    with deps.db.system_session(ACTOR) as conn:
        return _apply(conn, event, stripe_id, current, deps.clock.now())


def _signing_secret(deps: Any) -> str:
    with deps.db.system_session(ACTOR) as conn:
        token = load_settings(conn)["stripe_webhook_secret_encrypted"]
    if not token:
        raise UpstreamUnavailable("Stripe webhooks are not configured: save the webhook "
                                  "signing secret (whsec_…) in the billing settings.",
                                  code="stripe_webhook_not_configured")
    return open_secret(token, deps.keyring, "webhook signing secret")


def _verify(payments: PaymentGateway, payload: bytes, signature: str | None,
            secret: str) -> None:
    if not signature:
        raise InvalidSignature("The Stripe-Signature header is missing.")
    try:
        payments.verify_webhook_signature(payload, signature, secret)
    except ValidationFailed as exc:
        raise InvalidSignature(exc.detail) from None


def _saga_running(row: dict[str, Any]) -> bool:
    return row["stripe_state"] != "complete"


def _skip_reason(kind: str, row: dict[str, Any]) -> str | None:
    """Why the event cannot change the invoice (``unchanged``) or is our saga's to
    record (``deferred``); None: it can, so Stripe is read."""
    if kind == "invoice.payment_failed" or Status(row["invoice_status"]) in TERMINAL:
        return "unchanged"
    if kind in SAGA_EVENTS and _saga_running(row):
        return "deferred"
    return None


def _apply(conn: Connection, event: dict[str, Any], stripe_id: str,
           current: StripeInvoice | None, now: datetime) -> WebhookResult:
    """Record the event and apply it to the (locked) invoice, in one transaction."""
    kind = event["type"]
    if not webhook_sql.record_event(conn, event, stripe_invoice_id=stripe_id, outcome="applied"):
        return WebhookResult(event["id"], kind, "replay")
    row = invoices_sql.get_by_stripe_id(conn, stripe_id)
    if row is None:
        log.warning("Stripe event for an unknown invoice",
                    extra={"stripe_event_id": event["id"], "stripe_invoice_id": stripe_id})
        webhook_sql.set_outcome(conn, event["id"], outcome="unknown_invoice", invoice_id=None)
        _audit(conn, RECEIVED, event, stripe_id, None, None, reason="unknown_invoice")
        return WebhookResult(event["id"], kind, "unknown_invoice")
    outcome, updated = _change(conn, kind, row, current, now)
    webhook_sql.set_outcome(conn, event["id"], outcome=outcome, invoice_id=row["id"])
    _audit(conn, RECEIVED, event, stripe_id, row, updated, reason=outcome)
    if kind == "invoice.payment_failed":
        _audit(conn, PAYMENT_FAILED, event, stripe_id, row, updated)
    if row["invoice_status"] != Status.PAID and updated["invoice_status"] == Status.PAID:
        _audit(conn, PAID, event, stripe_id, row, updated)
        queue_payment_received(conn, updated)
    return WebhookResult(event["id"], kind, outcome, row["id"], updated["invoice_status"])


def _change(conn: Connection, kind: str, row: dict[str, Any],
            current: StripeInvoice | None, now: datetime) -> tuple[str, dict[str, Any]]:
    """Apply what Stripe says now. ``invoice.overdue`` makes the invoice overdue only
    if Stripe shows it open with its due date passed in the billing time zone."""
    if current is None:
        reason = _skip_reason(kind, row)
        if reason is None:  # the invoice appeared or changed since Stripe was (not) read
            raise UpstreamUnavailable("The invoice changed while the event was handled; "
                                      "Stripe will deliver it again.", code="stripe_event_retry")
        return reason, row
    updated = apply_stripe_invoice(conn, row, current,
                                   sent=True if kind == "invoice.sent" else None)
    status = Status(updated["invoice_status"])
    tz = load_settings(conn)["billing_time_zone"]
    if kind == "invoice.overdue" and advance(status, Status.OVERDUE) is not status \
            and past_due(current.status, current.due_at, now, tz):
        invoices_sql.update_invoice(conn, row["id"], invoice_status=Status.OVERDUE.value)
        updated = invoices_sql.get_invoice(conn, row["id"])
    return "applied", updated


def _audit(conn: Connection, action: str, event: dict[str, Any], stripe_id: str,
           before: dict[str, Any] | None, after: dict[str, Any] | None,
           reason: str | None = None) -> None:
    details: dict[str, Any] = {"stripe_event_id": event["id"], "event_type": event["type"],
                               "stripe_invoice_id": stripe_id}
    if reason:
        details["reason"] = reason
    if before is not None and after is not None:
        details.update(invoice_id=after["id"], invoice_number=after["invoice_number"],
                       customer_name=after["customer_name"],
                       amount_cad=after["total_amount_cad"],
                       from_status=before["invoice_status"], to_status=after["invoice_status"])
    record_audit(conn, actor=None, action=action, resource_type="invoice",
                 resource_id=after["id"] if after else None, details=details)
