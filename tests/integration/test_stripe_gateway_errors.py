"""The gateway has the port's shape, turns every Stripe error into one of ours, and keeps to
Stripe's rate limits."""
from __future__ import annotations

import inspect
import threading

import pytest
import stripe

from billing.adapters.stripe_gateway import ERROR_MAP, StripeGateway, TokenBucket, map_stripe_error
from billing.domain.errors import (
    BillingError,
    NotFound,
    PaymentProviderError,
    RateLimited,
    UpstreamUnavailable,
)
from billing.ports import PaymentGateway

PORT_METHODS = [n for n, f in vars(PaymentGateway).items() if not n.startswith("_") and callable(f)]


@pytest.mark.parametrize("name", PORT_METHODS)
def test_the_gateway_has_each_port_method_with_the_same_signature(name):
    port = inspect.signature(getattr(PaymentGateway, name))
    assert inspect.signature(getattr(StripeGateway, name)) == port


def stripe_error(cls: type[stripe.StripeError], *, code: str | None = None, param: str | None = None,
                 message: str = "boom", headers: dict[str, str] | None = None) -> stripe.StripeError:
    """An instance of any Stripe error class, whatever its constructor wants."""
    exc = cls.__new__(cls)
    stripe.StripeError.__init__(exc, message, headers=headers, code=code)
    exc.param = param
    return exc


def all_subclasses(cls: type) -> set[type]:
    return {cls} | {s for sub in cls.__subclasses__() for s in all_subclasses(sub)}


EXPECTED = {
    stripe.AuthenticationError: (PaymentProviderError, "stripe_authentication",
                                 "API authentication failed. Please check your Stripe settings."),
    stripe.PermissionError: (PaymentProviderError, "stripe_permission", None),
    stripe.RateLimitError: (RateLimited, "stripe_rate_limited",
                            "Too many requests. Please wait a moment and try again."),
    stripe.InvalidRequestError: (PaymentProviderError, "stripe_invalid_request",
                                 "The request was invalid. Please check your input and try again."),
    stripe.APIConnectionError: (UpstreamUnavailable, "stripe_unreachable",
                                "Network error. Please check your connection and try again."),
    stripe.APIError: (PaymentProviderError, "stripe_api_error", "Stripe API error. Please try again."),
    stripe.IdempotencyError: (PaymentProviderError, "stripe_idempotency_error", None),
    stripe.CardError: (PaymentProviderError, "stripe_card_error", "The payment card was declined."),
    stripe.StripeError: (PaymentProviderError, "stripe_error", None),
}


@pytest.mark.parametrize("cls", list(EXPECTED), ids=lambda c: c.__name__)
def test_each_mapped_stripe_error_becomes_our_error(cls):
    ours, code, message = EXPECTED[cls]
    mapped = map_stripe_error(stripe_error(cls))
    assert type(mapped) is ours and mapped.code == code
    assert mapped.detail == (message or mapped.detail) and mapped.detail


def test_the_table_maps_exactly_the_classes_we_expect():
    assert {row[0] for row in ERROR_MAP} == set(EXPECTED)


@pytest.mark.parametrize("cls", sorted(all_subclasses(stripe.StripeError), key=lambda c: c.__name__),
                         ids=lambda c: c.__name__)
def test_every_stripe_error_class_becomes_a_billing_error(cls):
    mapped = map_stripe_error(stripe_error(cls))
    assert isinstance(mapped, BillingError) and mapped.code.startswith("stripe_")


@pytest.mark.parametrize(("param", "message", "detail"), [
    ("customer", "No such customer: 'cus_x'", "Customer not found in Stripe. Please create the customer first."),
    ("id", "No such customer: 'cus_x'", "Customer not found in Stripe. Please create the customer first."),
    ("id", "No such invoice: 'in_x'", "This invoice was not found in Stripe."),
])
def test_missing_resources_are_not_found(param, message, detail):
    mapped = map_stripe_error(stripe_error(
        stripe.InvalidRequestError, code="resource_missing", param=param, message=message))
    assert isinstance(mapped, NotFound) and (mapped.code, mapped.detail) == ("stripe_not_found", detail)


def test_an_invalid_request_keeps_stripes_explanation_apart_from_the_message():
    mapped = map_stripe_error(stripe_error(
        stripe.InvalidRequestError, param="invoice", message="You can only pass in open invoices."))
    assert mapped.extra["stripe_message"] == "You can only pass in open invoices."
    assert mapped.extra["stripe_param"] == "invoice"


def test_an_expired_card_says_so():
    mapped = map_stripe_error(stripe_error(stripe.CardError, code="expired_card"))
    assert mapped.detail == "The payment card has expired."


@pytest.mark.parametrize(("header", "seconds"), [("7", 7), (None, 1), ("soon", 1), ("0", 1)])
def test_rate_limits_carry_retry_after(header, seconds):
    headers = {"Retry-After": header} if header else {}
    mapped = map_stripe_error(stripe_error(stripe.RateLimitError, headers=headers))
    assert mapped.retry_after == seconds


def test_a_missing_key_is_refused_before_any_call():
    with pytest.raises(PaymentProviderError) as refused:
        StripeGateway("")
    assert refused.value.code == "stripe_not_configured"


@pytest.mark.parametrize(("key", "live"), [("sk_test_a", False), ("sk_live_a", True), ("rk_live_a", True)])
def test_the_mode_follows_the_key(key, live):
    assert StripeGateway(key).livemode is live


class FakeTime:
    """A monotonic clock that moves only when someone sleeps."""

    def __init__(self) -> None:
        self.now, self.lock = 0.0, threading.Lock()

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        with self.lock:
            self.now += seconds


def test_the_bucket_allows_a_burst_then_paces_requests():
    clock = FakeTime()
    bucket = TokenBucket(25, monotonic=clock.monotonic, sleep=clock.sleep)
    for _ in range(25):
        bucket.acquire()
    assert clock.now == 0
    bucket.acquire()
    assert clock.now == pytest.approx(1 / 25)


def test_the_bucket_never_hands_out_more_than_its_rate_across_threads():
    clock = FakeTime()
    bucket = TokenBucket(25, monotonic=clock.monotonic, sleep=clock.sleep)
    workers = [threading.Thread(target=lambda: [bucket.acquire() for _ in range(20)], daemon=True)
               for _ in range(8)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=10)
    assert not any(worker.is_alive() for worker in workers)
    assert clock.now >= (8 * 20 - 25) / 25 - 1e-9
