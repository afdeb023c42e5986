"""Per-record costs in USD from a rate card."""
from __future__ import annotations

from dataclasses import fields, replace
from datetime import date
from decimal import Decimal

import pytest

from billing.domain.errors import NotFound, ValidationFailed
from billing.domain.pricing import (
    DEFAULT_RATE_CARD,
    CallCost,
    ChatCost,
    cents_from_vendor,
    cost_call,
    cost_chat,
    rate_card_for,
)

CARD = DEFAULT_RATE_CARD


def test_the_default_card_has_the_spec_figures() -> None:
    assert CARD.usd_per_segment == Decimal("0.0083")
    assert CARD.usd_per_minute == Decimal("0.022")
    assert CARD.prompt_segments == 4
    assert CARD.segment_rules == "toll_free"


def test_the_card_in_force_is_the_latest_effective_on_or_before_the_day() -> None:
    march = replace(CARD, id="march", effective_from=date(2026, 3, 1))
    june = replace(CARD, id="june", effective_from=date(2026, 6, 1))
    cards = [june, CARD, march]
    assert rate_card_for(cards, date(2026, 5, 31)) is march
    assert rate_card_for(cards, date(2026, 6, 1)) is june
    assert rate_card_for(cards, date(2000, 1, 1)) is CARD


def test_no_card_in_force_is_an_error() -> None:
    with pytest.raises(NotFound) as raised:
        rate_card_for([CARD], date(1999, 12, 31))
    assert raised.value.code == "rate_card_not_found"


def test_a_card_with_unknown_rules_or_negative_rates_is_refused() -> None:
    with pytest.raises(ValidationFailed) as raised:
        replace(CARD, usd_per_minute=Decimal("-0.01"), segment_rules="carrier_pigeon")
    assert {e["field"] for e in raised.value.errors} == {"usd_per_minute", "segment_rules"}


def test_a_chat_costs_its_sms_segments_plus_the_prompt_and_retell_cents() -> None:
    messages = [
        ("agent", "Hi, your appointment is tomorrow at 10:30."),  # 1
        ("user", "a" * 161),  # 2
        ("sms", "ç" * 133),  # 3 with 66-unit concatenated segments
        ("tool_call_invocation", "lookup_appointment"),
        ("node_transition", "confirm"),
        ("injected", "context"),
        ("agent", ""),
        ("user", None),
    ]
    cost = cost_chat(messages, Decimal("123.456"), CARD)
    assert cost == ChatCost(
        message_count=3,
        segments=4 + 1 + 2 + 3,
        twilio_sms_usd=Decimal("0.0830"),
        retell_usd=Decimal("1.23456"),
        cost_missing=False,
    )


def test_a_chat_is_counted_with_the_cards_segment_rules() -> None:
    standard = replace(CARD, segment_rules="standard")
    assert cost_chat([("sms", "ç" * 133)], Decimal(0), standard).segments == 4 + 2


def test_a_chat_without_messages_still_pays_for_the_prompt() -> None:
    cost = cost_chat([], Decimal(0), CARD)
    assert (cost.message_count, cost.segments, cost.twilio_sms_usd) == (0, 4, Decimal("0.0332"))


def test_a_missing_retell_cost_counts_as_zero_and_is_flagged() -> None:
    cost = cost_chat([("agent", "Hello")], None, CARD)
    assert (cost.retell_usd, cost.cost_missing) == (Decimal(0), True)


def test_the_chat_cost_keeps_no_message_text() -> None:
    cost = cost_chat([("user", "my secret words")], Decimal(1), CARD)
    assert {f.name for f in fields(cost)} == {
        "message_count", "segments", "twilio_sms_usd", "retell_usd", "cost_missing"
    }
    assert "secret" not in repr(cost)


@pytest.mark.parametrize(
    ("seconds", "minutes"),
    [(0, 0), (1, 1), (59, 1), (60, 1), (61, 2), (Decimal("60.001"), 2), (3600, 60)],
)
def test_a_call_is_billed_per_started_minute(seconds: Decimal | int, minutes: int) -> None:
    cost = cost_call(seconds, Decimal("250"), CARD)
    assert cost == CallCost(minutes, minutes * Decimal("0.022"), Decimal("2.5"), False)


def test_a_call_without_a_retell_cost_is_flagged() -> None:
    assert cost_call(90, None, CARD) == CallCost(2, Decimal("0.044"), Decimal(0), True)


@pytest.mark.parametrize("seconds", [-1, Decimal("NaN")])
def test_an_impossible_duration_is_refused(seconds: Decimal | int) -> None:
    with pytest.raises(ValidationFailed):
        cost_call(seconds, Decimal(0), CARD)


@pytest.mark.parametrize("cents", [Decimal("-0.5"), Decimal("Infinity")])
def test_an_impossible_retell_cost_is_refused(cents: Decimal) -> None:
    with pytest.raises(ValidationFailed):
        cost_chat([], cents, CARD)


@pytest.mark.parametrize(
    ("vendor", "expected"),
    [(12.3, Decimal("12.3")), (0.1, Decimal("0.1")), (7, Decimal(7)), ("0.5", Decimal("0.5")),
     (None, None)],
)
def test_vendor_cents_convert_through_their_decimal_text(vendor, expected) -> None:
    assert cents_from_vendor(vendor) == expected
