"""A simulated month end, end to end: settings saved over HTTP, the hourly timer
at the billing hour invoices the auto-invoice customers exactly once (sent),
the Stripe stand-in's signed webhooks move them to paid when the customers pay,
and the notification emails arrive at the local SMTP server."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from billing.adapters.clock import ManualClock
from billing.bootstrap import Deps
from tests.fixtures.auth import auth_settings
from tests.fixtures.db import follow_clock
from tests.fixtures.smtp import body_of
from tests.fixtures.stripe import STANDIN_KEY
from tests.fixtures.world import FX, batch_status, hourly_with_queue

WEBHOOK_SECRET = "whsec_MonthEndSigningSecret"
EMAIL = "billing@carexps.test"
#: Nov 1 2026 06:05 in Toronto: five past the billing hour on the billing day.
TIMER = datetime(2026, 11, 1, 11, 5, tzinfo=UTC)


@pytest.fixture
def api_clock() -> ManualClock:
    """The week before the billing day, when the admin configures automation."""
    return ManualClock(datetime(2026, 10, 25, 15, tzinfo=UTC))


@pytest.fixture
def api_deps(db, db_url, api_clock, stripe_standin, smtp_server, retell_client) -> Deps:
    """The whole app on local parts: Stripe at the stand-in (with the key saved in the
    settings), Retell at its stand-in, mail through the loopback SMTP server."""
    settings = auth_settings(db_url, fx_fixed_usd_cad=FX, stripe_api_base=stripe_standin.base_url,
                             **smtp_server.settings)
    follow_clock(db, api_clock)
    return Deps(settings=settings, db=db, clock=api_clock, retell_client=retell_client)


@pytest.fixture
def configured(api, admin_headers, world, admin_conn, stripe_standin):
    """Acme and Beta on auto-invoicing; automation, Stripe and notifications saved
    through the Settings API; the served app registered for the stand-in's webhooks."""
    admin_conn.execute("update billing_customers set auto_invoice_enabled = true"
                       " where id = any(%s)", [[world.customers["acme"], world.customers["beta"]]])
    resp = api.put("/api/billing/settings", headers=admin_headers, json={
        "stripe": {"secret_key": STANDIN_KEY, "webhook_secret": WEBHOOK_SECRET},
        "invoice_defaults": {"default_due_date_days": 30},
        "automation": {"auto_invoice_enabled": True, "auto_invoice_day_of_month": 1,
                       "auto_invoice_time": "06:00", "auto_send_invoices": True},
        "notifications": {"notification_email": EMAIL}})
    assert resp.status_code == 200, resp.text
    stripe_standin.register_webhook(f"{api.base_url}/api/billing/stripe/webhook", WEBHOOK_SECRET)
    return world


def invoices(conn) -> dict[str, tuple]:
    rows = conn.execute("select c.customer_name, i.invoice_status, i.invoice_number,"
                        " i.stripe_invoice_id, i.paid_at from invoice_records i"
                        " join billing_customers c on c.id = i.billing_customer_id").fetchall()
    return {row[0]: row[1:] for row in rows}


def test_simulated_month_end(configured, api_deps, admin_conn, stripe_standin, smtp_server):
    before = hourly_with_queue(_at(api_deps, TIMER - timedelta(hours=1)))
    assert before.auto_invoice.status == "not_due" and not before.failures

    run = hourly_with_queue(_at(api_deps, TIMER))
    assert not run.failures, run.failures
    assert run.auto_invoice.status == "queued"
    assert batch_status(admin_conn, run.auto_invoice.batch_id) == ("completed", 2, 0)
    stripe_standin.deliveries()  # every webhook the invoicing caused has been answered
    billed = invoices(admin_conn)
    assert set(billed) == {"Acme Healthcare", "Beta Medical"}
    assert {status for status, *_ in billed.values()} == {"sent"}
    for _, _, stripe_id, _ in billed.values():
        assert stripe_standin.requests("POST", rf"^/v1/invoices/{stripe_id}/send$")
    [summary] = smtp_server.received
    assert summary["To"] == EMAIL and "Invoices created: 2" in body_of(summary)

    for _, _, stripe_id, _ in billed.values():
        stripe_standin.mark_paid(stripe_id)
    assert {d["status"] for d in stripe_standin.deliveries()} == {200}
    paid = invoices(admin_conn)
    assert {status for status, *_ in paid.values()} == {"paid"}
    assert all(paid_at is not None for *_, paid_at in paid.values())

    later = hourly_with_queue(_at(api_deps, TIMER + timedelta(hours=1)))
    assert later.auto_invoice.status == "done" and later.notifications.sent == 2
    payments = {m["Subject"]: body_of(m) for m in smtp_server.received[1:]}
    for name, (_, number, _, _) in billed.items():
        body = payments[f"CareXPS billing: payment received for invoice {number}"]
        assert f"Customer: {name}" in body

    assert hourly_with_queue(_at(api_deps, TIMER + timedelta(days=1))).auto_invoice.status == "done"
    assert len(invoices(admin_conn)) == 2 and len(smtp_server.received) == 3
    assert len(stripe_standin.requests("POST", r"^/v1/invoices$")) == 2


def _at(deps: Deps, moment: datetime) -> Deps:
    deps.clock.set(moment)
    return deps
