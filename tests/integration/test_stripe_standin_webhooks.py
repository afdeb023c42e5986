"""The stand-in's webhooks: signed like Stripe's, filtered, queued, reordered, duplicated."""
from __future__ import annotations

from typing import Any

import pytest
import stripe

from tests.fixtures.stripe import WebhookReceiver, draft

SECRET = "whsec_standin_test"


def events_received(receiver: WebhookReceiver, secret: str = SECRET) -> list[Any]:
    return [stripe.Webhook.construct_event(r.body, r.headers["Stripe-Signature"], secret)
            for r in receiver.received]


def test_webhooks_are_signed_so_the_sdk_verifies_them(stripe_standin, stripe_sdk, webhook_receiver):
    stripe_standin.register_webhook(webhook_receiver.url, SECRET)
    invoice = stripe_sdk.v1.invoices.finalize_invoice(draft(stripe_sdk).id)
    stripe_standin.deliveries()
    events = events_received(webhook_receiver)
    assert [e.type for e in events] == [
        "customer.created", "invoice.created", "invoiceitem.created", "invoice.updated", "invoice.finalized"]
    finalized = events[-1]
    assert finalized.id.startswith("evt_") and finalized.livemode is False and finalized.api_version
    assert finalized.data.object.id == invoice.id and finalized.data.object.status == "open"
    with pytest.raises(stripe.SignatureVerificationError):
        events_received(webhook_receiver, "whsec_someone_else")


def test_endpoints_get_only_the_events_they_enabled(stripe_standin, stripe_sdk, webhook_receiver):
    stripe_standin.register_webhook(webhook_receiver.url, SECRET, ["invoice.finalized"])
    stripe_sdk.v1.invoices.finalize_invoice(draft(stripe_sdk).id)
    stripe_standin.deliveries()
    assert [e.type for e in events_received(webhook_receiver)] == ["invoice.finalized"]


def test_queued_events_can_be_delivered_reordered_and_duplicated(stripe_standin, stripe_sdk, webhook_receiver):
    stripe_standin.register_webhook(webhook_receiver.url, SECRET, ["invoice.finalized", "invoice.paid"])
    stripe_standin.set_webhook_mode("queued")
    invoice = stripe_sdk.v1.invoices.finalize_invoice(draft(stripe_sdk).id)
    stripe_sdk.v1.invoices.pay(invoice.id, params={"paid_out_of_band": True})
    assert webhook_receiver.received == []
    finalized, paid = (stripe_standin.events(type=t)[0]["id"] for t in ("invoice.finalized", "invoice.paid"))
    stripe_standin.flush_events(order=[paid, finalized], duplicate=True)
    assert [e.id for e in events_received(webhook_receiver)] == [paid, paid, finalized, finalized]


def test_an_event_can_be_resent(stripe_standin, stripe_sdk, webhook_receiver):
    stripe_standin.register_webhook(webhook_receiver.url, SECRET, ["customer.created"])
    stripe_sdk.v1.customers.create(params={"name": "A"})
    [event] = stripe_standin.events()
    deliveries = stripe_standin.deliver_event(event["id"], times=2)
    assert [d["status"] for d in deliveries] == [200, 200]
    stripe_standin.deliveries()
    assert [e.id for e in events_received(webhook_receiver)] == [event["id"]] * 3


@pytest.mark.parametrize(("control", "events", "status"), [
    ("mark_paid", ["invoice.paid", "invoice.payment_succeeded"], "paid"),
    ("mark_overdue", ["invoice.overdue"], "open"),
    ("fail_payment", ["invoice.payment_failed"], "open"),
])
def test_customer_side_controls_change_the_invoice_and_announce_it(stripe_standin, stripe_sdk, control, events, status):
    invoice = stripe_sdk.v1.invoices.finalize_invoice(draft(stripe_sdk, (700,)).id)
    before = {e["id"] for e in stripe_standin.events()}
    changed = getattr(stripe_standin, control)(invoice.id)
    assert changed["status"] == status == stripe_sdk.v1.invoices.retrieve(invoice.id).status
    assert [e["type"] for e in stripe_standin.events() if e["id"] not in before] == events
    if status == "paid":
        assert changed["amount_paid"] == 700 and changed["status_transitions"]["paid_at"]
