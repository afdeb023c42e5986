"""The Stripe webhook on the served app, fed by the stand-in's real signed
deliveries: signatures, each event once, out-of-order sequences that never
move an invoice backwards, stale events applied from Stripe's current state,
unknown invoices, voids that release usage, and the payment notification."""
from __future__ import annotations

import copy
import json
import logging
import time
from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest

from billing.adapters.secrets import encrypt
from billing.bootstrap import Deps
from billing.domain.periods import Period
from billing.usecases import batch_runner
from billing.usecases.invoicing import GenerateOptions
from standins.stripe_webhooks import sign
from tests.fixtures.auth import auth_settings
from tests.fixtures.db import follow_clock
from tests.fixtures.world import FX

URL = "/api/billing/stripe/webhook"
SECRET = "whsec_StandinSigningSecretForTheTests"
OCTOBER = Period(date(2026, 10, 1), date(2026, 10, 31))


@pytest.fixture
def api_deps(db, db_url, world_clock, stripe_gateway) -> Deps:
    follow_clock(db, world_clock)
    return Deps(settings=auth_settings(db_url, fx_fixed_usd_cad=FX), db=db, clock=world_clock,
                payments_factory=lambda: stripe_gateway)


@pytest.fixture
def hooked(api, api_deps, admin_conn, stripe_standin, world):
    """The webhook secret saved, the served app registered with the stand-in, whose
    events wait in a queue until the test delivers them."""
    admin_conn.execute("update billing_settings set stripe_webhook_secret_encrypted = %s,"
                       " notification_email = 'billing@carexps.test'",
                       [encrypt(SECRET, api_deps.keyring)])
    stripe_standin.register_webhook(f"{api.base_url}{URL}", SECRET)
    stripe_standin.set_webhook_mode("queued")
    return world


def invoice(deps, world, name: str, mode: str) -> tuple[str, str]:
    """Generate the customer's October invoice; (our id, Stripe's id)."""
    batch = batch_runner.generate(deps, world.principal, OCTOBER, [world.customers[name]],
                                  GenerateOptions(mode=mode))
    item = batch["items"][0]
    return item["invoice_id"], item["stripe_invoice_id"]


def queued(standin, stripe_id: str, event_type: str) -> str:
    """The id of the newest queued event of ``event_type`` for the invoice."""
    found = [e["id"] for e in standin.events(event_type)
             if e["data"]["object"]["id"] == stripe_id]
    return found[-1]


def deliver(standin, *event_ids: str) -> list[int]:
    """Deliver queued events in this order; the HTTP statuses our app answered."""
    return [d["status"] for d in standin.flush_events(order=list(event_ids))]


def row(conn, invoice_id: str) -> dict:
    cur = conn.execute("select invoice_status, paid_at, sent_at, cancelled_at from"
                       " invoice_records where id = %s", [invoice_id])
    return dict(zip([c.name for c in cur.description], cur.fetchone(), strict=True))


def outcome(conn, event_id: str) -> str:
    return conn.execute("select outcome from billing_stripe_events where event_id = %s",
                        [event_id]).fetchone()[0]


def post_signed(api, event: dict, secret: str = SECRET):
    body = json.dumps(event).encode()
    return api.post(URL, content=body, headers={"Stripe-Signature": sign(
        body, secret, int(time.time())), "Content-Type": "application/json"})


