"""Billing customers ↔ Stripe customers: created once (idempotently, keyed by our
id), details pushed on change, hand-entered ids checked, failures recorded."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from billing.adapters.postgres.sessions import Connection
from billing.domain.errors import NotFound, ValidationFailed
from billing.ports import PaymentGateway

NO_STRIPE_ID = ("This customer does not have a Stripe ID. Please link them to a Stripe "
                "customer.")
STRIPE_FIELDS = frozenset({"customer_name", "customer_email", "phone_number",
                           "billing_address"})


def create_key(customer_id: str) -> str:
    """The idempotency key of a billing customer's Stripe customer: one per customer, ever."""
    return f"carexps-customer-{customer_id}-create"


def update_key(customer_id: str, updated_at: datetime) -> str:
    """One key per saved version of the customer, so a retried push is one update."""
    return f"carexps-customer-{customer_id}-update-{int(updated_at.timestamp() * 1e6)}"


def create_stripe_customer(payments: PaymentGateway, customer: dict[str, Any]) -> str:
    """Create (or, on a retry, get back) the Stripe customer; returns its id."""
    created = payments.create_customer(
        customer["customer_name"], customer["customer_email"], customer.get("phone_number"),
        customer.get("billing_address"),
        {"carexps_billing_customer_id": str(customer["id"])},
        idempotency_key=create_key(str(customer["id"])),
    )
    return created.id


def push_to_stripe(payments: PaymentGateway, customer: dict[str, Any]) -> str:
    """Create the Stripe customer if missing, else send the current details; its id."""
    if not customer["stripe_customer_id"]:
        return create_stripe_customer(payments, customer)
    payments.update_customer(
        customer["stripe_customer_id"],
        idempotency_key=update_key(str(customer["id"]), customer["updated_at"]),
        name=customer["customer_name"], email=customer["customer_email"],
        phone=customer.get("phone_number"), address=customer.get("billing_address"))
    return customer["stripe_customer_id"]


def verify_stripe_customer(payments: PaymentGateway, stripe_customer_id: str) -> None:
    """Refuse a hand-entered Stripe id that Stripe does not know (422)."""
    try:
        payments.retrieve_customer(stripe_customer_id)
    except NotFound:
        message = f"Stripe has no customer {stripe_customer_id}. Check the id in Stripe."
        raise ValidationFailed(message, code="stripe_customer_not_found", errors=[
            {"field": "stripe_customer_id", "message": message}]) from None


def link_stripe_customer(conn: Connection, customer_id: str, stripe_customer_id: str) -> None:
    """Record the link (status linked, error cleared)."""
    conn.execute(
        "update billing_customers set stripe_customer_id = %s, stripe_link_status = 'linked',"
        " stripe_last_error = null where id = %s", [stripe_customer_id, customer_id])


def mark_link_failed(conn: Connection, customer_id: str, message: str) -> None:
    """Keep the customer, mark its Stripe link pending with the reason; retry later."""
    conn.execute(
        "update billing_customers set stripe_link_status = 'pending', stripe_last_error = %s"
        " where id = %s", [message[:500], customer_id])
