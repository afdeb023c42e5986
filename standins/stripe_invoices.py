"""``/v1/invoices``: create, retrieve, update, list, delete and the lines list.

An invoice's lines live in ``state.extra[id]["lines"]``; the invoice object
shows the first ten, like Stripe, and ``/v1/invoices/{id}/lines`` pages them.
"""
from __future__ import annotations

import copy
from typing import Any

from standins.stripe_customers import merge_metadata
from standins.stripe_errors import invalid_parameter, state_error
from standins.stripe_forms import (
    BOOLEAN,
    INTEGER,
    LIST_LIMIT,
    METADATA,
    RANGE,
    STRING,
    Enum,
    Int,
    Range,
)
from standins.stripe_state import Ctx, Route, StripeState, list_object

DAY = 86_400
EDITABLE = {
    "auto_advance": BOOLEAN,
    "collection_method": Enum("charge_automatically", "send_invoice"),
    "days_until_due": Int(0, 36_500),
    "description": STRING,
    "due_date": INTEGER,
    "footer": STRING,
    "metadata": METADATA,
}
CREATE = {
    **EDITABLE,
    "currency": STRING,
    "customer": STRING,
    "pending_invoice_items_behavior": Enum("exclude", "include"),
}
LIST = {
    "collection_method": Enum("charge_automatically", "send_invoice"),
    "created": RANGE,
    "customer": STRING,
    "due_date": RANGE,
    "ending_before": STRING,
    "limit": LIST_LIMIT,
    "starting_after": STRING,
    "status": Enum("draft", "open", "paid", "uncollectible", "void"),
}
PAGE = {"ending_before": STRING, "limit": LIST_LIMIT, "starting_after": STRING}


def _check_collection(params: dict[str, Any], method: str) -> None:
    due = params.get("days_until_due") is not None or params.get("due_date") is not None
    if method == "send_invoice" and not due:
        raise invalid_parameter(
            "Missing required param: days_until_due or due_date (required when "
            "collection_method is send_invoice).", "days_until_due", "parameter_missing",
        )
    if method == "charge_automatically" and due:
        raise invalid_parameter(
            "Invoices with collection_method=charge_automatically cannot have a due date.",
            "days_until_due",
        )


def create(ctx: Ctx, params: dict[str, Any]) -> dict[str, Any]:
    state = ctx.state
    customer = state.get("customer", params["customer"], ctx.livemode, param="customer")
    method = params.get("collection_method") or "charge_automatically"
    _check_collection(params, method)
    now = state.now()
    invoice = state.add(_new_invoice(ctx, customer, method, now))
    days = params.get("days_until_due")
    invoice.update(
        auto_advance=bool(params.get("auto_advance")),
        currency=(params.get("currency") or customer["currency"] or "usd").lower(),
        description=params.get("description"),
        due_date=params.get("due_date") or (now + days * DAY if days is not None else None),
        footer=params.get("footer"),
        metadata={k: v for k, v in (params.get("metadata") or {}).items() if v},
    )
    state.extra[invoice["id"]] = {"days_until_due": days, "lines": []}
    if params.get("pending_invoice_items_behavior") == "include":
        _attach_pending(state, invoice)
    refresh(state, invoice)
    ctx.emit("invoice.created", invoice)
    return invoice


def _new_invoice(ctx: Ctx, customer: dict[str, Any], method: str, now: int) -> dict[str, Any]:
    invoice_id = ctx.state.new_id("in")
    return {
        "id": invoice_id, "object": "invoice",
        "account_country": "CA", "account_name": "Stripe stand-in",
        "amount_due": 0, "amount_overpaid": 0, "amount_paid": 0, "amount_remaining": 0,
        "amount_shipping": 0, "attempt_count": 0, "attempted": False,
        "billing_reason": "manual", "collection_method": method, "created": now,
        "customer": customer["id"], "customer_address": copy.deepcopy(customer["address"]),
        "customer_email": customer["email"], "customer_name": customer["name"],
        "customer_phone": customer["phone"], "default_payment_method": None,
        "effective_at": None, "ending_balance": None, "hosted_invoice_url": None,
        "invoice_pdf": None, "issuer": {"type": "self"}, "last_finalization_error": None,
        "lines": {}, "livemode": ctx.livemode, "next_payment_attempt": None, "number": None,
        "parent": None, "period_end": now, "period_start": now,
        "receipt_number": None, "starting_balance": 0, "statement_descriptor": None,
        "status": "draft",
        "status_transitions": {
            "finalized_at": None, "marked_uncollectible_at": None, "paid_at": None, "voided_at": None,
        },
        "subtotal": 0, "subtotal_excluding_tax": 0, "total": 0, "total_excluding_tax": 0,
        "total_discount_amounts": [], "total_taxes": [], "webhooks_delivered_at": None,
    }


def _attach_pending(state: StripeState, invoice: dict[str, Any]) -> None:
    for item in list(state.objects.values()):
        pending = item["object"] == "invoiceitem" and item["invoice"] is None
        if pending and item["customer"] == invoice["customer"] and item["currency"] == invoice["currency"]:
            attach_item(state, invoice, item)


