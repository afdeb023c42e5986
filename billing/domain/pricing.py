"""What one chat or call costs in USD, from its usage and a rate card.

Twilio's part is computed from our own rules (segments, minutes rounded up);
Retell's part is what Retell reports, in cents. Amounts stay at full Decimal
precision here: rounding happens once per invoice line (see ``money``).
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from billing.domain.decimals import require_decimal
from billing.domain.errors import NotFound, ValidationFailed
from billing.domain.sms import SEGMENT_RULES, total_segments
from billing.domain.usage import SMS_MESSAGE_ROLES
from billing.domain.usage import cents as cents_from_vendor

__all__ = [
    "DEFAULT_RATE_CARD", "CallCost", "ChatCost", "RateCard", "cents_from_vendor",
    "cost_call", "cost_chat", "rate_card_for",
]

_ZERO = Decimal(0)


@dataclass(frozen=True, kw_only=True)
class RateCard:
    """Twilio prices and counting rules in force from ``effective_from``."""

    id: str | None
    effective_from: date
    usd_per_segment: Decimal
    usd_per_minute: Decimal
    prompt_segments: int
    segment_rules: str

    def __post_init__(self) -> None:
        errors = []
        if not require_decimal(self.usd_per_segment, "usd_per_segment") >= 0:
            errors.append({"field": "usd_per_segment", "message": "must be 0 or more"})
        if not require_decimal(self.usd_per_minute, "usd_per_minute") >= 0:
            errors.append({"field": "usd_per_minute", "message": "must be 0 or more"})
        if self.prompt_segments < 0:
            errors.append({"field": "prompt_segments", "message": "must be 0 or more"})
        if self.segment_rules not in SEGMENT_RULES:
            errors.append({"field": "segment_rules", "message": f"one of {sorted(SEGMENT_RULES)}"})
        if errors:
            raise ValidationFailed("Invalid rate card.", errors=errors)


#: The spec's figures: $0.0083 per segment, $0.022 per minute, +4 prompt segments.
DEFAULT_RATE_CARD = RateCard(
    id=None,
    effective_from=date(2000, 1, 1),
    usd_per_segment=Decimal("0.0083"),
    usd_per_minute=Decimal("0.022"),
    prompt_segments=4,
    segment_rules="toll_free",
)


def rate_card_for(cards: Iterable[RateCard], started_at_date: date) -> RateCard:
    """The card with the latest ``effective_from`` on or before ``started_at_date``."""
    in_force = [card for card in cards if card.effective_from <= started_at_date]
    if not in_force:
        raise NotFound(f"No rate card is in force on {started_at_date.isoformat()}.",
                       code="rate_card_not_found")
    return max(in_force, key=lambda card: card.effective_from)


@dataclass(frozen=True)
class ChatCost:
    """An SMS chat's costs; no message text is kept."""

    message_count: int
    segments: int
    twilio_sms_usd: Decimal
    retell_usd: Decimal
    cost_missing: bool


@dataclass(frozen=True)
class CallCost:
    """A voice call's costs: Twilio per started minute, Retell as reported."""

    billed_minutes: int
    twilio_voice_usd: Decimal
    retell_usd: Decimal
    cost_missing: bool


def cost_chat(
    messages: Iterable[tuple[str, str | None]],
    combined_cost_cents: Decimal | None,
    card: RateCard,
) -> ChatCost:
    """Cost a chat from its (role, content) messages and Retell's cost in cents.

    Only non-empty ``agent``, ``user`` and ``sms`` messages are SMS; each is
    counted on its own, plus the card's prompt segments for the opening SMS.
    """
    texts = [content for role, content in messages if content and role in SMS_MESSAGE_ROLES]
    segments = card.prompt_segments + total_segments(texts, SEGMENT_RULES[card.segment_rules])
    retell_usd, missing = _retell_usd(combined_cost_cents)
    return ChatCost(len(texts), segments, segments * card.usd_per_segment, retell_usd, missing)


def cost_call(
    duration_seconds: Decimal | int,
    combined_cost_cents: Decimal | None,
    card: RateCard,
) -> CallCost:
    """Cost a call: minutes rounded up (61 s = 2 min, 0 s = 0) and Retell's cents."""
    seconds = require_decimal(duration_seconds, "duration_seconds")
    if seconds < 0:
        raise ValidationFailed("A call duration must be 0 seconds or more.",
                               code="invalid_duration")
    minutes = int(seconds // 60) + (1 if seconds % 60 else 0)
    retell_usd, missing = _retell_usd(combined_cost_cents)
    return CallCost(minutes, minutes * card.usd_per_minute, retell_usd, missing)


def _retell_usd(combined_cost_cents: Decimal | None) -> tuple[Decimal, bool]:
    """Retell's cost in USD and whether it was missing (then counted as 0)."""
    if combined_cost_cents is None:
        return _ZERO, True
    if require_decimal(combined_cost_cents, "combined_cost_cents") < 0:
        raise ValidationFailed("A Retell cost must be 0 cents or more.", code="invalid_cost")
    return combined_cost_cents / 100, False

