"""USD usage totals to CAD invoice lines, rounded once per category.

Each of the four categories (Twilio SMS, Twilio voice, Retell chat, Retell
voice) is summed in USD at full precision, converted once at the invoice's rate
and rounded half-up to the cent; a line is the sum of its rounded categories
(the AI line: Retell chat + Retell voice), never rounded again. The markup is
the rounded subtotal times the percentage, rounded; the total is the sum of the
rounded lines, so the stored total equals the sum of the Stripe lines to the cent.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, fields
from decimal import ROUND_HALF_UP, Decimal

from billing.domain.decimals import require_decimal
from billing.domain.errors import ValidationFailed
from billing.domain.periods import Period

#: CAD per USD when no published rate can be had (the spec's figure).
FALLBACK_USD_CAD = Decimal("1.35")

_CENT = Decimal("0.01")
_ZERO = Decimal(0)


def round_cents(amount: Decimal) -> Decimal:
    """``amount`` rounded half-up to the cent (0.005 → 0.01)."""
    return amount.quantize(_CENT, rounding=ROUND_HALF_UP)


def to_cents(amount: Decimal) -> int:
    """``amount`` rounded half-up, as integer cents."""
    return int(round_cents(amount).scaleb(2))


def _require_non_negative(value: Decimal, name: str) -> None:
    if not require_decimal(value, name) >= 0:
        raise ValidationFailed(f"{name} must be 0 or more.",
                               errors=[{"field": name, "message": "must be 0 or more"}])


@dataclass(frozen=True)
class FxRate:
    """CAD per 1 USD, the day it applies to, and its source.

    ``source`` is ``bank_of_canada``, ``fallback`` or ``fixed``.
    """

    rate: Decimal
    date: dt.date
    source: str

    def __post_init__(self) -> None:
        if not require_decimal(self.rate, "rate") > 0:
            raise ValidationFailed("An exchange rate must be more than 0.",
                                   errors=[{"field": "rate", "message": "must be more than 0"}])


@dataclass(frozen=True, kw_only=True)
class UsageTotals:
    """A customer's usage over a period: USD at full precision, and counts."""

    twilio_sms_usd: Decimal = _ZERO
    twilio_voice_usd: Decimal = _ZERO
    retell_chat_usd: Decimal = _ZERO
    retell_voice_usd: Decimal = _ZERO
    chats: int = 0
    calls: int = 0
    sms_segments: int = 0
    call_minutes: int = 0

    def __post_init__(self) -> None:
        for item in fields(self):
            _require_non_negative(getattr(self, item.name), item.name)


@dataclass(frozen=True)
class InvoiceLine:
    """One invoice line (one Stripe invoice item)."""

    key: str  # sms | voice | ai | markup
    description: str
    amount_cad: Decimal
    amount_cents: int


@dataclass(frozen=True)
class InvoiceLines:
    """The lines of an invoice and the figures stored with it, in CAD."""

    lines: tuple[InvoiceLine, ...]
    twilio_sms_cost_cad: Decimal
    twilio_voice_cost_cad: Decimal
    retell_ai_chat_cost_cad: Decimal
    retell_ai_voice_cost_cad: Decimal
    subtotal_cad: Decimal
    markup_percentage: Decimal
    markup_amount_cad: Decimal
    total_amount_cad: Decimal
    fx: FxRate

    @property
    def total_cents(self) -> int:
        """The total in integer cents (equals the sum of the lines' cents)."""
        return to_cents(self.total_amount_cad)


def build_invoice_lines(
    totals: UsageTotals, fx: FxRate, markup_pct: Decimal, period: Period | None = None
) -> InvoiceLines:
    """Invoice lines for ``totals`` at ``fx`` with ``markup_pct`` percent markup.

    Lines with a zero amount are left out. ``period`` (when given) is named in
    the usage lines' descriptions, as on the Stripe invoice.
    """
    _require_non_negative(markup_pct, "markup_percentage")
    sms, voice, chat_ai, voice_ai = (
        round_cents(usd * fx.rate)
        for usd in (totals.twilio_sms_usd, totals.twilio_voice_usd,
                    totals.retell_chat_usd, totals.retell_voice_usd)
    )
    subtotal = sms + voice + chat_ai + voice_ai
    markup = round_cents(subtotal * markup_pct / 100)
    amounts = {"sms": sms, "voice": voice, "ai": chat_ai + voice_ai, "markup": markup}
    texts = _descriptions(totals, markup_pct, period)
    lines = tuple(
        InvoiceLine(key, texts[key], amount, to_cents(amount))
        for key, amount in amounts.items() if amount > 0
    )
    return InvoiceLines(lines, sms, voice, chat_ai, voice_ai, subtotal, markup_pct, markup,
                        subtotal + markup, fx)


def _descriptions(totals: UsageTotals, markup_pct: Decimal,
                  period: Period | None) -> dict[str, str]:
    """The spec's line descriptions."""
    when = f" - {period.label()}" if period else ""
    return {
        "sms": f"SMS Services{when}\n{totals.sms_segments} segments, {totals.chats} conversations",
        "voice": f"Voice Call Services{when}\n"
                 f"{totals.call_minutes} billed minutes (each call rounded up), "
                 f"{totals.calls} calls",
        "ai": f"AI Processing Services{when}\nConversational AI, speech processing",
        "markup": f"Service Markup ({markup_pct.normalize():f}%)",
    }