def attach_item(state: StripeState, invoice: dict[str, Any], item: dict[str, Any]) -> None:
    """Put an invoice item on a draft as a line item."""
    item["invoice"] = invoice["id"]
    state.extra[invoice["id"]]["lines"].append({
        "id": state.new_id("il"), "object": "line_item", "amount": item["amount"],
        "currency": item["currency"], "description": item["description"],
        "discount_amounts": [], "discountable": True, "discounts": [], "invoice": invoice["id"],
        "livemode": item["livemode"], "metadata": dict(item["metadata"]),
        "parent": {
            "type": "invoice_item_details",
            "invoice_item_details": {"invoice_item": item["id"], "proration": False, "subscription": None},
            "subscription_item_details": None,
        },
        "period": dict(item["period"]), "pretax_credit_amounts": [], "pricing": None,
        "quantity": item["quantity"], "taxes": [],
    })
    refresh(state, invoice)


def detach_item(state: StripeState, invoice: dict[str, Any], item_id: str) -> None:
    lines = state.extra[invoice["id"]]["lines"]
    lines[:] = [ln for ln in lines if ln["parent"]["invoice_item_details"]["invoice_item"] != item_id]
    refresh(state, invoice)


def refresh(state: StripeState, invoice: dict[str, Any]) -> None:
    """Recompute the totals and the embedded lines list from the invoice's lines."""
    lines = state.extra[invoice["id"]]["lines"]
    total = sum(line["amount"] for line in lines)
    due = max(0, total)
    invoice.update(
        subtotal=total, subtotal_excluding_tax=total, total=total, total_excluding_tax=total,
        amount_due=due, amount_remaining=max(0, due - invoice["amount_paid"]),
    )
    url = f"/v1/invoices/{invoice['id']}/lines"
    embedded = list_object(lines, {"limit": 10}, url)
    invoice["lines"] = {**embedded, "total_count": len(lines)}


def retrieve(ctx: Ctx, params: dict[str, Any], invoice_id: str) -> dict[str, Any]:
    return ctx.state.get("invoice", invoice_id, ctx.livemode)


def update(ctx: Ctx, params: dict[str, Any], invoice_id: str) -> dict[str, Any]:
    invoice = ctx.state.get("invoice", invoice_id, ctx.livemode)
    changes = {k: v for k, v in params.items() if k != "expand"}
    if invoice["status"] != "draft" and set(changes) - {"metadata", "auto_advance"}:
        raise state_error("Finalized invoices can't be updated in this way", "invoice_not_editable")
    previous = {k: copy.deepcopy(invoice.get(k)) for k in changes if k != "days_until_due"}
    for key, value in changes.items():
        if key == "metadata":
            invoice["metadata"] = merge_metadata(invoice["metadata"], value)
        elif key == "days_until_due":
            ctx.state.extra[invoice_id]["days_until_due"] = value
            invoice["due_date"] = invoice["created"] + value * DAY if value is not None else None
        else:
            invoice[key] = value
    ctx.emit("invoice.updated", invoice, previous)
    return invoice


def list_(ctx: Ctx, params: dict[str, Any]) -> dict[str, Any]:
    """Newest first; ``created`` and ``due_date`` filter by range, like Stripe."""
    equal = {k: params[k] for k in ("customer", "status", "collection_method")
             if params.get(k) is not None}
    ranges = {k: params[k] for k in ("created", "due_date") if params.get(k) is not None}

    def keep(inv: dict[str, Any]) -> bool:
        return all(inv[k] == v for k, v in equal.items()) and all(
            inv[k] is not None and Range.holds(bounds, inv[k]) for k, bounds in ranges.items())

    return ctx.state.page("invoice", ctx.livemode, params, "/v1/invoices", keep)


def delete(ctx: Ctx, params: dict[str, Any], invoice_id: str) -> dict[str, Any]:
    invoice = ctx.state.get("invoice", invoice_id, ctx.livemode)
    if invoice["status"] != "draft":
        raise state_error("You can only delete draft invoices.")
    for line in ctx.state.extra[invoice_id]["lines"]:
        ctx.state.remove(line["parent"]["invoice_item_details"]["invoice_item"])
    ctx.emit("invoice.deleted", invoice)
    return ctx.state.remove(invoice_id)


def lines(ctx: Ctx, params: dict[str, Any], invoice_id: str) -> dict[str, Any]:
    ctx.state.get("invoice", invoice_id, ctx.livemode)
    data = ctx.state.extra[invoice_id]["lines"]
    return list_object(data, params, f"/v1/invoices/{invoice_id}/lines")


ROUTES = [
    Route("POST", r"/v1/invoices", create, CREATE, ("customer",)),
    Route("GET", r"/v1/invoices", list_, LIST),
    Route("GET", r"/v1/invoices/([^/]+)", retrieve, {}),
    Route("POST", r"/v1/invoices/([^/]+)", update, EDITABLE),
    Route("DELETE", r"/v1/invoices/([^/]+)", delete, {}),
    Route("GET", r"/v1/invoices/([^/]+)/lines", lines, PAGE),
]
