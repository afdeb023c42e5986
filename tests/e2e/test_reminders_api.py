"""Payment reminders over real HTTP: the settings section, and reminding one
invoice by hand (409 unless it is open), which shows on its timeline."""
from __future__ import annotations

from datetime import date

import pytest

from billing.bootstrap import Deps
from billing.domain.periods import Period
from billing.usecases import batch_runner
from billing.usecases.invoicing import GenerateOptions

SETTINGS = "/api/billing/settings"
OCTOBER = Period(date(2026, 10, 1), date(2026, 10, 31))


@pytest.fixture
def api_deps(world_deps) -> Deps:
    return world_deps


def generate(world_deps, world, name: str, mode: str) -> dict:
    batch = batch_runner.generate(world_deps, world.principal, OCTOBER, [world.customers[name]],
                                  GenerateOptions(mode=mode))
    return batch["items"][0]


def test_reminder_settings_are_saved_sorted_and_read_back(api, admin_headers):
    assert api.get(SETTINGS, headers=admin_headers).json()["reminders"] == {
        "payment_reminders_enabled": False, "payment_reminder_days": [3, 7, 14]}

    saved = api.put(SETTINGS, headers=admin_headers, json={"reminders": {
        "payment_reminders_enabled": True, "payment_reminder_days": [14, 3, 3, 30]}})

    assert saved.status_code == 200, saved.text
    assert saved.json()["reminders"] == {"payment_reminders_enabled": True,
                                         "payment_reminder_days": [3, 14, 30]}


@pytest.mark.parametrize("days", [[0], [366], list(range(1, 12)), ["3"], None])
def test_invalid_reminder_days_are_refused(api, admin_headers, days):
    answer = api.put(SETTINGS, headers=admin_headers,
                     json={"reminders": {"payment_reminder_days": days}})
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["field"].startswith("body.reminders.payment_reminder_days")


def test_an_open_invoice_is_reminded_by_hand(api, admin_headers, admin_persona, world,
                                             world_deps, stripe_standin):
    item = generate(world_deps, world, "beta", "send")
    url = f"/api/billing/invoices/{item['invoice_id']}"

    first = api.post(url + "/remind", headers=admin_headers)
    second = api.post(url + "/remind", headers=admin_headers)

    assert (first.status_code, second.status_code) == (200, 200), first.text
    assert first.json()["invoice_status"] == "sent"
    sends = stripe_standin.requests("POST", rf"/v1/invoices/{item['stripe_invoice_id']}/send$")
    assert len([s for s in sends if not s["replayed"]]) == 3  # sent, then two reminders
    timeline = api.get(url, headers=admin_headers).json()["timeline"]
    reminders = [e for e in timeline if e["event"] == "BILLING_INVOICE_REMINDER_SENT"]
    assert len(reminders) == 2 and reminders[0]["actor_id"] == admin_persona.user_id


def test_a_finalized_or_a_paid_invoice_is_not_reminded(api, admin_headers, world, world_deps,
                                                       stripe_standin):
    draft = generate(world_deps, world, "acme", "finalize")  # never e-mailed: "send" it
    paid = generate(world_deps, world, "beta", "send")
    stripe_standin.mark_paid(paid["stripe_invoice_id"], webhook=False)

    refused_draft = api.post(f"/api/billing/invoices/{draft['invoice_id']}/remind",
                             headers=admin_headers)
    refused_paid = api.post(f"/api/billing/invoices/{paid['invoice_id']}/remind",
                            headers=admin_headers)

    assert (refused_draft.status_code, refused_draft.json()["code"]) == (
        409, "invalid_invoice_state")
    assert (refused_paid.status_code, refused_paid.json()["stripe_status"]) == (409, "paid")
    status = api.get(f"/api/billing/invoices/{paid['invoice_id']}", headers=admin_headers)
    assert status.json()["invoice_status"] == "paid"  # brought forward from Stripe
