"""Invoice generation in batches: one item per customer, never double-billing.

Per customer: (1) a Stripe customer if needed; (2) one transaction under a
per-customer advisory lock writes the invoice row with its rates and FX and
claims the unbilled usage of the period; (3) the Stripe saga. Items run with
bounded concurrency; each outcome is recorded so progress is visible while the
batch runs and failed items can be retried. The batch itself is run by
``batch_runner`` (the queue function), one runner at a time.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from typing import Any

from billing.adapters.postgres import batches_sql, invoices_sql, usage_totals_sql
from billing.domain.errors import BillingError, Conflict, ValidationFailed
from billing.domain.money import FxRate, build_invoice_lines
from billing.domain.periods import Period
from billing.usecases import stripe_customers
from billing.usecases.invoice_saga import CancelledMeanwhile, SagaContext, run_saga

log = logging.getLogger("billing.invoicing")
MAX_WORKERS = 4


@dataclass(frozen=True)
class GenerateOptions:
    """How a batch invoices (the API's and the timer's options)."""

    mode: str = "draft"
    due_in_days: int = 30
    auto_create_stripe_customers: bool = True
    skip_missing_stripe_customers: bool = False
    allow_duplicate: bool = False
    include_zero_usage: bool = False


class _Skip(Exception):
    def __init__(self, reason: str, invoice_id: str | None = None) -> None:
        super().__init__(reason)
        self.reason, self.invoice_id = reason, invoice_id


def start_batch(ctx: SagaContext, period: Period, customer_ids: list[str],
                options: GenerateOptions) -> str:
    """Validate, refuse duplicates unless allowed, and record a running batch."""
    if not customer_ids:
        raise ValidationFailed("Select at least one customer.", code="no_customers_selected",
                               errors=[{"field": "customer_ids",
                                        "message": "Select at least one customer"}])
    with ctx.session() as conn:
        known = {r["id"] for r in conn.execute(
            "select id::text from billing_customers where id = any(%s::uuid[])",
            [customer_ids])}
        unknown = sorted(set(customer_ids) - known)
        if unknown:
            raise ValidationFailed("Some selected customers do not exist.",
                                   code="unknown_customers", extra={"customer_ids": unknown})
        existing = invoices_sql.existing_for_customers(conn, customer_ids, period.start,
                                                       period.end)
        if existing and not options.allow_duplicate:
            raise Conflict("An invoice for this period already exists.",
                           code="duplicate_invoice",
                           extra={"existing_invoices": list(existing.values())})
        return batches_sql.create_batch(
            conn, start=period.start, end=period.end, mode=options.mode, options=asdict(options),
            customer_ids=list(dict.fromkeys(customer_ids)),
            actor_type="user" if ctx.actor else "system",
            created_by=ctx.actor.user_id if ctx.actor else None)


def process_items(ctx: SagaContext, batch_id: str, fx: FxRate, tz: str,
                  heartbeat: Callable[[], None]) -> None:
    """Process the batch's pending and failed items with bounded concurrency, calling
    ``heartbeat`` after each one (the runner renews its lease)."""
    with ctx.session() as conn:
        batch = batches_sql.get_batch(conn, batch_id)
        items = batches_sql.batch_items(conn, batch_id, ("pending", "failed"))
    period = Period(batch["period_start"], batch["period_end"])
    options = GenerateOptions(**batch["options"])

    def one(item: dict[str, Any]) -> None:
        _process_item(ctx, batch_id, item, period, options, fx, tz)
        heartbeat()

    with ThreadPoolExecutor(max_workers=MAX_WORKERS) as pool:
        list(pool.map(one, items))


def batch_view(conn: Any, batch_id: str) -> dict[str, Any]:
    """The batch with progress, totals and per-customer results."""
    batch = batches_sql.get_batch(conn, batch_id)
    items = batches_sql.batch_items(conn, batch_id)
    total = sum((i["total_amount_cad"] for i in items if i["status"] == "succeeded"),
                start=0)
    return {**batch, "items": items, "total_cad": total}


def _process_item(ctx: SagaContext, batch_id: str, item: dict[str, Any], period: Period,
                  options: GenerateOptions, fx: FxRate, tz: str) -> None:
    customer_id = item["customer_id"]
    invoice_id = item["invoice_id"]
    try:
        if invoice_id is None:
            invoice_id = _create_invoice_row(ctx, batch_id, customer_id, period, options, fx, tz)
        run_saga(ctx, invoice_id, options.mode)
        outcome: dict[str, Any] = {"status": "succeeded", "invoice_id": invoice_id}
    except CancelledMeanwhile:
        outcome = {"status": "skipped", "reason": "cancelled", "invoice_id": invoice_id}
    except _Skip as skip:
        outcome = {"status": "skipped", "reason": skip.reason, "invoice_id": skip.invoice_id}
    except BillingError as exc:
        outcome = {"status": "failed", "invoice_id": invoice_id, "error_code": exc.code,
                   "error_message": exc.detail}
    except Exception:
        log.exception("invoice item failed", extra={"batch_id": batch_id,
                                                    "customer_id": customer_id})
        outcome = {"status": "failed", "invoice_id": invoice_id, "error_code": "internal_error",
                   "error_message": "An unexpected error occurred; retry the item."}
    with ctx.session() as conn:
        batches_sql.set_item(conn, batch_id, customer_id, **outcome)


def _stripe_customer_id(ctx: SagaContext, customer: dict[str, Any],
                        options: GenerateOptions) -> str:
    if customer["stripe_customer_id"]:
        return customer["stripe_customer_id"]
    if options.skip_missing_stripe_customers or not options.auto_create_stripe_customers:
        if options.skip_missing_stripe_customers:
            raise _Skip("missing_stripe_customer")
        raise ValidationFailed(stripe_customers.NO_STRIPE_ID, code="no_stripe_id")
    stripe_id = stripe_customers.create_stripe_customer(ctx.payments, customer)
    with ctx.session() as conn:
        stripe_customers.link_stripe_customer(conn, customer["id"], stripe_id)
    return stripe_id


def _create_invoice_row(ctx: SagaContext, batch_id: str, customer_id: str, period: Period,
                        options: GenerateOptions, fx: FxRate, tz: str) -> str:
    with ctx.session() as conn:
        customer = conn.execute("select *, id::text as id from billing_customers where id = %s",
                                [customer_id]).fetchone()
    stripe_id = _stripe_customer_id(ctx, customer, options)
    lo, hi = period.utc_bounds(tz)
    with ctx.session() as conn:
        invoices_sql.lock_customer(conn, customer_id)
        existing = invoices_sql.existing_for_period(conn, customer_id, period.start, period.end)
        if existing and not options.allow_duplicate:
            raise _Skip("duplicate", existing["id"])
        invoice_id = invoices_sql.insert_invoice(conn, {
            "billing_customer_id": customer_id, "billing_period_start": period.start,
            "billing_period_end": period.end, "supplementary": existing is not None,
            "subtotal_cad": 0, "total_amount_cad": 0, "stripe_customer_id": stripe_id,
            "markup_percentage": customer["markup_percentage"], "fx_rate": fx.rate,
            "fx_rate_date": fx.date, "fx_source": fx.source, "batch_id": batch_id,
            "due_in_days": options.due_in_days,
            "created_by": ctx.actor.user_id if ctx.actor else None})
        usage = usage_totals_sql.claim_usage(conn, invoice_id, customer_id, lo, hi)
        if usage["records"] == 0 and not options.include_zero_usage:
            raise _Skip("nothing_to_bill" if existing else "zero_usage")
        _store_lines(conn, invoice_id, usage, customer["markup_percentage"], fx, period)
    return invoice_id


def _store_lines(conn: Any, invoice_id: str, usage: dict[str, Any], markup: Any,
                 fx: FxRate, period: Period) -> None:
    totals = usage_totals_sql.totals_from_row(usage)
    lines = build_invoice_lines(totals, fx, markup, period)
    cards = usage_totals_sql.rate_cards_used(conn, invoice_id)
    invoices_sql.update_invoice(
        conn, invoice_id, total_chats=totals.chats, total_calls=totals.calls,
        total_sms_segments=totals.sms_segments, total_call_minutes=totals.call_minutes,
        twilio_sms_cost_cad=lines.twilio_sms_cost_cad,
        twilio_voice_cost_cad=lines.twilio_voice_cost_cad,
        retell_ai_chat_cost_cad=lines.retell_ai_chat_cost_cad,
        retell_ai_voice_cost_cad=lines.retell_ai_voice_cost_cad, subtotal_cad=lines.subtotal_cad,
        markup_amount_cad=lines.markup_amount_cad, total_amount_cad=lines.total_amount_cad,
        line_items=[{"key": line.key, "description": line.description,
                     "amount_cad": str(line.amount_cad), "amount_cents": line.amount_cents}
                    for line in lines.lines],
        rate_card={"cards": [{k: str(v) for k, v in card.items()} for card in cards],
                   "fx": {"rate": str(fx.rate), "date": fx.date.isoformat(),
                          "source": fx.source}})
