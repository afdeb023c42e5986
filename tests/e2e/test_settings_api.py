"""The Settings page over real HTTP: sections saved and read back, secrets stored
encrypted and never returned, every field error at once, test/live mismatches
refused, the Stripe connection test, and the audit trail."""
from __future__ import annotations

import json

import pytest

from billing.adapters.clock import SystemClock
from billing.adapters.secrets import decrypt
from billing.bootstrap import Deps
from tests.fixtures.auth import auth_settings

URL = "/api/billing/settings"
TEST_KEY = "sk_test_51SettingsPageKey0000000000000000000000004242"
LIVE_KEY = "sk_live_51SettingsPageKey0000000000000000000000009999"
WEBHOOK_SECRET = "whsec_SettingsPageSigningSecret0000000000"


@pytest.fixture
def api_deps(db, db_url, stripe_standin) -> Deps:
    """The served app with the personas' keys, Stripe calls going to the stand-in."""
    return Deps(settings=auth_settings(db_url, stripe_api_base=stripe_standin.base_url),
                db=db, clock=SystemClock())


def put(api, headers, body):
    return api.put(URL, json=body, headers=headers)


def audit_entries(admin_conn, action):
    return [row[0] for row in admin_conn.execute(
        "select details from billing_audit_log where action = %s order by id", [action])]


def test_a_new_organisation_reads_the_defaults_with_no_key(api, admin_headers):
    resp = api.get(URL, headers=admin_headers)
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["stripe"] == {"secret_key_set": False, "secret_key_hint": None,
                              "secret_key_source": None, "publishable_key": None,
                              "test_mode": True, "webhook_secret_set": False}
    assert body["invoice_defaults"]["default_due_date_days"] == 30
    assert body["automation"] == {"auto_invoice_enabled": False, "auto_invoice_day_of_month": 1,
                                  "auto_invoice_time": "00:00", "auto_send_invoices": False}
    assert body["billing_time_zone"] == "America/Toronto"
    assert body["sms_segment_rules"] == "toll_free"


def test_every_section_is_saved_and_read_back(api, admin_headers):
    resp = put(api, admin_headers, {
        "invoice_defaults": {"default_markup_percentage": "12.5", "default_due_date_days": 15,
                             "default_invoice_note": "Thank you.", "invoice_footer_text": "CareXPS"},
        "automation": {"auto_invoice_enabled": True, "auto_invoice_day_of_month": 3,
                       "auto_invoice_time": "06:00", "auto_send_invoices": True},
        "notifications": {"notification_email": "billing@carexps.test",
                          "notify_on_payment_received": False},
        "billing_time_zone": "America/Vancouver", "sms_segment_rules": "standard"})
    assert resp.status_code == 200, resp.text
    again = api.get(URL, headers=admin_headers).json()
    assert again == resp.json()
    assert again["invoice_defaults"] == {"default_markup_percentage": "12.5000",
                                         "default_due_date_days": 15,
                                         "default_invoice_note": "Thank you.",
                                         "invoice_footer_text": "CareXPS"}
    assert again["automation"]["auto_invoice_time"] == "06:00"
    assert again["notifications"] == {"notification_email": "billing@carexps.test",
                                      "notify_on_invoice_generated": True,
                                      "notify_on_payment_received": False}
    assert (again["billing_time_zone"], again["sms_segment_rules"]) == (
        "America/Vancouver", "standard")


def test_fields_not_sent_keep_their_value_and_empty_text_clears(api, admin_headers):
    put(api, admin_headers, {"notifications": {"notification_email": "billing@carexps.test"},
                             "invoice_defaults": {"default_invoice_note": "Note"}})
    put(api, admin_headers, {"invoice_defaults": {"default_due_date_days": 60,
                                                  "default_invoice_note": ""}})
    body = api.get(URL, headers=admin_headers).json()
    assert body["notifications"]["notification_email"] == "billing@carexps.test"
    assert body["invoice_defaults"]["default_invoice_note"] is None
    assert body["invoice_defaults"]["default_due_date_days"] == 60


