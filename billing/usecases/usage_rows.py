"""Ledger rows from Retell records: normalised and costed by the cost engine.

Pure: no I/O. Only counts and costs leave here; message text is read while
segments are counted and is not part of any row. An ``api_chat`` is no SMS
(0 segments, no Twilio cost) but its Retell cost counts; a call has Twilio
minutes only if it is a telephone call that connected (``has_telephone_leg``),
and Retell's cost always (see docs/BILLING_TECHNICAL.md, "Usage rules").
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from billing.adapters.postgres.usage_sql import LedgerRow
from billing.domain.pricing import RateCard, cost_call, cost_chat, rate_card_for
from billing.domain.usage import CallUsage, ChatMessage, ChatUsage, has_telephone_leg

CALL, CHAT = "retell_call", "retell_chat"
SMS_CHAT = "sms_chat"
#: ``usage_records.retell_cost_usd_cents`` keeps 4 decimals.
_CENTS_SCALE = Decimal("0.0001")
_MS = timedelta(milliseconds=1)


@dataclass(frozen=True)
class Pricing:
    """What costing needs besides the record: rate cards, billing zone, mapped agents."""

    cards: tuple[RateCard, ...]
    zone: ZoneInfo
    mapped_agents: frozenset[str]

    def card_for(self, started_at: datetime) -> RateCard:
        """The card in force on the local day the record started."""
        return rate_card_for(self.cards, started_at.astimezone(self.zone).date())


def source_of(record: CallUsage | ChatUsage) -> str:
    """The ledger source of a record."""
    return CALL if isinstance(record, CallUsage) else CHAT


def draft_row(record: CallUsage | ChatUsage, pricing: Pricing) -> LedgerRow:
    """A call's row, or a chat's row before its messages are counted.

    Complete for calls and ``api_chat``; an SMS chat still needs
    ``priced_chat_row`` (its message count, segments and Twilio cost are 0 here).
    """
    card = pricing.card_for(record.started_at)
    if isinstance(record, CallUsage):
        return _call_row(record, card)
    return _chat_row(record, card, None)


def priced_chat_row(chat: ChatUsage, pricing: Pricing, messages: list[ChatMessage]) -> LedgerRow:
    """An SMS chat's complete row from its messages."""
    return _chat_row(chat, pricing.card_for(chat.started_at), messages)


def _call_row(call: CallUsage, card: RateCard) -> LedgerRow:
    """A call's row: Retell's cost always; Twilio minutes only for a telephone leg."""
    seconds = Decimal(call.duration_ms) / 1000
    cost = cost_call(seconds if has_telephone_leg(call) else 0, call.combined_cost_cents, card)
    return LedgerRow(
        source=CALL, external_id=call.call_id, agent_id=call.agent_id,
        record_type=call.call_type, status=call.status, started_at=call.started_at,
        ended_at=call.ended_at, duration_seconds=seconds, message_count=0, sms_segments=0,
        billed_minutes=cost.billed_minutes,
        retell_cost_usd_cents=_stored_cents(call.combined_cost_cents, cost.cost_missing),
        twilio_cost_usd=cost.twilio_voice_usd, cost_missing=cost.cost_missing,
        rate_card_id=card.id,
    )


def _chat_row(chat: ChatUsage, card: RateCard, messages: list[ChatMessage] | None) -> LedgerRow:
    """``messages`` None: nothing counted (an ``api_chat``, or an SMS chat not yet fetched)."""
    cost = cost_chat(((m.role, m.content) for m in messages or ()), chat.combined_cost_cents, card)
    counted = messages is not None
    return LedgerRow(
        source=CHAT, external_id=chat.chat_id, agent_id=chat.agent_id,
        record_type=chat.chat_type, status=chat.status, started_at=chat.started_at,
        ended_at=chat.ended_at, duration_seconds=_chat_seconds(chat),
        message_count=cost.message_count,
        sms_segments=cost.segments if counted else 0,
        billed_minutes=0,
        retell_cost_usd_cents=_stored_cents(chat.combined_cost_cents, cost.cost_missing),
        twilio_cost_usd=cost.twilio_sms_usd if counted else Decimal(0),
        cost_missing=cost.cost_missing, rate_card_id=card.id,
    )


def _chat_seconds(chat: ChatUsage) -> Decimal:
    if chat.ended_at is None:
        return Decimal(0)
    return Decimal((chat.ended_at - chat.started_at) // _MS) / 1000


def _stored_cents(cents: Decimal | None, missing: bool) -> Decimal:
    """Retell's cents as the ledger keeps them (0 when Retell reported none)."""
    if missing or cents is None:
        return Decimal(0)
    return cents.quantize(_CENTS_SCALE, rounding=ROUND_HALF_UP)
