"""The demo's summary (printed or JSON) and its CSV files."""
from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

from billing.adapters.postgres import usage_totals_sql
from billing.bootstrap import Deps
from billing.domain.money import round_cents, to_cents
from billing.domain.periods import Period

_INVOICES = """
select c.customer_name, c.markup_percentage, i.id::text as invoice_id, i.invoice_number,
  i.invoice_status, i.stripe_invoice_id, i.total_chats, i.total_calls, i.total_sms_segments,
  i.total_call_minutes, i.twilio_sms_cost_cad, i.twilio_voice_cost_cad,
  i.retell_ai_chat_cost_cad + i.retell_ai_voice_cost_cad as retell_ai_cost_cad,
  i.subtotal_cad, i.markup_amount_cad, i.total_amount_cad, i.fx_rate, i.fx_rate_date,
  i.fx_source
from billing_customers c left join invoice_records i on i.billing_customer_id = c.id
  and i.billing_period_start = %s and i.billing_period_end = %s
  and i.invoice_status <> 'cancelled'
order by c.customer_name
"""


def summary_of(deps: Deps, period: Period, result: dict[str, Any]) -> dict[str, Any]:
    """Per-customer figures, unattributed usage, FX, and the Stripe cross-check."""
    with deps.db.system_session("demo") as conn:
        rows = conn.execute(_INVOICES, [period.start, period.end]).fetchall()
        lo, hi = period.utc_bounds(deps.settings.billing_time_zone)
        unattributed = usage_totals_sql.unattributed_usage(conn, lo, hi)
    invoiced = [r for r in rows if r["invoice_id"]]
    fx = invoiced[0] if invoiced else None
    rate = fx["fx_rate"] if fx else Decimal(1)
    sync = result["sync"]
    return {
        "period": {"start": period.start, "end": period.end},
        "fx": {"rate": fx["fx_rate"], "date": fx["fx_rate_date"], "source": fx["fx_source"]}
        if fx else None,
        "usage_sync": {"fetched": sync.fetched, "inserted": sync.inserted,
                       "unattributed_records": sync.unattributed.count},
        "customers": [_customer(r) for r in rows],
        "unattributed": [{
            "agent_id": u["agent_id"], "chats": u["chats"], "calls": u["calls"],
            "sms_segments": u["sms_segments"], "call_minutes": u["call_minutes"],
            "cost_cad": round_cents((u["twilio_sms_usd"] + u["twilio_voice_usd"]
                                     + u["retell_chat_usd"] + u["retell_voice_usd"]) * rate),
        } for u in unattributed],
        "batch": {"id": result["batch"]["id"], "status": result["batch"]["status"],
                  "succeeded": result["batch"]["succeeded"],
                  "skipped": result["batch"]["skipped"], "failed": result["batch"]["failed"]},
        "total_invoiced_cad": sum((r["total_amount_cad"] for r in invoiced), Decimal("0.00")),
        "mismatches": _mismatches(deps, invoiced),
        "reconciliation": result["reconciliation"],
    }


def _customer(row: dict[str, Any]) -> dict[str, Any]:
    keys = ("customer_name", "markup_percentage", "invoice_number", "invoice_status",
            "total_chats", "total_calls", "total_sms_segments", "total_call_minutes",
            "twilio_sms_cost_cad", "twilio_voice_cost_cad", "retell_ai_cost_cad",
            "subtotal_cad", "markup_amount_cad", "total_amount_cad", "stripe_invoice_id")
    return {k: row[k] for k in keys}


def _mismatches(deps: Deps, invoiced: list[dict[str, Any]]) -> list[dict[str, Any]]:
    payments = deps.payments()
    found = []
    for row in invoiced:
        if not row["stripe_invoice_id"]:
            found.append({"invoice_id": row["invoice_id"], "problem": "not in Stripe"})
            continue
        stripe_cents = payments.retrieve_invoice(row["stripe_invoice_id"]).total_cents
        if stripe_cents != to_cents(row["total_amount_cad"]):
            found.append({"invoice_id": row["invoice_id"], "stored_cents":
                          to_cents(row["total_amount_cad"]), "stripe_cents": stripe_cents})
    return found


def write_csvs(deps: Deps, period: Period, out_dir: Path) -> dict[str, str]:
    """The usage report and the invoice history as CSV files under ``out_dir``."""
    from billing.usecases.invoice_history import InvoiceFilterQuery, export_invoices
    from billing.usecases.reports import export_usage_report

    out_dir.mkdir(parents=True, exist_ok=True)
    with deps.db.system_session("demo") as conn:
        report = export_usage_report(
            conn, actor=None, period_for=lambda _today: period, fx=deps.fx,
            now=deps.clock.now(), default_time_zone=deps.settings.billing_time_zone)
    history = export_invoices(deps, None, InvoiceFilterQuery())
    usage_path, history_path = out_dir / "usage_report.csv", out_dir / "invoice_history.csv"
    usage_path.write_bytes(report.content)
    history_path.write_bytes(history)
    return {"usage_report": str(usage_path), "invoice_history": str(history_path)}


def print_summary(summary: dict[str, Any]) -> None:
    """A readable table of the run."""
    period = summary["period"]
    print(f"\nCareXPS billing demo: {period['start']} to {period['end']}")
    if summary["fx"]:
        fx = summary["fx"]
        print(f"FX: 1 USD = {fx['rate']} CAD ({fx['source']}, {fx['date']})")
    header = (f"{'Customer':<24}{'Chats':>6}{'Calls':>6}{'Segs':>7}{'Min':>7}"
              f"{'SMS':>9}{'Voice':>9}{'AI':>9}{'Markup':>9}{'Total':>10}  {'Number':<16}Status")
    print(header)
    print("-" * len(header))
    for c in summary["customers"]:
        if c["invoice_number"] is None and c["invoice_status"] is None:
            print(f"{c['customer_name']:<24}  (no invoice: no usage or auto-invoice off)")
            continue
        print(f"{c['customer_name'][:23]:<24}{c['total_chats']:>6}{c['total_calls']:>6}"
              f"{c['total_sms_segments']:>7}{c['total_call_minutes']:>7}"
              f"{c['twilio_sms_cost_cad']:>9}{c['twilio_voice_cost_cad']:>9}"
              f"{c['retell_ai_cost_cad']:>9}{c['markup_amount_cad']:>9}"
              f"{c['total_amount_cad']:>10}  {c['invoice_number'] or '-':<16}"
              f"{c['invoice_status']}")
    for u in summary["unattributed"]:
        print(f"Unattributed agent {u['agent_id']}: {u['chats']} chats, {u['calls']} calls,"
              f" {u['cost_cad']} CAD (not invoiced; map the agent to a customer)")
    print(f"Total invoiced: {summary['total_invoiced_cad']} CAD")
    rec = summary["reconciliation"]
    print("Reconciliation with Stripe found " + ", ".join(
        f"{n} {kind}" for kind, n in rec["found"].items()) + f"; {rec['repaired']} repaired"
        f" (run {rec['run_id']})")
    for name, path in summary["csv"].items():
        print(f"Wrote {path} ({name.replace('_', ' ')})")
    if summary["mismatches"]:
        print(f"MISMATCH with Stripe: {summary['mismatches']}")
    else:
        print("Every stored invoice total equals its Stripe invoice total.")