def test_a_payment_marks_the_invoice_paid_audits_and_queues_the_notification(
        hooked, api_deps, stripe_standin, admin_conn):
    invoice_id, stripe_id = invoice(api_deps, hooked, "beta", "send")
    stripe_standin.flush_events()  # what the saga itself caused
    assert row(admin_conn, invoice_id)["invoice_status"] == "sent"
    stripe_standin.mark_paid(stripe_id)
    assert deliver(stripe_standin, queued(stripe_standin, stripe_id, "invoice.paid")) == [200]
    paid = row(admin_conn, invoice_id)
    assert paid["invoice_status"] == "paid" and paid["paid_at"] is not None
    actor, details = admin_conn.execute("select actor_type, details from billing_audit_log"
                                        " where action = 'BILLING_INVOICE_PAID'").fetchone()
    assert actor == "system" and details["customer_name"] == "Beta Medical"
    assert (details["from_status"], details["to_status"]) == ("sent", "paid")
    subject, body = admin_conn.execute(
        "select subject, body from billing_notification_outbox where kind = 'payment_received'"
    ).fetchone()
    number = admin_conn.execute("select invoice_number from invoice_records").fetchone()[0]
    assert subject == f"CareXPS billing: payment received for invoice {number}"
    assert "Customer: Beta Medical" in body and "CAD" in body


def test_a_bad_or_missing_signature_is_refused_and_nothing_is_written(hooked, api, admin_conn):
    event = {"id": "evt_forged", "type": "invoice.paid", "created": int(time.time()),
             "data": {"object": {"id": "in_forged"}}, "livemode": False}
    audit_before = admin_conn.execute("select count(*) from billing_audit_log").fetchone()[0]
    for resp in (post_signed(api, event, secret="whsec_SomebodyElsesSecret"),
                 api.post(URL, json=event),
                 api.post(URL, content=b"{}", headers={"Stripe-Signature": "t=1,v1=abc"})):
        assert resp.status_code == 400
        assert resp.json()["code"] == "invalid_signature"
    assert admin_conn.execute("select count(*) from billing_stripe_events").fetchone()[0] == 0
    assert admin_conn.execute("select count(*) from billing_audit_log").fetchone()[0] \
        == audit_before


def test_a_redelivered_event_is_acknowledged_and_changes_nothing(
        hooked, api_deps, stripe_standin, admin_conn):
    invoice_id, stripe_id = invoice(api_deps, hooked, "beta", "send")
    stripe_standin.flush_events()
    stripe_standin.mark_paid(stripe_id)
    paid_event = queued(stripe_standin, stripe_id, "invoice.paid")
    stripe_standin.flush_events(duplicate=True)
    assert [d["status"] for d in stripe_standin.deliver_event(paid_event, times=2)] == [200, 200]
    assert admin_conn.execute("select count(*) from billing_stripe_events where event_id = %s",
                              [paid_event]).fetchone()[0] == 1
    assert row(admin_conn, invoice_id)["invoice_status"] == "paid"
    assert admin_conn.execute("select count(*) from billing_audit_log where action ="
                              " 'BILLING_INVOICE_PAID'").fetchone()[0] == 1
    assert admin_conn.execute("select count(*) from billing_notification_outbox"
                              " where kind = 'payment_received'").fetchone()[0] == 1


def test_paid_before_sent_ends_paid_and_the_late_sent_changes_nothing(
        hooked, api_deps, stripe_standin, stripe_gateway, admin_conn):
    invoice_id, stripe_id = invoice(api_deps, hooked, "beta", "finalize")
    stripe_standin.flush_events()
    stripe_gateway.send_invoice(stripe_id, idempotency_key=f"test-send-{stripe_id}")
    stripe_standin.mark_paid(stripe_id)
    sent = queued(stripe_standin, stripe_id, "invoice.sent")
    paid = queued(stripe_standin, stripe_id, "invoice.paid")
    assert deliver(stripe_standin, paid, sent) == [200, 200]
    after = row(admin_conn, invoice_id)
    assert after["invoice_status"] == "paid" and after["sent_at"] is None
    assert (outcome(admin_conn, paid), outcome(admin_conn, sent)) == ("applied", "unchanged")


