"""What the use cases need from the outside world, as Protocols.

Adapters in ``billing/adapters`` implement these; tests pass local ones.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Protocol

from billing.domain.money import FxRate
from billing.domain.usage import CallUsage, ChatMessage, ChatUsage


class Clock(Protocol):
    """Source of the current time; always timezone-aware UTC."""

    def now(self) -> datetime: ...


@dataclass(frozen=True)
class StripeCustomer:
    """A Stripe customer as the use cases read it."""

    id: str
    name: str | None
    email: str | None


@dataclass(frozen=True)
class NewLine:
    """One invoice line to add to a Stripe draft: whole cents, text, metadata."""

    amount_cents: int
    description: str
    metadata: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class StripeInvoice:
    """A Stripe invoice as the use cases read it: amounts in integer cents, times in UTC."""

    id: str
    customer_id: str
    status: str  # draft | open | paid | uncollectible | void
    number: str | None
    hosted_invoice_url: str | None
    invoice_pdf: str | None
    due_date: date | None
    currency: str
    total_cents: int
    amount_due_cents: int
    amount_paid_cents: int
    line_cents: tuple[int, ...]
    created: datetime
    finalized_at: datetime | None
    paid_at: datetime | None
    voided_at: datetime | None
    metadata: Mapping[str, str] = field(default_factory=dict)
    due_at: datetime | None = None  # the moment Stripe's due date stands for


class PaymentGateway(Protocol):
    """Stripe, as the invoicing saga needs it.

    Every mutating call takes the caller's idempotency key (derived from our
    own row id and step), so a retried saga never creates a second object.
    Failures raise ``BillingError`` subclasses carrying user-facing messages.
    """

    @property
    def livemode(self) -> bool: ...

    def create_customer(
        self, name: str, email: str | None, phone: str | None, address: str | None,
        metadata: Mapping[str, str], *, idempotency_key: str,
    ) -> StripeCustomer: ...

    def update_customer(
        self, customer_id: str, *, idempotency_key: str, name: str | None = None,
        email: str | None = None, phone: str | None = None, address: str | None = None,
        metadata: Mapping[str, str] | None = None,
    ) -> StripeCustomer: ...

    def retrieve_customer(self, customer_id: str) -> StripeCustomer: ...

    def list_customers(self, limit: int = 1) -> list[StripeCustomer]: ...

    def create_invoice(
        self, customer_id: str, *, days_until_due: int, description: str | None,
        footer: str | None, metadata: Mapping[str, str], auto_advance: bool = False,
        idempotency_key: str,
    ) -> StripeInvoice: ...

    def add_lines(self, invoice_id: str, lines: Sequence[NewLine], *,
                  idempotency_key: str) -> StripeInvoice:
        """Add every line to a draft in one request; returns the invoice."""
        ...

    def retrieve_invoice(self, invoice_id: str) -> StripeInvoice: ...

    def list_invoices(
        self, customer_id: str, *, status: str | None = None, limit: int = 100,
    ) -> list[StripeInvoice]: ...

    def invoices_created_since(self, since: datetime) -> Iterator[StripeInvoice]:
        """Every invoice of the account created at or after ``since`` (all pages)."""
        ...

    def all_customers(self) -> Iterator[StripeCustomer]:
        """Every customer of the account that is not deleted (all pages)."""
        ...

    def finalize_invoice(self, invoice_id: str, *, idempotency_key: str) -> StripeInvoice: ...

    def send_invoice(self, invoice_id: str, *, idempotency_key: str) -> StripeInvoice: ...

    def pay_out_of_band(self, invoice_id: str, *, idempotency_key: str) -> StripeInvoice: ...

    def void_invoice(self, invoice_id: str, *, idempotency_key: str) -> StripeInvoice: ...

    def delete_invoice(self, invoice_id: str) -> None: ...

    def verify_webhook_signature(
        self, payload: bytes, signature_header: str | None, secret: str,
    ) -> None: ...


class UsageSource(Protocol):
    """Retell, as the usage sync needs it: ended calls and chats of a window.

    Windows are half-open ``[start, end)`` on the start time, in aware UTC.
    Message text is returned only to count SMS segments, never to be kept.
    """

    def list_calls(
        self, start: datetime, end: datetime, agent_ids: Iterable[str] | None = None,
    ) -> Iterator[CallUsage]: ...

    def list_chats(
        self, start: datetime, end: datetime, agent_ids: Iterable[str] | None = None,
    ) -> Iterator[ChatUsage]: ...

    def get_chats_messages(self, chat_ids: Iterable[str]) -> dict[str, list[ChatMessage]]: ...


class FxSource(Protocol):
    """USD→CAD rates (CAD per 1 USD) as published by the Bank of Canada.

    ``None``: no published rate in reach; ``UpstreamUnavailable``: could not ask.
    """

    def rate_on(self, day: date) -> FxRate | None: ...

    def latest(self) -> FxRate | None: ...
