"""The Stripe side of one invoice, as a resumable saga (DESIGN §3).

The invoice row already exists (``stripe_state = pending``) with its usage
claimed. Each Stripe call carries an idempotency key derived from the invoice
row id and the step, and each result is recorded before the next step, so a
failure anywhere leaves a row that a retry resumes without duplicating a
Stripe object. The Stripe total must equal ours to the cent before the invoice
is finalized. Cancelling is refused while the saga runs (``invoice_in_progress``),
and the saga checks for a cancellation before each Stripe state change anyway.
"""
from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any

from billing.adapters.postgres import invoices_sql
from billing.adapters.postgres.audit_sql import record_audit
from billing.adapters.postgres.sessions import Connection
from billing.domain.errors import BillingError, NotFound, PaymentProviderError
from billing.domain.invoice import Status, advance, from_stripe
from billing.domain.principal import Principal
from billing.ports import NewLine, PaymentGateway, StripeInvoice

Session = Callable[[], AbstractContextManager[Connection]]


@dataclass(frozen=True)
class SagaContext:
    """What the saga needs: Stripe, a way to open a transaction, and who acts."""

    payments: PaymentGateway
    session: Session
    actor: Principal | None
    invoice_note: str | None = None
    footer: str | None = None


def idempotency_key(invoice_id: str, step: str) -> str:
    """The Stripe idempotency key for one step of one invoice (stable across retries)."""
    return f"carexps-invoice-{invoice_id}-{step}"


class CancelledMeanwhile(Exception):
    """The invoice row was cancelled while the saga ran: its Stripe invoice was
    deleted (draft) or voided (open) and the saga stopped."""


def run_saga(ctx: SagaContext, invoice_id: str, mode: str) -> dict[str, Any]:
    """Create/complete the Stripe invoice for ``mode`` (draft|finalize|send); returns the row.

    Three Stripe requests for a new invoice: create the draft, add every line in one
    ``add_lines``, then finalize or send (send finalizes a draft). Before each Stripe
    state change, and once more before recording, the row is re-read under lock: a
    row cancelled meanwhile has its Stripe invoice deleted or voided and the saga
    stops with ``CancelledMeanwhile``.
    """
    with ctx.session() as conn:
        inv = invoices_sql.get_invoice(conn, invoice_id, for_update=True)
        if inv is None:
            raise CancelledMeanwhile(invoice_id)
        if inv["invoice_status"] != Status.CANCELLED:
            invoices_sql.update_invoice(conn, invoice_id, stripe_state="in_progress")
    try:
        _stop_if_cancelled(ctx, inv, None)
        stripe_invoice = _ensure_stripe_invoice(ctx, inv)
        _stop_if_cancelled(ctx, inv, stripe_invoice.id)
        stripe_invoice = _ensure_lines(ctx, inv, stripe_invoice)
        _stop_if_cancelled(ctx, inv, stripe_invoice.id)
        stripe_invoice, sent = _advance_stripe(ctx, inv, stripe_invoice, mode)
        _stop_if_cancelled(ctx, inv, stripe_invoice.id)  # cancelled during the last request
    except BillingError as exc:
        with ctx.session() as conn:
            invoices_sql.update_invoice(conn, invoice_id, stripe_state="failed",
                                        stripe_error=f"{exc.code}: {exc.detail}"[:500])
        raise
    return _record_complete(ctx, inv, stripe_invoice, sent=sent, mode=mode)


def _stop_if_cancelled(ctx: SagaContext, inv: dict[str, Any], stripe_id: str | None) -> None:
    """Re-read the row under lock; if it was cancelled, take back the Stripe invoice
    made for it (the one given, or the one recorded) and stop."""
    with ctx.session() as conn:
        row = invoices_sql.get_invoice(conn, inv["id"], for_update=True)
    if row["invoice_status"] != Status.CANCELLED:
        return
    stripe_id = stripe_id or row["stripe_invoice_id"]
    if stripe_id:
        withdraw(ctx.payments, stripe_id, inv["id"])
    with ctx.session() as conn:
        invoices_sql.update_invoice(conn, inv["id"], stripe_state="complete", stripe_error=None)
    raise CancelledMeanwhile(inv["id"])


def withdraw(payments: PaymentGateway, stripe_id: str,
             invoice_id: str) -> tuple[StripeInvoice | None, str]:
    """Take a Stripe invoice back: delete a draft, void an open or uncollectible one.
    Returns what Stripe holds now (None once no invoice exists) and what was done:
    ``draft_deleted``, ``voided``, ``not_in_stripe`` or ``none`` (paid or void)."""
    try:
        found = payments.retrieve_invoice(stripe_id)
        if found.status == "draft":
            payments.delete_invoice(stripe_id)
            return None, "draft_deleted"
    except NotFound:  # deleted already (by an earlier attempt whose answer was lost)
        return None, "not_in_stripe"
    if found.status in ("open", "uncollectible"):
        return payments.void_invoice(
            stripe_id, idempotency_key=idempotency_key(invoice_id, "void")), "voided"
    return found, "none"


