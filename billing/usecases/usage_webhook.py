"""Retell webhooks into the usage ledger: verified, parsed, stored as the sync stores.

Only ``call_ended``, ``call_analyzed``, ``chat_ended`` and ``chat_analyzed`` of
records the list sync would keep (ended chats; calls that ended or that Retell
charged) are stored; every other event is acknowledged and ignored. A
webhook and a list sync of the same record make one row (upsert on source and
external id). An SMS chat's messages come from the payload when it has them,
else from Retell; their text is only counted.
"""
from __future__ import annotations

from dataclasses import dataclass

from billing.adapters.postgres.sessions import Database
from billing.adapters.retell import WEBHOOK_RECORD_KEYS, parse_webhook, verify_webhook
from billing.domain.errors import UpstreamUnavailable
from billing.domain.usage import CallUsage, ChatMessage, ChatUsage, billable_call, ms_from_utc
from billing.ports import Clock, UsageSource
from billing.usecases.usage_sync import DEFAULT_TIME_ZONE, SyncResult, store_records
from billing.usecases.webhook_payloads import InvalidEvent, reject, retell_event

IGNORED = "ignored"


@dataclass(frozen=True)
class WebhookOutcome:
    """The event and what became of its record: inserted, updated, unchanged,
    drift (already billed, left as is), skipped (messages unavailable) or ignored."""

    event: str | None
    outcome: str


def ingest_webhook(raw_body: bytes, signature: str | None, *, api_key: str | None,
                   db: Database, source: UsageSource, clock: Clock,
                   default_time_zone: str = DEFAULT_TIME_ZONE) -> WebhookOutcome:
    """Verify ``x-retell-signature`` (5-minute window), then store the record.

    Nothing is read or written before the signature holds: a bad or missing
    one raises ``Unauthenticated``. A signed body that is not an event of the
    shape we read raises ``InvalidEvent`` (400), recorded once.
    """
    if not api_key:
        raise UpstreamUnavailable("Retell webhooks cannot be verified: no Retell API key.",
                                  code="retell_not_configured")
    verify_webhook(raw_body, signature, api_key, ms_from_utc(clock.now()))
    try:
        payload = retell_event(raw_body)
    except InvalidEvent as invalid:
        raise reject(db, "retell", raw_body, invalid) from None
    event = payload["event"]
    if event not in WEBHOOK_RECORD_KEYS:
        return WebhookOutcome(event, IGNORED)
    _, record, messages = parse_webhook(payload)
    if record is None or not _billable(record):
        return WebhookOutcome(event, IGNORED)
    fetch = source.get_chats_messages
    if isinstance(record, ChatUsage) and messages is not None:
        fetch = _given(record.chat_id, messages)
    result = store_records([record], db=db, fetch_messages=fetch,
                           default_time_zone=default_time_zone)
    return WebhookOutcome(event, _outcome(result))


def _billable(record: CallUsage | ChatUsage) -> bool:
    """The same records the list sync keeps: billable calls, ended chats."""
    return billable_call(record) if isinstance(record, CallUsage) else record.status == "ended"


def _given(chat_id: str, messages: list[ChatMessage]):
    """A message fetcher that answers from the webhook payload instead of Retell."""
    return lambda _chat_ids: {chat_id: messages}


def _outcome(result: SyncResult) -> str:
    for name in ("inserted", "updated", "unchanged", "drift", "skipped"):
        if getattr(result, name):
            return name
    return IGNORED
