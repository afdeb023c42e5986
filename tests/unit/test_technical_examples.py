"""The worked examples of docs/BILLING_TECHNICAL.md ("Cost rules"), computed
with the product's own functions; each test also finds its figures in the doc,
so the doc and the code cannot drift apart."""
from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from billing.domain.money import FxRate, UsageTotals, build_invoice_lines
from billing.domain.periods import Period
from billing.domain.pricing import DEFAULT_RATE_CARD, cost_call, cost_chat
from billing.domain.sms import TOLL_FREE, count_segments

DOC = Path(__file__).resolve().parents[2] / "docs" / "BILLING_TECHNICAL.md"


def doc_text() -> str:
    """The doc with runs of spaces collapsed (table padding does not matter)."""
    return re.sub(r"[ \t]+", " ", DOC.read_text(encoding="utf-8"))


def assert_in_doc(*snippets: str) -> None:
    text = doc_text()
    for snippet in snippets:
        assert re.sub(r"[ \t]+", " ", snippet) in text, f"not in BILLING_TECHNICAL.md: {snippet}"


SEGMENT_EXAMPLES = [
    ('"Your appointment is confirmed for Tuesday at 10:00. Reply C to cancel."',
     "Your appointment is confirmed for Tuesday at 10:00. Reply C to cancel.", "GSM-7", 70, 1),
    ('160 × "A"', "A" * 160, "GSM-7", 160, 1),
    ('161 × "A"', "A" * 161, "GSM-7", 161, 2),
    ('304 × "A"', "A" * 304, "GSM-7", 304, 2),
    ('305 × "A"', "A" * 305, "GSM-7", 305, 3),
    ('"Total: 25€" + 150 × "A"', "Total: 25€" + "A" * 150, "GSM-7", 161, 2),
    ('"Votre rendez-vous est confirmé pour mardi à 10 h."',
     "Votre rendez-vous est confirmé pour mardi à 10 h.", "GSM-7", 49, 1),
    ('70 × "ê"', "ê" * 70, "UCS-2", 70, 1),
    ('71 × "ê"', "ê" * 71, "UCS-2", 71, 2),
    ('132 × "ê"', "ê" * 132, "UCS-2", 132, 2),
    ('133 × "ê"', "ê" * 133, "UCS-2", 133, 3),
    ('"Merci 👍"', "Merci 👍", "UCS-2", 8, 1),
]


@pytest.mark.parametrize(("label", "text", "encoding", "units", "segments"), SEGMENT_EXAMPLES,
                         ids=[example[0] for example in SEGMENT_EXAMPLES])
def test_segment_examples(label, text, encoding, units, segments):
    counted = count_segments(text, TOLL_FREE)
    assert (counted.encoding, counted.units, counted.segments) == (encoding, units, segments)
    assert_in_doc(f"| {label} | {encoding} | {units} | {segments} |")


def test_the_default_rate_card_is_the_one_documented():
    card = DEFAULT_RATE_CARD
    assert (card.usd_per_segment, card.usd_per_minute, card.prompt_segments,
            card.segment_rules) == (Decimal("0.0083"), Decimal("0.022"), 4, "toll_free")
    assert TOLL_FREE.gsm_single == 160 and TOLL_FREE.gsm_multi == 152
    assert TOLL_FREE.ucs2_single == 70 and TOLL_FREE.ucs2_multi == 66
    assert_in_doc("0.0083 USD per segment", "0.022 USD per minute", "4 prompt segments",
                  "GSM-7 160 / 152", "UCS-2 70 / 66")


def test_chat_example():
    messages = [
        ("agent", "Hi! This is CareXPS. Your appointment is confirmed for Tuesday at 10:00."),
        ("user", "Thanks, see you then"),
        ("agent", "A" * 200),
        ("tool_call_invocation", "lookup_appointment"),
    ]
    chat = cost_chat(messages, Decimal("2.5"), DEFAULT_RATE_CARD)
    assert chat.message_count == 3
    assert chat.segments == 8
    assert chat.twilio_sms_usd == Decimal("0.0664")
    assert chat.retell_usd == Decimal("0.025")
    assert_in_doc("(1 + 1 + 2) + 4 = 8 segments", "8 × 0.0083 = 0.0664 USD",
                  "2.5 cents / 100 = 0.025 USD")


CALL_EXAMPLES = [(0, 0, "0.000"), (59, 1, "0.022"), (60, 1, "0.022"), (61, 2, "0.044"),
                 (125.4, 3, "0.066"), (3600, 60, "1.320")]


@pytest.mark.parametrize(("seconds", "minutes", "usd"), CALL_EXAMPLES,
                         ids=[str(example[0]) for example in CALL_EXAMPLES])
