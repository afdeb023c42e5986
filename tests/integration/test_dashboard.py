"""The dashboard's figures equal sums computed here, in Python, from the usage
we inserted: months in the billing time zone, markup per customer, trend,
empty months, pending and recent invoices."""
from __future__ import annotations

import calendar
import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

import pytest

from billing.adapters.clock import ManualClock
from billing.adapters.postgres.dashboard_sql import split_by_month
from billing.domain.periods import Period
from billing.usecases.dashboard import build_dashboard
from billing.usecases.fx import FxService
from tests.fixtures.db import create_user
from tests.fixtures.world import add_customer, add_usage, map_agent

TZ = "America/Toronto"
TORONTO = ZoneInfo(TZ)
NOW = datetime(2026, 11, 15, 12, 0, tzinfo=TORONTO)
RATE = Decimal("1.3712")
MARKUPS = {"agent_a": Decimal("0"), "agent_b": Decimal("20"), "agent_c": Decimal("12.5")}


def cad(usd: Decimal) -> Decimal:
    """USD at the test rate, rounded half-up to the cent."""
    return (usd * RATE).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def local(y: int, m: int, d: int, hh: int = 12, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=TORONTO).astimezone(UTC)


@dataclass
class Ledger:
    """The usage rows inserted, and each agent's customer markup (None: unattributed)."""

    rows: list[dict] = field(default_factory=list)

    def window(self, start: date, end: date) -> dict[str, Decimal]:
        """Independent sums of the rows started in [start, end] local days."""
        picked = [r for r in self.rows
                  if start <= r["started_at"].astimezone(TORONTO).date() <= end]
        out = dict.fromkeys(("sms", "voice", "retell", "usage", "billable", "unattributed"),
                            Decimal(0))
        for r in picked:
            retell = r["retell_cost_usd_cents"] / 100
            cost = r["twilio_cost_usd"] + retell
            out["sms" if r["source"] == "retell_chat" else "voice"] += r["twilio_cost_usd"]
            out["retell"] += retell
            out["usage"] += cost
            markup = MARKUPS.get(r["agent_id"])
            if markup is None:
                out["unattributed"] += cost
            else:
                out["billable"] += cost * (1 + markup / 100)
        return out


@pytest.fixture
def admin_id(admin_conn) -> str:
    return create_user(admin_conn)


@pytest.fixture
def customers(admin_conn) -> dict[str, str]:
    """Three customers with the markups of MARKUPS; agent_orphan maps to none."""
    ids = {}
    for agent, markup in MARKUPS.items():
        ids[agent] = add_customer(admin_conn, f"Clinic {agent[-1].upper()}", markup=str(markup))
        map_agent(admin_conn, agent, ids[agent])
    return ids


@pytest.fixture
def ledger(admin_conn, customers) -> Ledger:
    """400 random chats and calls from 1 May 2026 to 15 Nov 2026 (local), some unattributed."""
    rnd = random.Random(20261115)
    start = local(2026, 5, 1, 0)
    span = int((NOW.astimezone(UTC) - start).total_seconds())
    agents = [*MARKUPS, "agent_orphan", None]
    out = Ledger()
    for _ in range(400):
        source = rnd.choice(["retell_chat", "retell_call"])
        out.rows.append(add_usage(
            admin_conn, rnd.choice(agents), start + timedelta(seconds=rnd.randrange(span)),
            source=source, segments=rnd.randint(0, 40) if source == "retell_chat" else 0,
            minutes=rnd.randint(1, 30) if source == "retell_call" else 0,
            twilio_usd=str(Decimal(rnd.randint(0, 900_000)) / 1_000_000),
            retell_cents=str(Decimal(rnd.randint(0, 2_000_000)) / 10_000)))
    return out


