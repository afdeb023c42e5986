"""Strict inputs: half a period is refused, decimals are plain ASCII digits, and a
float handed to a domain constructor is a ValidationFailed, not an AttributeError."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from billing.domain.customers import CustomerCreate
from billing.domain.decimals import plain_decimal
from billing.domain.errors import ValidationFailed
from billing.domain.money import FxRate, UsageTotals, build_invoice_lines
from billing.domain.periods import Preset, resolve_period
from billing.domain.pricing import DEFAULT_RATE_CARD, cost_call, cost_chat
from functions._models import PeriodIn

TODAY = date(2026, 9, 15)
VALID = {"customer_name": "Clinique Laval", "customer_email": "billing@laval.test"}
FX = FxRate(Decimal("1.37"), TODAY, "fixed")


@pytest.mark.parametrize("given", [{"start": "2026-08-01"}, {"end": "2026-08-31"},
                                   {"preset": "custom"}, {"preset": "custom", "end": "2026-08-31"}])
def test_half_a_period_is_invalid_date_range_not_last_month(given):
    with pytest.raises(ValidationFailed) as err:
        PeriodIn.model_validate(given)
    assert err.value.code == "invalid_date_range"


def test_a_custom_period_without_dates_is_refused_by_the_domain_too():
    with pytest.raises(ValidationFailed) as err:
        resolve_period(Preset.PREVIOUS_MONTH, TODAY, date(2026, 8, 1), None)
    assert err.value.code == "invalid_date_range"


def test_a_whole_period_or_a_preset_still_resolves():
    both = PeriodIn.model_validate({"start": "2026-08-01", "end": "2026-08-31"})
    assert both.to_period(TODAY).days == 31
    assert PeriodIn.model_validate({}).to_period(TODAY).start == date(2026, 8, 1)


@pytest.mark.parametrize("text", ["1_000", "١٢", "1e-400", "1E3", "12.5.1", " 1 2", "NaN",
                                  "Infinity", "0x10", "+5", "١.٥", "12,5", ""])
def test_decimal_text_other_than_plain_ascii_digits_is_refused(text):
    assert plain_decimal(text) is None
    with pytest.raises(Exception) as err:
        CustomerCreate.model_validate({**VALID, "markup_percentage": text})
    assert "Markup must be a number" in str(err.value)


@pytest.mark.parametrize(("text", "value"), [("12", "12"), ("12.5", "12.5"), (" 7 ", "7"),
                                             (".5", "0.5"), ("20.", "20")])
def test_plain_decimal_text_is_accepted(text, value):
    assert plain_decimal(text) == Decimal(value)


def test_a_json_number_with_an_exponent_is_refused_as_written():
    # The HTTP layer parses JSON floats as Decimal, so 1e-400 arrives as written.
    with pytest.raises(Exception) as err:
        CustomerCreate.model_validate({**VALID, "markup_percentage": Decimal("1e-400")})
    assert "Markup must be a number" in str(err.value)


@pytest.mark.parametrize("build", [
    lambda: FxRate(1.37, TODAY, "fixed"),
    lambda: build_invoice_lines(UsageTotals(), FX, 12.5),
    lambda: cost_chat([("agent", "hi")], 12.5, DEFAULT_RATE_CARD),
    lambda: cost_call(61, 12.5, DEFAULT_RATE_CARD),
    lambda: cost_call(61.0, Decimal(1), DEFAULT_RATE_CARD),
    lambda: UsageTotals(twilio_sms_usd=0.1),
], ids=["fx_rate", "markup", "retell_chat_cents", "retell_call_cents", "duration", "totals"])
def test_a_float_in_a_domain_constructor_is_a_validation_error(build):
    with pytest.raises(ValidationFailed) as err:
        build()
    assert err.value.code == "invalid_decimal"