def test_call_examples(seconds, minutes, usd):
    call = cost_call(Decimal(str(seconds)), Decimal("14.7"), DEFAULT_RATE_CARD)
    assert call.billed_minutes == minutes
    assert call.twilio_voice_usd == Decimal(usd)
    assert call.retell_usd == Decimal("0.147")
    assert_in_doc(f"| {seconds} s | {minutes} | {usd} |")


MONTH = Period(date(2026, 10, 1), date(2026, 10, 31))
FX = FxRate(Decimal("1.3712"), date(2026, 10, 30), "bank_of_canada")
TOTALS = UsageTotals(twilio_sms_usd=Decimal("12.3456"), twilio_voice_usd=Decimal("4.5678"),
                     retell_chat_usd=Decimal("10.001"), retell_voice_usd=Decimal("20.0049"),
                     chats=40, calls=25, sms_segments=1487, call_minutes=208)


def test_invoice_example_categories_are_converted_once_and_rounded_half_up():
    lines = build_invoice_lines(TOTALS, FX, Decimal("15"), MONTH)
    rows = [("Twilio SMS", "12.3456", "16.92828672", lines.twilio_sms_cost_cad, "16.93"),
            ("Twilio voice", "4.5678", "6.26336736", lines.twilio_voice_cost_cad, "6.26"),
            ("Retell chat", "10.001", "13.7133712", lines.retell_ai_chat_cost_cad, "13.71"),
            ("Retell voice", "20.0049", "27.43071888", lines.retell_ai_voice_cost_cad, "27.43")]
    for name, usd, exact, rounded, shown in rows:
        assert Decimal(usd) * FX.rate == Decimal(exact)
        assert rounded == Decimal(shown)
        assert_in_doc(f"| {name} | {usd} | {exact} | {shown} |")
    assert lines.subtotal_cad == Decimal("64.33")
    assert lines.markup_amount_cad == Decimal("9.65")
    assert lines.total_amount_cad == Decimal("73.98")
    assert lines.total_cents == 7398
    assert_in_doc("| Subtotal | | | 64.33 |", "64.33 × 15 / 100 = 9.6495", "| Markup 15% | | | 9.65 |",
                  "| Total | | | 73.98 |")


def test_invoice_example_lines_as_sent_to_stripe():
    lines = build_invoice_lines(TOTALS, FX, Decimal("15"), MONTH)
    got = [(line.key, line.amount_cents) for line in lines.lines]
    assert got == [("sms", 1693), ("voice", 626), ("ai", 4114), ("markup", 965)]
    assert sum(cents for _, cents in got) == lines.total_cents
    assert lines.lines[0].description == ("SMS Services - 2026-10-01 to 2026-10-31\n"
                                          "1487 segments, 40 conversations")
    assert lines.lines[3].description == "Service Markup (15%)"
    assert_in_doc("| sms | 1693 |", "| voice | 626 |", "| ai | 4114 |", "| markup | 965 |",
                  "13.71 + 27.43 = 41.14")


def test_rounding_is_half_up():
    lines = build_invoice_lines(UsageTotals(twilio_sms_usd=Decimal("1.00")),
                                FxRate(Decimal("1.365"), date(2026, 10, 30), "bank_of_canada"),
                                Decimal("0"))
    assert lines.twilio_sms_cost_cad == Decimal("1.37")
    assert_in_doc("1.00 USD × 1.365 = 1.365 → 1.37 CAD")


def test_rounding_is_per_category_and_zero_lines_are_left_out():
    tiny = UsageTotals(twilio_sms_usd=Decimal("0.003"), twilio_voice_usd=Decimal("0.003"))
    lines = build_invoice_lines(tiny, FxRate(Decimal("1.35"), date(2026, 10, 31), "fallback"),
                                Decimal("0"))
    assert lines.twilio_sms_cost_cad == lines.twilio_voice_cost_cad == Decimal("0.00")
    assert lines.total_amount_cad == Decimal("0.00")
    assert lines.lines == ()
    assert_in_doc("0.003 USD × 1.35 = 0.00405 → 0.00 CAD")


# The admin guide's error table lists every problem+json code the code can answer with.

SOURCES = [Path(__file__).resolve().parents[2] / part for part in ("billing", "functions")]
GUIDE = Path(__file__).resolve().parents[2] / "docs" / "BILLING_ADMIN_GUIDE.md"


def codes_in_source() -> set[str]:
    from billing.adapters.postgres.customers_sql import _CONFLICTS
    from billing.adapters.stripe_gateway import ERROR_MAP

    codes = {code for _, _, code, _ in ERROR_MAP} | {code for code, _ in _CONFLICTS.values()}
    codes.add("internal_error")
    for folder in SOURCES:
        for path in folder.rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            codes |= set(re.findall(r'\bcode="([a-z_]+)"', text))
            codes |= set(re.findall(r'^\s+code = "([a-z_]+)"', text, re.MULTILINE))
    return codes