@pytest.fixture
def read(db, admin_id):
    """Read the dashboard as the Super User at ``now`` (default NOW), at RATE."""
    def read_dashboard(now: datetime = NOW, fx=None, default_time_zone: str = TZ):
        fx = fx or FxService(None, clock=ManualClock(now), fixed_rate=RATE)
        with db.user_session({"sub": admin_id}) as conn:
            return build_dashboard(conn, fx=fx, now=now, default_time_zone=default_time_zone)
    return read_dashboard


# Day 15 reads both partial months day by day; day 27 reads them as whole months
# less the days after the 27th.
@pytest.mark.parametrize("day", [15, 27])
def test_month_to_date_and_previous_month_equal_independent_sums(ledger, read, day):
    board = read(now=datetime(2026, 11, day, 12, tzinfo=TORONTO))
    mtd, october = ledger.window(date(2026, 11, 1), date(2026, 11, day)), ledger.window(
        date(2026, 10, 1), date(2026, 10, 31))
    current, previous = board.current_month, board.previous_month
    assert (current.period_start, current.period_end) == (date(2026, 11, 1), date(2026, 11, day))
    assert current.usage_cost_cad == cad(mtd["usage"])
    assert current.billable_amount_cad == cad(mtd["billable"])
    assert current.unattributed_usage_cost_cad == cad(mtd["unattributed"])
    assert current.unattributed_usage_cost_cad > 0
    assert (previous.period_start, previous.period_end) == (date(2026, 10, 1), date(2026, 10, 31))
    assert previous.usage_cost_cad == cad(october["usage"])
    assert previous.billable_amount_cad == cad(october["billable"])
    assert previous.unattributed_usage_cost_cad == cad(october["unattributed"])
    assert board.fx.rate == RATE and board.fx.source == "fixed"
    assert any("unattributed" in note for note in board.notes)


@pytest.mark.parametrize("day", [15, 27])
def test_trend_compares_with_the_same_days_of_the_previous_month(ledger, read, day):
    current = read(now=datetime(2026, 11, day, 12, tzinfo=TORONTO)).current_month
    same_days = ledger.window(date(2026, 10, 1), date(2026, 10, day))
    mtd = ledger.window(date(2026, 11, 1), date(2026, 11, day))
    assert (current.comparison.period_start, current.comparison.period_end) == (
        date(2026, 10, 1), date(2026, 10, day))
    assert current.comparison.billable_amount_cad == cad(same_days["billable"])
    expected = ((mtd["billable"] - same_days["billable"]) * 100 / same_days["billable"])
    assert current.billable_trend_pct == expected.quantize(Decimal("0.1"), ROUND_HALF_UP)
    expected = (mtd["usage"] - same_days["usage"]) * 100 / same_days["usage"]
    assert current.usage_cost_trend_pct == expected.quantize(Decimal("0.1"), ROUND_HALF_UP)


def test_monthly_trends_cover_six_months_split_by_cost_category(ledger, read):
    trends = read().monthly_trends
    assert [t.month for t in trends] == ["2026-06", "2026-07", "2026-08", "2026-09", "2026-10",
                                         "2026-11"]
    assert trends[0].label == "Jun 2026"
    for trend in trends:
        first = date.fromisoformat(trend.month + "-01")
        last = date(first.year, first.month, calendar.monthrange(first.year, first.month)[1])
        sums = ledger.window(first, min(last, NOW.date()))
        assert trend.twilio_sms_cad == cad(sums["sms"]), trend.month
        assert trend.twilio_voice_cad == cad(sums["voice"]), trend.month
        assert trend.retell_ai_cad == cad(sums["retell"]), trend.month
        assert trend.total_cad == cad(sums["usage"]), trend.month
        assert trend.total_cad > 0


def test_usage_at_23_30_local_on_the_last_day_belongs_to_that_month(admin_conn, customers,
                                                                     read):
    add_usage(admin_conn, "agent_a", local(2026, 10, 31, 23, 30), twilio_usd="1")  # 03:30Z Nov 1
    add_usage(admin_conn, "agent_a", local(2026, 11, 1, 0, 30), twilio_usd="10")
    board = read()
    assert board.previous_month.usage_cost_cad == cad(Decimal("1"))
    assert board.current_month.usage_cost_cad == cad(Decimal("10"))


