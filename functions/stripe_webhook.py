"""Stripe's webhook: signed invoice events onto our invoices, each event once."""
from __future__ import annotations

from typing import Literal

import azure.functions as func
from pydantic import BaseModel

from billing.domain.api_types import InvoiceStatus
from functions._http import Call, endpoint

bp = func.Blueprint()


class StripeWebhookOut(BaseModel):
    """What became of the event (see ``WebhookResult``)."""

    event_id: str
    event_type: str
    outcome: Literal["applied", "unchanged", "deferred", "unknown_invoice", "ignored", "replay"]
    invoice_id: str | None = None
    status: InvoiceStatus | None = None


@endpoint(bp, "POST", "billing/stripe/webhook",
          summary="Stripe invoice events, signed with Stripe-Signature (400 if not)",
          gate="public", response=StripeWebhookOut, tag="webhooks", errors=(400,),
          headers={"Stripe-Signature": "Stripe's signature: t=<time>,v1=<HMAC-SHA256>"})
def stripe_webhook(call: Call) -> StripeWebhookOut:
    from dataclasses import asdict

    from billing.usecases.stripe_webhook import handle_stripe_webhook

    result = handle_stripe_webhook(call.req.get_body(), call.req.headers.get("Stripe-Signature"),
                                   deps=call.deps)
    return StripeWebhookOut(**asdict(result))
