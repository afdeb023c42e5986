"""Invoice previews: what each selected customer would be invoiced for a period.

Computed from the usage ledger with the same line builder as the invoices, so
a preview and the invoice generated from it agree to the cent.
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from billing.adapters.postgres import invoices_sql, usage_totals_sql
from billing.adapters.postgres.sessions import Connection
from billing.domain.money import FxRate, UsageTotals, build_invoice_lines, round_cents
from billing.domain.periods import Period


def preview(conn: Connection, period: Period, customer_ids: list[str] | None, *,
            fx_service: Any, tz: str, today: date) -> dict[str, Any]:
    """Per-customer lines and totals, unattributed usage, a footer and warnings."""
    lo, hi = period.utc_bounds(tz)
    customers = conn.execute(
        "select id::text, customer_name, customer_email, markup_percentage, stripe_customer_id,"
        " auto_invoice_enabled from billing_customers"
        " where %(ids)s::uuid[] is null or id = any(%(ids)s::uuid[]) order by customer_name",
        {"ids": customer_ids}).fetchall()
    usage = usage_totals_sql.customer_usage(conn, lo, hi, customer_ids)
    existing = invoices_sql.existing_for_customers(conn, [c["id"] for c in customers],
                                                   period.start, period.end)
    fx = fx_service.rate_for(conn, min(period.end, today))
    rows = [_customer_row(c, usage.get(c["id"]), existing.get(c["id"]), fx, period)
            for c in customers]
    unattributed = _unattributed(usage_totals_sql.unattributed_usage(conn, lo, hi), fx)
    return {
        "period": {"start": period.start, "end": period.end, "time_zone": tz},
        "fx": _fx_view(fx), "customers": rows, "unattributed": unattributed,
        "summary": {
            "selected": len(rows),
            "total_cad": sum((r["total_cad"] for r in rows), Decimal("0.00")),
            "missing_stripe_ids": sum(1 for r in rows if not r["has_stripe_customer"]),
            "with_existing_invoice": sum(1 for r in rows if r["existing_invoice"]),
            "zero_usage": sum(1 for r in rows if r["zero_usage"]),
        },
        "warnings": _warnings(rows, unattributed, fx, period, today),
    }


def _fx_view(fx: FxRate) -> dict[str, Any]:
    return {"rate": fx.rate, "date": fx.date, "source": fx.source}


def _customer_row(customer: dict[str, Any], usage: dict[str, Any] | None,
                  existing: dict[str, Any] | None, fx: FxRate, period: Period) -> dict[str, Any]:
    totals = usage_totals_sql.totals_from_row(usage) if usage else UsageTotals()
    lines = build_invoice_lines(totals, fx, customer["markup_percentage"], period)
    return {
        "customer_id": customer["id"], "customer_name": customer["customer_name"],
        "customer_email": customer["customer_email"],
        "usage": {"chats": totals.chats, "calls": totals.calls,
                  "sms_segments": totals.sms_segments, "call_minutes": totals.call_minutes},
        "costs_cad": {"twilio_sms": lines.twilio_sms_cost_cad,
                      "twilio_voice": lines.twilio_voice_cost_cad,
                      "retell_chat": lines.retell_ai_chat_cost_cad,
                      "retell_voice": lines.retell_ai_voice_cost_cad},
        "lines": [{"key": line.key, "description": line.description,
                   "amount_cad": line.amount_cad} for line in lines.lines],
        "subtotal_cad": lines.subtotal_cad, "markup_percentage": lines.markup_percentage,
        "markup_cad": lines.markup_amount_cad, "total_cad": lines.total_amount_cad,
        "has_stripe_customer": bool(customer["stripe_customer_id"]),
        "auto_invoice_enabled": customer["auto_invoice_enabled"],
        "existing_invoice": existing,
        "zero_usage": usage is None,
        "cost_missing": bool(usage and usage["cost_missing"]),
        "unbilled_records": usage["unbilled_records"] if usage else 0,
    }


def _unattributed(rows: list[dict[str, Any]], fx: FxRate) -> dict[str, Any]:
    cost_usd = sum((r["twilio_sms_usd"] + r["twilio_voice_usd"] + r["retell_chat_usd"]
                    + r["retell_voice_usd"] for r in rows), Decimal(0))
    return {
        "agent_ids": [r["agent_id"] for r in rows],
        "records": sum(r["records"] for r in rows),
        "chats": sum(r["chats"] for r in rows), "calls": sum(r["calls"] for r in rows),
        "cost_usd": cost_usd, "cost_cad": round_cents(cost_usd * fx.rate),
    }


def _warnings(rows: list[dict[str, Any]], unattributed: dict[str, Any], fx: FxRate,
              period: Period, today: date) -> list[dict[str, str]]:
    warnings = []
    if fx.source == "fallback":
        warnings.append({"code": "fx_fallback", "message": (
            "The Bank of Canada rate could not be fetched; the fallback rate "
            f"{fx.rate} CAD per USD is used.")})
    missing = [r["customer_name"] for r in rows if r["cost_missing"]]
    if missing:
        warnings.append({"code": "costs_missing", "message": (
            "Some Retell records have no cost (counted as 0): " + ", ".join(missing))})
    if unattributed["records"]:
        warnings.append({"code": "unattributed_usage", "message": (
            f"{unattributed['records']} usage records belong to agents mapped to no customer: "
            + ", ".join(unattributed["agent_ids"]))})
    if period.end >= today:
        warnings.append({"code": "period_not_ended", "message": (
            "The period has not ended yet; usage may still grow.")})
    return warnings