def test_every_invalid_field_is_reported_at_once(api, admin_headers, admin_conn):
    before = admin_conn.execute("select updated_at from billing_settings").fetchone()[0]
    resp = put(api, admin_headers, {
        "stripe": {"secret_key": "pk_test_wrongKindOfKey", "webhook_secret": "secret"},
        "invoice_defaults": {"default_markup_percentage": 10001, "default_due_date_days": 366},
        "automation": {"auto_invoice_day_of_month": 29, "auto_invoice_time": "06:30"},
        "notifications": {"notification_email": "not-an-email"},
        "billing_time_zone": "Mars/Olympus_Mons", "sms_segment_rules": "long_code"})
    assert resp.status_code == 422
    errors = {e["field"]: e["message"] for e in resp.json()["errors"]}
    assert set(errors) == {
        "body.stripe.secret_key", "body.stripe.webhook_secret",
        "body.invoice_defaults.default_markup_percentage",
        "body.invoice_defaults.default_due_date_days",
        "body.automation.auto_invoice_day_of_month", "body.automation.auto_invoice_time",
        "body.notifications.notification_email", "body.billing_time_zone",
        "body.sms_segment_rules"}
    assert errors["body.invoice_defaults.default_markup_percentage"] == "Markup too high"
    assert errors["body.invoice_defaults.default_due_date_days"] == "Due days too far in future"
    assert errors["body.notifications.notification_email"] == "Invalid email format"
    assert "pk_test_wrongKindOfKey" not in resp.text
    assert admin_conn.execute("select updated_at from billing_settings").fetchone()[0] == before


@pytest.mark.parametrize("body", [
    {"invoice_defaults": {"default_due_date_days": None}},
    {"automation": {"auto_invoice_enabled": None}},
    {"billing_time_zone": None},
])
def test_a_required_setting_cannot_be_emptied(api, admin_headers, body):
    resp = put(api, admin_headers, body)
    assert resp.status_code == 422
    assert resp.json()["errors"][0]["message"] == "This field cannot be empty"


def test_the_secret_key_is_stored_encrypted_and_only_its_hint_is_returned(
        api, api_deps, admin_headers, admin_conn):
    resp = put(api, admin_headers, {"stripe": {"secret_key": TEST_KEY,
                                               "publishable_key": "pk_test_51Publishable",
                                               "webhook_secret": WEBHOOK_SECRET}})
    assert resp.status_code == 200, resp.text
    assert resp.json()["stripe"] == {
        "secret_key_set": True, "secret_key_hint": "sk_test_…4242",
        "secret_key_source": "settings", "publishable_key": "pk_test_51Publishable",
        "test_mode": True, "webhook_secret_set": True}
    for text in (resp.text, api.get(URL, headers=admin_headers).text):
        assert TEST_KEY not in text and WEBHOOK_SECRET not in text
    stored, secret = admin_conn.execute(
        "select stripe_api_key_encrypted, stripe_webhook_secret_encrypted"
        " from billing_settings").fetchone()
    assert stored.startswith("v1:k1:") and TEST_KEY not in stored
    assert decrypt(stored, api_deps.keyring) == TEST_KEY
    assert decrypt(secret, api_deps.keyring) == WEBHOOK_SECRET


def test_a_live_key_is_refused_while_test_mode_is_on_and_the_reverse(api, admin_headers):
    resp = put(api, admin_headers, {"stripe": {"secret_key": LIVE_KEY}})
    assert resp.status_code == 422
    assert resp.json()["code"] == "stripe_mode_mismatch"
    assert resp.json()["errors"] == [{"field": "body.stripe.secret_key", "message":
                                      "A live secret key cannot be used while Test Mode is on. "
                                      "Use a test key (sk_test_…) or switch to Live Mode."}]
    resp = put(api, admin_headers, {"stripe": {"secret_key": TEST_KEY, "test_mode": False}})
    assert resp.status_code == 422
    assert "A test secret key cannot be used while Live Mode is on" in resp.text
    assert put(api, admin_headers, {"stripe": {"secret_key": LIVE_KEY, "test_mode": False}}
               ).json()["stripe"]["secret_key_hint"] == "sk_live_…9999"


def test_switching_mode_needs_a_key_of_that_mode(api, admin_headers):
    put(api, admin_headers, {"stripe": {"secret_key": TEST_KEY}})
    resp = put(api, admin_headers, {"stripe": {"test_mode": False}})
    assert resp.status_code == 422
    assert resp.json()["errors"][0]["field"] == "body.stripe.test_mode"
    assert "The saved secret key is a test key" in resp.json()["errors"][0]["message"]