def test_every_error_code_is_explained_in_the_admin_guide():
    guide = GUIDE.read_text(encoding="utf-8")
    missing = sorted(code for code in codes_in_source() if f"`{code}`" not in guide)
    assert not missing, f"codes missing from BILLING_ADMIN_GUIDE.md: {missing}"


# "Usage rules": each worked example computed with the product's row builder.

def _call_row(call_type: str, status: str, seconds: float, cents: str | None):
    from datetime import UTC, datetime, timedelta
    from zoneinfo import ZoneInfo

    from billing.domain.usage import CallUsage
    from billing.usecases.usage_rows import Pricing, draft_row

    start = datetime(2026, 10, 5, 15, tzinfo=UTC)
    call = CallUsage(call_id="c", agent_id="a", call_type=call_type, status=status,
                     started_at=start, ended_at=start + timedelta(seconds=seconds),
                     duration_ms=int(seconds * 1000),
                     combined_cost_cents=None if cents is None else Decimal(cents))
    pricing = Pricing(cards=(DEFAULT_RATE_CARD,), zone=ZoneInfo("America/Toronto"),
                      mapped_agents=frozenset({"a"}))
    return call, draft_row(call, pricing)


@pytest.mark.parametrize(("call_type", "label", "minutes", "twilio"), [
    ("phone_call", "`phone_call`, `ended`", 3, "0.066"),
    ("web_call", "`web_call`, `ended`", 0, "0.000"),
])
def test_usage_rule_twilio_minutes_only_for_telephone_calls(call_type, label, minutes, twilio):
    _, row = _call_row(call_type, "ended", 125.4, "14.7")
    assert (row.billed_minutes, row.twilio_cost_usd) == (minutes, Decimal(twilio))
    assert row.retell_cost_usd_cents / 100 == Decimal("0.147")
    assert_in_doc(f"| {label} | {minutes} | {twilio} | 0.147 |")


@pytest.mark.parametrize(("status", "seconds", "cents", "label", "cells"), [
    ("error", 95, "3.2", "`phone_call`, `error` after 95 s", "| yes | 2 | 0.044 | 0.032 |"),
    ("not_connected", 0, "3.2", "`phone_call`, `not_connected`, 0 s",
     "| yes | 0 | 0.000 | 0.032 |"),
    ("error", 95, "0", "`phone_call`, `error`, no charge", "| no | — | — | — |"),
])
def test_usage_rule_every_charged_call_is_billed(status, seconds, cents, label, cells):
    from billing.domain.usage import billable_call

    call, row = _call_row("phone_call", status, seconds, cents)
    kept = billable_call(call)
    assert kept == cells.startswith("| yes")
    if kept:
        minutes, twilio, retell = (c.strip() for c in cells.split("|")[2:5])
        assert (row.billed_minutes, row.twilio_cost_usd) == (int(minutes), Decimal(twilio))
        assert row.retell_cost_usd_cents / 100 == Decimal(retell)
    assert_in_doc(f"| {label} {cells}")


def test_usage_rule_an_api_chat_has_no_sms_segments():
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    from billing.domain.usage import ChatUsage
    from billing.usecases.usage_rows import Pricing, draft_row

    start = datetime(2026, 10, 5, 15, tzinfo=UTC)
    chat = ChatUsage(chat_id="h", agent_id="a", chat_type="api_chat", status="ended",
                     started_at=start, ended_at=start, combined_cost_cents=Decimal("1.25"))
    row = draft_row(chat, Pricing(cards=(DEFAULT_RATE_CARD,), zone=ZoneInfo("America/Toronto"),
                                  mapped_agents=frozenset({"a"})))
    assert (row.sms_segments, row.twilio_cost_usd) == (0, 0)
    assert row.retell_cost_usd_cents / 100 == Decimal("0.0125")
    assert_in_doc("`api_chat` → 0 segments, Twilio 0.0000 USD, Retell 0.0125 USD")


def test_the_documented_sync_overlap_is_the_real_one():
    from billing.usecases.usage_sync import DEFAULT_OVERLAP

    hours = int(DEFAULT_OVERLAP.total_seconds() // 3600)
    assert_in_doc(f"high-water mark minus {hours} hours")
    assert "minus 2 hours" not in doc_text()


def test_the_rounding_is_stated_once_and_matches_the_code():
    lines = build_invoice_lines(TOTALS, FX, Decimal("15"), MONTH)
    ai = next(line for line in lines.lines if line.key == "ai")
    assert ai.amount_cad == lines.retell_ai_chat_cost_cad + lines.retell_ai_voice_cost_cad
    assert_in_doc("so the AI line is Retell chat (rounded) + Retell voice (rounded)")
    assert lines.lines[1].description.endswith("208 billed minutes (each call rounded up), 25 calls")
    assert_in_doc("208 billed minutes (each call rounded up), 25 calls")
