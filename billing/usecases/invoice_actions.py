"""Invoice lifecycle: send, mark paid, cancel, refresh — and the one mapping of a
Stripe invoice onto our row, which the Stripe webhook reuses.

Every action runs in three steps so that no transaction stays open while
Stripe is called: (1) a short transaction reads the invoice and checks that
the action is allowed from its status (409 ``invalid_invoice_state``);
(2) Stripe is read, then changed only where it still needs to be, each change
with the idempotency key of this invoice and step, so a retried action never
repeats a step that already happened; (3) a transaction locks the row, applies
what Stripe answered (status only moves forward) and writes the audit entry.
"""
from __future__ import annotations

import contextlib
from collections.abc import Callable
from datetime import datetime
from typing import Any, NoReturn

from billing.adapters.postgres import invoices_sql, usage_totals_sql
from billing.adapters.postgres.audit_sql import record_audit
from billing.adapters.postgres.sessions import Connection
from billing.domain.errors import InvalidState, NotFound
from billing.domain.invoice import ACTIONS, TERMINAL, Status, require_action
from billing.domain.principal import Principal
from billing.ports import PaymentGateway, StripeInvoice
from billing.usecases.invoice_runs import session_for
from billing.usecases.invoice_saga import Session, idempotency_key, stripe_fields, withdraw

SENT = "BILLING_INVOICE_SENT"
MARKED_PAID = "BILLING_INVOICE_MARKED_PAID"
CANCELLED = "BILLING_INVOICE_CANCELLED"
REFRESHED = "BILLING_INVOICE_REFRESHED"

#: Statuses an emailed invoice can have (``sent_at`` is only set on the way to one).
EMAILED = frozenset({Status.SENT, Status.OVERDUE, Status.PAID})
#: Actions that need the invoice completely created in Stripe.
NEEDS_STRIPE = frozenset({"send", "mark_paid", "remind"})
#: Stripe states in which the invoicing saga may be changing the Stripe invoice.
SAGA_RUNNING = frozenset({"pending", "in_progress"})

StripeStep = Callable[[PaymentGateway, StripeInvoice, str], StripeInvoice | None]


def send_invoice(deps: Any, principal: Principal | None, invoice_id: str) -> dict[str, Any]:
    """Finalize the Stripe invoice if it is still a draft, then have Stripe email it."""
    return _act(deps, principal, invoice_id, "send", SENT, _send_step, sent=True)


def mark_paid(deps: Any, principal: Principal | None, invoice_id: str) -> dict[str, Any]:
    """Record a payment received outside Stripe (Stripe: paid out of band)."""
    return _act(deps, principal, invoice_id, "mark_paid", MARKED_PAID, _pay_step)


def refresh_invoice(deps: Any, principal: Principal | None, invoice_id: str) -> dict[str, Any]:
    """Re-read the Stripe invoice and apply it (status only moves forward)."""
    session = session_for(deps, principal)
    row = begin_action(session, invoice_id, "refresh")
    if not row["stripe_invoice_id"]:
        raise _not_in_stripe(row)
    try:
        stripe_invoice = deps.payments().retrieve_invoice(row["stripe_invoice_id"])
    except NotFound:
        if row["invoice_status"] == Status.CANCELLED:
            return row  # its Stripe draft was deleted when it was cancelled
        raise
    return _finish(session, principal, row, stripe_invoice, REFRESHED)


def cancel_invoice(deps: Any, principal: Principal | None, invoice_id: str) -> dict[str, Any]:
    """Cancel: a Stripe draft is deleted, an open Stripe invoice voided; the usage is
    released in the same transaction as the status change, so it can be billed again.
    Refused (409 ``invoice_in_progress``) while its Stripe step is pending or running,
    or if that step moved on while Stripe was being changed."""
    session = session_for(deps, principal)
    row = begin_action(session, invoice_id, "cancel")
    stripe_invoice, stripe_action = _cancel_in_stripe(deps.payments(), row)
    if stripe_invoice is not None and stripe_invoice.status != "void":
        moved_on(session, principal, row, stripe_invoice, "cancel")
    with session() as conn:
        current = _locked(conn, invoice_id)
        if _saga_moved(row, current):
            raise _in_progress(current)
        released = usage_totals_sql.invoice_usage(conn, invoice_id)["records"]
        if stripe_invoice is None:
            require_action("cancel", Status(current["invoice_status"]))
            _cancel_row(conn, invoice_id, _db_now(conn))
            updated = invoices_sql.get_invoice(conn, invoice_id)
        else:
            updated = apply_stripe_invoice(conn, current, stripe_invoice)
        _audit(conn, principal, CANCELLED, current, updated, stripe_action=stripe_action,
               usage_released=released)
    return updated


