"""Customers in the browser (§4, §12 Customer Management)."""
from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.console import assert_accessible


def customers_table(page):
    return page.get_by_role("table", name="Billing customers")


def test_add_shows_each_error_by_its_field_then_edit_and_delete(console, admin):
    page = console.open(admin, "customers")
    page.get_by_role("button", name="Add New Customer").click()
    form = page.get_by_role("dialog", name="Add New Customer")
    form.get_by_role("textbox", name="Customer Name").fill("A")
    form.get_by_role("textbox", name="Customer Email").fill("not-an-email")
    form.get_by_role("textbox", name="Phone Number").fill("12")
    form.get_by_role("textbox", name="Markup Percentage").fill("-5")
    form.get_by_role("button", name="Save Customer").click()
    expect(form.get_by_role("textbox", name="Customer Name")).to_have_accessible_description("Customer name must be at least 2 characters")
    expect(form.get_by_role("textbox", name="Customer Email")).to_have_accessible_description("Invalid email format")
    expect(form.get_by_role("textbox", name="Phone Number")).to_have_accessible_description("Invalid phone number")
    expect(form.get_by_role("textbox", name="Markup Percentage")).to_have_accessible_description("Markup cannot be negative")
    assert_accessible(page)

    form.get_by_role("textbox", name="Customer Name").fill("Lakeshore Pediatrics")
    form.get_by_role("textbox", name="Customer Email").fill("billing@lakeshore.example")
    form.get_by_role("textbox", name="Phone Number").fill("416-555-0199")
    form.get_by_role("textbox", name="Markup Percentage").fill("12.5")
    form.get_by_role("checkbox", name="Create Stripe Customer").uncheck()
    form.get_by_role("button", name="Save Customer").click()
    expect(form).to_be_hidden()
    row = customers_table(page).get_by_role("row", name=re.compile("Lakeshore Pediatrics"))
    expect(row).to_contain_text("12.5%")
    expect(row).to_contain_text("Not linked")

    row.get_by_role("button", name="Edit Lakeshore Pediatrics").click()
    form = page.get_by_role("dialog", name="Edit Customer")
    form.get_by_role("textbox", name="Markup Percentage").fill("15")
    form.get_by_role("checkbox", name="Auto-Invoice Enabled").check()
    form.get_by_role("button", name="Save Changes").click()
    expect(row).to_contain_text("15%")
    saved = next(c for c in console.get(admin, "customers")["items"] if c["customer_name"] == "Lakeshore Pediatrics")
    assert (saved["markup_percentage"], saved["auto_invoice_enabled"], saved["phone_number"]) == ("15.0000", True, "416-555-0199")

    row.get_by_role("button", name="Delete Lakeshore Pediatrics").click()
    page.get_by_role("dialog", name="Delete Lakeshore Pediatrics?").get_by_role("button", name="Delete customer").click()
    expect(row).to_have_count(0)
    expect(page.get_by_role("status").filter(has_text="Lakeshore Pediatrics was deleted.")).to_be_visible()


def test_the_api_refusing_a_delete_is_shown_with_its_reason(console, admin, world):
    console.generate(admin, [world.customers["acme"]])
    page = console.open(admin, "customers")
    customers_table(page).get_by_role("button", name="Delete Acme Healthcare").click()
    confirm = page.get_by_role("dialog", name="Delete Acme Healthcare?")
    expect(confirm).to_contain_text("1 unpaid invoices")
    confirm.get_by_role("button", name="Delete customer").click()
    expect(confirm.get_by_role("alert")).to_contain_text("invoice")
    confirm.get_by_role("button", name="Keep it").click()
    expect(customers_table(page).get_by_role("row", name=re.compile("Acme Healthcare"))).to_be_visible()


def test_an_email_already_used_is_refused_by_the_api_next_to_the_field(console, admin):
    taken = console.get(admin, "customers")["items"][0]["customer_email"]
    page = console.open(admin, "customers")
    page.get_by_role("button", name="Add New Customer").click()
    form = page.get_by_role("dialog", name="Add New Customer")
    form.get_by_role("textbox", name="Customer Name").fill("Copycat Clinic")
    form.get_by_role("textbox", name="Customer Email").fill(taken)
    form.get_by_role("button", name="Save Customer").click()
    expect(form.get_by_role("alert")).to_be_visible()
    expect(form).to_be_visible()


def test_map_an_agent_search_filter_sync_to_stripe_and_export(console, admin):
    page = console.open(admin, "customers")
    table = customers_table(page)
    table.get_by_role("button", name="Map agents for Quiet Clinic").click()
    agents = page.get_by_role("dialog", name="Retell agents for Quiet Clinic")
    agents.get_by_role("textbox", name="Agent IDs").fill("agent_quiet\nagent_unmapped")
    agents.get_by_role("button", name="Save Agents").click()
    expect(agents.get_by_role("status")).to_contain_text("2 agents mapped.")
    agents.get_by_role("button", name="Close", exact=True).click()
    expect(table.get_by_role("row", name=re.compile("Quiet Clinic"))).to_contain_text("agent_unmapped")

    page.get_by_role("searchbox", name="Search customers by name or email").fill("beta")
    expect(table.get_by_role("row")).to_have_count(2)
    page.get_by_role("searchbox", name="Search customers by name or email").fill("")
    page.get_by_role("combobox", name="Auto-Invoice").select_option(label="On")
    expect(page.get_by_text("No customers match")).to_be_visible()
    page.get_by_role("combobox", name="Auto-Invoice").select_option(label="All")

    table.get_by_role("button", name="Sync Beta Medical to Stripe").click()
    expect(table.get_by_role("row", name=re.compile("Beta Medical"))).to_contain_text("Linked")
    assert console.get(admin, "customers", search="Beta")["items"][0]["stripe_customer_id"].startswith("cus_")

    with page.expect_download() as download:
        page.get_by_role("button", name="Export CSV").click()
    text = download.value.path().read_text()
    assert "Quiet Clinic" in text and download.value.suggested_filename.startswith("billing-customers-")
