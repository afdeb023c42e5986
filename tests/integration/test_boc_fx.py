"""BocFxClient against the Bank of Canada Valet stand-in."""
from __future__ import annotations

import socket
import time
from datetime import date
from decimal import Decimal

import httpx
import pytest

from billing.adapters.boc_fx import BocFxClient
from billing.domain.errors import UpstreamUnavailable
from billing.domain.money import FxRate
from standins.boc import rate_for
from tests.fixtures.boc import BOC_TODAY


@pytest.fixture
def fx(boc_standin):
    client = BocFxClient(boc_standin.base_url, timeout=0.5)
    yield client
    client.close()


def bank(day: date) -> FxRate:
    return FxRate(rate=rate_for(day), date=day, source="bank_of_canada")


def test_a_business_day_gets_its_own_rate(fx):
    assert fx.rate_on(date(2024, 6, 27)) == bank(date(2024, 6, 27))


@pytest.mark.parametrize("day", [date(2024, 6, 29), date(2024, 6, 30)])
def test_a_weekend_day_gets_the_friday_rate(fx, day):
    assert fx.rate_on(day) == bank(date(2024, 6, 28))


def test_a_holiday_gets_the_last_business_day_before_it(fx):
    assert fx.rate_on(date(2024, 7, 1)) == bank(date(2024, 6, 28))


def test_christmas_and_boxing_day_after_a_weekend_reach_back_to_friday(fx):
    assert fx.rate_on(date(2023, 12, 26)) == bank(date(2023, 12, 22))


def test_the_rate_is_the_published_string_as_an_exact_decimal(fx):
    rate = fx.rate_on(date(2024, 6, 27)).rate

    assert isinstance(rate, Decimal)
    assert str(rate) == str(rate_for(date(2024, 6, 27)))


def test_the_bank_is_asked_for_a_window_ending_on_the_day(fx, boc_standin):
    fx.rate_on(date(2024, 6, 30))

    assert boc_standin.requests == [
        "/valet/observations/FXUSDCAD/json?start_date=2024-06-20&end_date=2024-06-30"]


def test_a_day_after_the_last_publication_gets_the_latest_rate(fx):
    assert fx.rate_on(date(2024, 7, 10)) == bank(BOC_TODAY)


def test_a_day_before_the_series_began_has_no_rate(fx):
    assert fx.rate_on(date(2016, 12, 1)) is None


def test_latest_is_the_most_recent_publication(fx, boc_standin):
    assert fx.latest() == bank(BOC_TODAY)
    assert boc_standin.requests == ["/valet/observations/FXUSDCAD/json?recent=1"]


def test_a_server_error_means_fx_unavailable(fx, boc_standin):
    boc_standin.inject_fault(500)

    with pytest.raises(UpstreamUnavailable) as raised:
        fx.rate_on(date(2024, 6, 27))

    assert raised.value.code == "fx_unavailable"
    assert raised.value.retry_after == 60


def test_a_bank_that_never_answers_is_given_up_on_at_the_timeout(fx, boc_standin):
    boc_standin.inject_fault(hang=True)
    began = time.monotonic()

    with pytest.raises(UpstreamUnavailable) as raised:
        fx.latest()

    assert raised.value.code == "fx_unavailable"
    assert time.monotonic() - began < 3


def test_an_unreachable_bank_means_fx_unavailable():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    client = BocFxClient(f"http://127.0.0.1:{port}/valet", timeout=0.5)

    with pytest.raises(UpstreamUnavailable) as raised:
        client.latest()

    assert raised.value.code == "fx_unavailable"


def test_unusable_or_later_observations_are_skipped():
    observations = [
        {"d": "2024-07-02", "FXUSDCAD": {"v": "1.3900"}},
        {"d": "2024-06-26", "FXUSDCAD": {"v": "1.3700"}},
        {"d": "2024-06-25", "FXUSDCAD": {"v": "1.3650"}},
        {"d": "2024-06-27", "FXUSDCAD": {"v": ""}},
        {"d": "2024-06-28", "FXUSDCAD": {}},
        {"d": "not-a-date", "FXUSDCAD": {"v": "1.3800"}},
        {"d": "2024-06-28", "FXUSDCAD": {"v": "-1"}},
    ]
    transport = httpx.MockTransport(
        lambda request: httpx.Response(200, json={"observations": observations}))

    rate = BocFxClient(transport=transport).rate_on(date(2024, 6, 28))

    assert rate == FxRate(rate=Decimal("1.3700"), date=date(2024, 6, 26), source="bank_of_canada")


def test_an_answer_without_observations_means_fx_unavailable():
    transport = httpx.MockTransport(lambda request: httpx.Response(200, json={"message": "?"}))

    with pytest.raises(UpstreamUnavailable):
        BocFxClient(transport=transport).latest()
