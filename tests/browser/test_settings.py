"""Settings in the browser (§8, §12 Settings)."""
from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.console import assert_accessible
from tests.fixtures.stripe import STANDIN_KEY

NEW_KEY = "sk_test_browser0000000000000000009876"


def test_the_four_sections_save_and_the_secret_key_is_only_shown_as_its_hint(console, admin):
    page = console.open(admin, "settings")
    for name in ("Stripe Integration", "Invoice Defaults", "Automatic Invoice Generation", "Email Notifications"):
        expect(page.get_by_role("region", name=name)).to_be_visible()
    assert_accessible(page)

    stripe = page.get_by_role("region", name="Stripe Integration")
    stripe.get_by_label("Stripe Secret Key").fill(NEW_KEY)
    stripe.get_by_label("Stripe Webhook Signing Secret").fill("whsec_browsertest0123456789")
    stripe.get_by_role("button", name="Save Stripe Settings").click()
    expect(stripe.get_by_role("status").filter(has_text="Stripe settings saved.")).to_be_visible()
    expect(stripe.get_by_label("Stripe Secret Key")).to_have_value("")
    expect(stripe.get_by_label("Stripe Secret Key")).to_have_accessible_description("Saved key: sk_test_…9876 Leave empty to keep it.")
    assert NEW_KEY not in page.content()
    saved_stripe = console.get(admin, "settings")["stripe"]
    assert saved_stripe["secret_key_hint"].endswith("9876") and saved_stripe["webhook_secret_set"]
    expect(stripe.get_by_label("Stripe Webhook Signing Secret")).to_have_value("")

    defaults = page.get_by_role("region", name="Invoice Defaults")
    defaults.get_by_role("combobox", name="Payment Terms").select_option(label="Net 60 (60 days)")
    defaults.get_by_role("textbox", name="Default Invoice Note").fill("Merci — thank you.")
    defaults.get_by_role("button", name="Save Invoice Defaults").click()
    expect(defaults.get_by_role("status").filter(has_text="Invoice defaults saved.")).to_be_visible()

    automation = page.get_by_role("region", name="Automatic Invoice Generation")
    automation.get_by_role("checkbox", name="Enable Automatic Invoices").check()
    automation.get_by_role("combobox", name="Billing Day of Month").select_option(label="5th of each month")
    automation.get_by_role("button", name="Save Automation Settings").click()
    expect(automation.get_by_role("status").filter(has_text="Automation settings saved.")).to_be_visible()

    saved = console.get(admin, "settings")
    assert saved["invoice_defaults"]["default_due_date_days"] == 60
    assert saved["invoice_defaults"]["default_invoice_note"] == "Merci — thank you."
    assert (saved["automation"]["auto_invoice_enabled"], saved["automation"]["auto_invoice_day_of_month"]) == (True, 5)


def test_an_invalid_notification_email_is_refused_by_the_api_next_to_its_field(console, admin):
    page = console.open(admin, "settings")
    notifications = page.get_by_role("region", name="Email Notifications")
    notifications.get_by_role("textbox", name="Notification Email").fill("billing@")
    notifications.get_by_role("button", name="Save Notification Settings").click()
    expect(notifications.get_by_role("textbox", name="Notification Email")).to_have_accessible_description("Invalid email format")
    expect(notifications.get_by_role("alert")).to_be_visible()

    notifications.get_by_role("textbox", name="Notification Email").fill("billing@carexps.example")
    notifications.get_by_role("checkbox", name="Notify when payments are received").uncheck()
    notifications.get_by_role("button", name="Save Notification Settings").click()
    expect(notifications.get_by_role("status").filter(has_text="Notification settings saved.")).to_be_visible()
    assert console.get(admin, "settings")["notifications"]["notify_on_payment_received"] is False


def test_test_connection_reports_success_and_a_refused_key(console, admin, stripe_standin):
    page = console.open(admin, "settings")
    stripe = page.get_by_role("region", name="Stripe Integration")
    stripe.get_by_role("button", name="Test Connection").click()
    expect(stripe.get_by_role("status").filter(has_text="Connection works")).to_be_visible()

    stripe_standin.restrict_api_keys([STANDIN_KEY])
    try:
        stripe.get_by_label("Stripe Secret Key").fill("sk_test_wrongwrongwrongwrong0000")
        stripe.get_by_role("button", name="Test Connection").click()
        expect(stripe.get_by_role("alert").filter(has_text="Connection failed")).to_be_visible()
    finally:
        stripe_standin.restrict_api_keys(None)
