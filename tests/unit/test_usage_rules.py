"""The usage rules (docs/BILLING_TECHNICAL.md, "Usage rules"): Twilio voice minutes only
for a telephone call that connected; Retell's cost for every call Retell charged,
whatever its final status; no SMS segments for an api_chat."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from billing.domain.pricing import DEFAULT_RATE_CARD
from billing.domain.usage import CallUsage, ChatMessage, ChatUsage, billable_call
from billing.usecases.usage_rows import Pricing, draft_row, priced_chat_row

START = datetime(2026, 10, 5, 15, tzinfo=UTC)
PRICING = Pricing(cards=(DEFAULT_RATE_CARD,), zone=ZoneInfo("America/Toronto"),
                  mapped_agents=frozenset({"agent_1"}))


def call(call_type: str = "phone_call", status: str = "ended", seconds: int = 61,
         cents: str | None = "10.5") -> CallUsage:
    return CallUsage(call_id="call_1", agent_id="agent_1", call_type=call_type, status=status,
                     started_at=START, ended_at=START + timedelta(seconds=seconds),
                     duration_ms=seconds * 1000,
                     combined_cost_cents=None if cents is None else Decimal(cents))


def test_a_phone_call_is_billed_twilio_minutes_rounded_up_and_retells_cost():
    row = draft_row(call(seconds=61), PRICING)
    assert (row.billed_minutes, row.twilio_cost_usd) == (2, Decimal("0.044"))
    assert row.retell_cost_usd_cents == Decimal("10.5000")


def test_a_web_call_has_no_twilio_minutes_but_retells_cost_counts():
    row = draft_row(call("web_call", seconds=61), PRICING)
    assert (row.billed_minutes, row.twilio_cost_usd) == (0, 0)
    assert row.retell_cost_usd_cents == Decimal("10.5000")


@pytest.mark.parametrize(("status", "seconds", "minutes"), [
    ("error", 95, 2),          # connected, then failed: Twilio billed the leg
    ("not_connected", 0, 0),   # never connected: no Twilio minutes
])
def test_a_call_retell_charged_is_billed_whatever_its_status(status, seconds, minutes):
    charged = call(status=status, seconds=seconds, cents="3.2")
    assert billable_call(charged)
    row = draft_row(charged, PRICING)
    assert (row.billed_minutes, row.retell_cost_usd_cents) == (minutes, Decimal("3.2000"))


@pytest.mark.parametrize("status", ["error", "not_connected", "ongoing", "registered"])
def test_a_call_that_did_not_end_and_was_not_charged_is_not_billed(status):
    assert not billable_call(call(status=status, cents="0"))
    assert not billable_call(call(status=status, cents=None))


def test_an_ended_call_is_billed_even_without_a_reported_cost():
    assert billable_call(call(cents=None))


def test_an_api_chat_has_no_sms_segments_but_an_sms_chat_does():
    chat = ChatUsage(chat_id="chat_1", agent_id="agent_1", chat_type="api_chat",
                     status="ended", started_at=START, ended_at=START,
                     combined_cost_cents=Decimal("1.25"))
    row = draft_row(chat, PRICING)
    assert (row.sms_segments, row.twilio_cost_usd, row.retell_cost_usd_cents) == (
        0, 0, Decimal("1.2500"))
    sms = ChatUsage(chat_id="chat_2", agent_id="agent_1", chat_type="sms_chat",
                    status="ended", started_at=START, ended_at=START,
                    combined_cost_cents=Decimal("1.25"))
    priced = priced_chat_row(sms, PRICING, [ChatMessage("agent", "Hello"),
                                            ChatMessage("user", "Hi")])
    assert priced.sms_segments == 2 + DEFAULT_RATE_CARD.prompt_segments
