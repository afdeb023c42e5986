"""The dashboard in the browser shows the API's figures (§5, §12 Dashboard)."""
from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.console import assert_accessible, cad


def test_the_cards_and_the_trends_table_show_the_apis_figures(console, admin):
    page = console.open(admin)
    api = console.get(admin, "dashboard")

    cards = {
        "Current Month (MTD)": cad(api["current_month"]["billable_amount_cad"]),
        "Previous Month": cad(api["previous_month"]["billable_amount_cad"]),
        "Total Customers": str(api["customer_count"]),
        "Pending Invoices": str(api["pending_invoices"]["count"]),
    }
    for name, value in cards.items():
        expect(page.get_by_role("region", name=name)).to_contain_text(value)
    assert api["previous_month"]["billable_amount_cad"] != "0.00"  # October has usage

    expect(page.get_by_role("region", name="Monthly Trends").locator(".recharts-bar-rectangle").first).to_be_attached()
    page.get_by_text("Show the figures as a table").click()
    table = page.get_by_role("table", name="Monthly Trends (CAD)")
    for month in api["monthly_trends"]:
        row = table.get_by_role("row", name=month["label"])
        expect(row).to_contain_text(cad(month["total_cad"]))
        expect(row).to_contain_text(cad(month["twilio_sms_cad"]))
    expect(page.get_by_role("region", name="Recent Activity")).to_contain_text("No invoices yet")
    assert_accessible(page)


def test_the_quick_actions_lead_to_history_and_customers_and_export_the_report(console, admin):
    page = console.open(admin)
    with page.expect_download() as download:
        page.get_by_role("button", name="Export Report").click()
    assert download.value.suggested_filename.endswith(".csv")
    assert "Acme Healthcare" in download.value.path().read_text()

    page.get_by_role("button", name="View Invoice History").click()
    expect(page.get_by_role("heading", name="Invoice History")).to_be_visible()
    page.get_by_role("link", name="Dashboard").click()
    page.get_by_role("button", name="Manage Customers").click()
    expect(page.get_by_role("button", name="Add New Customer")).to_be_visible()


def test_an_api_failure_is_shown_in_the_page_with_its_detail(console, admin, db_url):
    import psycopg

    with psycopg.connect(db_url, autocommit=True) as conn:  # the dashboard's view gone: a 500
        conn.execute("alter table billing_customers rename to billing_customers_gone")
    page = console.open(admin)
    alert = page.get_by_role("alert").filter(has_text="Something went wrong")
    expect(alert).to_contain_text("An unexpected error occurred")
    expect(alert.get_by_role("button", name="Try again")).to_be_visible()