def apply_stripe_invoice(conn: Connection, invoice_row: dict[str, Any],
                         stripe_invoice: StripeInvoice, *, sent: bool | None = None
                         ) -> dict[str, Any]:
    """Mirror a Stripe invoice onto our (locked) row and return the updated row.

    Number, URLs, due date and Stripe's timestamps are copied (a value Stripe no
    longer reports is kept); the status only moves forward, so a late or
    repeated event never moves a paid invoice back. ``sent``: whether the
    invoice was emailed (None: as the row says). Becoming cancelled releases
    the invoice's usage.
    """
    invoice_id, current = invoice_row["id"], Status(invoice_row["invoice_status"])
    was_sent = invoice_row["sent_at"] is not None if sent is None else sent
    fields = {key: value for key, value in
              stripe_fields(stripe_invoice, current, sent=was_sent).items() if value is not None}
    new = Status(fields["invoice_status"])
    now = _db_now(conn)
    if was_sent and invoice_row["sent_at"] is None and current not in TERMINAL \
            and new in EMAILED:
        fields["sent_at"] = now
    if new is Status.PAID and invoice_row["paid_at"] is None:
        fields.setdefault("paid_at", now)
    invoices_sql.update_invoice(conn, invoice_id, **fields)
    if new is Status.CANCELLED and current is not Status.CANCELLED:
        _cancel_row(conn, invoice_id, stripe_invoice.voided_at or now)
    return invoices_sql.get_invoice(conn, invoice_id)


def available_actions(row: dict[str, Any]) -> list[str]:
    """The actions the invoice allows now (for the UI's menus)."""
    status = Status(row["invoice_status"])
    return [name for name, statuses in ACTIONS.items()
            if status in statuses and _REQUIRES.get(name, _always)(row)]


def _act(deps: Any, principal: Principal | None, invoice_id: str, action: str, audit: str,
         step: StripeStep, *, sent: bool | None = None) -> dict[str, Any]:
    session = session_for(deps, principal)
    row = begin_action(session, invoice_id, action)
    payments = deps.payments()
    found = payments.retrieve_invoice(row["stripe_invoice_id"])
    done = step(payments, found, invoice_id)
    if done is None:
        moved_on(session, principal, row, found, action)
    return _finish(session, principal, row, done, audit, sent=sent)


def _send_step(payments: PaymentGateway, found: StripeInvoice,
               invoice_id: str) -> StripeInvoice | None:
    if found.status == "draft":
        found = payments.finalize_invoice(found.id,
                                          idempotency_key=idempotency_key(invoice_id, "finalize"))
    if found.status not in ("open", "paid"):
        return None
    return payments.send_invoice(found.id, idempotency_key=idempotency_key(invoice_id, "send"))


def _pay_step(payments: PaymentGateway, found: StripeInvoice,
              invoice_id: str) -> StripeInvoice | None:
    if found.status not in ("open", "uncollectible"):
        return None
    return payments.pay_out_of_band(found.id, idempotency_key=idempotency_key(invoice_id, "pay"))


def _cancel_in_stripe(payments: PaymentGateway,
                      row: dict[str, Any]) -> tuple[StripeInvoice | None, str]:
    """Delete the Stripe draft or void the open invoice; returns what Stripe says now
    (None once no Stripe invoice exists) and what was done there."""
    if not row["stripe_invoice_id"]:
        return None, _delete_unrecorded_draft(payments, row)
    return withdraw(payments, row["stripe_invoice_id"], row["id"])


def _delete_unrecorded_draft(payments: PaymentGateway, row: dict[str, Any]) -> str:
    """A draft Stripe created whose id we never recorded (the answer was lost)."""
    if not row["stripe_customer_id"]:
        return "not_in_stripe"
    try:
        drafts = payments.list_invoices(row["stripe_customer_id"], status="draft")
    except NotFound:
        return "not_in_stripe"
    for draft in drafts:
        if draft.metadata.get("carexps_invoice_id") == row["id"]:
            _delete_draft(payments, draft.id)
            return "draft_deleted"
    return "not_in_stripe"


def _delete_draft(payments: PaymentGateway, stripe_invoice_id: str) -> None:
    with contextlib.suppress(NotFound):  # deleted by an earlier attempt, answer lost
        payments.delete_invoice(stripe_invoice_id)


def begin_action(session: Session, invoice_id: str, action: str) -> dict[str, Any]:
    """Read the invoice and check the action is allowed (no lock kept): an unfinished
    Stripe invoice is reported first, as retrying its batch is what unblocks it."""
    with session() as conn:
        row = invoices_sql.get_invoice(conn, invoice_id)
    if row is None:
        raise NotFound("Invoice not found.", code="invoice_not_found")
    status = Status(row["invoice_status"])
    if action in NEEDS_STRIPE and status not in TERMINAL and not _in_stripe(row):
        raise _not_in_stripe(row)
    if action == "cancel" and status is not Status.CANCELLED and _saga_running(row):
        raise _in_progress(row)
    require_action(action, status)
    return row


