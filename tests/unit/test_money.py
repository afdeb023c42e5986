"""CAD invoice lines from USD usage totals: conversion, rounding, markup."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from billing.domain.errors import ValidationFailed
from billing.domain.money import (
    FALLBACK_USD_CAD,
    FxRate,
    InvoiceLine,
    UsageTotals,
    build_invoice_lines,
    round_cents,
    to_cents,
)
from billing.domain.periods import Period

FX = FxRate(Decimal("1.3500"), date(2025, 9, 30), "bank_of_canada")
PAR = FxRate(Decimal(1), date(2025, 9, 30), "fixed")
SEPTEMBER = Period(date(2025, 9, 1), date(2025, 9, 30))

usd = st.decimals(min_value=0, max_value=100_000, places=6)
counts = st.integers(min_value=0, max_value=10_000_000)
usage_totals = st.builds(
    UsageTotals, twilio_sms_usd=usd, twilio_voice_usd=usd, retell_chat_usd=usd,
    retell_voice_usd=usd, chats=counts, calls=counts, sms_segments=counts, call_minutes=counts,
)
fx_rates = st.builds(FxRate, st.decimals(min_value="0.5", max_value="2", places=6),
                     st.just(date(2025, 9, 30)), st.just("bank_of_canada"))
markups = st.decimals(min_value=0, max_value=10_000, places=4)


@pytest.mark.parametrize(
    ("amount", "rounded"),
    [("0.005", "0.01"), ("0.0049999", "0.00"), ("2.675", "2.68"), ("11.205", "11.21"),
     ("1.994999", "1.99"), ("7", "7.00")],
)
def test_amounts_round_half_up_to_the_cent(amount: str, rounded: str) -> None:
    assert str(round_cents(Decimal(amount))) == rounded
    assert to_cents(Decimal(amount)) == int(Decimal(rounded) * 100)


def test_the_fallback_rate_is_the_spec_figure() -> None:
    assert Decimal("1.35") == FALLBACK_USD_CAD


def test_a_thousand_segments_cost_11_21_cad() -> None:
    # 1,000 × 0.0083 USD = 8.3 USD; × 1.35 = 11.205 CAD → 11.21
    totals = UsageTotals(twilio_sms_usd=Decimal("8.3"), sms_segments=1000, chats=25)
    lines = build_invoice_lines(totals, FX, Decimal(0), SEPTEMBER)
    assert lines.lines == (
        InvoiceLine("sms", "SMS Services - 2025-09-01 to 2025-09-30\n"
                    "1000 segments, 25 conversations", Decimal("11.21"), 1121),
    )
    assert (lines.subtotal_cad, lines.markup_amount_cad, lines.total_amount_cad) == (
        Decimal("11.21"), Decimal(0), Decimal("11.21"))


def test_a_full_invoice_worked_by_hand() -> None:
    totals = UsageTotals(
        twilio_sms_usd=Decimal("8.3"),  # × 1.35 = 11.205 → 11.21
        twilio_voice_usd=Decimal("2.64"),  # 120 min × 0.022; × 1.35 = 3.564 → 3.56
        retell_chat_usd=Decimal("12.34567"),  # × 1.35 = 16.6666545 → 16.67
        retell_voice_usd=Decimal("45.6789"),  # × 1.35 = 61.666515 → 61.67
        chats=25, calls=40, sms_segments=1000, call_minutes=120,
    )
    lines = build_invoice_lines(totals, FX, Decimal("15"), SEPTEMBER)
    # subtotal 93.11; markup 93.11 × 15% = 13.9665 → 13.97; total 107.08
    assert [(line.key, line.amount_cents) for line in lines.lines] == [
        ("sms", 1121), ("voice", 356), ("ai", 16_67 + 61_67), ("markup", 1397)]
    assert lines.retell_ai_chat_cost_cad == Decimal("16.67")
    assert lines.retell_ai_voice_cost_cad == Decimal("61.67")
    assert lines.subtotal_cad == Decimal("93.11")
    assert lines.total_amount_cad == Decimal("107.08")
    assert lines.total_cents == 10708
    assert [line.description for line in lines.lines] == [
        "SMS Services - 2025-09-01 to 2025-09-30\n1000 segments, 25 conversations",
        "Voice Call Services - 2025-09-01 to 2025-09-30\n"
        "120 billed minutes (each call rounded up), 40 calls",
        "AI Processing Services - 2025-09-01 to 2025-09-30\nConversational AI, speech processing",
        "Service Markup (15%)",
    ]


def test_ai_chat_and_voice_are_rounded_separately() -> None:
    totals = UsageTotals(retell_chat_usd=Decimal("0.004"), retell_voice_usd=Decimal("0.004"))
    lines = build_invoice_lines(totals, PAR, Decimal(0))
    assert lines.lines == ()
    assert lines.total_amount_cad == Decimal(0)


def test_a_fractional_markup_is_named_as_entered() -> None:
    totals = UsageTotals(twilio_sms_usd=Decimal(10))
    lines = build_invoice_lines(totals, PAR, Decimal("12.5000"))
    assert lines.lines[-1] == InvoiceLine("markup", "Service Markup (12.5%)", Decimal("1.25"), 125)


def test_without_a_period_descriptions_name_none() -> None:
    totals = UsageTotals(twilio_voice_usd=Decimal(1), calls=1, call_minutes=3)
    (line,) = build_invoice_lines(totals, PAR, Decimal(0)).lines
    assert line.description == "Voice Call Services\n3 billed minutes (each call rounded up), 1 calls"


def test_a_negative_markup_or_rate_is_refused() -> None:
    with pytest.raises(ValidationFailed):
        build_invoice_lines(UsageTotals(), FX, Decimal("-1"))
    with pytest.raises(ValidationFailed):
        FxRate(Decimal(0), date(2025, 9, 30), "fixed")


def test_negative_or_float_usage_is_refused() -> None:
    with pytest.raises(ValidationFailed):
        UsageTotals(twilio_sms_usd=Decimal("-0.01"))
    with pytest.raises(ValidationFailed):
        UsageTotals(retell_chat_usd=0.1)


@given(usage_totals, fx_rates, markups)
def test_the_total_is_the_sum_of_the_lines_to_the_cent(totals, fx, markup) -> None:
    lines = build_invoice_lines(totals, fx, markup)
    assert lines.total_cents == sum(line.amount_cents for line in lines.lines)
    assert lines.total_amount_cad == sum((line.amount_cad for line in lines.lines), Decimal(0))
    assert lines.total_amount_cad == lines.subtotal_cad + lines.markup_amount_cad


@given(usage_totals, fx_rates, markups)
def test_lines_are_positive_and_every_figure_is_whole_cents(totals, fx, markup) -> None:
    lines = build_invoice_lines(totals, fx, markup)
    assert all(line.amount_cents > 0 for line in lines.lines)
    figures = (lines.twilio_sms_cost_cad, lines.twilio_voice_cost_cad,
               lines.retell_ai_chat_cost_cad, lines.retell_ai_voice_cost_cad,
               lines.subtotal_cad, lines.markup_amount_cad, lines.total_amount_cad)
    assert all(figure >= 0 and figure == round_cents(figure) for figure in figures)


@given(usage_totals, fx_rates)
def test_each_category_is_within_half_a_cent_of_its_exact_value(totals, fx) -> None:
    lines = build_invoice_lines(totals, fx, Decimal(0))
    pairs = ((totals.twilio_sms_usd, lines.twilio_sms_cost_cad),
             (totals.twilio_voice_usd, lines.twilio_voice_cost_cad),
             (totals.retell_chat_usd, lines.retell_ai_chat_cost_cad),
             (totals.retell_voice_usd, lines.retell_ai_voice_cost_cad))
    assert all(abs(usd * fx.rate - cad) <= Decimal("0.005") for usd, cad in pairs)


@given(usage_totals, fx_rates)
def test_no_markup_means_no_markup_line(totals, fx) -> None:
    lines = build_invoice_lines(totals, fx, Decimal(0))
    assert "markup" not in {line.key for line in lines.lines}
    assert lines.total_amount_cad == lines.subtotal_cad


@given(usage_totals, fx_rates)
def test_a_10000_percent_markup_is_a_hundred_times_the_subtotal(totals, fx) -> None:
    lines = build_invoice_lines(totals, fx, Decimal(10_000))
    assert lines.markup_amount_cad == lines.subtotal_cad * 100
    assert lines.total_amount_cad == lines.subtotal_cad * 101


@given(usage_totals, fx_rates, markups)
def test_markup_is_the_rounded_share_of_the_rounded_subtotal(totals, fx, markup) -> None:
    lines = build_invoice_lines(totals, fx, markup)
    exact = lines.subtotal_cad * markup / 100
    assert abs(lines.markup_amount_cad - exact) <= Decimal("0.005")
