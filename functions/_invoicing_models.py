"""Response models of invoice previews and generation batches (the use cases
return plain rows; these say what the API sends)."""
from __future__ import annotations

from datetime import date, datetime
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, Field

from billing.domain.api_types import (
    Cad,
    FxRateText,
    FxSource,
    InvoiceStatus,
    Minutes,
    Percent,
    Usd,
)


class PreviewPeriod(BaseModel):
    """The local calendar days previewed and the billing time zone."""

    start: date
    end: date
    time_zone: str


class FxApplied(BaseModel):
    """The exchange rate applied: CAD per 1 USD, the day it applies to, its source."""

    rate: FxRateText
    date: date
    source: FxSource


class PreviewUsage(BaseModel):
    chats: int
    calls: int
    sms_segments: int
    call_minutes: Minutes


class PreviewCosts(BaseModel):
    """Each usage category in CAD, rounded to the cent."""

    twilio_sms: Cad
    twilio_voice: Cad
    retell_chat: Cad
    retell_voice: Cad


class PreviewLine(BaseModel):
    """One line of the invoice that would be created."""

    key: Literal["sms", "voice", "ai", "markup"]
    description: str
    amount_cad: Cad


class ExistingInvoice(BaseModel):
    """A regular invoice that already covers the period for the customer."""

    customer_id: str
    id: str
    invoice_number: str | None
    invoice_status: InvoiceStatus
    total_amount_cad: Cad


class PreviewRow(BaseModel):
    """What one customer would be invoiced."""

    customer_id: str
    customer_name: str
    customer_email: str | None
    usage: PreviewUsage
    costs_cad: PreviewCosts
    lines: list[PreviewLine]
    subtotal_cad: Cad
    markup_percentage: Percent
    markup_cad: Cad
    total_cad: Cad
    has_stripe_customer: bool
    auto_invoice_enabled: bool
    existing_invoice: ExistingInvoice | None
    zero_usage: bool
    cost_missing: bool
    unbilled_records: int


class PreviewUnattributed(BaseModel):
    """Usage of agents mapped to no customer: shown, never billed."""

    agent_ids: list[str]
    records: int
    chats: int
    calls: int
    cost_usd: Usd
    cost_cad: Cad


class PreviewSummary(BaseModel):
    selected: int
    total_cad: Cad
    missing_stripe_ids: int
    with_existing_invoice: int
    zero_usage: int


class PreviewWarning(BaseModel):
    code: Literal["fx_fallback", "costs_missing", "unattributed_usage", "period_not_ended"]
    message: str


class InvoicePreview(BaseModel):
    """``POST /api/billing/invoices/preview``."""

    period: PreviewPeriod
    fx: FxApplied
    customers: list[PreviewRow]
    unattributed: PreviewUnattributed
    summary: PreviewSummary
    warnings: list[PreviewWarning]


class BatchItem(BaseModel):
    """One customer's result in a batch."""

    customer_id: str
    customer_name: str
    status: Literal["pending", "succeeded", "failed", "skipped"]
    invoice_id: str | None
    reason: str | None
    error_code: str | None
    error_message: str | None
    attempts: int
    invoice_number: str | None
    total_amount_cad: Cad | None
    invoice_status: InvoiceStatus | None
    stripe_invoice_id: str | None


class BatchOptions(BaseModel):
    """The options the batch runs with."""

    mode: Literal["draft", "finalize", "send"]
    due_in_days: int
    auto_create_stripe_customers: bool
    skip_missing_stripe_customers: bool
    allow_duplicate: bool
    include_zero_usage: bool


class InvoiceBatch(BaseModel):
    """A generation batch: progress (``processed`` of ``total``), results, CAD total of
    the invoices created."""

    id: str
    period_start: date
    period_end: date
    mode: Literal["draft", "finalize", "send"]
    options: BatchOptions
    status: Literal["queued", "running", "completed", "completed_with_errors", "failed"]
    failure_reason: str | None = Field(
        default=None, description="Why the batch failed (status failed): the queue gave "
        "up after 5 attempts; retry it once the cause is fixed.")
    total: int
    processed: int
    succeeded: int
    failed: int
    skipped: int
    actor_type: Literal["user", "system"]
    created_by: UUID | None
    created_at: datetime
    updated_at: datetime
    finished_at: datetime | None
    items: list[BatchItem]
    total_cad: Cad
