"""Invoice state changes: finalize, send, pay, void, mark_uncollectible.

As at Stripe, sending or paying a draft finalizes it first, and an invoice
finalized with nothing due is paid at once; void takes open or uncollectible.

Also the customer-side happenings a test triggers through the controls: a
payment online, a failed payment attempt, the due date passing.
"""
from __future__ import annotations

from typing import Any

from standins.stripe_errors import state_error
from standins.stripe_forms import BOOLEAN
from standins.stripe_invoices import DAY
from standins.stripe_state import Ctx, Route, random_token

ACCOUNT = "acct_1StandinCareXPS"


def _invoice(ctx: Ctx, invoice_id: str) -> dict[str, Any]:
    return ctx.state.get("invoice", invoice_id, ctx.livemode)


def finalize(ctx: Ctx, params: dict[str, Any], invoice_id: str) -> dict[str, Any]:
    invoice = _invoice(ctx, invoice_id)
    if invoice["status"] != "draft":
        raise state_error("This invoice is already finalized, you can't re-finalize a non-draft invoice.")
    if params.get("auto_advance") is not None:
        invoice["auto_advance"] = params["auto_advance"]
    _finalize(ctx, invoice)
    return invoice


def _finalize(ctx: Ctx, invoice: dict[str, Any]) -> None:
    now = ctx.state.now()
    customer = ctx.state.objects[invoice["customer"]]
    sequence = customer["next_invoice_sequence"]
    customer["next_invoice_sequence"] = sequence + 1
    page = f"{ctx.base_url}/i/{ACCOUNT}/{'live' if ctx.livemode else 'test'}_{random_token(40)}"
    invoice.update(
        status="open",
        number=f"{customer['invoice_prefix']}-{sequence:04d}",
        hosted_invoice_url=page,
        invoice_pdf=page.replace("/i/", "/invoice/", 1) + "/pdf",
        effective_at=now,
        customer_email=customer["email"],
        customer_name=customer["name"],
        customer_phone=customer["phone"],
    )
    invoice["status_transitions"]["finalized_at"] = now
    days = ctx.state.extra[invoice["id"]]["days_until_due"]
    if days is not None:
        invoice["due_date"] = now + days * DAY
    ctx.emit("invoice.finalized", invoice)
    if invoice["amount_due"] == 0:
        settle(ctx, invoice)


def settle(ctx: Ctx, invoice: dict[str, Any], *events: str) -> None:
    """Mark ``invoice`` paid in full and announce it."""
    invoice.update(status="paid", amount_paid=invoice["amount_due"], amount_remaining=0)
    invoice["status_transitions"]["paid_at"] = ctx.state.now()
    for event_type in ("invoice.paid", *events):
        ctx.emit(event_type, invoice)


def send(ctx: Ctx, params: dict[str, Any], invoice_id: str) -> dict[str, Any]:
    invoice = _invoice(ctx, invoice_id)
    if invoice["collection_method"] != "send_invoice":
        raise state_error(
            "You can only manually send an invoice if its collection method is 'send_invoice'."
        )
    if invoice["status"] not in ("draft", "open", "paid"):
        raise state_error(f"You can't send an invoice that is {invoice['status']}.")
    if invoice["status"] == "draft":
        _finalize(ctx, invoice)
    ctx.emit("invoice.sent", invoice)
    return invoice


def pay(ctx: Ctx, params: dict[str, Any], invoice_id: str) -> dict[str, Any]:
    invoice = _invoice(ctx, invoice_id)
    if invoice["status"] == "paid":
        raise state_error("Invoice is already paid")
    if invoice["status"] == "void":
        raise state_error("This invoice has been voided and can no longer be paid.")
    if not params.get("paid_out_of_band"):
        raise state_error(
            "This customer has no attached payment source or default payment method. "
            "Please consider adding a default payment method."
        )
    if invoice["status"] == "draft":
        _finalize(ctx, invoice)
    if invoice["status"] != "paid":
        settle(ctx, invoice)
    return invoice


def void(ctx: Ctx, params: dict[str, Any], invoice_id: str) -> dict[str, Any]:
    invoice = _invoice(ctx, invoice_id)
    if invoice["status"] not in ("open", "uncollectible"):
        raise state_error("You can only pass in open invoices. This invoice isn't open.")
    invoice["status"] = "void"
    invoice["status_transitions"]["voided_at"] = ctx.state.now()
    ctx.emit("invoice.voided", invoice)
    return invoice


def mark_uncollectible(ctx: Ctx, params: dict[str, Any], invoice_id: str) -> dict[str, Any]:
    invoice = _invoice(ctx, invoice_id)
    if invoice["status"] != "open":
        raise state_error("You can only mark open invoices as uncollectible.")
    invoice["status"] = "uncollectible"
    invoice["status_transitions"]["marked_uncollectible_at"] = ctx.state.now()
    ctx.emit("invoice.marked_uncollectible", invoice)
    return invoice


def customer_paid(ctx: Ctx, invoice_id: str) -> dict[str, Any]:
    """The customer paid on the hosted page."""
    invoice = _open(ctx, invoice_id, "uncollectible")
    invoice.update(attempted=True, attempt_count=invoice["attempt_count"] + 1)
    settle(ctx, invoice, "invoice.payment_succeeded")
    return invoice


def payment_failed(ctx: Ctx, invoice_id: str) -> dict[str, Any]:
    """A payment attempt by the customer was declined."""
    invoice = _open(ctx, invoice_id)
    invoice.update(attempted=True, attempt_count=invoice["attempt_count"] + 1)
    ctx.emit("invoice.payment_failed", invoice)
    return invoice


def overdue(ctx: Ctx, invoice_id: str) -> dict[str, Any]:
    """The due date passed with the invoice still open."""
    invoice = _open(ctx, invoice_id)
    ctx.emit("invoice.overdue", invoice)
    return invoice


def _open(ctx: Ctx, invoice_id: str, *also: str) -> dict[str, Any]:
    invoice = _invoice(ctx, invoice_id)
    if invoice["status"] not in ("open", *also):
        raise state_error(f"Invoice {invoice_id} is {invoice['status']}, not open.")
    return invoice


ROUTES = [
    Route("POST", r"/v1/invoices/([^/]+)/finalize", finalize, {"auto_advance": BOOLEAN}),
    Route("POST", r"/v1/invoices/([^/]+)/send", send, {}),
    Route("POST", r"/v1/invoices/([^/]+)/pay", pay, {"paid_out_of_band": BOOLEAN}),
    Route("POST", r"/v1/invoices/([^/]+)/void", void, {}),
    Route("POST", r"/v1/invoices/([^/]+)/mark_uncollectible", mark_uncollectible, {}),
]
