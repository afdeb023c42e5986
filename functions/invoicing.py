"""Invoice previews and generation batches (run by the ``invoice-batches`` queue)."""
from __future__ import annotations

from typing import Literal
from uuid import UUID

import azure.functions as func
from pydantic import BaseModel, ConfigDict, Field

from billing.usecases import invoice_runs
from billing.usecases.invoicing import GenerateOptions
from functions._http import Call, endpoint, to_json, uuid_param
from functions._invoicing_models import InvoiceBatch, InvoicePreview
from functions._models import PeriodIn
from functions._queues import BATCH_QUEUE

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
          summary="Preview invoices for a period: usage, costs, FX, totals, warnings",
          errors=(503,))
def preview_invoices(call: Call) -> dict:
    body: PreviewIn = call.body
    if body.sync:
        from billing.usecases.usage_sync import sync_period

        sync_period(body.period.to_period, db=call.deps.db, source=call.deps.usage_source,
                    clock=call.deps.clock, actor=call.principal,
                    default_time_zone=call.deps.settings.billing_time_zone)
    return invoice_runs.run_preview(call.deps, call.principal, body.period.to_period,
                                    _ids(body.customer_ids))


def _accepted(call: Call, view: dict) -> func.HttpResponse:
    """202 with the batch view and its Location; the batch id goes on the queue (the
    endpoint's queue output binding)."""
    if call.enqueue is None:
        raise RuntimeError("the endpoint must declare queue_output")
    call.enqueue(view["id"])
    return func.HttpResponse(
        to_json(InvoiceBatch.model_validate(view)), status_code=202,
        mimetype="application/json", charset="utf-8",
        headers={"Location": f"/api/billing/invoice-batches/{view['id']}"})


@endpoint(bp, "POST", "billing/invoice-batches", body=BatchIn, response=InvoiceBatch,
          status=202, tag="invoices", queue_output=BATCH_QUEUE, errors=(409, 429, 503),
          summary="Start generating invoices for customers (draft, finalize or send): 202 "
                  "with the queued batch; poll its Location for progress")
def create_invoice_batch(call: Call) -> func.HttpResponse:
    body: BatchIn = call.body
    org = invoice_runs.load_org(call.deps, invoice_runs.session_for(call.deps, call.principal))
    return _accepted(call, invoice_runs.start_generation(
        call.deps, call.principal, body.period.to_period(org.today), _ids(body.customer_ids),
        body.options()))


@endpoint(bp, "GET", "billing/invoice-batches/{batch_id:guid}", response=InvoiceBatch,
          tag="invoices",
          summary="A batch's progress (processed/total) and per-customer results")
def get_invoice_batch(call: Call) -> dict:
    return invoice_runs.get_batch(call.deps, call.principal, uuid_param(call.params["batch_id"]))


@endpoint(bp, "POST", "billing/invoice-batches/{batch_id:guid}/retry", response=InvoiceBatch,
          status=202, tag="invoices", queue_output=BATCH_QUEUE, errors=(409,),
          summary="Queue a batch's failed items again with the same idempotency keys "
                  "(409 batch_running while it runs)")
def retry_invoice_batch(call: Call) -> func.HttpResponse:
    return _accepted(call, invoice_runs.request_retry(
        call.deps, call.principal, uuid_param(call.params["batch_id"])))
