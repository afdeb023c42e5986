"""Payment reminders and the daily pass with a controlled clock: reminders go out
on exactly the configured local days after the due date (across the end of DST
in Toronto), at most once per day-setting and invoice, never for paid or void
invoices; the pass runs once per local day across instances and mails the
admin a summary."""
from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from billing.adapters.mailer import SmtpMailer
from billing.domain.periods import Period
from billing.usecases import batch_runner
from billing.usecases.daily_pass import run_daily_pass
from billing.usecases.invoicing import GenerateOptions
from billing.usecases.reminders import send_due_reminders
from tests.fixtures.smtp import SENDER, body_of
from tests.fixtures.world import hourly_with_queue

TORONTO = ZoneInfo("America/Toronto")
OCTOBER = Period(date(2026, 10, 1), date(2026, 10, 31))


def sent_invoice(deps, world, name: str, conn, due: date, standin) -> tuple[str, str]:
    """The customer's October invoice, sent, due on ``due`` here and in Stripe (the
    stand-in's own clock is real time); (our id, Stripe's id)."""
    batch = batch_runner.generate(deps, world.principal, OCTOBER, [world.customers[name]],
                                  GenerateOptions(mode="send"))
    item = batch["items"][0]
    noon = datetime(due.year, due.month, due.day, 12, tzinfo=UTC)
    standin.set_due_date(item["stripe_invoice_id"], int(noon.timestamp()))
    conn.execute("update invoice_records set due_date = %s where id = %s",
                 [due, item["invoice_id"]])
    return item["invoice_id"], item["stripe_invoice_id"]


def enable_reminders(conn, days=(3, 7)) -> None:
    conn.execute("update billing_settings set payment_reminders_enabled = true,"
                 " payment_reminder_days = %s, notification_email = 'ap@carexps.test'",
                 [list(days)])


def sends(standin, stripe_id: str) -> list[str]:
    """Idempotency keys of the POST /send requests for the invoice."""
    return [r["idempotency_key"] for r in standin.requests("POST", rf"/v1/invoices/{stripe_id}/send$")
            if not r["replayed"]]


def hourly_clock(start: datetime, end: datetime):
    moment = start
    while moment < end:
        yield moment
        moment += timedelta(hours=1)


def test_reminders_go_out_on_exactly_the_configured_days_across_the_end_of_dst(
        world_deps, world, admin_conn, stripe_standin):
    enable_reminders(admin_conn, days=(3, 7))
    ours, theirs = sent_invoice(world_deps, world, "beta", admin_conn, date(2026, 10, 29),
                                stripe_standin)
    reminded: dict[int, date] = {}
    passes: list[date] = []

    # Every hour from Oct 29 to Nov 7 (Toronto); DST ends on Nov 1 at 02:00.
    for moment in hourly_clock(datetime(2026, 10, 29, tzinfo=TORONTO).astimezone(UTC),
                               datetime(2026, 11, 7, tzinfo=TORONTO).astimezone(UTC)):
        world_deps.clock.set(moment)
        done = run_daily_pass(world_deps)
        if done.status == "completed":
            local = moment.astimezone(TORONTO)
            assert local.hour == 6, local
            passes.append(local.date())
            reminded.update({r.reminder_day: local.date() for r in done.reminders})

    assert passes == [date(2026, 10, 29) + timedelta(days=n) for n in range(9)]
    assert reminded == {3: date(2026, 11, 1), 7: date(2026, 11, 5)}
    assert sends(stripe_standin, theirs)[1:] == [
        f"carexps-invoice-{ours}-reminder-3", f"carexps-invoice-{ours}-reminder-7"]
    timeline = admin_conn.execute(
        "select details->>'reminder_day', details->>'days_overdue' from billing_audit_log"
        " where action = 'BILLING_INVOICE_REMINDER_SENT' and resource_id = %s order by id",
        [ours]).fetchall()
    assert timeline == [("3", "3"), ("7", "7")]


def test_each_day_setting_is_sent_once_even_when_the_pass_runs_again(
        world_deps, world, admin_conn, stripe_standin):
    enable_reminders(admin_conn, days=(3,))
    ours, theirs = sent_invoice(world_deps, world, "beta", admin_conn, date(2026, 11, 1),
                                stripe_standin)

    first = send_due_reminders(world_deps, date(2026, 11, 4))
    again = send_due_reminders(world_deps, date(2026, 11, 4))
    later = send_due_reminders(world_deps, date(2026, 11, 9))

    assert [r.invoice_id for r in first] == [ours]
    assert again == [] and later == []
    assert len(sends(stripe_standin, theirs)) == 2  # the invoice, then one reminder


