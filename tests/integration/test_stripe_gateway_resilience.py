"""The gateway survives Stripe's failures with the same idempotency key, ending with one object."""
from __future__ import annotations

import json
import time

import pytest
import stripe

from billing.adapters.stripe_gateway import StripeGateway
from billing.domain.errors import (
    PaymentProviderError,
    RateLimited,
    UpstreamUnavailable,
    ValidationFailed,
)
from tests.fixtures.stripe import STANDIN_KEY

SECRET = "whsec_gateway_test"
CREATE_INVOICE = r"^/v1/invoices$"


def create_invoice(gateway: StripeGateway, key: str = "row-1-invoice") -> str:
    owner = gateway.create_customer("Acme", None, None, None, {}, idempotency_key="row-1-customer")
    invoice = gateway.create_invoice(owner.id, days_until_due=30, description=None, footer=None,
                                     metadata={}, idempotency_key=key)
    return invoice.id


def invoice_posts(standin) -> list[dict]:
    return standin.requests(method="POST", path=CREATE_INVOICE)


@pytest.mark.parametrize("kind", ["server_error", "drop", "drop_after", "error_after"])
def test_a_failed_attempt_is_retried_with_the_same_key_and_makes_one_invoice(
        stripe_standin, stripe_gateway, stripe_sdk, kind):
    stripe_standin.inject_fault(kind, path=CREATE_INVOICE)
    invoice_id = create_invoice(stripe_gateway)
    assert [i.id for i in stripe_sdk.v1.invoices.list().data] == [invoice_id]
    posts = invoice_posts(stripe_standin)
    assert len(posts) == 2 and {p["idempotency_key"] for p in posts} == {"row-1-invoice"}
    assert posts[0]["fault"] == kind and posts[-1]["status"] == 200


def test_a_rate_limit_is_waited_out_with_the_same_key(stripe_standin, stripe_gateway, stripe_sleeps, stripe_sdk):
    stripe_standin.inject_fault("rate_limit", path=CREATE_INVOICE, times=2, retry_after=2)
    invoice_id = create_invoice(stripe_gateway)
    assert stripe_sleeps == [2, 2]
    assert [i.id for i in stripe_sdk.v1.invoices.list().data] == [invoice_id]
    assert [p["status"] for p in invoice_posts(stripe_standin)] == [429, 429, 200]


def test_a_lasting_rate_limit_becomes_rate_limited(stripe_standin, stripe_gateway, stripe_sleeps):
    stripe_standin.inject_fault("rate_limit", path=CREATE_INVOICE, times=3, retry_after=1)
    with pytest.raises(RateLimited) as limited:
        create_invoice(stripe_gateway)
    assert (limited.value.code, limited.value.retry_after) == ("stripe_rate_limited", 1)
    assert stripe_sleeps == [1, 1]


def test_a_long_retry_after_is_not_waited_for(stripe_standin, stripe_gateway, stripe_sleeps):
    stripe_standin.inject_fault("rate_limit", retry_after=30)
    with pytest.raises(RateLimited) as limited:
        stripe_gateway.list_customers()
    assert limited.value.retry_after == 30 and stripe_sleeps == []


def test_an_unreachable_stripe_is_upstream_unavailable(stripe_standin):
    gateway = StripeGateway(STANDIN_KEY, stripe_standin.base_url, max_network_retries=1)
    stripe_standin.inject_fault("drop", times=2)
    with pytest.raises(UpstreamUnavailable) as down:
        gateway.list_customers()
    assert down.value.code == "stripe_unreachable"
    assert len(stripe_standin.requests()) == 2


def test_a_slow_stripe_times_out_as_unreachable(stripe_standin):
    gateway = StripeGateway(STANDIN_KEY, stripe_standin.base_url, max_network_retries=0,
                            timeout_seconds=0.2)
    stripe_standin.inject_fault("delay", delay_ms=600)
    with pytest.raises(UpstreamUnavailable):
        gateway.list_customers()


def test_an_invalid_key_is_an_authentication_error_with_the_spec_message(stripe_standin):
    stripe_standin.restrict_api_keys(["sk_test_right"])
    gateway = StripeGateway("sk_test_wrong", stripe_standin.base_url)
    with pytest.raises(PaymentProviderError) as refused:
        gateway.list_customers()
    assert refused.value.code == "stripe_authentication"
    assert refused.value.detail == "API authentication failed. Please check your Stripe settings."


def test_a_signed_event_from_the_standin_is_verified(stripe_standin, stripe_gateway, webhook_receiver):
    stripe_standin.register_webhook(webhook_receiver.url, SECRET, ["customer.created"])
    made = stripe_gateway.create_customer("Acme", None, None, None, {}, idempotency_key="c")
    stripe_standin.deliveries()
    [delivery] = webhook_receiver.received
    stripe_gateway.verify_webhook_signature(
        delivery.body, delivery.headers["Stripe-Signature"], SECRET)
    event = json.loads(delivery.body)
    assert (event["type"], event["data"]["object"]["id"]) == ("customer.created", made.id)


@pytest.mark.parametrize(("secret", "tamper", "code"), [
    ("whsec_wrong", False, "invalid_signature"),
    (SECRET, True, "invalid_signature"),
])
def test_a_forged_or_altered_event_is_refused(stripe_gateway, secret, tamper, code):
    payload = json.dumps({"id": "evt_1", "object": "event", "type": "invoice.paid"})
    header = stripe.WebhookSignature.generate_signature_header(payload, SECRET)
    body = payload.replace("invoice.paid", "invoice.voided") if tamper else payload
    with pytest.raises(ValidationFailed) as refused:
        stripe_gateway.verify_webhook_signature(body.encode(), header, secret)
    assert refused.value.code == code


@pytest.mark.parametrize("shift", [-301, 301])
def test_a_signature_older_or_further_in_the_future_than_the_tolerance_is_refused(
        stripe_gateway, shift):
    payload = json.dumps({"id": "evt_1", "object": "event", "type": "invoice.paid"})
    header = stripe.WebhookSignature.generate_signature_header(
        payload, SECRET, timestamp=int(time.time()) + shift)
    with pytest.raises(ValidationFailed) as refused:
        stripe_gateway.verify_webhook_signature(payload.encode(), header, SECRET)
    assert refused.value.code == "invalid_signature"


@pytest.mark.parametrize("header", ["t=" + "1" * 4301 + ",v1=" + "0" * 64, "t=1," * 400,
                                    "v1=" + "a" * 64, "t=1,v1=zz", "t=1,v1=" + "0" * 64 + "0"])
def test_a_malformed_signature_header_is_refused_before_any_conversion(stripe_gateway, header):
    with pytest.raises(ValidationFailed) as refused:
        stripe_gateway.verify_webhook_signature(b"{}", header, SECRET)
    assert refused.value.code == "invalid_signature"
