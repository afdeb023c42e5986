"""Notifications: queued with the event that causes them, sent through a real
SMTP server on loopback, retried with backoff, never sent twice."""
from __future__ import annotations

import threading
from datetime import date, timedelta

import pytest

from billing.adapters.mailer import MailNotSent, SmtpMailer
from billing.bootstrap import Deps
from billing.domain.periods import Period
from billing.usecases import batch_runner, notifications
from billing.usecases.invoicing import GenerateOptions
from tests.fixtures.auth import auth_settings
from tests.fixtures.smtp import SENDER, body_of
from tests.fixtures.world import FX

OCTOBER = Period(date(2026, 10, 1), date(2026, 10, 31))
EMAIL = "billing@carexps.test"


@pytest.fixture
def deps(db, db_url, world_clock, stripe_gateway, smtp_server, admin_conn) -> Deps:
    """World deps sending mail through the loopback SMTP server to ``EMAIL``."""
    admin_conn.execute("update billing_settings set notification_email = %s", [EMAIL])
    return Deps(settings=auth_settings(db_url, fx_fixed_usd_cad=FX, **smtp_server.settings),
                db=db, clock=world_clock, payments_factory=lambda: stripe_gateway)


def queue_payments(deps, count: int) -> None:
    """Queue ``count`` "payment received" messages, as the webhook would."""
    with deps.db.system_session("test") as conn:
        for n in range(count):
            notifications.queue_payment_received(conn, {
                "id": f"inv-{n}", "invoice_number": f"CX-{n:04d}", "customer_name": "Acme Healthcare",
                "total_amount_cad": "123.45", "billing_period_start": OCTOBER.start,
                "billing_period_end": OCTOBER.end})


def outbox(admin_conn) -> list[tuple]:
    return admin_conn.execute("select status, attempts, next_attempt_at, last_error"
                              " from billing_notification_outbox order by id").fetchall()


def test_the_mailer_delivers_a_plain_text_message(smtp_server):
    mailer = SmtpMailer(smtp_server.host, smtp_server.port, sender=SENDER, starttls=False)
    mailer.send(EMAIL, "Subject line", "Body line\n", message_id="<m1@carexps>")
    [message] = smtp_server.received
    assert (message["From"], message["To"], message["Subject"], message["Message-ID"]) == (
        SENDER, EMAIL, "Subject line", "<m1@carexps>")
    assert body_of(message) == "Body line\n"


@pytest.mark.parametrize(("reply", "code"), [("451 4.3.0 Busy", "smtp_unavailable"),
                                             ("550 5.1.1 No such user", "smtp_rejected")])
def test_the_mailer_says_whether_a_refusal_is_worth_retrying(smtp_server, reply, code):
    smtp_server.refuse_next(1, reply)
    mailer = SmtpMailer(smtp_server.host, smtp_server.port, sender=SENDER, starttls=False)
    with pytest.raises(MailNotSent) as caught:
        mailer.send(EMAIL, "s", "b", message_id="<m2@carexps>")
    assert caught.value.code == code
    assert caught.value.permanent is (code == "smtp_rejected")


def test_an_unreachable_server_is_worth_retrying():
    with pytest.raises(MailNotSent) as caught:
        SmtpMailer("127.0.0.1", 9, sender=SENDER, starttls=False).send(
            EMAIL, "s", "b", message_id="<m3@carexps>")
    assert caught.value.code == "smtp_unavailable"


def test_a_queued_message_is_sent_once(deps, smtp_server, admin_conn):
    queue_payments(deps, 1)
    assert notifications.drain_outbox(deps) == notifications.DrainResult(sent=1)
    assert notifications.drain_outbox(deps) == notifications.DrainResult()
    [message] = smtp_server.received
    assert message["Subject"] == "CareXPS billing: payment received for invoice CX-0000"
    body = body_of(message)
    assert "Customer: Acme Healthcare" in body and "Amount: $123.45 CAD" in body
    assert outbox(admin_conn)[0][:2] == ("sent", 1)


def test_the_same_event_queues_its_message_once(deps, admin_conn):
    queue_payments(deps, 1)
    queue_payments(deps, 1)
    assert len(outbox(admin_conn)) == 1


