"""The billing dashboard: month-to-date and previous month, trend, customers,
pending and recent invoices, and six months of cost trends.

Usage figures are SQL sums over the exact daily rollup of the usage ledger, in
whole local days of the billing time zone. Money is converted to CAD at the
latest exchange rate and rounded half-up to the cent once, at the end of each
sum. Usage of agents that map to no customer ("unattributed") counts in the
usage cost; it has no markup and is not part of the billable amount.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Protocol

from pydantic import BaseModel

from billing.adapters.postgres import dashboard_sql
from billing.adapters.postgres.sessions import Connection
from billing.domain.api_types import Cad, FxRateText, FxSource, InvoiceStatus, Minutes, TrendPercent
from billing.domain.invoice import UNPAID
from billing.domain.money import FxRate, round_cents
from billing.domain.periods import Period, local_today, previous_month
from billing.usecases.reconciliation import latest_counts
from billing.usecases.reconciliation_models import LatestReconciliation

TREND_MONTHS = 6
RECENT_INVOICES = 10
PENDING_STATUSES = tuple(sorted(status.value for status in UNPAID))
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
UNATTRIBUTED_NOTE = (
    "Usage cost includes unattributed usage (agents mapped to no customer): it has no "
    "markup and is not part of the billable amount."
)
FALLBACK_FX_NOTE = "No published exchange rate was available: the fallback rate is used."


class LatestFx(Protocol):
    def latest(self, conn: Connection) -> FxRate: ...


class FxUsed(BaseModel):
    """The USD→CAD rate every amount was converted at."""

    rate: FxRateText
    date: date
    source: FxSource


class PeriodFigures(BaseModel):
    """Usage cost and billable amount over whole local days, in CAD."""

    period_start: date
    period_end: date
    usage_cost_cad: Cad
    billable_amount_cad: Cad
    unattributed_usage_cost_cad: Cad


class CurrentMonth(PeriodFigures):
    """Month to date, and its trend against the same days of the previous month."""

    comparison: PeriodFigures
    billable_trend_pct: TrendPercent | None
    usage_cost_trend_pct: TrendPercent | None


class PendingInvoices(BaseModel):
    """Invoices not yet paid nor cancelled."""

    statuses: list[InvoiceStatus]
    count: int
    total_cad: Cad


class InvoiceUsage(BaseModel):
    chats: int
    calls: int
    sms_segments: int
    call_minutes: Minutes


class RecentInvoice(BaseModel):
    """One row of the recent activity table."""

    id: str
    invoice_number: str | None
    created_at: datetime
    customer_name: str
    period_start: date
    period_end: date
    period_label: str
    usage: InvoiceUsage
    usage_summary: str
    amount_cad: Cad
    status: InvoiceStatus


class MonthlyTrend(BaseModel):
    """One month's costs in CAD: Twilio SMS, Twilio voice, Retell AI, and their total."""

    month: str
    label: str
    twilio_sms_cad: Cad
    twilio_voice_cad: Cad
    retell_ai_cad: Cad
    total_cad: Cad


class Dashboard(BaseModel):
    """The billing dashboard."""

    as_of: datetime
    time_zone: str
    fx: FxUsed
    current_month: CurrentMonth
    previous_month: PeriodFigures
    customer_count: int
    pending_invoices: PendingInvoices
    recent_invoices: list[RecentInvoice]
    monthly_trends: list[MonthlyTrend]
    notes: list[str]
    reconciliation: LatestReconciliation | None = None


def build_dashboard(conn: Connection, *, fx: LatestFx, now: datetime,
                    default_time_zone: str) -> Dashboard:
    """The dashboard as of ``now``, read inside one RLS-scoped transaction."""
    tz = billing_zone(conn, default_time_zone)
    rate = fx.latest(conn)
    months = trend_months(local_today(now, tz))
    comparison = same_days_last_month(months[-1])
    *month_sums, comparison_sums = dashboard_sql.usage_windows(conn, [*months, comparison])
    summary = dashboard_sql.invoice_summary(conn, PENDING_STATUSES)
    notes = [UNATTRIBUTED_NOTE] + ([FALLBACK_FX_NOTE] if rate.source == "fallback" else [])
    return Dashboard(
        as_of=now, time_zone=tz, fx=FxUsed(rate=rate.rate, date=rate.date, source=rate.source),
        current_month=_current_month(months[-1], month_sums[-1], comparison, comparison_sums,
                                     rate.rate),
        previous_month=_figures(months[-2], month_sums[-2], rate.rate),
        customer_count=summary["customers"],
        pending_invoices=PendingInvoices(statuses=list(PENDING_STATUSES),
                                         count=summary["pending_count"],
                                         total_cad=round_cents(summary["pending_total_cad"])),
        recent_invoices=[_recent(row) for row in
                         dashboard_sql.recent_invoices(conn, RECENT_INVOICES)],
        monthly_trends=[_trend(month, row, rate.rate)
                        for month, row in zip(months, month_sums, strict=True)],
        notes=notes,
        reconciliation=latest_counts(conn),
    )


