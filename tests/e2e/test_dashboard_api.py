"""The dashboard and the usage report over HTTP, through the function handlers:
the gate, JSON money as strings, the CSV download and its audit entry."""
from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from billing.adapters.clock import ManualClock
from tests.fixtures.auth import auth_settings
from tests.fixtures.world import add_customer, add_usage, map_agent

RATE = Decimal("1.4000")
NOW = datetime(2026, 11, 15, 17, 0, tzinfo=UTC)


@pytest.fixture
def api_settings(db_url):
    return auth_settings(db_url, fx_fixed_usd_cad=RATE)


@pytest.fixture
def api_clock():
    return ManualClock(NOW)


@pytest.fixture
def usage(admin_conn):
    """One customer at 10 % markup with October and November usage, one unmapped agent."""
    customer = add_customer(admin_conn, "Acme Health", markup="10", stripe_id="cus_acme")
    map_agent(admin_conn, "agent_acme", customer)
    add_usage(admin_conn, "agent_acme", datetime(2026, 10, 10, tzinfo=UTC), segments=10,
              twilio_usd="1.5", retell_cents="250")   # 4.00 USD
    add_usage(admin_conn, "agent_acme", datetime(2026, 11, 5, tzinfo=UTC), source="retell_call",
              minutes=4, twilio_usd="0.088", retell_cents="41.2")  # 0.50 USD
    add_usage(admin_conn, "agent_orphan", datetime(2026, 11, 6, tzinfo=UTC), twilio_usd="1")


def test_the_dashboard_needs_a_verified_super_user(api):
    response = api.get("/api/billing/dashboard")
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/problem+json")


def test_the_dashboard_reports_figures_in_cad_as_strings(api, admin_headers, usage):
    response = api.get("/api/billing/dashboard", headers=admin_headers)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["fx"] == {"rate": "1.400000", "date": "2026-11-15", "source": "fixed"}
    assert body["time_zone"] == "America/Toronto"
    current = body["current_month"]
    assert current["usage_cost_cad"] == "2.10"            # (0.50 + 1.00) × 1.4
    assert current["billable_amount_cad"] == "0.77"       # 0.50 × 1.1 × 1.4
    assert current["unattributed_usage_cost_cad"] == "1.40"
    assert current["billable_trend_pct"] == "-87.5"        # 0.55 USD vs 4.40 USD
    assert body["previous_month"]["billable_amount_cad"] == "6.16"  # 4.00 × 1.1 × 1.4
    assert [t["total_cad"] for t in body["monthly_trends"]] == [
        "0.00", "0.00", "0.00", "0.00", "5.60", "2.10"]
    assert body["customer_count"] == 1
    assert body["pending_invoices"] == {
        "statuses": ["draft", "finalized", "overdue", "sent"], "count": 0, "total_cad": "0.00"}


def test_the_usage_report_downloads_as_csv_and_is_audited(api, admin_headers, usage,
                                                         admin_conn):
    response = api.get("/api/billing/reports/usage.csv",
                       params={"start": "2026-10-01", "end": "2026-10-31"}, headers=admin_headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    assert 'filename="billing-usage-2026-10-01-to-2026-10-31.csv"' in (
        response.headers["content-disposition"])
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [r["Customer"] for r in rows] == ["Acme Health", "Unattributed usage", "Total"]
    assert rows[0]["Stripe customer ID"] == "cus_acme"
    assert (rows[0]["Subtotal (CAD)"], rows[0]["Markup (CAD)"], rows[0]["Total (CAD)"]) == (
        "5.60", "0.56", "6.16")
    assert rows[-1]["Total (CAD)"] == "6.16"
    assert admin_conn.execute("select count(*) from billing_audit_log"
                              " where action = 'BILLING_REPORT_EXPORTED'").fetchone()[0] == 1


def test_the_usage_report_refuses_an_inverted_period(api, admin_headers):
    response = api.get("/api/billing/reports/usage.csv",
                       params={"start": "2026-10-31", "end": "2026-10-01"}, headers=admin_headers)
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_date_range"
