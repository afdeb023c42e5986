"""Stripe through the official SDK — the only module of the product importing ``stripe``.

One ``StripeClient`` per configuration (secret key, optional API base such
as the loopback stand-in). The SDK retries connection errors and 5xx/409 with
the same idempotency key (``max_network_retries``); real rate limits (429) it
leaves to us, so we wait for ``Retry-After`` a bounded number of times, again
with the same key. A token bucket keeps us under Stripe's limits (25 req/s in
test mode, 100 live). Results come back as plain dataclasses, failures as
``BillingError`` subclasses with the spec's user-facing messages.
"""
from __future__ import annotations

import functools
import itertools
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import UTC, datetime, tzinfo
from typing import Any, TypeVar

import stripe

from billing.domain.errors import (
    BillingError,
    NotFound,
    PaymentProviderError,
    RateLimited,
    UpstreamUnavailable,
    ValidationFailed,
)
from billing.domain.webhook_signatures import parse_stripe_signature, within_tolerance
from billing.ports import NewLine, StripeCustomer, StripeInvoice

T = TypeVar("T")
TEST_MODE_RATE = 25.0
LIVE_MODE_RATE = 100.0
CURRENCY = "cad"
CUSTOMER_MISSING = "Customer not found in Stripe. Please create the customer first."