def test_a_void_event_after_payment_never_moves_the_invoice_back(
        hooked, api, api_deps, stripe_standin, admin_conn):
    invoice_id, stripe_id = invoice(api_deps, hooked, "beta", "send")
    stripe_standin.mark_paid(stripe_id)
    paid_event = next(e for e in stripe_standin.events("invoice.paid"))
    stripe_standin.flush_events()
    late_void = copy.deepcopy(paid_event)
    late_void.update(id="evt_lateVoidAfterPayment", type="invoice.voided")
    late_void["data"]["object"]["status"] = "void"
    resp = post_signed(api, late_void)
    assert resp.status_code == 200 and resp.json()["outcome"] == "unchanged"
    assert row(admin_conn, invoice_id)["invoice_status"] == "paid"
    assert admin_conn.execute("select count(*) from usage_records where invoice_id = %s",
                              [invoice_id]).fetchone()[0] > 0


def test_a_voided_invoice_is_cancelled_and_releases_its_usage(
        hooked, api_deps, stripe_standin, stripe_gateway, admin_conn):
    invoice_id, stripe_id = invoice(api_deps, hooked, "beta", "finalize")
    stripe_standin.flush_events()
    stripe_gateway.void_invoice(stripe_id, idempotency_key=f"test-void-{stripe_id}")
    assert deliver(stripe_standin, queued(stripe_standin, stripe_id, "invoice.voided")) == [200]
    after = row(admin_conn, invoice_id)
    assert after["invoice_status"] == "cancelled" and after["cancelled_at"] is not None
    assert admin_conn.execute("select count(*) from usage_records where invoice_id = %s",
                              [invoice_id]).fetchone()[0] == 0


def test_a_stale_event_is_applied_as_stripe_stands_now(hooked, api_deps, stripe_standin,
                                                       admin_conn):
    invoice_id, stripe_id = invoice(api_deps, hooked, "beta", "send")
    finalized = queued(stripe_standin, stripe_id, "invoice.finalized")
    saga_events = [e["id"] for e in stripe_standin.events() if e["id"] != finalized]
    stripe_standin.flush_events(order=saga_events)
    stripe_standin.mark_paid(stripe_id)
    reads = len(stripe_standin.requests("GET", rf"^/v1/invoices/{stripe_id}$"))
    # The finalized event (payload: open) arrives after the payment it predates.
    assert deliver(stripe_standin, finalized) == [200]
    assert row(admin_conn, invoice_id)["invoice_status"] == "paid"
    assert len(stripe_standin.requests("GET", rf"^/v1/invoices/{stripe_id}$")) == reads + 1
    assert deliver(stripe_standin, queued(stripe_standin, stripe_id, "invoice.paid")) == [200]
    assert admin_conn.execute("select count(*) from billing_audit_log where action ="
                              " 'BILLING_INVOICE_PAID'").fetchone()[0] == 1


def test_overdue_and_uncollectible_make_an_open_invoice_overdue(
        hooked, api_deps, stripe_standin, stripe_sdk, stripe_gateway, admin_conn):
    first, first_stripe = invoice(api_deps, hooked, "beta", "send")
    second, second_stripe = invoice(api_deps, hooked, "acme", "send")
    stripe_standin.flush_events()
    due_at = stripe_gateway.retrieve_invoice(first_stripe).due_at
    api_deps.clock.set(due_at + timedelta(days=1))
    stripe_standin.mark_overdue(first_stripe)
    stripe_sdk.v1.invoices.mark_uncollectible(second_stripe)
    stripe_standin.flush_events()
    assert row(admin_conn, first)["invoice_status"] == "overdue"
    assert row(admin_conn, second)["invoice_status"] == "overdue"


