"""Billing periods are whole local days; presets; DST and month ends."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from billing.domain.errors import ValidationFailed
from billing.domain.periods import (
    Period,
    Preset,
    local_today,
    month_of,
    previous_month,
    resolve_period,
)

TZ = "America/Toronto"


def test_previous_month_across_a_year_end():
    assert previous_month(date(2026, 1, 15)) == Period(date(2025, 12, 1), date(2025, 12, 31))


def test_february_of_a_leap_year():
    assert month_of(date(2028, 2, 10)) == Period(date(2028, 2, 1), date(2028, 2, 29))


def test_presets():
    today = date(2026, 11, 27)
    assert resolve_period(Preset.CURRENT_MONTH, today) == Period(date(2026, 11, 1), today)
    assert resolve_period(Preset.LAST_30_DAYS, today) == Period(date(2026, 10, 29), today)
    assert resolve_period(Preset.PREVIOUS_MONTH, today) == Period(date(2026, 10, 1),
                                                                   date(2026, 10, 31))
    custom = resolve_period(Preset.CUSTOM, today, date(2026, 3, 1), date(2026, 3, 9))
    assert custom.days == 9


def test_custom_without_dates_is_refused():
    with pytest.raises(ValidationFailed) as info:
        resolve_period(Preset.CUSTOM, date(2026, 11, 27))
    assert info.value.code == "invalid_date_range"


def test_end_before_start_is_refused_with_the_spec_message():
    with pytest.raises(ValidationFailed, match="End date must be after start date"):
        Period(date(2026, 3, 2), date(2026, 3, 1))


def test_at_most_366_days():
    Period(date(2028, 1, 1), date(2028, 12, 31))
    with pytest.raises(ValidationFailed) as info:
        Period(date(2026, 1, 1), date(2027, 1, 2))
    assert info.value.code == "period_too_long"


def test_utc_bounds_follow_dst_in_toronto():
    # 2026-03-08 is the spring-forward day; 2026-11-01 falls back.
    lo, hi = Period(date(2026, 3, 1), date(2026, 3, 31)).utc_bounds(TZ)
    assert lo.astimezone(UTC) == datetime(2026, 3, 1, 5, tzinfo=UTC)
    assert hi.astimezone(UTC) == datetime(2026, 4, 1, 4, tzinfo=UTC)
    lo, hi = Period(date(2026, 11, 1), date(2026, 11, 1)).utc_bounds(TZ)
    assert (hi - lo) == timedelta(hours=25)


def test_late_evening_on_the_last_day_belongs_to_that_month():
    lo, hi = Period(date(2026, 10, 1), date(2026, 10, 31)).utc_bounds(TZ)
    moment = datetime(2026, 11, 1, 3, 30, tzinfo=UTC)  # 23:30 on Oct 31 in Toronto
    assert lo <= moment < hi
    assert local_today(moment, TZ) == date(2026, 10, 31)


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31)))
def test_consecutive_months_tile_time_without_gaps(day):
    month = month_of(day)
    following = month_of(month.end + timedelta(days=1))
    assert month.utc_bounds(TZ)[1] == following.utc_bounds(TZ)[0]
    assert month.start.day == 1 and 28 <= month.days <= 31
