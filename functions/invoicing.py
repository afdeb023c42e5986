"""Invoice previews and generation batches."""
from __future__ import annotations

from typing import Literal
from uuid import UUID

import azure.functions as func
from pydantic import BaseModel, ConfigDict, Field

from billing.usecases import invoice_runs
from billing.usecases.invoicing import GenerateOptions
from functions._http import Call, endpoint, uuid_param
from functions._invoicing_models import InvoiceBatch, InvoicePreview
from functions._models import PeriodIn

bp = func.Blueprint()
#: Most customers one preview or batch may name.
MAX_CUSTOMERS = 5000


class PreviewIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    period: PeriodIn = Field(default_factory=PeriodIn)
    customer_ids: list[UUID] | None = Field(default=None, max_length=MAX_CUSTOMERS)
    sync: bool = False


class BatchIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    period: PeriodIn = Field(default_factory=PeriodIn)
    customer_ids: list[UUID] = Field(min_length=1, max_length=MAX_CUSTOMERS)
    mode: Literal["draft", "finalize", "send"] = "draft"
    due_in_days: int = Field(default=30, ge=0, le=365)
    auto_create_stripe_customers: bool = True
    skip_missing_stripe_customers: bool = False
    allow_duplicate: bool = False
    include_zero_usage: bool = False

    def options(self) -> GenerateOptions:
        return GenerateOptions(**self.model_dump(exclude={"period", "customer_ids"}))


def _ids(values: list[UUID] | None) -> list[str] | None:
    return [str(v) for v in values] if values is not None else None


@endpoint(bp, "POST", "billing/invoices/preview", body=PreviewIn, response=InvoicePreview,
          tag="invoices",
          summary="Preview invoices for a period: usage, costs, FX, totals, warnings")
def preview_invoices(call: Call) -> dict:
    body: PreviewIn = call.body
    if body.sync:
        from billing.usecases.usage_sync import sync_period

        sync_period(body.period.to_period, db=call.deps.db, source=call.deps.usage_source,
                    clock=call.deps.clock, actor=call.principal,
                    default_time_zone=call.deps.settings.billing_time_zone)
    return invoice_runs.run_preview(call.deps, call.principal, body.period.to_period,
                                    _ids(body.customer_ids))


@endpoint(bp, "POST", "billing/invoice-batches", body=BatchIn, response=InvoiceBatch,
          status=201, tag="invoices",
          summary="Generate invoices for customers (draft, finalize or send) as one batch")
def create_invoice_batch(call: Call) -> dict:
    body: BatchIn = call.body
    org = invoice_runs.load_org(call.deps, invoice_runs.session_for(call.deps, call.principal))
    return invoice_runs.generate(call.deps, call.principal, body.period.to_period(org.today),
                                 _ids(body.customer_ids), body.options())


@endpoint(bp, "GET", "billing/invoice-batches/{batch_id:guid}", response=InvoiceBatch,
          tag="invoices",
          summary="A batch's progress (processed/total) and per-customer results")
def get_invoice_batch(call: Call) -> dict:
    return invoice_runs.get_batch(call.deps, call.principal, uuid_param(call.params["batch_id"]))


@endpoint(bp, "POST", "billing/invoice-batches/{batch_id:guid}/retry", response=InvoiceBatch,
          tag="invoices",
          summary="Re-run a batch's failed items with the same idempotency keys")
def retry_invoice_batch(call: Call) -> dict:
    return invoice_runs.retry(call.deps, call.principal, uuid_param(call.params["batch_id"]))
