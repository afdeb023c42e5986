"""Invoice history and the invoice detail in the browser (§7, §12 Invoice History)."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.console import assert_accessible, cad


@pytest.fixture
def drafts(console, admin, world) -> dict[str, dict]:
    """October drafts for Acme and Beta, made through the API; by customer name."""
    ids = [world.customers["acme"], world.customers["beta"]]
    console.generate(admin, ids)
    items = console.get(admin, "invoices")["items"]
    assert len(items) == 2
    return {i["customer_name"]: i for i in items}


def invoices_table(page):
    return page.get_by_role("table", name="Invoices")


def test_history_filters_by_status_and_customer_and_searches(console, admin, drafts):
    page = console.open(admin, "invoices")
    expect(page.get_by_role("heading", name="Invoice History")).to_be_visible()
    table = invoices_table(page)
    expect(table.get_by_role("row")).to_have_count(3)  # header + 2
    expect(table).to_contain_text(cad(drafts["Beta Medical"]["total_amount_cad"]))
    assert_accessible(page)

    page.get_by_role("combobox", name="Status").select_option(label="Paid")
    expect(page.get_by_text("No Invoices Found")).to_be_visible()
    page.get_by_role("button", name="Clear Filters").click()
    expect(table.get_by_role("row")).to_have_count(3)

    page.get_by_role("combobox", name="Customer", exact=True).select_option(label="Beta Medical")
    expect(table.get_by_role("row")).to_have_count(2)
    expect(table).not_to_contain_text("Acme Healthcare")
    page.get_by_role("combobox", name="Customer", exact=True).select_option(label="All Customers")

    page.get_by_role("searchbox", name="Search invoice #, customer...").fill("acme")
    expect(table.get_by_role("row")).to_have_count(2)
    expect(table).to_contain_text("Acme Healthcare")

    page.get_by_role("spinbutton", name="Minimum amount").fill("100000")
    expect(page.get_by_text("No Invoices Found")).to_be_visible()


def test_sorting_by_amount_puts_the_largest_first_then_last(console, admin, drafts):
    page = console.open(admin, "invoices")
    table = invoices_table(page)
    page.get_by_role("button", name="Amount").click()
    first = table.get_by_role("row").nth(1)
    larger = max(drafts.values(), key=lambda i: float(i["total_amount_cad"]))["customer_name"]
    smaller = min(drafts.values(), key=lambda i: float(i["total_amount_cad"]))["customer_name"]
    expect(first).to_contain_text(larger)
    page.get_by_role("button", name="Amount").click()
    expect(table.get_by_role("row").nth(1)).to_contain_text(smaller)


def test_detail_send_then_mark_paid_each_confirmed(console, admin, drafts):
    beta = drafts["Beta Medical"]
    page = console.open(admin, "invoices")
    invoices_table(page).get_by_role("row", name=re.compile("Beta Medical")).get_by_role("button", name="View").click()
    detail = page.get_by_role("dialog", name=f"Invoice {beta['stripe_invoice_id']}")
    expect(detail.get_by_role("row", name=re.compile("Twilio SMS Services"))).to_contain_text(cad(beta["twilio_sms_cost_cad"]))
    for row in ("Twilio Voice Services", "Retell AI Chat Services", "Retell AI Voice Services", "Subtotal"):
        expect(detail.get_by_role("row", name=re.compile(row))).to_be_visible()
    expect(detail.get_by_role("row", name=re.compile(r"Service Markup \(20%\)"))).to_contain_text(cad(beta["markup_amount_cad"]))
    expect(detail.get_by_role("row", name=re.compile("^Total"))).to_contain_text(cad(beta["total_amount_cad"]))
    expect(detail.get_by_role("button", name="Mark as Paid")).to_have_count(0)  # not for a draft
    assert_accessible(page)

    detail.get_by_role("button", name="Send Invoice").click()
    confirm = page.get_by_role("dialog", name="Send Invoice?")
    confirm.get_by_role("button", name="Send now").click()
    expect(confirm).to_be_hidden()
    sent = console.get(admin, f"invoices/{beta['id']}")
    assert sent["invoice_status"] == "sent"
    detail = page.get_by_role("dialog", name=f"Invoice {sent['invoice_number']}")
    expect(detail).to_contain_text("Sent")
    expect(detail.get_by_role("link", name="View in Stripe")).to_have_attribute("href", sent["stripe_invoice_url"])
    expect(detail.get_by_role("link", name="Download PDF")).to_have_attribute("href", sent["stripe_invoice_pdf_url"])

    detail.get_by_role("button", name="Refresh from Stripe").click()  # reversible: no confirmation
    expect(detail.get_by_role("button", name="Refresh from Stripe")).not_to_have_attribute("aria-busy", "true")
    detail.get_by_role("button", name="Send Reminder").click()
    page.get_by_role("dialog", name="Send Reminder?").get_by_role("button", name="Send reminder").click()
    expect(page.get_by_role("dialog", name="Send Reminder?")).to_be_hidden()
    expect(detail.get_by_role("alert")).to_have_count(0)

    detail.get_by_role("button", name="Mark as Paid").click()
    page.get_by_role("dialog", name="Mark as Paid?").get_by_role("button", name="Mark paid").click()
    expect(detail.get_by_text("Payment received").or_(detail.get_by_text("Paid", exact=True)).first).to_be_visible()
    assert console.get(admin, f"invoices/{beta['id']}")["invoice_status"] == "paid"
    detail.get_by_role("button", name="Close", exact=True).click()
    expect(invoices_table(page).get_by_role("row", name=re.compile("Beta Medical"))).to_contain_text("Paid")


def test_cancel_is_confirmed_and_can_be_kept(console, admin, drafts):
    acme = drafts["Acme Healthcare"]
    page = console.open(admin, "invoices")
    invoices_table(page).get_by_role("row", name=re.compile("Acme Healthcare")).get_by_role("button", name="View").click()
    detail = page.get_by_role("dialog", name=f"Invoice {acme['stripe_invoice_id']}")
    detail.get_by_role("button", name="Cancel Invoice").click()
    page.get_by_role("dialog", name="Cancel Invoice?").get_by_role("button", name="Keep it").click()
    assert console.get(admin, f"invoices/{acme['id']}")["invoice_status"] == "draft"

    detail.get_by_role("button", name="Cancel Invoice").click()
    page.get_by_role("dialog", name="Cancel Invoice?").get_by_role("button", name="Cancel the invoice").click()
    expect(detail.get_by_role("button", name="Cancel Invoice")).to_have_count(0)
    assert console.get(admin, f"invoices/{acme['id']}")["invoice_status"] == "cancelled"


def test_export_csv_downloads_the_filtered_history(console, admin, drafts):
    page = console.open(admin, "invoices")
    page.get_by_role("combobox", name="Customer", exact=True).select_option(label="Acme Healthcare")
    expect(invoices_table(page).get_by_role("row")).to_have_count(2)
    with page.expect_download() as download:
        page.get_by_role("button", name="Export CSV").click()
    assert re.fullmatch(r"invoices-\d{4}-\d{2}-\d{2}\.csv", download.value.suggested_filename)
    text = download.value.path().read_text()
    assert "Acme Healthcare" in text and "Beta Medical" not in text
