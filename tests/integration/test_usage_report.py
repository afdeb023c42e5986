"""The usage report: per-customer figures equal invoice arithmetic done here in
Python, agree with the invoice preview to the cent, the totals row is the sum
of the rows, formulas in names are neutralised, and the export is audited."""
from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

import pytest

from billing.adapters.clock import ManualClock
from billing.domain.periods import Period
from billing.domain.principal import Principal
from billing.usecases.fx import FxService
from billing.usecases.previews import preview
from billing.usecases.reports import export_usage_report
from tests.fixtures.db import create_user
from tests.fixtures.world import add_customer, add_usage, map_agent

TZ = "America/Toronto"
NOW = datetime(2026, 11, 20, 15, tzinfo=UTC)
RATE = Decimal("1.3849")
OCTOBER = Period(date(2026, 10, 1), date(2026, 10, 31))
CUSTOMERS = {  # name -> (markup, agents)
    "Acme Health": ("0", ["a_acme"]),
    "Beta Medical": ("20", ["a_beta1", "a_beta2"]),
    "=HYPERLINK(\"http://evil.test\",\"x\")": ("12.5", ["a_evil"]),
    "+1 Clinic": ("0", []),
    "-Minus Clinic": ("3", []),
    "@Sum Clinic": ("0", []),
}
AMOUNT_COLUMNS = ["Twilio SMS (CAD)", "Twilio voice (CAD)", "Retell AI chat (CAD)",
                  "Retell AI voice (CAD)", "Subtotal (CAD)", "Markup (CAD)", "Total (CAD)"]
COUNT_COLUMNS = ["Chats", "Calls", "SMS segments", "Call minutes"]


def cents(amount: Decimal) -> Decimal:
    return amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def at(day: int, hour: int = 12, month: int = 10) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=ZoneInfo(TZ))


@pytest.fixture
def admin(admin_conn) -> Principal:
    user_id = create_user(admin_conn)
    return Principal(user_id=user_id, role="Super User", claims={"sub": user_id})


@pytest.fixture
def usage(admin_conn) -> list[dict]:
    """October usage for three customers and an unmapped agent, plus usage outside."""
    for i, (name, (markup, agents)) in enumerate(CUSTOMERS.items()):
        customer_id = add_customer(admin_conn, name, markup=markup, stripe_id=f"cus_{i}")
        for agent in agents:
            map_agent(admin_conn, agent, customer_id)
    rows = []
    for i, agent in enumerate(["a_acme", "a_beta1", "a_beta2", "a_evil", "a_orphan"] * 6):
        rows.append(add_usage(admin_conn, agent, at(1 + i), segments=3 + i,
                              twilio_usd=f"0.{i:02d}83", retell_cents=f"{i}.{i}25"))
        rows.append(add_usage(admin_conn, agent, at(1 + i, 20), source="retell_call",
                              minutes=i + 1, twilio_usd=f"0.0{i}22", retell_cents=f"1{i}.375"))
    rows.append(add_usage(admin_conn, "a_acme", at(31, 23), twilio_usd="5"))  # 31 Oct 23:00
    rows.append(add_usage(admin_conn, "a_acme", at(1, 0, month=11), twilio_usd="7"))
    rows.append(add_usage(admin_conn, "a_beta1", at(30, 23, month=9), twilio_usd="9"))
    return rows


@pytest.fixture
def export(db, admin):
    """Export the report for October as the Super User; returns (file, parsed rows)."""
    def run(period: Period = OCTOBER):
        fx = FxService(None, clock=ManualClock(NOW), fixed_rate=RATE)
        with db.user_session(admin.rls_claims) as conn:
            report = export_usage_report(conn, actor=admin, period_for=lambda today: period,
                                         fx=fx, now=NOW, default_time_zone=TZ)
        text = report.content.decode("utf-8-sig")
        return report, list(csv.DictReader(io.StringIO(text)))
    return run


