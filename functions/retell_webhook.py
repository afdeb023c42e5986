"""Retell's webhook: signed call and chat events into the usage ledger."""
from __future__ import annotations

from typing import Literal

import azure.functions as func
from pydantic import BaseModel

from functions._http import Call, endpoint

bp = func.Blueprint()


class RetellWebhookOut(BaseModel):
    """What became of the event's record (see ``WebhookOutcome``)."""

    event: str
    outcome: Literal["inserted", "updated", "unchanged", "drift", "skipped"]


@endpoint(bp, "POST", "billing/retell/webhook",
          summary="Retell call/chat events, signed with x-retell-signature (204 if ignored)",
          gate="public", response=RetellWebhookOut, tag="webhooks", errors=(400, 401),
          also={204: "An event type we do not record (ignored)"},
          headers={"x-retell-signature": "Retell's signature of the body (API key)"})
def retell_webhook(call: Call) -> RetellWebhookOut | None:
    from billing.usecases.usage_webhook import IGNORED, ingest_webhook

    deps = call.deps
    result = ingest_webhook(
        call.req.get_body(), call.req.headers.get("x-retell-signature"),
        api_key=deps.settings.retell_api_key, db=deps.db, source=deps.usage_source,
        clock=deps.clock, default_time_zone=deps.settings.billing_time_zone)
    if result.outcome == IGNORED:
        return None
    return RetellWebhookOut(event=result.event, outcome=result.outcome)
