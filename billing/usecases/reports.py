"""The usage report ("Export Report"): one CSV row per customer, one for
unattributed usage and a totals row, for a period of local days.

Each customer's figures come from the same line builder as its invoice, at the
rate a preview or invoice of the same period would use today, so the report
agrees with them to the cent. The totals row is the sum of the rows above it.
Every export is recorded in the audit log.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Protocol

from billing.adapters.postgres import reports_sql
from billing.adapters.postgres.audit_sql import record_audit
from billing.adapters.postgres.sessions import Connection
from billing.adapters.postgres.usage_totals_sql import totals_from_row
from billing.domain.csv_safe import write_csv
from billing.domain.money import FxRate, UsageTotals, build_invoice_lines
from billing.domain.periods import Period, local_today
from billing.domain.principal import Principal
from billing.usecases.dashboard import billing_zone
from billing.usecases.rate_limits import EXPORTS, check_rate

REPORT_EXPORTED = "BILLING_REPORT_EXPORTED"
UNATTRIBUTED_NAME = "Unattributed usage"
TOTAL_NAME = "Total"
COUNTS = ("chats", "calls", "sms_segments", "call_minutes")
AMOUNTS = ("twilio_sms_cad", "twilio_voice_cad", "retell_chat_cad", "retell_voice_cad",
           "subtotal_cad", "markup_cad", "total_cad")
COLUMNS = (
    ("customer_id", "Customer ID"), ("customer_name", "Customer"),
    ("customer_email", "Email"), ("stripe_customer_id", "Stripe customer ID"),
    ("chats", "Chats"), ("calls", "Calls"), ("sms_segments", "SMS segments"),
    ("call_minutes", "Call minutes"), ("twilio_sms_cad", "Twilio SMS (CAD)"),
    ("twilio_voice_cad", "Twilio voice (CAD)"), ("retell_chat_cad", "Retell AI chat (CAD)"),
    ("retell_voice_cad", "Retell AI voice (CAD)"), ("subtotal_cad", "Subtotal (CAD)"),
    ("markup_percentage", "Markup %"), ("markup_cad", "Markup (CAD)"),
    ("total_cad", "Total (CAD)"), ("period_start", "Period start"),
    ("period_end", "Period end"), ("fx_usd_cad", "USD to CAD rate"), ("fx_date", "Rate date"),
    ("fx_source", "Rate source"),
)


class RateFor(Protocol):
    def rate_for(self, conn: Connection, day: date) -> FxRate: ...


@dataclass(frozen=True)
class ReportFile:
    """A CSV download: its file name, bytes and number of customer rows."""

    filename: str
    content: bytes
    customers: int


def usage_report(deps: Any, principal: Principal,
                 period_for: Callable[[date], Period]) -> ReportFile:
    """The usage report for ``principal``, counted against the export rate limit."""
    check_rate(deps, principal, EXPORTS)
    with deps.db.user_session(principal.rls_claims) as conn:
        return export_usage_report(conn, actor=principal, period_for=period_for, fx=deps.fx,
                                   now=deps.clock.now(),
                                   default_time_zone=deps.settings.billing_time_zone)


def export_usage_report(conn: Connection, *, actor: Principal,
                        period_for: Callable[[date], Period], fx: RateFor, now: datetime,
                        default_time_zone: str) -> ReportFile:
    """Build the CSV for the period ``period_for(local today)`` and audit the export."""
    today = local_today(now, billing_zone(conn, default_time_zone))
    period = period_for(today)
    rate = fx.rate_for(conn, min(period.end, today))  # as previews and invoices do
    customers = [_row(c, totals_from_row(c), c["markup_percentage"], rate)
                 for c in reports_sql.customer_usage(conn, period)]
    unattributed = _row({"customer_name": UNATTRIBUTED_NAME},
                        totals_from_row(reports_sql.unattributed_usage(conn, period)),
                        Decimal(0), rate)
    total = totals_row([*customers, unattributed])
    context = {"period_start": period.start, "period_end": period.end,
               "fx_usd_cad": rate.rate, "fx_date": rate.date, "fx_source": rate.source}
    rows = [{**row, **context} for row in (*customers, unattributed, total)]
    record_audit(conn, actor=actor, action=REPORT_EXPORTED, details={
        "format": "csv", "period_start": period.start, "period_end": period.end,
        "rows": len(customers), "total_cad": total["total_cad"],
        "unattributed": unattributed["total_cad"], "fx_rate": rate.rate,
        "fx_rate_date": rate.date})
    return ReportFile(f"billing-usage-{period.start}-to-{period.end}.csv",
                      write_csv(rows, COLUMNS), len(customers))


def _row(customer: dict[str, Any], totals: UsageTotals, markup_pct: Decimal,
         rate: FxRate) -> dict[str, Any]:
    """One report row: the customer's details, usage and invoice figures in CAD."""
    lines = build_invoice_lines(totals, rate, markup_pct)
    return {
        "customer_id": customer.get("customer_id"),
        "customer_name": customer["customer_name"],
        "customer_email": customer.get("customer_email"),
        "stripe_customer_id": customer.get("stripe_customer_id"),
        **{name: getattr(totals, name) for name in COUNTS},
        "twilio_sms_cad": lines.twilio_sms_cost_cad,
        "twilio_voice_cad": lines.twilio_voice_cost_cad,
        "retell_chat_cad": lines.retell_ai_chat_cost_cad,
        "retell_voice_cad": lines.retell_ai_voice_cost_cad,
        "subtotal_cad": lines.subtotal_cad,
        "markup_percentage": f"{markup_pct.normalize():f}",
        "markup_cad": lines.markup_amount_cad,
        "total_cad": lines.total_amount_cad,
    }


def totals_row(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The sum of every count and amount column of ``rows``."""
    sums = {name: sum((row[name] for row in rows), Decimal("0.00")) for name in AMOUNTS}
    counts = {name: sum(row[name] for row in rows) for name in COUNTS}
    return {"customer_name": TOTAL_NAME, **counts, **sums}

