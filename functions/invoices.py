"""Invoice history and lifecycle: list, detail, PDF, CSV export, send, mark paid,
cancel, refresh. Money is JSON strings (Decimal); ids in routes must be UUIDs."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal
from uuid import UUID

import azure.functions as func
from pydantic import BaseModel, Field

from billing.domain.api_types import (
    ActorType,
    Cad,
    FxRateText,
    FxSource,
    InvoiceAction,
    InvoiceStatus,
    Minutes,
    Percent,
    StripeState,
)
from billing.domain.periods import local_today
from billing.usecases import invoice_actions as actions
from billing.usecases import invoice_history as history
from billing.usecases import reminders
from functions._http import Call, endpoint, uuid_param

bp = func.Blueprint()
BASE = "billing/invoices"
ITEM = BASE + "/{invoice_id:guid}"


class InvoiceSummary(BaseModel):
    """An invoice as the history table shows it, with the actions it allows now."""

    id: str
    invoice_number: str | None
    stripe_invoice_id: str | None
    billing_customer_id: str
    customer_name: str
    customer_email: str | None
    billing_period_start: date
    billing_period_end: date
    supplementary: bool
    total_chats: int
    total_calls: int
    total_sms_segments: int
    total_call_minutes: Minutes = Field(description=(
        "Billed call minutes: each telephone call's duration rounded up to the whole "
        "minute (61 s = 2 min), web calls have none."))
    twilio_sms_cost_cad: Cad
    twilio_voice_cost_cad: Cad
    retell_ai_chat_cost_cad: Cad
    retell_ai_voice_cost_cad: Cad
    subtotal_cad: Cad
    markup_percentage: Percent
    markup_amount_cad: Cad
    total_amount_cad: Cad
    invoice_status: InvoiceStatus
    stripe_state: StripeState
    batch_id: UUID | None
    stripe_invoice_url: str | None
    stripe_invoice_pdf_url: str | None
    created_at: datetime
    finalized_at: datetime | None
    sent_at: datetime | None
    paid_at: datetime | None
    cancelled_at: datetime | None
    due_date: date | None
    actions: list[InvoiceAction]


class InvoicePage(BaseModel):
    """A page of the history, the count and total (CAD) of every match, the page's sum."""

    items: list[InvoiceSummary]
    total: int
    page: int
    page_size: int
    page_total_cad: Cad
    total_cad: Cad


class InvoiceFx(BaseModel):
    """The exchange rate stored with the invoice."""

    rate: FxRateText | None
    date: date | None
    source: FxSource | None


class TimelineEntry(BaseModel):
    """A status milestone (``kind`` status) or an audit entry (``kind`` audit)."""

    at: datetime
    kind: Literal["status", "audit"]
    event: str
    label: str
    actor_type: ActorType | None = None
    actor_id: str | None = None
    details: dict[str, Any] | None = None


class InvoiceLineItem(BaseModel):
    """A line as stored with the invoice and sent to Stripe."""

    key: Literal["sms", "voice", "ai", "markup"]
    description: str
    amount_cad: Cad
    amount_cents: int


class RateCardUsed(BaseModel):
    """A rate card behind the invoice's usage (rates in USD, as stored)."""

    id: str
    effective_from: date
    usd_per_segment: str
    usd_per_minute: str
    prompt_segments: int
    segment_rules: Literal["toll_free", "standard"]


class InvoiceDetail(InvoiceSummary):
    """The detail modal: costs, line items, FX and rate cards used, timeline."""

    usage_records: int
    line_items: list[InvoiceLineItem]
    fx: InvoiceFx
    rate_cards: list[RateCardUsed]
    stripe_error: str | None
    timeline: list[TimelineEntry]


@endpoint(bp, "GET", BASE, query=history.InvoiceListQuery, response=InvoicePage,
          tag="invoices", summary="Invoice history: filter, search, sort, page, totals")
def list_invoices(call: Call) -> InvoicePage:
    return InvoicePage.model_validate(
        history.list_invoices(call.deps, call.principal, call.query))


@endpoint(bp, "GET", BASE + "/export.csv", query=history.InvoiceFilterQuery,
          media_type="text/csv", tag="invoices",
          summary="Export the filtered invoices as CSV (formula-safe)",
          errors=(429,))
def export_invoices(call: Call) -> func.HttpResponse:
    body = history.export_invoices(call.deps, call.principal, call.query)
    day = local_today(call.deps.clock.now(), call.deps.settings.billing_time_zone).isoformat()
    return func.HttpResponse(body, status_code=200, mimetype="text/csv", charset="utf-8",
                             headers={"Content-Disposition":
                                      f'attachment; filename="invoices-{day}.csv"',
                                      "Cache-Control": "no-store"})


@endpoint(bp, "GET", ITEM, response=InvoiceDetail, tag="invoices",
          summary="One invoice: customer, usage, costs, lines, FX, Stripe links, timeline")
def get_invoice(call: Call) -> InvoiceDetail:
    return InvoiceDetail.model_validate(
        history.get_invoice(call.deps, call.principal, _invoice_id(call)))


@endpoint(bp, "GET", ITEM + "/pdf", status=302, tag="invoices",
          summary="Redirect to Stripe's PDF of a finalized invoice",
          errors=(409,))
def get_invoice_pdf(call: Call) -> func.HttpResponse:
    url = history.pdf_url(call.deps, call.principal, _invoice_id(call))
    return func.HttpResponse(status_code=302,
                             headers={"Location": url, "Cache-Control": "no-store"})


@endpoint(bp, "POST", ITEM + "/send", response=InvoiceSummary, tag="invoices",
          summary="Send the invoice from Stripe (finalizing a draft first)",
          errors=(409, 429, 502, 503))
def send_invoice(call: Call) -> InvoiceSummary:
    return _summary(actions.send_invoice(call.deps, call.principal, _invoice_id(call)))


@endpoint(bp, "POST", ITEM + "/mark-paid", response=InvoiceSummary, tag="invoices",
          summary="Record a payment received outside Stripe",
          errors=(409, 429, 502, 503))
def mark_invoice_paid(call: Call) -> InvoiceSummary:
    return _summary(actions.mark_paid(call.deps, call.principal, _invoice_id(call)))


@endpoint(bp, "POST", ITEM + "/cancel", response=InvoiceSummary, tag="invoices",
          summary="Cancel the invoice (Stripe draft deleted or invoice voided; usage released)",
          errors=(409, 429, 502, 503))
def cancel_invoice(call: Call) -> InvoiceSummary:
    return _summary(actions.cancel_invoice(call.deps, call.principal, _invoice_id(call)))


@endpoint(bp, "POST", ITEM + "/refresh", response=InvoiceSummary, tag="invoices",
          summary="Re-read the invoice from Stripe (status only moves forward)",
          errors=(409, 429, 502, 503))
def refresh_invoice(call: Call) -> InvoiceSummary:
    return _summary(actions.refresh_invoice(call.deps, call.principal, _invoice_id(call)))


@endpoint(bp, "POST", ITEM + "/remind", response=InvoiceSummary, tag="invoices",
          errors=(409, 502, 503),
          summary="Have Stripe e-mail an open invoice again (a payment reminder); 409 "
          "unless the invoice is open")
def remind_invoice(call: Call) -> InvoiceSummary:
    return _summary(reminders.remind_invoice(call.deps, call.principal, _invoice_id(call)))


def _invoice_id(call: Call) -> str:
    return uuid_param(call.params["invoice_id"])


def _summary(row: dict[str, Any]) -> InvoiceSummary:
    return InvoiceSummary.model_validate(history.summary(row))