def expected_row(usage: list[dict], agents: list[str], markup: Decimal) -> dict[str, Decimal]:
    """Invoice arithmetic: sum USD per category, convert, round per line, markup, total."""
    mine = [r for r in usage if r["agent_id"] in agents
            and OCTOBER.start <= r["started_at"].astimezone(ZoneInfo(TZ)).date() <= OCTOBER.end]
    chats = [r for r in mine if r["source"] == "retell_chat"]
    calls = [r for r in mine if r["source"] == "retell_call"]
    lines = [cents(sum((r["twilio_cost_usd"] for r in chats), Decimal(0)) * RATE),
             cents(sum((r["twilio_cost_usd"] for r in calls), Decimal(0)) * RATE),
             cents(sum((r["retell_cost_usd_cents"] for r in chats), Decimal(0)) / 100 * RATE),
             cents(sum((r["retell_cost_usd_cents"] for r in calls), Decimal(0)) / 100 * RATE)]
    subtotal = sum(lines)
    markup_cad = cents(subtotal * markup / 100)
    return dict(zip(AMOUNT_COLUMNS, [*lines, subtotal, markup_cad, subtotal + markup_cad],
                    strict=True)) | {"Chats": len(chats), "Calls": len(calls),
                                     "SMS segments": sum(r["sms_segments"] for r in mine),
                                     "Call minutes": sum(r["billed_minutes"] for r in mine)}


def test_each_row_equals_invoice_arithmetic_and_the_totals_row_is_their_sum(usage, export):
    report, rows = export()
    by_name = {row["Customer"].lstrip("'"): row for row in rows}
    assert report.customers == len(CUSTOMERS) and len(rows) == len(CUSTOMERS) + 2
    expectations = {name: expected_row(usage, agents, Decimal(markup))
                    for name, (markup, agents) in CUSTOMERS.items()}
    expectations["Unattributed usage"] = expected_row(usage, ["a_orphan"], Decimal(0))
    for name, expected in expectations.items():
        row = by_name[name]
        for column in AMOUNT_COLUMNS:
            assert Decimal(row[column]) == expected[column], (name, column)
        for column in COUNT_COLUMNS:
            assert int(row[column]) == expected[column], (name, column)
        assert (row["Period start"], row["Period end"], row["USD to CAD rate"]) == (
            "2026-10-01", "2026-10-31", str(RATE))
    assert Decimal(by_name["Acme Health"]["Total (CAD)"]) > 0
    assert Decimal(by_name["Unattributed usage"]["Total (CAD)"]) > 0
    total = rows[-1]
    assert total["Customer"] == "Total"
    for column in AMOUNT_COLUMNS:
        assert Decimal(total[column]) == sum(Decimal(r[column]) for r in rows[:-1]), column
    for column in COUNT_COLUMNS:
        assert int(total[column]) == sum(int(r[column]) for r in rows[:-1]), column


def test_customer_rows_agree_with_the_invoice_preview_to_the_cent(db, admin, usage, export):
    _, rows = export()
    fx = FxService(None, clock=ManualClock(NOW), fixed_rate=RATE)
    with db.user_session(admin.rls_claims) as conn:
        previewed = preview(conn, OCTOBER, None, fx_service=fx, tz=TZ, today=NOW.date())
    report_totals = {row["Customer ID"]: Decimal(row["Total (CAD)"]) for row in rows
                     if row["Customer ID"]}
    assert report_totals == {c["customer_id"]: c["total_cad"] for c in previewed["customers"]}


def test_formulas_in_customer_names_are_neutralised(usage, export):
    report, rows = export()
    names = [row["Customer"] for row in rows]
    for dangerous in ("=HYPERLINK", "+1 Clinic", "-Minus Clinic", "@Sum Clinic"):
        assert any(name.startswith("'" + dangerous) for name in names), dangerous
    assert not any(name.startswith(("=", "+", "-", "@")) for name in names)
    assert b"\n=HYPERLINK" not in report.content and b",=HYPERLINK" not in report.content


def test_the_export_is_audited(admin_conn, admin, usage, export):
    report, rows = export()
    entry = admin_conn.execute(
        "select actor_type, actor_id::text, details from billing_audit_log"
        " where action = 'BILLING_REPORT_EXPORTED'").fetchone()
    assert entry[:2] == ("user", admin.user_id)
    assert entry[2]["period_start"] == "2026-10-01" and entry[2]["rows"] == len(CUSTOMERS)
    assert Decimal(entry[2]["total_cad"]) == Decimal(rows[-1]["Total (CAD)"])
    assert report.filename == "billing-usage-2026-10-01-to-2026-10-31.csv"


def test_an_empty_period_lists_every_customer_with_zeros(usage, export):
    _, rows = export(Period(date(2026, 6, 1), date(2026, 6, 30)))
    assert len(rows) == len(CUSTOMERS) + 2
    assert all(Decimal(row["Total (CAD)"]) == 0 for row in rows)
