"""USD→CAD for invoices: stored once per day, last observation on or before,
fallback surfaced, fixed mode, latest cached five minutes."""
from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from billing.adapters.boc_fx import BocFxClient
from billing.adapters.clock import ManualClock
from billing.usecases.fx import FxService
from tests.fixtures.boc import BOC_TODAY


@pytest.fixture
def clock():
    return ManualClock(datetime(2024, 7, 3, 18, tzinfo=UTC))


@pytest.fixture
def fx(boc_standin, clock):
    return FxService(BocFxClient(boc_standin.base_url), clock=clock)


def test_a_sunday_uses_fridays_observation_and_is_stored_once(fx, boc_standin, db):
    with db.system_session("test") as conn:
        rate = fx.rate_for(conn, date(2024, 6, 30))
    assert rate.source == "bank_of_canada" and rate.date == date(2024, 6, 28)
    asked = len(boc_standin.requests)
    with db.system_session("test") as conn:
        again = fx.rate_for(conn, date(2024, 6, 30))
        stored = conn.execute("select usd_cad, observed_on from fx_rates").fetchall()
    assert again == rate
    assert len(boc_standin.requests) == asked
    assert stored == [{"usd_cad": rate.rate, "observed_on": date(2024, 6, 28)}]


def test_canada_day_uses_the_business_day_before(fx, db):
    with db.system_session("test") as conn:
        assert fx.rate_for(conn, date(2024, 7, 1)).date == date(2024, 6, 28)


def test_an_unreachable_bank_gives_the_fallback_and_stores_nothing(fx, boc_standin, db):
    boc_standin.inject_fault(500, count=10)
    with db.system_session("test") as conn:
        rate = fx.rate_for(conn, date(2024, 6, 27))
        stored = conn.execute("select count(*) as n from fx_rates").fetchone()["n"]
    assert (rate.rate, rate.source) == (Decimal("1.35"), "fallback")
    assert stored == 0


def test_fixed_mode_never_asks_the_bank(boc_standin, clock, db):
    service = FxService(BocFxClient(boc_standin.base_url), clock=clock,
                        fixed_rate=Decimal("1.4000"))
    with db.system_session("test") as conn:
        rate = service.rate_for(conn, date(2024, 6, 27))
    assert (rate.rate, rate.source) == (Decimal("1.4000"), "fixed")
    assert boc_standin.requests == []


def test_latest_is_cached_for_five_minutes(fx, boc_standin, clock, db):
    with db.system_session("test") as conn:
        first = fx.latest(conn)
        asked = len(boc_standin.requests)
        clock.advance(minutes=4)
        assert fx.latest(conn) == first and len(boc_standin.requests) == asked
        clock.advance(minutes=2)
        fx.latest(conn)
    assert len(boc_standin.requests) == asked + 1
    assert first.date <= BOC_TODAY


def test_latest_falls_back_to_the_last_stored_rate(fx, boc_standin, db):
    with db.system_session("test") as conn:
        stored = fx.rate_for(conn, date(2024, 6, 27))
        boc_standin.inject_fault(500, count=10)
        assert fx.latest(conn) == stored
