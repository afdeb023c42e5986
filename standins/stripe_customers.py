"""``/v1/customers``: create, retrieve, update, list, delete."""
from __future__ import annotations

import copy
import re
import string
from typing import Any

from standins.stripe_errors import invalid_parameter
from standins.stripe_forms import LIST_LIMIT, METADATA, STRING, Enum, ListOf, Obj
from standins.stripe_state import Ctx, Route, random_token

ADDRESS = Obj({k: STRING for k in ("city", "country", "line1", "line2", "postal_code", "state")})
FIELDS = {
    "address": ADDRESS,
    "description": STRING,
    "email": STRING,
    "invoice_prefix": STRING,
    "metadata": METADATA,
    "name": STRING,
    "phone": STRING,
    "preferred_locales": ListOf(STRING),
    "tax_exempt": Enum("none", "exempt", "reverse"),
}
LIST = {"email": STRING, "limit": LIST_LIMIT, "starting_after": STRING, "ending_before": STRING}


def _address(given: dict[str, Any] | None) -> dict[str, Any] | None:
    if not given:
        return None
    keys = ("city", "country", "line1", "line2", "postal_code", "state")
    return {k: given.get(k) for k in keys}


def _prefix(given: str | None) -> str:
    if given is None:
        return random_token(8, string.ascii_uppercase + string.digits)
    if not re.fullmatch(r"[A-Z0-9]{3,12}", given):
        raise invalid_parameter(
            "Invoice prefix must be 3-12 uppercase letters or numbers.", "invoice_prefix"
        )
    return given


def create(ctx: Ctx, params: dict[str, Any]) -> dict[str, Any]:
    customer = ctx.state.add({
        "id": ctx.state.new_id("cus", 14),
        "object": "customer",
        "address": _address(params.get("address")),
        "balance": 0,
        "created": ctx.state.now(),
        "currency": None,
        "default_source": None,
        "delinquent": False,
        "description": params.get("description"),
        "email": params.get("email"),
        "invoice_prefix": _prefix(params.get("invoice_prefix")),
        "invoice_settings": {
            "custom_fields": None, "default_payment_method": None,
            "footer": None, "rendering_options": None,
        },
        "livemode": ctx.livemode,
        "metadata": {k: v for k, v in (params.get("metadata") or {}).items() if v},
        "name": params.get("name"),
        "next_invoice_sequence": 1,
        "phone": params.get("phone"),
        "preferred_locales": params.get("preferred_locales") or [],
        "shipping": None,
        "tax_exempt": params.get("tax_exempt") or "none",
        "test_clock": None,
    })
    ctx.emit("customer.created", customer)
    return customer


def retrieve(ctx: Ctx, params: dict[str, Any], customer_id: str) -> dict[str, Any]:
    if customer_id in ctx.state.deleted:
        return dict(ctx.state.deleted[customer_id])
    return ctx.state.get("customer", customer_id, ctx.livemode)


def update(ctx: Ctx, params: dict[str, Any], customer_id: str) -> dict[str, Any]:
    customer = ctx.state.get("customer", customer_id, ctx.livemode)
    previous = {}
    for key, value in params.items():
        if key == "expand":
            continue
        previous[key] = copy.deepcopy(customer[key])
        if key == "metadata":
            value = merge_metadata(customer["metadata"], value)
        elif key == "address":
            value = _address(value)
        elif key == "invoice_prefix":
            value = _prefix(value)
        customer[key] = value
    ctx.emit("customer.updated", customer, previous)
    return customer


def merge_metadata(current: dict[str, str], update: dict[str, str]) -> dict[str, str]:
    """Stripe's metadata update: ``{}`` clears, ``""`` values delete keys."""
    if not update:
        return {}
    merged = {**current, **update}
    return {k: v for k, v in merged.items() if v}


def list_(ctx: Ctx, params: dict[str, Any]) -> dict[str, Any]:
    email = params.get("email")
    return ctx.state.page(
        "customer", ctx.livemode, params, "/v1/customers",
        keep=lambda c: email is None or c["email"] == email,
    )


def delete(ctx: Ctx, params: dict[str, Any], customer_id: str) -> dict[str, Any]:
    customer = ctx.state.get("customer", customer_id, ctx.livemode)
    ctx.emit("customer.deleted", customer)
    return ctx.state.remove(customer_id)


ROUTES = [
    Route("POST", r"/v1/customers", create, FIELDS),
    Route("GET", r"/v1/customers", list_, LIST),
    Route("GET", r"/v1/customers/([^/]+)", retrieve, {}),
    Route("POST", r"/v1/customers/([^/]+)", update, FIELDS),
    Route("DELETE", r"/v1/customers/([^/]+)", delete, {}),
]