def test_a_refused_send_is_retried_with_backoff(deps, smtp_server, admin_conn):
    queue_payments(deps, 1)
    smtp_server.refuse_next(2)
    start = deps.clock.now()
    assert notifications.drain_outbox(deps).retrying == 1
    assert outbox(admin_conn)[0][:3] == ("pending", 1, start + timedelta(minutes=1))
    assert notifications.drain_outbox(deps) == notifications.DrainResult()  # not due yet
    deps.clock.advance(minutes=1)
    assert notifications.drain_outbox(deps).retrying == 1
    assert outbox(admin_conn)[0][2] == deps.clock.now() + timedelta(minutes=2)
    deps.clock.advance(minutes=2)
    assert notifications.drain_outbox(deps).sent == 1
    assert len(smtp_server.received) == 1
    assert outbox(admin_conn)[0][:2] == ("sent", 3)


def test_a_permanent_refusal_is_not_retried(deps, smtp_server, admin_conn):
    queue_payments(deps, 1)
    smtp_server.refuse_next(1, "550 5.1.1 Mailbox unavailable")
    assert notifications.drain_outbox(deps).failed == 1
    deps.clock.advance(days=1)
    assert notifications.drain_outbox(deps) == notifications.DrainResult()
    status, attempts, _, error = outbox(admin_conn)[0]
    assert (status, attempts) == ("failed", 1) and error.startswith("smtp_rejected")


def test_a_message_that_keeps_failing_is_given_up_after_the_last_attempt(deps, smtp_server,
                                                                        admin_conn):
    queue_payments(deps, 1)
    smtp_server.refuse_next(notifications.MAX_ATTEMPTS)
    for _ in range(notifications.MAX_ATTEMPTS):
        notifications.drain_outbox(deps)
        deps.clock.advance(hours=1)
    assert outbox(admin_conn)[0][:2] == ("failed", notifications.MAX_ATTEMPTS)
    assert smtp_server.received == []


def test_concurrent_senders_never_send_a_message_twice(deps, smtp_server):
    queue_payments(deps, 24)
    barrier = threading.Barrier(4)

    def sender():
        barrier.wait()
        notifications.drain_outbox(deps)

    threads = [threading.Thread(target=sender) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    subjects = sorted(m["Subject"] for m in smtp_server.received)
    assert len(subjects) == 24 and len(set(subjects)) == 24


def test_without_smtp_messages_wait_in_the_outbox(deps, admin_conn):
    deps.settings = deps.settings.model_copy(update={"smtp_host": None})
    queue_payments(deps, 1)
    assert notifications.drain_outbox(deps) == notifications.DrainResult()
    assert outbox(admin_conn)[0][:2] == ("pending", 0)


def test_a_finished_batch_sends_its_summary_at_once_with_counts_total_and_failures(
        deps, world, stripe_gateway, smtp_server, admin_conn):
    linked = stripe_gateway.create_customer("Acme Healthcare", None, None, None, {},
                                            idempotency_key="test-acme-customer")
    admin_conn.execute("update billing_customers set stripe_customer_id = %s where id = %s",
                       [linked.id, world.customers["acme"]])
    batch = batch_runner.generate(deps, world.principal, OCTOBER, list(world.customers.values()),
                                  GenerateOptions(mode="draft", auto_create_stripe_customers=False))
    assert notifications.drain_outbox(deps).sent == 0  # the batch runner sent it as it ended
    [message] = smtp_server.received
    assert message["Subject"] == ("CareXPS billing: 1 invoice(s) generated for 2026-10-01 to "
                                  "2026-10-31")
    body = body_of(message)
    total = admin_conn.execute("select total_amount_cad from invoice_records").fetchone()[0]
    assert f"Total: ${total:,.2f} CAD" in body
    assert "Invoices created: 1\n" in body and "Failed: 2\n" in body
    assert "- Beta Medical: This customer does not have a Stripe ID" in body
    assert f"Batch: {batch['id']}" in body


def test_no_summary_when_switched_off(deps, world, admin_conn):
    admin_conn.execute("update billing_settings set notify_on_invoice_generated = false")
    batch_runner.generate(deps, world.principal, OCTOBER, [world.customers["beta"]],
                          GenerateOptions(mode="draft"))
    assert outbox(admin_conn) == []