def _ensure_stripe_invoice(ctx: SagaContext, inv: dict[str, Any]) -> StripeInvoice:
    if inv["stripe_invoice_id"]:
        return ctx.payments.retrieve_invoice(inv["stripe_invoice_id"])
    period = f"{inv['billing_period_start']} to {inv['billing_period_end']}"
    created = ctx.payments.create_invoice(
        inv["stripe_customer_id"], days_until_due=inv["due_in_days"] or 0,
        description=_description(inv, period, ctx.invoice_note), footer=ctx.footer,
        metadata={"carexps_invoice_id": inv["id"], "billing_customer_id":
                  inv["billing_customer_id"], "billing_period": period},
        idempotency_key=idempotency_key(inv["id"], "invoice"),
    )
    with ctx.session() as conn:
        invoices_sql.update_invoice(conn, inv["id"], stripe_invoice_id=created.id)
    inv["stripe_invoice_id"] = created.id
    return created


def _description(inv: dict[str, Any], period: str, note: str | None) -> str:
    title = f"CareXPS services, {period}"
    if inv["supplementary"]:
        title += " (supplementary: usage recorded after the first invoice)"
    return f"{title}\n{note}" if note else title


def _expected_cents(inv: dict[str, Any]) -> list[int]:
    return sorted(int(line["amount_cents"]) for line in inv["line_items"])


def _ensure_lines(ctx: SagaContext, inv: dict[str, Any], si: StripeInvoice) -> StripeInvoice:
    """Add all lines in one request (once: the key is per invoice) to a draft that has
    none yet, then check Stripe's lines and total against ours before going on."""
    expected = _expected_cents(inv)
    if si.status == "draft" and not si.line_cents and expected:
        si = ctx.payments.add_lines(
            si.id, [NewLine(int(line["amount_cents"]), line["description"],
                            {"carexps_invoice_id": inv["id"], "line": line["key"]})
                    for line in inv["line_items"]],
            idempotency_key=idempotency_key(inv["id"], "lines"))
    total = sum(expected)
    if sorted(si.line_cents) != expected or si.total_cents != total:
        raise PaymentProviderError(
            f"The Stripe invoice {si.id} totals {si.total_cents} cents in "
            f"{len(si.line_cents)} lines, but this invoice is {total} cents in "
            f"{len(expected)} lines. It was not finalized; cancel it and generate again.",
            code="stripe_total_mismatch",
        )
    return si


def _advance_stripe(ctx: SagaContext, inv: dict[str, Any], si: StripeInvoice,
                    mode: str) -> tuple[StripeInvoice, bool]:
    """Finalize, or send (which finalizes a draft itself): one request either way."""
    sent = inv["sent_at"] is not None
    if mode == "send" and si.status in ("draft", "open") and not sent:
        si = ctx.payments.send_invoice(si.id, idempotency_key=idempotency_key(inv["id"], "send"))
        sent = True
    elif mode in ("finalize", "send") and si.status == "draft":
        si = ctx.payments.finalize_invoice(si.id,
                                           idempotency_key=idempotency_key(inv["id"], "finalize"))
    return si, sent


def stripe_fields(si: StripeInvoice, current: Status, *, sent: bool) -> dict[str, Any]:
    """The invoice columns that mirror a Stripe invoice (status only moves forward)."""
    status = advance(current, from_stripe(si.status, sent=sent))
    fields: dict[str, Any] = {
        "stripe_invoice_id": si.id, "invoice_number": si.number,
        "stripe_invoice_url": si.hosted_invoice_url, "stripe_invoice_pdf_url": si.invoice_pdf,
        "due_date": si.due_date, "invoice_status": status.value,
    }
    if si.finalized_at:
        fields["finalized_at"] = si.finalized_at
    if si.paid_at and status is Status.PAID:
        fields["paid_at"] = si.paid_at
    return fields


def _record_complete(ctx: SagaContext, inv: dict[str, Any], si: StripeInvoice, *,
                     sent: bool, mode: str) -> dict[str, Any]:
    with ctx.session() as conn:
        current = invoices_sql.get_invoice(conn, inv["id"], for_update=True)
        fields = stripe_fields(si, Status(current["invoice_status"]), sent=sent)
        if sent and current["sent_at"] is None:
            fields["sent_at"] = _now(conn)
        invoices_sql.update_invoice(conn, inv["id"], stripe_state="complete", stripe_error=None,
                                    **fields)
        record_audit(conn, actor=ctx.actor, action="BILLING_INVOICE_GENERATED",
                     resource_type="invoice", resource_id=inv["id"], details={
                         "invoice_id": inv["id"], "stripe_invoice_id": si.id,
                         "invoice_number": si.number, "total_cad": inv["total_amount_cad"],
                         "period_start": inv["billing_period_start"],
                         "period_end": inv["billing_period_end"], "mode": mode,
                         "status": fields["invoice_status"],
                         "customer_name": inv["customer_name"]})
        return invoices_sql.get_invoice(conn, inv["id"])


def _now(conn: Connection) -> Any:
    return conn.execute("select now() as now").fetchone()["now"]
