"""``/v1/invoiceitems``: create (pending, or on a draft with ``invoice=``), retrieve, list, delete."""
from __future__ import annotations

from typing import Any

from standins.stripe_errors import invalid_parameter, missing_parameter, state_error
from standins.stripe_forms import BOOLEAN, INTEGER, LIST_LIMIT, METADATA, STRING, Int, Obj
from standins.stripe_invoices import attach_item, detach_item
from standins.stripe_state import Ctx, Route

MAX_LINES = 250
CREATE = {
    "amount": INTEGER,
    "currency": STRING,
    "customer": STRING,
    "description": STRING,
    "discountable": BOOLEAN,
    "invoice": STRING,
    "metadata": METADATA,
    "period": Obj({"start": INTEGER, "end": INTEGER}),
    "quantity": Int(0),
}
LIST = {
    "customer": STRING,
    "ending_before": STRING,
    "invoice": STRING,
    "limit": LIST_LIMIT,
    "pending": BOOLEAN,
    "starting_after": STRING,
}


def _draft_for(ctx: Ctx, params: dict[str, Any], currency: str) -> dict[str, Any] | None:
    """The draft named by ``invoice``, after Stripe's checks; None for a pending item."""
    if params.get("invoice") is None:
        return None
    invoice = ctx.state.get("invoice", params["invoice"], ctx.livemode, param="invoice")
    if invoice["status"] != "draft":
        raise state_error(
            f"Invoice {invoice['id']} is no longer editable: invoice items can only be "
            "added to draft invoices.", "invoice_not_editable", "invoice",
        )
    if invoice["customer"] != params["customer"]:
        raise invalid_parameter("The invoice item's customer must match the invoice's customer.", "invoice")
    if invoice["currency"] != currency:
        raise invalid_parameter(
            f"The currency of the invoice item ({currency}) must match the currency of the "
            f"invoice ({invoice['currency']}).", "currency",
        )
    if len(ctx.state.extra[invoice["id"]]["lines"]) >= MAX_LINES:
        raise state_error(f"An invoice cannot have more than {MAX_LINES} invoice items.", param="invoice")
    return invoice


def create(ctx: Ctx, params: dict[str, Any]) -> dict[str, Any]:
    for name in ("amount", "currency"):
        if params.get(name) is None:
            raise missing_parameter(name)
    ctx.state.get("customer", params["customer"], ctx.livemode, param="customer")
    currency = params["currency"].lower()
    invoice = _draft_for(ctx, params, currency)
    item = new_item(ctx, params["customer"], currency, params)
    if invoice is not None:
        attach_item(ctx.state, invoice, item)
        ctx.emit("invoice.updated", invoice)
    return item


def new_item(ctx: Ctx, customer: str, currency: str, params: dict[str, Any]) -> dict[str, Any]:
    """Create a pending invoice item (``amount``, ``description``, ``metadata``, ``period``,
    ``quantity``, ``discountable`` from ``params``) and announce it."""
    now = ctx.state.now()
    period = params.get("period") or {"start": now, "end": now}
    item = ctx.state.add({
        "id": ctx.state.new_id("ii"), "object": "invoiceitem",
        "amount": params["amount"], "currency": currency, "customer": customer,
        "date": now, "description": params.get("description"),
        "discountable": params.get("discountable", True), "discounts": [], "invoice": None,
        "livemode": ctx.livemode,
        "metadata": {k: v for k, v in (params.get("metadata") or {}).items() if v},
        "net_amount": params["amount"], "parent": None, "period": period, "pricing": None,
        "proration": False, "quantity": params.get("quantity") or 1, "tax_rates": [], "test_clock": None,
    })
    ctx.emit("invoiceitem.created", item)
    return item


def retrieve(ctx: Ctx, params: dict[str, Any], item_id: str) -> dict[str, Any]:
    return ctx.state.get("invoiceitem", item_id, ctx.livemode)


def list_(ctx: Ctx, params: dict[str, Any]) -> dict[str, Any]:
    def keep(item: dict[str, Any]) -> bool:
        if params.get("pending") is not None and (item["invoice"] is None) != params["pending"]:
            return False
        wanted = {k: params.get(k) for k in ("customer", "invoice")}
        return all(v is None or item[k] == v for k, v in wanted.items())

    return ctx.state.page("invoiceitem", ctx.livemode, params, "/v1/invoiceitems", keep)


def delete(ctx: Ctx, params: dict[str, Any], item_id: str) -> dict[str, Any]:
    item = ctx.state.get("invoiceitem", item_id, ctx.livemode)
    invoice = ctx.state.objects.get(item["invoice"] or "")
    if invoice is not None and invoice["status"] != "draft":
        raise state_error(
            "This invoice item is on an invoice that is no longer editable.", "invoice_not_editable"
        )
    ctx.emit("invoiceitem.deleted", item)
    if invoice is not None:
        detach_item(ctx.state, invoice, item_id)
        ctx.emit("invoice.updated", invoice)
    return ctx.state.remove(item_id)


ROUTES = [
    Route("POST", r"/v1/invoiceitems", create, CREATE, ("customer",)),
    Route("GET", r"/v1/invoiceitems", list_, LIST),
    Route("GET", r"/v1/invoiceitems/([^/]+)", retrieve, {}),
    Route("DELETE", r"/v1/invoiceitems/([^/]+)", delete, {}),
]