def test_a_missed_day_is_caught_up_once_with_the_latest_day_only(
        world_deps, world, admin_conn, stripe_standin):
    enable_reminders(admin_conn, days=(3, 7, 14))
    sent_invoice(world_deps, world, "beta", admin_conn, date(2026, 11, 1),
                                stripe_standin)

    caught_up = send_due_reminders(world_deps, date(2026, 11, 10))

    assert [(r.reminder_day, r.days_overdue) for r in caught_up] == [(7, 9)]
    assert send_due_reminders(world_deps, date(2026, 11, 11)) == []


def test_paid_void_and_cancelled_invoices_are_never_reminded(
        world_deps, world, admin_conn, stripe_standin):
    enable_reminders(admin_conn, days=(3,))
    paid, paid_stripe = sent_invoice(world_deps, world, "acme", admin_conn, date(2026, 11, 1),
                                stripe_standin)
    void, void_stripe = sent_invoice(world_deps, world, "beta", admin_conn, date(2026, 11, 1),
                                stripe_standin)
    stripe_standin.mark_paid(paid_stripe, webhook=False)
    stripe_standin.void_quietly(void_stripe)

    assert send_due_reminders(world_deps, date(2026, 11, 4)) == []

    statuses = dict(admin_conn.execute(
        "select id::text, invoice_status from invoice_records").fetchall())
    assert (statuses[paid], statuses[void]) == ("paid", "cancelled")
    assert len(sends(stripe_standin, paid_stripe)) == 1
    assert send_due_reminders(world_deps, date(2026, 11, 4)) == []


def test_reminders_are_off_unless_enabled(world_deps, world, admin_conn, stripe_standin):
    _, theirs = sent_invoice(world_deps, world, "beta", admin_conn, date(2026, 11, 1),
                                stripe_standin)

    assert send_due_reminders(world_deps, date(2026, 11, 4)) == []
    assert len(sends(stripe_standin, theirs)) == 1


def test_the_hourly_run_does_the_daily_pass_once_and_mails_the_summary(
        world_deps, world, admin_conn, smtp_server, stripe_standin):
    enable_reminders(admin_conn, days=(3,))
    sent_invoice(world_deps, world, "beta", admin_conn, date(2026, 11, 1),
                                stripe_standin)
    world_deps.mail_transport = SmtpMailer(smtp_server.host, smtp_server.port, sender=SENDER,
                                           starttls=False)

    early = run_hourly_at(world_deps, datetime(2026, 11, 4, 5, 5, tzinfo=TORONTO))
    run = run_hourly_at(world_deps, datetime(2026, 11, 4, 6, 5, tzinfo=TORONTO))
    later = run_hourly_at(world_deps, datetime(2026, 11, 4, 7, 5, tzinfo=TORONTO))

    assert (early.daily.status, run.daily.status, later.daily.status) == (
        "not_due", "completed", "done")
    assert [r.reminder_day for r in run.daily.reminders] == [3]
    (mail,) = [m for m in smtp_server.received if "daily summary" in m["Subject"]]
    assert "Payment reminders sent: 1" in body_of(mail) and "Beta Medical" in body_of(mail)


def run_hourly_at(deps, moment: datetime):
    deps.clock.set(moment.astimezone(UTC))
    return hourly_with_queue(deps)


def test_instances_firing_together_run_the_days_pass_once(world_deps, world, admin_conn):
    world_deps.clock.set(datetime(2026, 11, 4, 11, 5, tzinfo=UTC))
    outcomes: list[str] = []
    threads = [threading.Thread(target=lambda: outcomes.append(run_daily_pass(world_deps).status))
               for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert outcomes.count("completed") == 1
    assert set(outcomes) - {"completed"} <= {"busy", "done"}
    runs = admin_conn.execute("select count(*) from billing_reconciliation_runs"
                              " where trigger = 'daily'").fetchone()[0]
    assert runs == 1


def test_without_a_stripe_key_the_pass_waits(world_deps, world, admin_conn):
    world_deps.payments_factory = None
    world_deps.clock.set(datetime(2026, 11, 4, 11, 5, tzinfo=UTC))

    done = run_daily_pass(world_deps)

    assert (done.status, done.failures) == ("stripe_not_configured", {})
    assert admin_conn.execute("select count(*) from billing_reconciliation_runs"
                              ).fetchone()[0] == 0


def test_days_count_from_stripes_due_day_in_the_billing_time_zone(
        world_deps, world, admin_conn, stripe_standin):
    enable_reminders(admin_conn, days=(3,))
    ours, theirs = sent_invoice(world_deps, world, "beta", admin_conn, date(2026, 11, 2),
                                stripe_standin)
    # Due at 03:00 UTC on Nov 2, that is 22:00 on Nov 1 in Toronto: due on Nov 1 there.
    stripe_standin.set_due_date(theirs, int(datetime(2026, 11, 2, 3, tzinfo=UTC).timestamp()))

    reminded = send_due_reminders(world_deps, date(2026, 11, 4))

    assert [(r.invoice_id, r.due_date, r.days_overdue) for r in reminded] == [
        (ours, date(2026, 11, 1), 3)]