@pytest.mark.parametrize(("now", "usage", "expected"), [
    # DST starts 8 March 2026: 23:30 EDT on 31 March is 03:30 UTC on 1 April.
    (datetime(2026, 4, 10, tzinfo=TORONTO),
     [(local(2026, 3, 31, 23, 30), "1"), (local(2026, 4, 1, 0, 30), "10"),
      (local(2026, 2, 28, 23, 45), "100"), (local(2026, 3, 1, 0, 15), "1000")],
     {"2026-02": "100", "2026-03": "1001", "2026-04": "10"}),
    # DST ends 1 November 2026: 23:59 EDT on 31 October, both 01:30s on 1 November,
    # 23:30 EST on 30 November (04:30 UTC on 1 December).
    (datetime(2026, 12, 10, tzinfo=TORONTO),
     [(local(2026, 10, 31, 23, 59), "1"), (datetime(2026, 11, 1, 5, 30, tzinfo=UTC), "10"),
      (datetime(2026, 11, 1, 6, 30, tzinfo=UTC), "100"), (local(2026, 11, 30, 23, 30), "1000"),
      (local(2026, 12, 1, 0, 30), "10000")],
     {"2026-10": "1", "2026-11": "1110", "2026-12": "10000"}),
])
def test_months_follow_the_billing_time_zone_across_dst(admin_conn, customers, read, now, usage,
                                                       expected):
    for started_at, usd in usage:
        add_usage(admin_conn, "agent_a", started_at, twilio_usd=usd)
    trends = {t.month: t.total_cad for t in read(now=now).monthly_trends}
    for month, usd in expected.items():
        assert trends[month] == cad(Decimal(usd)), month
    assert sum(trends.values()) == sum(cad(Decimal(usd)) for usd in expected.values())


def test_empty_months_are_present_as_zeros_and_a_zero_previous_month_has_no_trend(
        admin_conn, customers, read):
    add_usage(admin_conn, "agent_b", local(2026, 11, 3), source="retell_call", minutes=2,
              twilio_usd="0.044", retell_cents="12.5")
    board = read()
    assert [t.month for t in board.monthly_trends] == [
        "2026-06", "2026-07", "2026-08", "2026-09", "2026-10", "2026-11"]
    for trend in board.monthly_trends[:-1]:
        assert (trend.twilio_sms_cad, trend.twilio_voice_cad, trend.retell_ai_cad,
                trend.total_cad) == (0, 0, 0, 0)
    assert board.monthly_trends[-1].twilio_voice_cad == cad(Decimal("0.044"))
    assert board.monthly_trends[-1].retell_ai_cad == cad(Decimal("0.125"))
    assert board.previous_month.usage_cost_cad == 0
    assert board.current_month.billable_amount_cad == cad(Decimal("0.169") * Decimal("1.2"))
    assert board.current_month.billable_trend_pct is None
    assert board.current_month.usage_cost_trend_pct is None


def test_a_dashboard_with_no_data_is_all_zeros(read):
    board = read()
    assert board.customer_count == 0 and board.recent_invoices == []
    assert board.pending_invoices.count == 0 and board.pending_invoices.total_cad == 0
    assert board.current_month.usage_cost_cad == 0 and board.current_month.billable_trend_pct \
        is None
    assert len(board.monthly_trends) == 6


def test_end_of_month_compares_with_the_whole_shorter_previous_month(admin_conn, customers, read):
    add_usage(admin_conn, "agent_a", local(2026, 2, 28, 22), twilio_usd="2")
    add_usage(admin_conn, "agent_a", local(2026, 3, 30), twilio_usd="3")
    current = read(now=datetime(2026, 3, 31, 9, tzinfo=TORONTO)).current_month
    assert (current.comparison.period_start, current.comparison.period_end) == (
        date(2026, 2, 1), date(2026, 2, 28))
    assert current.usage_cost_trend_pct == Decimal("50.0")