def test_an_overdue_event_before_stripes_due_date_changes_nothing(
        hooked, api_deps, stripe_standin, stripe_gateway, admin_conn):
    invoice_id, stripe_id = invoice(api_deps, hooked, "beta", "send")
    stripe_standin.flush_events()
    due_at = stripe_gateway.retrieve_invoice(stripe_id).due_at
    api_deps.clock.set(due_at - timedelta(days=20))  # weeks before the due date
    stripe_standin.mark_overdue(stripe_id)
    assert deliver(stripe_standin, queued(stripe_standin, stripe_id, "invoice.overdue")) == [200]
    assert row(admin_conn, invoice_id)["invoice_status"] == "sent"
    # On the due day itself (Toronto) it is not overdue yet; the day after it is.
    local_due = due_at.astimezone(ZoneInfo("America/Toronto"))
    api_deps.clock.set(local_due.replace(hour=23, minute=59))
    stripe_standin.mark_overdue(stripe_id)
    deliver(stripe_standin, queued(stripe_standin, stripe_id, "invoice.overdue"))
    assert row(admin_conn, invoice_id)["invoice_status"] == "sent"
    api_deps.clock.set(local_due.replace(hour=0, minute=1) + timedelta(days=1))
    stripe_standin.mark_overdue(stripe_id)
    deliver(stripe_standin, queued(stripe_standin, stripe_id, "invoice.overdue"))
    assert row(admin_conn, invoice_id)["invoice_status"] == "overdue"


def test_a_failed_payment_is_audited_and_changes_no_status(hooked, api_deps, stripe_standin,
                                                           admin_conn):
    invoice_id, stripe_id = invoice(api_deps, hooked, "beta", "send")
    stripe_standin.flush_events()
    stripe_standin.fail_payment(stripe_id)
    event = queued(stripe_standin, stripe_id, "invoice.payment_failed")
    assert deliver(stripe_standin, event) == [200]
    assert row(admin_conn, invoice_id)["invoice_status"] == "sent"
    details = admin_conn.execute("select details from billing_audit_log where action ="
                                 " 'BILLING_INVOICE_PAYMENT_FAILED'").fetchone()[0]
    assert (details["stripe_event_id"], details["invoice_id"]) == (event, invoice_id)


def test_an_event_for_an_unknown_invoice_is_acknowledged_and_logged(
        hooked, stripe_standin, stripe_gateway, admin_conn, caplog):
    customer = stripe_gateway.create_customer("Elsewhere Inc", None, None, None, {},
                                              idempotency_key="test-elsewhere")
    other = stripe_gateway.create_invoice(customer.id, days_until_due=30, description=None,
                                          footer=None, metadata={},
                                          idempotency_key="test-elsewhere-invoice")
    stripe_gateway.finalize_invoice(other.id, idempotency_key="test-elsewhere-finalize")
    with caplog.at_level(logging.WARNING, logger="billing.stripe_webhook"):
        statuses = [d["status"] for d in stripe_standin.flush_events()]
    assert statuses and set(statuses) == {200}
    event = queued(stripe_standin, other.id, "invoice.finalized")
    assert outcome(admin_conn, event) == "unknown_invoice"
    assert outcome(admin_conn, queued(stripe_standin, other.id, "invoice.created")) == "ignored"
    assert "unknown invoice" in caplog.text


def test_changes_our_saga_is_still_recording_are_left_to_it(hooked, api_deps, stripe_standin,
                                                          admin_conn):
    invoice_id, stripe_id = invoice(api_deps, hooked, "beta", "send")
    admin_conn.execute("update invoice_records set stripe_state = 'in_progress',"
                       " invoice_status = 'draft' where id = %s", [invoice_id])
    sent = queued(stripe_standin, stripe_id, "invoice.sent")
    assert deliver(stripe_standin, sent) == [200]
    assert outcome(admin_conn, sent) == "deferred"
    assert row(admin_conn, invoice_id)["invoice_status"] == "draft"


def test_without_a_saved_signing_secret_the_webhook_is_unavailable(api):
    event = {"id": "evt_x", "type": "invoice.paid", "created": 1, "data": {"object": {}}}
    resp = post_signed(api, event)
    assert resp.status_code == 503
    assert resp.json()["code"] == "stripe_webhook_not_configured"
