"""When the hourly run invoices: the billing day and hour in the billing time
zone, across month and year ends and DST changes; a missed billing moment is
caught up once; switching automation on never bills at once."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from billing.domain.periods import Period
from billing.usecases.auto_invoicing import billing_moment, due_period
from tests.integration.test_auto_invoicing import (
    BILLING_MOMENT,
    OCTOBER,
    enable_automation,
    hourly_at,
)

TZ = "America/Toronto"
ON = datetime(2020, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize(("now", "day", "time", "period"), [
    # Year end: Jan 1 00:00 Toronto = 05:00 UTC invoices December.
    (datetime(2027, 1, 1, 5, 0, tzinfo=UTC), 1, "00:00", (date(2026, 12, 1), date(2026, 12, 31))),
    # One minute earlier it is still Dec 31 in Toronto: November was the last due month.
    (datetime(2027, 1, 1, 4, 59, tzinfo=UTC), 1, "00:00", (date(2026, 11, 1), date(2026, 11, 30))),
    # February has 28 days in 2027; billing on the 28th of March bills February.
    (datetime(2027, 3, 28, 12, tzinfo=UTC), 28, "08:00", (date(2027, 2, 1), date(2027, 2, 28))),
    # Leap year.
    (datetime(2028, 3, 1, 12, tzinfo=UTC), 1, "00:00", (date(2028, 2, 1), date(2028, 2, 29))),
    # Before the 15th at 23:00, the due month is the one billed on the 15th of last month.
    (datetime(2026, 11, 15, 12, tzinfo=UTC), 15, "23:00", (date(2026, 9, 1), date(2026, 9, 30))),
])
def test_the_due_month_is_the_one_before_the_latest_billing_moment(now, day, time, period):
    assert due_period(now, TZ, day, time, ON)[0] == Period(*period)


def test_a_skipped_hour_of_spring_forward_bills_when_the_clock_jumps():
    # Mar 14 2027: 02:00 EST does not exist in Toronto; clocks go to 03:00 EDT = 07:00 UTC.
    assert billing_moment(2027, 3, 14, "02:00", TZ) == datetime(2027, 3, 14, 7, tzinfo=UTC)
    before = due_period(datetime(2027, 3, 14, 6, 59, tzinfo=UTC), TZ, 14, "02:00", ON)
    after = due_period(datetime(2027, 3, 14, 7, 0, tzinfo=UTC), TZ, 14, "02:00", ON)
    assert before[0].start == date(2027, 1, 1) and after[0].start == date(2027, 2, 1)


def test_the_repeated_hour_of_fall_back_bills_at_its_first_pass():
    # Nov 1 2026: 01:00 happens at 05:00 UTC (EDT) and again at 06:00 UTC (EST).
    assert billing_moment(2026, 11, 1, "01:00", TZ) == datetime(2026, 11, 1, 5, tzinfo=UTC)


def test_a_billing_moment_before_automation_was_switched_on_is_not_due():
    switched_on = datetime(2026, 11, 5, tzinfo=UTC)
    assert due_period(datetime(2026, 11, 15, tzinfo=UTC), TZ, 1, "06:00", switched_on) is None
    assert due_period(datetime(2026, 12, 1, 11, tzinfo=UTC), TZ, 1, "06:00", switched_on)[0] \
        == Period(date(2026, 11, 1), date(2026, 11, 30))


def test_the_timer_waits_for_the_billing_hour(auto_world, world_deps, admin_conn):
    run = hourly_at(world_deps, BILLING_MOMENT - timedelta(minutes=1))
    assert run.auto_invoice.status == "not_due"
    assert admin_conn.execute("select count(*) from invoice_records").fetchone()[0] == 0
    assert hourly_at(world_deps, BILLING_MOMENT).auto_invoice.period == OCTOBER


def test_across_the_fall_back_night_the_month_is_invoiced_once(auto_world, world_deps,
                                                               admin_conn):
    admin_conn.execute("update billing_settings set auto_invoice_time = '01:00'")
    first_pass, second_pass = (datetime(2026, 11, 1, h, 5, tzinfo=UTC) for h in (5, 6))
    assert hourly_at(world_deps, first_pass - timedelta(hours=1)).auto_invoice.status == "not_due"
    assert hourly_at(world_deps, first_pass).auto_invoice.status == "queued"
    assert hourly_at(world_deps, second_pass).auto_invoice.status == "done"
    assert admin_conn.execute("select count(*) from invoice_records").fetchone()[0] == 2


def test_across_the_spring_forward_night_the_skipped_hour_still_bills(auto_world, world_deps,
                                                                      admin_conn):
    admin_conn.execute("update billing_settings set auto_invoice_day_of_month = 14,"
                       " auto_invoice_time = '02:00'")
    # 00:05 and 01:05 EST are before the billing moment: January (billed on Feb 14) is
    # the due month; the next hourly run is at 03:05 EDT, and bills February.
    outcomes = [hourly_at(world_deps, datetime(2027, 3, 14, h, 5, tzinfo=UTC)).auto_invoice
                for h in (5, 6, 7, 8)]
    assert [o.period.start for o in outcomes] == [date(2027, 1, 1)] * 2 + [date(2027, 2, 1)] * 2
    assert [o.status for o in outcomes[2:]] == ["queued", "done"]
    assert admin_conn.execute("select count(*) from billing_auto_invoice_runs"
                              " where period_start = '2027-02-01'").fetchone()[0] == 1


def test_a_missed_billing_day_is_caught_up_once(auto_world, world_deps, admin_conn):
    # The app was down from Oct 31 to Nov 3: the first hourly run after that invoices.
    hourly_at(world_deps, datetime(2026, 10, 31, 12, tzinfo=UTC))
    caught_up = hourly_at(world_deps, datetime(2026, 11, 3, 14, 5, tzinfo=UTC)).auto_invoice
    assert (caught_up.status, caught_up.period) == ("queued", OCTOBER)
    for hours in (1, 2, 30):
        later = datetime(2026, 11, 3, 14, 5, tzinfo=UTC) + timedelta(hours=hours)
        assert hourly_at(world_deps, later).auto_invoice.status == "done"
    assert admin_conn.execute("select count(*) from invoice_records").fetchone()[0] == 2


def test_after_a_long_outage_only_the_latest_month_is_caught_up(auto_world, world_deps,
                                                                admin_conn):
    outcome = hourly_at(world_deps, datetime(2027, 1, 10, 12, tzinfo=UTC)).auto_invoice
    assert outcome.period == Period(date(2026, 12, 1), date(2026, 12, 31))
    months = [r[0] for r in admin_conn.execute(
        "select period_start from billing_auto_invoice_runs")]
    assert months == [date(2026, 12, 1)]


def test_switching_automation_on_after_the_billing_day_waits_for_the_next_one(
        auto_world, world_deps, admin_conn):
    admin_conn.execute("update billing_settings set auto_invoice_enabled_at = %s",
                       [datetime(2026, 11, 10, tzinfo=UTC)])
    assert hourly_at(world_deps, datetime(2026, 11, 15, tzinfo=UTC)).auto_invoice.status \
        == "not_due"
    december = hourly_at(world_deps, datetime(2026, 12, 1, 11, tzinfo=UTC)).auto_invoice
    assert december.period == Period(date(2026, 11, 1), date(2026, 11, 30))


def test_moving_the_billing_day_later_never_bills_an_older_month(auto_world, world_deps,
                                                                  admin_conn):
    hourly_at(world_deps, BILLING_MOMENT)  # October, on Nov 1
    admin_conn.execute("update billing_settings set auto_invoice_day_of_month = 28")
    # On Nov 10 the latest 28th is Oct 28, which would bill September: not any more.
    assert hourly_at(world_deps, datetime(2026, 11, 10, tzinfo=UTC)).auto_invoice.status \
        == "done"
    assert [r[0] for r in admin_conn.execute(
        "select period_start from billing_auto_invoice_runs")] == [date(2026, 10, 1)]
    assert hourly_at(world_deps, datetime(2026, 12, 28, 12, tzinfo=UTC)).auto_invoice.period \
        == Period(date(2026, 11, 1), date(2026, 11, 30))


def test_with_automation_off_nothing_is_invoiced(auto_world, world_deps, admin_conn):
    admin_conn.execute("update billing_settings set auto_invoice_enabled = false")
    assert hourly_at(world_deps, BILLING_MOMENT).auto_invoice.status == "disabled"


@pytest.fixture
def auto_world(world, admin_conn):
    enable_automation(admin_conn, customers=[world.customers[n] for n in ("acme", "beta")])
    return world
