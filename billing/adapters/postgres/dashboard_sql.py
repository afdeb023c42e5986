"""SQL for the dashboard: usage sums over the rollups, customer count,
pending and recent invoices.

``billing_usage_monthly`` and ``billing_usage_daily`` (migration
20261127000600) hold exact per-agent sums of the usage ledger per month and per
day in the billing time zone, kept in step by triggers. A range of days is read
as its whole months from the monthly rollup and its other days from the daily
one; every usage figure here is an aggregate over those rows, joined to the
agent → customer mapping.
"""
from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from billing.adapters.postgres.sessions import Connection
from billing.domain.periods import Period, month_of

#: Usage sums over rollup rows ``r`` (UsageTotals' names; USD at full precision).
USAGE_SUMS = """
  coalesce(sum(r.chats), 0)::bigint as chats,
  coalesce(sum(r.calls), 0)::bigint as calls,
  coalesce(sum(r.sms_segments), 0)::bigint as sms_segments,
  coalesce(sum(r.billed_minutes), 0)::bigint as call_minutes,
  coalesce(sum(r.twilio_sms_usd), 0) as twilio_sms_usd,
  coalesce(sum(r.twilio_voice_usd), 0) as twilio_voice_usd,
  coalesce(sum(r.retell_chat_usd_cents), 0) / 100 as retell_chat_usd,
  coalesce(sum(r.retell_voice_usd_cents), 0) / 100 as retell_voice_usd
"""

_ZERO = Decimal(0)
#: One rollup row's whole cost in USD.
_ROW_COST = ("(r.twilio_sms_usd + r.twilio_voice_usd"
             " + (r.retell_chat_usd_cents + r.retell_voice_usd_cents) / 100)")
_ROLLUP_SUMS = ("chats", "calls", "sms_segments", "billed_minutes", "twilio_sms_usd",
                "twilio_voice_usd", "retell_chat_usd_cents", "retell_voice_usd_cents")
_MONTH_COLUMNS = ", ".join(f"r.{name}" for name in ("agent_id", *_ROLLUP_SUMS))
_SIGNED_DAY_COLUMNS = ", ".join(["r.agent_id", *(f"p.sign * r.{n} as {n}" for n in _ROLLUP_SUMS)])


def split_by_month(period: Period) -> tuple[list[date], list[tuple[int, Period]]]:
    """How to read ``period`` from the rollups touching the fewest days: whole
    months (their first days), plus (+1) or minus (-1) ranges of days.

    A partial month is read day by day, or as the whole month less the days
    outside the period, whichever is fewer days.
    """
    months: list[date] = []
    days: list[tuple[int, Period]] = []
    start = period.start
    while start <= period.end:
        month = month_of(start)
        inside = Period(start, min(month.end, period.end))
        if inside.days * 2 <= month.days and inside != month:
            days.append((1, inside))
        else:
            months.append(month.start)
            days += [(-1, gap) for gap in _outside(month, inside)]
        start = inside.end + timedelta(days=1)
    return months, days


def _outside(month: Period, inside: Period) -> list[Period]:
    """The days of ``month`` before and after ``inside``."""
    one_day = timedelta(days=1)
    gaps = [Period(month.start, inside.start - one_day)] if inside.start > month.start else []
    if inside.end < month.end:
        gaps.append(Period(inside.end + one_day, month.end))
    return gaps


def rollup_rows(windows: Sequence[Period]) -> tuple[str, dict[str, Any]]:
    """A ``with`` clause defining ``r``: the signed rollup rows that sum to each
    window, with ``r.idx`` the window's number (from 1), and its parameters."""
    months, days = [], []
    for idx, window in enumerate(windows, 1):
        whole, signed_days = split_by_month(window)
        months += [(idx, first) for first in whole]
        days += [(idx, sign, part) for sign, part in signed_days]
    sql = (
        "with month_parts (idx, usage_month) as ("
        "   select * from unnest(%(m_idx)s::int[], %(m_first)s::date[])),"
        " day_parts (idx, sign, lo, hi) as (select * from unnest("
        "   %(d_idx)s::int[], %(d_sign)s::int[], %(d_lo)s::date[], %(d_hi)s::date[])),"
        f" r as (select p.idx, {_MONTH_COLUMNS} from month_parts p"
        "   join billing_usage_monthly r on r.usage_month = p.usage_month"
        f"  union all select p.idx, {_SIGNED_DAY_COLUMNS} from day_parts p"
        "   join billing_usage_daily r on r.usage_day between p.lo and p.hi) "
    )
    params = {"m_idx": [i for i, _ in months], "m_first": [m for _, m in months],
              "d_idx": [i for i, _, _ in days], "d_sign": [s for _, s, _ in days],
              "d_lo": [p.start for _, _, p in days], "d_hi": [p.end for _, _, p in days]}
    return sql, params


def billing_time_zone(conn: Connection) -> str | None:
    """The organisation's billing time zone setting (the zone of the rollup's days)."""
    row = conn.execute("select billing_time_zone from billing_settings").fetchone()
    return row["billing_time_zone"] if row else None


def usage_windows(conn: Connection, windows: Sequence[Period]) -> list[dict[str, Any]]:
    """Usage sums per window of local days, in the order given (zeros when empty).

    Besides ``USAGE_SUMS``: ``billable_usd`` (attributed usage with each
    customer's markup) and ``unattributed_usd`` (usage of agents with no customer).
    """
    with_rollup, params = rollup_rows(windows)
    rows = conn.execute(
        f"{with_rollup} select r.idx, {USAGE_SUMS},"
        f" coalesce(sum({_ROW_COST} * (1 + c.markup_percentage / 100))"
        "   filter (where c.id is not null), 0) as billable_usd,"
        f" coalesce(sum({_ROW_COST}) filter (where c.id is null), 0) as unattributed_usd"
        " from r left join billing_customer_agents a on a.agent_id = r.agent_id"
        " left join billing_customers c on c.id = a.billing_customer_id"
        " group by r.idx",
        params,
    ).fetchall()
    by_index = {row.pop("idx"): row for row in rows}
    return [by_index.get(i + 1) or _empty_window() for i in range(len(windows))]


def _empty_window() -> dict[str, Any]:
    """The sums of a window with no usage."""
    zero_usd = ("twilio_sms_usd", "twilio_voice_usd", "retell_chat_usd", "retell_voice_usd",
                "billable_usd", "unattributed_usd")
    counts = ("chats", "calls", "sms_segments", "call_minutes")
    return {**dict.fromkeys(counts, 0), **{key: _ZERO for key in zero_usd}}


def invoice_summary(conn: Connection, pending: Sequence[str]) -> dict[str, Any]:
    """The customer count, and the count and CAD total of invoices in ``pending`` statuses."""
    return conn.execute(
        "select (select count(*) from billing_customers) as customers,"
        " count(*) as pending_count, coalesce(sum(total_amount_cad), 0) as pending_total_cad"
        " from invoice_records where invoice_status = any(%s)",
        [list(pending)],
    ).fetchone()


def recent_invoices(conn: Connection, limit: int) -> list[dict[str, Any]]:
    """The most recently created invoices with their customer's name."""
    return conn.execute(
        "select i.id::text as id, i.invoice_number, i.created_at, c.customer_name,"
        " i.billing_period_start, i.billing_period_end, i.total_chats, i.total_calls,"
        " i.total_sms_segments, i.total_call_minutes, i.total_amount_cad, i.invoice_status"
        " from invoice_records i join billing_customers c on c.id = i.billing_customer_id"
        " order by i.created_at desc, i.id desc limit %s",
        [limit],
    ).fetchall()

