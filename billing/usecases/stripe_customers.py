"""Billing customers ↔ Stripe customers: create once (idempotently), link, push."""
from __future__ import annotations

from typing import Any

from billing.adapters.postgres.sessions import Connection
from billing.ports import PaymentGateway

NO_STRIPE_ID = ("This customer does not have a Stripe ID. Please link them to a Stripe "
                "customer.")


def create_key(customer_id: str) -> str:
    """The idempotency key of a billing customer's Stripe customer: one per customer, ever."""
    return f"carexps-customer-{customer_id}-create"


def create_stripe_customer(payments: PaymentGateway, customer: dict[str, Any]) -> str:
    """Create (or, on a retry, get back) the Stripe customer; returns its id."""
    created = payments.create_customer(
        customer["customer_name"], customer["customer_email"], customer.get("phone_number"),
        customer.get("billing_address"),
        {"carexps_billing_customer_id": str(customer["id"])},
        idempotency_key=create_key(str(customer["id"])),
    )
    return created.id


def link_stripe_customer(conn: Connection, customer_id: str, stripe_customer_id: str) -> None:
    """Record the link (status linked, error cleared)."""
    conn.execute(
        "update billing_customers set stripe_customer_id = %s, stripe_link_status = 'linked',"
        " stripe_last_error = null where id = %s", [stripe_customer_id, customer_id])


def mark_link_failed(conn: Connection, customer_id: str, message: str) -> None:
    """Record a failed attempt; the customer stays, the link can be retried."""
    conn.execute(
        "update billing_customers set stripe_link_status = 'failed', stripe_last_error = %s"
        " where id = %s", [message[:500], customer_id])
