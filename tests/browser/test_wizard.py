"""The `Generate Monthly Invoices` wizard in the browser (§6, §12 Invoice Generation).
The world's clock is mid-November 2026: `Previous Month` is October, the month with usage."""
from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.console import assert_accessible, cad


def open_wizard(console, admin):
    page = console.open(admin)
    page.get_by_role("button", name="Generate Monthly Invoices").click()
    return page, page.get_by_role("dialog", name="Generate Monthly Invoices")


def test_the_wizard_drafts_invoices_for_the_demo_month(console, admin, world, stripe_standin):
    page, wizard = open_wizard(console, admin)
    expect(wizard.get_by_role("radio", name="Previous Month", exact=True)).to_be_checked()
    for name in ("Current Month (MTD)", "Last 30 Days", "Custom Range"):
        expect(wizard.get_by_role("radio", name=name, exact=True)).not_to_be_checked()
    wizard.get_by_role("button", name="Next: Preview Invoices").click()

    preview = console.post(admin, "invoices/preview", {"period": {"preset": "previous_month"}})
    expect(wizard.get_by_role("checkbox", name="Include Acme Healthcare")).to_be_checked()
    expect(wizard.get_by_role("checkbox", name="Include Beta Medical")).to_be_checked()
    expect(wizard.get_by_role("checkbox", name="Include Quiet Clinic")).not_to_be_checked()
    expect(wizard).to_contain_text("agent_unmapped")  # the API's unattributed-usage warning
    expect(wizard).to_contain_text("No Stripe ID")
    beta = next(r for r in preview["customers"] if r["customer_name"] == "Beta Medical")
    expect(wizard.get_by_role("row", name=re.compile("Beta Medical"))).to_contain_text(cad(beta["total_cad"]))
    expect(wizard).to_contain_text("Selected: 2 of 3 customers")
    assert_accessible(page)

    wizard.get_by_role("button", name="Deselect All").click()
    expect(wizard).to_contain_text("Selected: 0 of 3 customers")
    expect(wizard.get_by_role("button", name="Next: Stripe Options")).to_be_disabled()
    wizard.get_by_role("button", name="Select All", exact=True).click()
    expect(wizard).to_contain_text("Selected: 3 of 3 customers")
    wizard.get_by_role("checkbox", name="Include Quiet Clinic").uncheck()
    wizard.get_by_role("checkbox", name="Show only customers with usage > $0").check()
    expect(wizard.get_by_role("checkbox", name="Include Quiet Clinic")).to_have_count(0)
    expect(wizard).to_contain_text(f"Total Amount: {cad(preview['summary']['total_cad'])}")
    wizard.get_by_role("button", name="Next: Stripe Options").click()

    expect(wizard.get_by_role("radio", name="Create Draft Invoices", exact=True)).to_be_checked()
    expect(wizard.get_by_role("radio", name="Finalize Invoices (Don't Send)", exact=True)).to_be_visible()
    expect(wizard.get_by_role("radio", name="Create and Send Invoices", exact=True)).to_be_visible()
    wizard.get_by_role("combobox", name="Payment Due Date").select_option(label="Net 15 (15 days)")
    expect(wizard.get_by_role("checkbox", name="Automatically create Stripe customers for them")).to_be_checked()
    expect(wizard.get_by_role("checkbox", name="Skip customers without Stripe IDs")).not_to_be_checked()
    assert_accessible(page)
    stripe_standin.inject_fault("delay", times=2, path="^/v1/invoices$", method="POST", delay_ms=700)
    wizard.get_by_role("button", name="Generate Invoices").click()

    progress = wizard.get_by_role("progressbar", name="Invoices generated")
    expect(progress).to_have_attribute("aria-valuemax", "2")
    expect(wizard.get_by_role("button", name="Close", exact=True)).to_be_disabled()
    expect(wizard.get_by_role("heading", name="Invoice Generation Complete")).to_be_visible()
    expect(wizard).to_contain_text("Successfully created: 2 invoices")
    invoices = console.get(admin, "invoices")["items"]
    assert sorted(i["customer_name"] for i in invoices) == ["Acme Healthcare", "Beta Medical"]
    assert {i["invoice_status"] for i in invoices} == {"draft"}
    assert {(i["billing_period_start"], i["billing_period_end"]) for i in invoices} == {("2026-10-01", "2026-10-31")}
    batch = console.get(admin, f"invoice-batches/{invoices[0]['batch_id']}")
    assert (batch["mode"], batch["options"]["due_in_days"]) == ("draft", 15)

    wizard.get_by_role("button", name="View Invoice History").click()
    expect(page.get_by_role("heading", name="Invoice History")).to_be_visible()


def test_a_failed_invoice_shows_stripes_error_and_retry_creates_it(console, admin, stripe_standin):
    _, wizard = open_wizard(console, admin)
    wizard.get_by_role("button", name="Next: Preview Invoices").click()
    wizard.get_by_role("checkbox", name="Include Beta Medical").uncheck()
    wizard.get_by_role("button", name="Next: Stripe Options").click()
    stripe_standin.inject_fault("server_error", times=20, path="^/v1/invoices$", method="POST")
    wizard.get_by_role("button", name="Generate Invoices").click()

    expect(wizard.get_by_role("heading", name="Invoice Generation Complete")).to_be_visible()
    expect(wizard).to_contain_text("Failed: 1 invoices")
    failure = wizard.get_by_role("listitem").filter(has_text="Acme Healthcare")
    expect(failure.get_by_label("Failed")).to_be_visible()
    assert failure.inner_text().strip().count("\n") >= 1  # the error message under the name

    stripe_standin.clear_faults()
    failure.get_by_role("button", name="Retry").click()
    expect(wizard).to_contain_text("Successfully created: 1 invoices")
    expect(wizard.get_by_role("button", name="Retry")).to_have_count(0)


def test_a_custom_range_ending_before_it_starts_is_refused_by_its_field(console, admin):
    _, wizard = open_wizard(console, admin)
    wizard.get_by_role("radio", name="Custom Range", exact=True).check()
    wizard.get_by_label("Start date").fill("2026-10-31")
    wizard.get_by_label("End date").fill("2026-10-01")
    wizard.get_by_role("button", name="Next: Preview Invoices").click()
    expect(wizard.get_by_label("End date")).to_have_accessible_description("End date must be after start date")

    wizard.get_by_label("Start date").fill("2026-10-01")
    wizard.get_by_label("End date").fill("2026-10-15")
    wizard.get_by_role("button", name="Next: Preview Invoices").click()
    expect(wizard).to_contain_text("Oct 1, 2026 – Oct 15, 2026")


def test_syncing_usage_first_shows_the_apis_reason_when_retell_is_not_reachable(console, admin):
    _, wizard = open_wizard(console, admin)
    wizard.get_by_role("checkbox", name="Sync usage from Retell first").check()
    wizard.get_by_role("button", name="Next: Preview Invoices").click()
    expect(wizard.get_by_role("alert")).to_contain_text("RETELL_API_KEY is not configured.")
    expect(wizard.get_by_role("button", name="Next: Preview Invoices")).to_be_enabled()