def _in_stripe(row: dict[str, Any]) -> bool:
    return row["stripe_invoice_id"] is not None and row["stripe_state"] == "complete"


def _always(row: dict[str, Any]) -> bool:
    return True


def _saga_running(row: dict[str, Any]) -> bool:
    return row["stripe_state"] in SAGA_RUNNING


def _saga_moved(before: dict[str, Any], now: dict[str, Any]) -> bool:
    """The Stripe step started or progressed since ``before`` was read."""
    return _saga_running(now) or (now["stripe_state"], now["stripe_invoice_id"]) != (
        before["stripe_state"], before["stripe_invoice_id"])


def _in_progress(row: dict[str, Any]) -> InvalidState:
    return InvalidState(
        "This invoice is being created in Stripe right now, so it cannot be cancelled yet. "
        "Wait for its batch to finish (or retry the batch if it stopped), then cancel.",
        code="invoice_in_progress",
        extra={"stripe_state": row["stripe_state"], "batch_id": row["batch_id"]})


#: What an action needs besides an allowed status.
_REQUIRES: dict[str, Callable[[dict[str, Any]], bool]] = {
    **dict.fromkeys(NEEDS_STRIPE, _in_stripe),
    "cancel": lambda row: not _saga_running(row),
    "refresh": lambda row: row["stripe_invoice_id"] is not None,
    "pdf": lambda row: row["stripe_invoice_pdf_url"] is not None,
}


def _not_in_stripe(row: dict[str, Any]) -> InvalidState:
    retry = f"/api/billing/invoice-batches/{row['batch_id']}/retry" if row["batch_id"] else None
    where = (f"Retry its invoice batch (POST {retry})" if retry
             else "Generate it again")
    return InvalidState(
        "This invoice was not completely created in Stripe, so Stripe cannot act on it yet. "
        f"{where} to finish it in Stripe, or cancel the invoice.",
        code="invoice_not_in_stripe",
        extra={"stripe_state": row["stripe_state"], "batch_id": row["batch_id"],
               "retry_url": retry})


def moved_on(session: Session, principal: Principal | None, row: dict[str, Any],
              found: StripeInvoice, action: str) -> NoReturn:
    """Stripe's invoice is not where the action needs it: record what Stripe says, refuse."""
    updated = _finish(session, principal, row, found, REFRESHED)
    raise InvalidState(
        f"Stripe reports this invoice as {found.status}, so it cannot be "
        f"{action.replace('_', ' ')} now. The invoice was updated from Stripe.",
        code="invalid_invoice_state",
        extra={"invoice_status": updated["invoice_status"], "stripe_status": found.status,
               "action": action})


def _finish(session: Session, principal: Principal | None, row: dict[str, Any],
            stripe_invoice: StripeInvoice, audit: str, *, sent: bool | None = None
            ) -> dict[str, Any]:
    with session() as conn:
        current = _locked(conn, row["id"])
        updated = apply_stripe_invoice(conn, current, stripe_invoice, sent=sent)
        _audit(conn, principal, audit, current, updated)
    return updated


def _locked(conn: Connection, invoice_id: str) -> dict[str, Any]:
    row = invoices_sql.get_invoice(conn, invoice_id, for_update=True)
    if row is None:
        raise NotFound("Invoice not found.", code="invoice_not_found")
    return row


def _cancel_row(conn: Connection, invoice_id: str, at: datetime) -> int:
    """Mark the invoice cancelled and release its usage; returns the rows released."""
    invoices_sql.update_invoice(conn, invoice_id, invoice_status=Status.CANCELLED.value,
                                cancelled_at=at)
    return usage_totals_sql.release_usage(conn, invoice_id)


def _audit(conn: Connection, principal: Principal | None, action: str, before: dict[str, Any],
           after: dict[str, Any], **details: Any) -> None:
    record_audit(conn, actor=principal, action=action, resource_type="invoice",
                 resource_id=after["id"], details={
                     "invoice_id": after["id"], "invoice_number": after["invoice_number"],
                     "stripe_invoice_id": after["stripe_invoice_id"],
                     "customer_name": after["customer_name"],
                     "total_cad": after["total_amount_cad"],
                     "from_status": before["invoice_status"],
                     "to_status": after["invoice_status"], **details})


def _db_now(conn: Connection) -> datetime:
    return conn.execute("select now() as now").fetchone()["now"]