def billing_zone(conn: Connection, default: str) -> str:
    """The billing time zone: the organisation's setting, else the configured default."""
    return dashboard_sql.billing_time_zone(conn) or default


def trend_months(today: date) -> list[Period]:
    """The last ``TREND_MONTHS`` months, oldest first; the current one ends today."""
    months = [Period(today.replace(day=1), today)]
    while len(months) < TREND_MONTHS:
        months.insert(0, previous_month(months[0].start))
    return months


def same_days_last_month(month_to_date: Period) -> Period:
    """The previous month's days 1..N for a month to date of N days (capped at its end)."""
    last_month = previous_month(month_to_date.start)
    end = last_month.start + timedelta(days=month_to_date.days - 1)
    return Period(last_month.start, min(end, last_month.end))


def trend_pct(current: Decimal, previous: Decimal) -> Decimal | None:
    """Percentage change, one decimal; None when there is nothing to compare with."""
    if previous == 0:
        return None
    change = (current - previous) * 100 / previous
    return change.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def _usage_usd(row: dict[str, Any]) -> Decimal:
    return (row["twilio_sms_usd"] + row["twilio_voice_usd"] + row["retell_chat_usd"]
            + row["retell_voice_usd"])


def _figures(period: Period, row: dict[str, Any], rate: Decimal) -> PeriodFigures:
    return PeriodFigures(
        period_start=period.start, period_end=period.end,
        usage_cost_cad=round_cents(_usage_usd(row) * rate),
        billable_amount_cad=round_cents(row["billable_usd"] * rate),
        unattributed_usage_cost_cad=round_cents(row["unattributed_usd"] * rate),
    )


def _current_month(period: Period, row: dict[str, Any], comparison: Period,
                   comparison_row: dict[str, Any], rate: Decimal) -> CurrentMonth:
    return CurrentMonth(
        **_figures(period, row, rate).model_dump(),
        comparison=_figures(comparison, comparison_row, rate),
        billable_trend_pct=trend_pct(row["billable_usd"], comparison_row["billable_usd"]),
        usage_cost_trend_pct=trend_pct(_usage_usd(row), _usage_usd(comparison_row)),
    )


def _trend(month: Period, row: dict[str, Any], rate: Decimal) -> MonthlyTrend:
    return MonthlyTrend(
        month=month.start.strftime("%Y-%m"),
        label=f"{_MONTHS[month.start.month - 1]} {month.start.year}",
        twilio_sms_cad=round_cents(row["twilio_sms_usd"] * rate),
        twilio_voice_cad=round_cents(row["twilio_voice_usd"] * rate),
        retell_ai_cad=round_cents((row["retell_chat_usd"] + row["retell_voice_usd"]) * rate),
        total_cad=round_cents(_usage_usd(row) * rate),
    )


def _recent(row: dict[str, Any]) -> RecentInvoice:
    usage = InvoiceUsage(chats=row["total_chats"], calls=row["total_calls"],
                         sms_segments=row["total_sms_segments"],
                         call_minutes=row["total_call_minutes"])
    return RecentInvoice(
        id=row["id"], invoice_number=row["invoice_number"], created_at=row["created_at"],
        customer_name=row["customer_name"], period_start=row["billing_period_start"],
        period_end=row["billing_period_end"],
        period_label=period_label(row["billing_period_start"], row["billing_period_end"]),
        usage=usage, usage_summary=usage_summary(usage),
        amount_cad=row["total_amount_cad"], status=row["invoice_status"],
    )


def period_label(start: date, end: date) -> str:
    """"Sep 1-30, 2025", "Sep 15 - Oct 14, 2025" or "Dec 15, 2025 - Jan 14, 2026"."""
    first = f"{_MONTHS[start.month - 1]} {start.day}"
    if start.year != end.year:
        return f"{first}, {start.year} - {_MONTHS[end.month - 1]} {end.day}, {end.year}"
    if start.month != end.month:
        return f"{first} - {_MONTHS[end.month - 1]} {end.day}, {end.year}"
    return f"{first}-{end.day}, {end.year}" if start != end else f"{first}, {end.year}"


def usage_summary(usage: InvoiceUsage) -> str:
    """"150 chats, 2,340 segments, 12 calls, 34 minutes" (parts with usage only)."""
    parts = [(usage.chats, "chat"), (usage.sms_segments, "segment"), (usage.calls, "call"),
             (usage.call_minutes, "minute")]
    text = [f"{_count(n)} {noun}{'' if n == 1 else 's'}" for n, noun in parts if n]
    return ", ".join(text) or "No usage"


def _count(n: int | Decimal) -> str:
    return f"{n:,}" if isinstance(n, int) else f"{n.normalize():,f}"