class TokenBucket:
    """Thread-safe token bucket: ``rate`` tokens a second, bursts up to ``capacity``."""

    def __init__(
        self, rate: float, capacity: float | None = None, *,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._rate, self._capacity = rate, capacity or rate
        self._monotonic, self._sleep = monotonic, sleep
        self._tokens, self._last = self._capacity, monotonic()
        self._lock = threading.Lock()

    def acquire(self) -> None:
        """Take one token, sleeping until one is available."""
        while True:
            with self._lock:
                now = self._monotonic()
                self._tokens = min(self._capacity, self._tokens + (now - self._last) * self._rate)
                self._last = now
                if self._tokens >= 1 - 1e-9:  # float refills may fall short by an ulp
                    self._tokens -= 1
                    return
                wait = (1 - self._tokens) / self._rate
            self._sleep(wait)


def _retry_after(exc: stripe.StripeError) -> int:
    try:
        return max(1, int((exc.headers or {}).get("Retry-After") or 1))
    except ValueError:
        return 1


def _not_found(exc: stripe.InvalidRequestError) -> BillingError:
    customer = exc.param == "customer" or (exc.user_message or "").startswith("No such customer")
    message = CUSTOMER_MISSING if customer else "This invoice was not found in Stripe."
    return NotFound(message, code="stripe_not_found", extra={"stripe_param": exc.param})


#: Stripe error class → (our class, code, user-facing message); first match wins.
ERROR_MAP: tuple[tuple[type[stripe.StripeError], type[BillingError], str, str], ...] = (
    (stripe.AuthenticationError, PaymentProviderError, "stripe_authentication",
     "API authentication failed. Please check your Stripe settings."),
    (stripe.PermissionError, PaymentProviderError, "stripe_permission",
     "The Stripe API key is not allowed to do this. Please check your Stripe settings."),
    (stripe.RateLimitError, RateLimited, "stripe_rate_limited",
     "Too many requests. Please wait a moment and try again."),
    (stripe.IdempotencyError, PaymentProviderError, "stripe_idempotency_error",
     "Stripe refused a repeated request that did not match the original. Please contact support."),
    (stripe.CardError, PaymentProviderError, "stripe_card_error", "The payment card was declined."),
    (stripe.InvalidRequestError, PaymentProviderError, "stripe_invalid_request",
     "The request was invalid. Please check your input and try again."),
    (stripe.APIConnectionError, UpstreamUnavailable, "stripe_unreachable",
     "Network error. Please check your connection and try again."),
    (stripe.APIError, PaymentProviderError, "stripe_api_error", "Stripe API error. Please try again."),
    (stripe.StripeError, PaymentProviderError, "stripe_error",
     "An unexpected error occurred. Please try again or contact support."),
)


def map_stripe_error(exc: stripe.StripeError) -> BillingError:
    """Our error for a Stripe error: stable code, user-facing message, safe extras."""
    extra: dict[str, Any] = {"stripe_code": exc.code, "stripe_request_id": exc.request_id}
    if isinstance(exc, stripe.InvalidRequestError):
        if exc.code == "resource_missing":
            return _not_found(exc)
        extra.update(stripe_param=exc.param, stripe_message=exc.user_message)
    ours, code, message = next((o, c, m) for k, o, c, m in ERROR_MAP if isinstance(exc, k))
    if isinstance(exc, stripe.CardError) and exc.code == "expired_card":
        message = "The payment card has expired."
    if ours is RateLimited:
        return RateLimited(message, code=code, retry_after=_retry_after(exc), extra=extra)
    return ours(message, code=code, extra=extra)


def _moment(unix: int | None) -> datetime | None:
    return None if unix is None else datetime.fromtimestamp(unix, UTC)


def _plain(obj: stripe.StripeObject | dict[str, Any]) -> dict[str, Any]:
    return obj if isinstance(obj, dict) else obj.to_dict()


def _customer(obj: stripe.StripeObject | dict[str, Any]) -> StripeCustomer:
    data = _plain(obj)
    return StripeCustomer(id=data["id"], name=data.get("name"), email=data.get("email"))


class StripeGateway:
    """``PaymentGateway`` over Stripe's v1 API (or anything speaking it at ``api_base``)."""

    def __init__(
        self, api_key: str, api_base: str | None = None, *,
        max_network_retries: int = 2, timeout_seconds: float = 30.0,
        rate_limit_retries: int = 2, max_retry_after: int = 5,
        requests_per_second: float | None = None, time_zone: tzinfo = UTC,
        webhook_tolerance: int = 300, sleep: Callable[[float], None] = time.sleep,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        if not api_key:
            raise PaymentProviderError(
                "Stripe is not configured. Please add a secret key in the billing settings.",
                code="stripe_not_configured",
            )
        self.livemode = api_key.startswith(("sk_live_", "rk_live_"))
        self._client = stripe.StripeClient(
            api_key,
            base_addresses={"api": api_base} if api_base else None,
            max_network_retries=max_network_retries,
            http_client=stripe.RequestsClient(timeout=timeout_seconds),
        )
        rate = requests_per_second or (LIVE_MODE_RATE if self.livemode else TEST_MODE_RATE)
        self._bucket = TokenBucket(rate, sleep=sleep)
        self._rate_limit_retries, self._max_retry_after = rate_limit_retries, max_retry_after
        self._sleep, self._tz, self._tolerance = sleep, time_zone, webhook_tolerance
        self._wall_clock = wall_clock

    def _call(self, operation: Callable[[], T]) -> T:
        """Run one SDK call under the rate limit; wait out short 429s; map errors."""
        attempt = 0
        while True:
            self._bucket.acquire()
            try:
                return operation()
            except stripe.RateLimitError as exc:
                wait = _retry_after(exc)
                if attempt >= self._rate_limit_retries or wait > self._max_retry_after:
                    raise map_stripe_error(exc) from exc
                self._sleep(wait)
                attempt += 1
            except stripe.StripeError as exc:
                raise map_stripe_error(exc) from exc

    def create_customer(
        self, name: str, email: str | None, phone: str | None, address: str | None,
        metadata: Mapping[str, str], *, idempotency_key: str,
    ) -> StripeCustomer:
        params: dict[str, Any] = {"name": name, "email": email, "phone": phone, "metadata": dict(metadata)}
        if address:
            params["address"] = {"line1": address}
        return _customer(self._call(lambda: self._client.v1.customers.create(
            params=params, options={"idempotency_key": idempotency_key})))

    def update_customer(
        self, customer_id: str, *, idempotency_key: str, name: str | None = None,
        email: str | None = None, phone: str | None = None, address: str | None = None,
        metadata: Mapping[str, str] | None = None,
    ) -> StripeCustomer:
        params: dict[str, Any] = {"name": name, "email": email, "phone": phone}
        if address is not None:
            params["address"] = {"line1": address}
        if metadata is not None:
            params["metadata"] = dict(metadata)
        return _customer(self._call(lambda: self._client.v1.customers.update(
            customer_id, params=params, options={"idempotency_key": idempotency_key})))

    def retrieve_customer(self, customer_id: str) -> StripeCustomer:
        found = self._call(lambda: self._client.v1.customers.retrieve(customer_id))
        if found.to_dict().get("deleted"):
            raise NotFound(CUSTOMER_MISSING, code="stripe_not_found")
        return _customer(found)

    def list_customers(self, limit: int = 1) -> list[StripeCustomer]:
        """A page of customers; ``limit=1`` is the connection test."""
        page = self._call(lambda: self._client.v1.customers.list(params={"limit": limit}))
        return [_customer(c) for c in page.data]

    def create_invoice(
        self, customer_id: str, *, days_until_due: int, description: str | None,
        footer: str | None, metadata: Mapping[str, str], auto_advance: bool = False,
        idempotency_key: str,
    ) -> StripeInvoice:
        params = {
            "customer": customer_id, "collection_method": "send_invoice",
            "days_until_due": days_until_due, "auto_advance": auto_advance,
            "pending_invoice_items_behavior": "exclude", "currency": CURRENCY,
            "description": description, "footer": footer, "metadata": dict(metadata),
        }
        return self._invoice(self._call(lambda: self._client.v1.invoices.create(
            params=params, options={"idempotency_key": idempotency_key})))

    def add_lines(self, invoice_id: str, lines: Sequence[NewLine], *,
                  idempotency_key: str) -> StripeInvoice:
        """Add every line to a draft in one ``POST /v1/invoices/{id}/add_lines``; returns
        the invoice with its lines and totals."""
        for line in lines:
            if not isinstance(line.amount_cents, int) or isinstance(line.amount_cents, bool):
                raise ValidationFailed("Invoice line amounts are whole cents.",
                                       code="invalid_amount")
        params = {"lines": [{"amount": line.amount_cents, "description": line.description,
                             "metadata": dict(line.metadata)} for line in lines]}
        return self._invoice(self._call(lambda: self._client.v1.invoices.add_lines(
            invoice_id, params=params, options={"idempotency_key": idempotency_key})))

    def retrieve_invoice(self, invoice_id: str) -> StripeInvoice:
        return self._invoice(self._call(lambda: self._client.v1.invoices.retrieve(invoice_id)))

    def list_invoices(
        self, customer_id: str, *, status: str | None = None, limit: int = 100,
    ) -> list[StripeInvoice]:
        """The customer's newest invoices (up to ``limit``), following Stripe's pages."""
        params: dict[str, Any] = {"customer": customer_id, "limit": min(limit, 100), "status": status}

        def fetch() -> list[Any]:
            page = self._client.v1.invoices.list(params=params)
            return list(itertools.islice(page.auto_paging_iter(), limit))

        return [self._invoice(found) for found in self._call(fetch)]

    def invoices_created_since(self, since: datetime) -> Iterator[StripeInvoice]:
        """Every invoice created at or after ``since``, newest first, 100 per page."""
        for found in self._pages("/v1/invoices", {"created": {"gte": int(since.timestamp())}}):
            yield self._invoice(found)

    def all_customers(self) -> Iterator[StripeCustomer]:
        """Every (not deleted) customer of the account, 100 per page."""
        for found in self._pages("/v1/customers", {}):
            yield _customer(found)

    def _pages(self, path: str, params: dict[str, Any]) -> Iterator[dict[str, Any]]:
        """Follow ``has_more``/``starting_after``; each page is one rate-limited call, read
        as plain JSON (the SDK's objects cost more to build than the request takes)."""
        params = {**params, "limit": 100}
        while True:
            page = self._call(functools.partial(self._client.raw_request, "get", path,
                                                **params)).data
            yield from page["data"]
            if not page["has_more"] or not page["data"]:
                return
            params = {**params, "starting_after": page["data"][-1]["id"]}

    def finalize_invoice(self, invoice_id: str, *, idempotency_key: str) -> StripeInvoice:
        return self._invoice(self._call(lambda: self._client.v1.invoices.finalize_invoice(
            invoice_id, options={"idempotency_key": idempotency_key})))

    def send_invoice(self, invoice_id: str, *, idempotency_key: str) -> StripeInvoice:
        return self._invoice(self._call(lambda: self._client.v1.invoices.send_invoice(
            invoice_id, options={"idempotency_key": idempotency_key})))

    def pay_out_of_band(self, invoice_id: str, *, idempotency_key: str) -> StripeInvoice:
        return self._invoice(self._call(lambda: self._client.v1.invoices.pay(
            invoice_id, params={"paid_out_of_band": True},
            options={"idempotency_key": idempotency_key})))

    def void_invoice(self, invoice_id: str, *, idempotency_key: str) -> StripeInvoice:
        return self._invoice(self._call(lambda: self._client.v1.invoices.void_invoice(
            invoice_id, options={"idempotency_key": idempotency_key})))

    def delete_invoice(self, invoice_id: str) -> None:
        """Delete a draft (Stripe refuses anything else)."""
        self._call(lambda: self._client.v1.invoices.delete(invoice_id))

    def _invoice(self, obj: stripe.StripeObject | dict[str, Any]) -> StripeInvoice:
        data = _plain(obj)
        lines = data.get("lines") or {"data": [], "has_more": False}
        amounts = [line["amount"] for line in lines["data"]]
        if lines.get("has_more"):
            amounts = self._call(lambda: [line.amount for line in self._client.v1.invoices.line_items.list(
                data["id"], params={"limit": 100}).auto_paging_iter()])
        transitions = data.get("status_transitions") or {}
        due = _moment(data.get("due_date"))
        return StripeInvoice(
            id=data["id"], customer_id=data["customer"], status=data["status"],
            number=data.get("number"), hosted_invoice_url=data.get("hosted_invoice_url"),
            invoice_pdf=data.get("invoice_pdf"),
            due_date=due.astimezone(self._tz).date() if due else None,
            currency=data["currency"], total_cents=data["total"],
            amount_due_cents=data["amount_due"], amount_paid_cents=data["amount_paid"],
            line_cents=tuple(amounts), created=_moment(data["created"]),
            finalized_at=_moment(transitions.get("finalized_at")),
            paid_at=_moment(transitions.get("paid_at")),
            voided_at=_moment(transitions.get("voided_at")),
            metadata=dict(data.get("metadata") or {}), due_at=due,
        )

    def verify_webhook_signature(self, payload: bytes, signature_header: str | None,
                                 secret: str) -> None:
        """Refuse (``invalid_signature``) unless the header has Stripe's shape within
        bounds, its timestamp is within the tolerance of now (past or future) and a
        v1 signature matches ``payload``. The body is not parsed here."""
        parsed = parse_stripe_signature(signature_header)
        if parsed is None:
            raise ValidationFailed("The Stripe-Signature header is missing or malformed.",
                                   code="invalid_signature")
        try:
            text = payload.decode("utf-8")  # Stripe signs text; other bytes cannot match
            stripe.WebhookSignature.verify_header(text, signature_header, secret, None)
        except (UnicodeDecodeError, stripe.SignatureVerificationError) as exc:
            raise ValidationFailed("The Stripe signature is invalid.",
                                   code="invalid_signature") from exc
        if not within_tolerance(parsed.timestamp, self._wall_clock(), self._tolerance):
            raise ValidationFailed("The Stripe signature is too old or from the future.",
                                   code="invalid_signature")
