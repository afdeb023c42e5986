"""``POST /v1/invoices/{id}/add_lines``: add many lines to a draft in one request.

As at Stripe (API 2024-09-30.acacia and later): only a draft can take lines
(``invoice_not_editable`` otherwise); each entry of ``lines`` either creates a
new invoice item (``amount``, ``description``, ``metadata``, ``period``,
``quantity``, ``discountable``; in the invoice's currency) or assigns an
unassigned invoice item of the same customer (``invoice_item``); the invoice
answers with the same line objects and totals that single invoice items give;
``invoice_metadata`` is merged into the invoice's metadata. Every line is
checked before any is added, so a refused request adds nothing. Idempotency is
the pipeline's (same key + same parameters replays the first answer).
"""
from __future__ import annotations

from typing import Any

from standins.stripe_customers import merge_metadata
from standins.stripe_errors import invalid_parameter, missing_parameter, state_error
from standins.stripe_forms import BOOLEAN, INTEGER, METADATA, STRING, Int, ListOf, Obj
from standins.stripe_invoiceitems import MAX_LINES, new_item
from standins.stripe_invoices import attach_item
from standins.stripe_state import Ctx, Route

LINE = Obj({
    "amount": INTEGER,
    "description": STRING,
    "discountable": BOOLEAN,
    "invoice_item": STRING,
    "metadata": METADATA,
    "period": Obj({"start": INTEGER, "end": INTEGER}),
    "quantity": Int(0),
})
ADD_LINES = {"lines": ListOf(LINE), "invoice_metadata": METADATA}


def add_lines(ctx: Ctx, params: dict[str, Any], invoice_id: str) -> dict[str, Any]:
    invoice = ctx.state.get("invoice", invoice_id, ctx.livemode)
    lines = params.get("lines") or []
    if not lines:
        raise missing_parameter("lines")
    if invoice["status"] != "draft":
        raise state_error(
            f"Invoice {invoice_id} is no longer editable: lines can only be added to "
            "draft invoices.", "invoice_not_editable")
    if len(ctx.state.extra[invoice_id]["lines"]) + len(lines) > MAX_LINES:
        raise state_error(f"An invoice cannot have more than {MAX_LINES} invoice items.",
                          param="lines")
    existing = [_assignable(ctx, invoice, line, n) for n, line in enumerate(lines)]
    for line, item in zip(lines, existing, strict=True):
        if item is None:
            item = new_item(ctx, invoice["customer"], invoice["currency"], line)
        attach_item(ctx.state, invoice, item)
    if params.get("invoice_metadata") is not None:
        invoice["metadata"] = merge_metadata(invoice["metadata"], params["invoice_metadata"])
    ctx.emit("invoice.updated", invoice)
    return invoice


def _assignable(ctx: Ctx, invoice: dict[str, Any], line: dict[str, Any],
                n: int) -> dict[str, Any] | None:
    """The unassigned invoice item the line names, or None when it creates one."""
    name = f"lines[{n}]"
    if line.get("invoice_item") is None:
        if line.get("amount") is None:
            raise missing_parameter(f"{name}[amount]")
        return None
    if line.get("amount") is not None:
        raise invalid_parameter(
            f"You may only specify one of these parameters: {name}[amount], "
            f"{name}[invoice_item].", f"{name}[invoice_item]")
    item = ctx.state.get("invoiceitem", line["invoice_item"], ctx.livemode,
                         param=f"{name}[invoice_item]")
    if item["invoice"] is not None or item["customer"] != invoice["customer"] \
            or item["currency"] != invoice["currency"]:
        raise invalid_parameter(
            f"The invoice item {item['id']} is already on an invoice or belongs to another "
            "customer or currency.", f"{name}[invoice_item]")
    return item


ROUTES = [Route("POST", r"/v1/invoices/([^/]+)/add_lines", add_lines, ADD_LINES, ("lines",))]