def test_the_organisation_time_zone_setting_wins_over_the_configured_default(
        admin_conn, customers, read):
    add_usage(admin_conn, "agent_a", local(2026, 10, 31, 23, 30), twilio_usd="1")
    admin_conn.execute("update billing_settings set billing_time_zone = 'UTC'")
    board = read(default_time_zone=TZ)
    assert board.time_zone == "UTC"
    assert board.previous_month.usage_cost_cad == 0
    assert board.current_month.usage_cost_cad == cad(Decimal("1"))


def test_the_fallback_rate_is_reported_with_a_warning(admin_conn, customers, read):
    board = read(fx=FxService(None, clock=ManualClock(NOW)))
    assert board.fx.source == "fallback" and board.fx.rate == Decimal("1.35")
    assert any("fallback" in note for note in board.notes)


def add_invoice(conn, customer_id: str, created_at: datetime, status: str, total: str,
                month: int) -> str:
    return conn.execute(
        "insert into invoice_records (billing_customer_id, billing_period_start,"
        " billing_period_end, subtotal_cad, total_amount_cad, invoice_status, created_at,"
        " total_chats, total_calls, total_sms_segments, total_call_minutes, supplementary)"
        " values (%s, %s, %s, %s, %s, %s, %s, 1500, 2, 2340, 12.5, true) returning id::text",
        [customer_id, date(2026, month, 1), date(2026, month + 1, 1) - timedelta(days=1),
         total, total, status, created_at]).fetchone()[0]


def test_pending_and_recent_invoices_and_customer_count(admin_conn, customers, read):
    statuses = ["draft", "finalized", "sent", "overdue", "paid", "cancelled"] * 2
    made = [add_invoice(admin_conn, customers["agent_b"], NOW - timedelta(hours=i), status,
                        f"{100 + i}.25", 1 + i % 9)
            for i, status in enumerate(statuses)]
    board = read()
    assert board.customer_count == 3
    pending = [i for i, s in enumerate(statuses) if s not in ("paid", "cancelled")]
    assert board.pending_invoices.count == len(pending) == 8
    assert board.pending_invoices.total_cad == sum(Decimal(f"{100 + i}.25") for i in pending)
    assert [r.id for r in board.recent_invoices] == made[:10]
    first = board.recent_invoices[0]
    assert (first.customer_name, first.status, first.amount_cad) == (
        "Clinic B", "draft", Decimal("100.25"))
    assert first.period_label == "Jan 1-31, 2026"
    assert first.usage_summary == "1,500 chats, 2,340 segments, 2 calls, 12.5 minutes"


@pytest.mark.parametrize(("start", "end", "months", "days"), [
    ("2026-11-01", "2026-11-15", [], [(1, "2026-11-01", "2026-11-15")]),
    ("2026-11-01", "2026-11-27", ["2026-11-01"], [(-1, "2026-11-28", "2026-11-30")]),
    ("2026-10-01", "2026-10-31", ["2026-10-01"], []),
    ("2026-09-15", "2026-12-02", ["2026-09-01", "2026-10-01", "2026-11-01"],
     [(-1, "2026-09-01", "2026-09-14"), (1, "2026-12-01", "2026-12-02")]),
    ("2026-02-01", "2026-02-28", ["2026-02-01"], []),
    ("2026-02-02", "2026-02-27", ["2026-02-01"],
     [(-1, "2026-02-01", "2026-02-01"), (-1, "2026-02-28", "2026-02-28")]),
    ("2026-03-10", "2026-03-12", [], [(1, "2026-03-10", "2026-03-12")]),
])
def test_a_period_is_read_as_whole_months_plus_or_minus_the_fewest_days(start, end, months,
                                                                        days):
    whole, signed = split_by_month(Period(date.fromisoformat(start), date.fromisoformat(end)))
    assert whole == [date.fromisoformat(m) for m in months]
    assert signed == [(sign, Period(date.fromisoformat(a), date.fromisoformat(b)))
                      for sign, a, b in days]