def test_a_publishable_key_of_the_other_mode_is_refused(api, admin_headers):
    resp = put(api, admin_headers, {"stripe": {"publishable_key": "pk_live_51Abc"}})
    assert resp.status_code == 422
    assert resp.json()["errors"][0]["field"] == "body.stripe.publishable_key"


def test_saving_is_audited_with_the_fields_changed_and_never_a_secret(
        api, admin_headers, admin_conn):
    put(api, admin_headers, {"stripe": {"secret_key": TEST_KEY, "webhook_secret": WEBHOOK_SECRET},
                             "invoice_defaults": {"default_due_date_days": 30,
                                                  "default_invoice_note": "New"}})
    put(api, admin_headers, {"invoice_defaults": {"default_due_date_days": 30}})
    [details] = audit_entries(admin_conn, "BILLING_SETTINGS_UPDATED")
    assert details["fields"] == ["default_invoice_note", "stripe_api_key",
                                 "stripe_webhook_secret"]
    assert details["key_hint"] == "sk_test_…4242"
    dump = json.dumps([r[0] for r in admin_conn.execute("select details from billing_audit_log")])
    assert TEST_KEY not in dump and WEBHOOK_SECRET not in dump


def test_clearing_the_key_falls_back_to_the_environment_key(api, api_deps, admin_headers):
    put(api, admin_headers, {"stripe": {"secret_key": TEST_KEY}})
    api_deps.settings = api_deps.settings.model_copy(update={"stripe_secret_key": "sk_test_envKey1"})
    body = put(api, admin_headers, {"stripe": {"clear_secret_key": True}}).json()["stripe"]
    assert (body["secret_key_source"], body["secret_key_hint"]) == ("environment", "sk_test_…Key1")


def test_only_a_verified_super_user_reaches_the_settings(api, personas):
    staff = personas.create("staff")
    assert api.get(URL, headers=staff.headers).status_code == 403
    assert api.put(URL, json={}, headers=staff.headers).status_code == 403
    assert api.get(URL).status_code == 401


def connection_test(api, headers, body=None):
    resp = api.post(URL + "/stripe/test", json=body or {}, headers=headers)
    assert resp.status_code == 200, resp.text
    return resp.json()


def test_the_connection_test_uses_the_saved_key(api, admin_headers, stripe_standin):
    put(api, admin_headers, {"stripe": {"secret_key": TEST_KEY}})
    stripe_standin.restrict_api_keys([TEST_KEY])
    assert connection_test(api, admin_headers) == {
        "success": True, "message": "Connected (Test Mode)", "mode": "test",
        "key_hint": "sk_test_…4242", "code": None}
    assert stripe_standin.requests("GET", r"^/v1/customers$")


def test_the_connection_test_tries_a_given_key_without_saving_it(api, admin_headers, admin_conn):
    result = connection_test(api, admin_headers, {"secret_key": LIVE_KEY})
    assert (result["success"], result["message"]) == (True, "Connected (Live Mode)")
    assert admin_conn.execute("select stripe_api_key_encrypted from billing_settings"
                              ).fetchone()[0] is None


def test_the_connection_test_reports_an_invalid_key(api, admin_headers, stripe_standin,
                                                    admin_conn):
    stripe_standin.restrict_api_keys(["sk_test_onlyThisOne"])
    result = connection_test(api, admin_headers, {"secret_key": TEST_KEY})
    assert result["success"] is False
    assert (result["message"], result["code"]) == ("Invalid API key", "stripe_authentication")
    [details] = audit_entries(admin_conn, "BILLING_STRIPE_CONNECTION_TESTED")
    assert details == {"status": "failed", "setting": "given", "key_hint": "sk_test_…4242",
                       "test_mode": True, "error_code": "stripe_authentication"}


def test_the_connection_test_reports_a_network_error(api, api_deps, admin_headers):
    api_deps.settings = api_deps.settings.model_copy(
        update={"stripe_api_base": "http://127.0.0.1:9"})
    result = connection_test(api, admin_headers, {"secret_key": TEST_KEY})
    assert result["success"] is False
    assert result["message"] == "Network error. Please check your connection and try again."


def test_the_connection_test_without_any_key_says_stripe_is_not_configured(api, admin_headers):
    result = connection_test(api, admin_headers)
    assert (result["success"], result["code"]) == (False, "stripe_not_configured")
