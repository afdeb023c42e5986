"""Automatic monthly invoices from the hourly run: only auto-invoice customers,
exactly once per customer and month — with instances racing, after Stripe
failures and after a crash mid-batch — as the system, and the overdue sweep."""
from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from billing.domain.errors import PaymentProviderError
from billing.domain.periods import Period
from billing.usecases import batch_runner
from billing.usecases.auto_invoicing import LEASE, run_auto_invoicing
from billing.usecases.invoicing import GenerateOptions
from tests.fixtures.world import (
    add_customer,
    add_usage,
    batch_status,
    hourly_with_queue,
    map_agent,
)

TORONTO = ZoneInfo("America/Toronto")
OCTOBER = Period(date(2026, 10, 1), date(2026, 10, 31))
#: 06:00 on Nov 1 2026 in Toronto (DST ended at 02:00 that night: EST, UTC-5).
BILLING_MOMENT = datetime(2026, 11, 1, 11, 0, tzinfo=UTC)


def enable_automation(conn, *, day: int = 1, time: str = "06:00", send: bool = True,
                      enabled_at: datetime = datetime(2026, 10, 20, tzinfo=UTC),
                      customers=()) -> None:
    """Switch automation on (as the Settings page would have, at ``enabled_at``)."""
    conn.execute("update billing_settings set auto_invoice_enabled = true,"
                 " auto_invoice_day_of_month = %s, auto_invoice_time = %s,"
                 " auto_send_invoices = %s, auto_invoice_enabled_at = %s, default_due_date_days = 15",
                 [day, time, send, enabled_at])
    conn.execute("update billing_customers set auto_invoice_enabled = true where id = any(%s)",
                 [list(customers)])


def hourly_at(deps, moment: datetime):
    """Set the clock and run the hourly timer's work (and the queue function's)."""
    deps.clock.set(moment)
    return hourly_with_queue(deps)


def invoices_per_customer(conn) -> dict[str, int]:
    rows = conn.execute("select billing_customer_id::text, count(*) from invoice_records"
                        " group by 1").fetchall()
    return dict(rows)


def stripe_invoice_count(gateway, conn, customer_id) -> int:
    stripe_id = conn.execute("select stripe_customer_id from billing_customers where id = %s",
                             [customer_id]).fetchone()[0]
    return len(gateway.list_invoices(stripe_id)) if stripe_id else 0


@pytest.fixture
def auto(world, admin_conn):
    """Acme and Beta (October usage) and Quiet (none) on auto-invoicing."""
    enable_automation(admin_conn, customers=[world.customers[n] for n in ("acme", "beta", "quiet")])
    return world


@pytest.fixture
def many(world, admin_conn):
    """Eight more auto-invoice customers, each with October usage."""
    ids = []
    for n in range(8):
        customer_id = add_customer(admin_conn, f"Clinic {n:02d}", auto_invoice=True)
        map_agent(admin_conn, f"agent_many_{n}", customer_id)
        add_usage(admin_conn, f"agent_many_{n}", datetime(2026, 10, 10 + n, 15, tzinfo=UTC),
                  segments=3 + n, twilio_usd="0.0249", retell_cents="1.5")
        ids.append(customer_id)
    enable_automation(admin_conn, customers=ids)
    return ids


def test_the_billing_hour_invoices_the_previous_month_for_auto_customers_only(
        auto, world_deps, admin_conn, stripe_gateway):
    admin_conn.execute("update billing_customers set auto_invoice_enabled = false where id = %s",
                       [auto.customers["quiet"]])
    run = hourly_at(world_deps, BILLING_MOMENT)
    assert run.auto_invoice.status == "queued", run.failures
    assert run.auto_invoice.period == OCTOBER
    assert batch_status(admin_conn, run.auto_invoice.batch_id)[0] == "completed"
    assert invoices_per_customer(admin_conn) == {auto.customers["acme"]: 1,
                                                 auto.customers["beta"]: 1}
    rows = admin_conn.execute("select invoice_status, due_in_days, stripe_state, created_by"
                              " from invoice_records").fetchall()
    assert rows == [("sent", 15, "complete", None)] * 2
    for name in ("acme", "beta"):
        assert stripe_invoice_count(stripe_gateway, admin_conn, auto.customers[name]) == 1


def test_draft_mode_leaves_the_invoices_for_review(auto, world_deps, admin_conn):
    admin_conn.execute("update billing_settings set auto_send_invoices = false")
    hourly_at(world_deps, BILLING_MOMENT)
    statuses = {r[0] for r in admin_conn.execute("select invoice_status from invoice_records")}
    assert statuses == {"draft"}


def test_the_run_is_audited_as_the_system(auto, world_deps, admin_conn):
    hourly_at(world_deps, BILLING_MOMENT)
    rows = admin_conn.execute(
        "select action, actor_type, actor_id, details from billing_audit_log"
        " where action in ('BILLING_AUTO_INVOICE_STARTED', 'BILLING_INVOICE_GENERATED',"
        " 'BILLING_INVOICE_BATCH_COMPLETED') order by id").fetchall()
    assert [r[0] for r in rows].count("BILLING_INVOICE_GENERATED") == 2
    assert {(r[1], r[2], r[3]["source"]) for r in rows} == {("system", None, "auto_invoice")}
    started = rows[0][3]
    assert (started["mode"], started["count"], started["period_start"]) == ("send", 3,
                                                                          "2026-10-01")


def test_a_customer_invoiced_by_hand_is_not_invoiced_again(auto, world_deps, admin_conn):
    batch_runner.generate(world_deps, auto.principal, OCTOBER, [auto.customers["acme"]],
                          GenerateOptions(mode="draft"))
    run = hourly_at(world_deps, BILLING_MOMENT)
    assert batch_status(admin_conn, run.auto_invoice.batch_id)[0] == "completed"
    assert invoices_per_customer(admin_conn) == {auto.customers["acme"]: 1,
                                                 auto.customers["beta"]: 1}


def test_later_hours_of_the_month_do_nothing(auto, world_deps, admin_conn, stripe_standin):
    hourly_at(world_deps, BILLING_MOMENT)
    posts = len(stripe_standin.requests("POST"))
    for hours in (1, 2, 24, 24 * 14):
        run = hourly_at(world_deps, BILLING_MOMENT + timedelta(hours=hours))
        assert run.auto_invoice.status == "done"
    assert len(stripe_standin.requests("POST")) == posts
    assert admin_conn.execute("select count(*) from invoice_batches").fetchone()[0] == 1


def test_instances_firing_together_invoice_each_customer_once(
        auto, many, world_deps, admin_conn, stripe_gateway):
    world_deps.clock.set(BILLING_MOMENT)
    barrier, outcomes, queued = threading.Barrier(4), [], []

    def instance():
        barrier.wait()
        outcomes.append(run_auto_invoicing(world_deps, enqueue=queued.append).status)

    threads = [threading.Thread(target=instance) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert len(outcomes) == 4 and outcomes.count("queued") == 1
    assert set(outcomes) <= {"queued", "busy", "done"}
    [batch_id] = queued
    batch_runner.process_batch(world_deps, batch_id)
    counts = invoices_per_customer(admin_conn)
    assert len(counts) == 10 and set(counts.values()) == {1}
    for customer_id in many:
        assert stripe_invoice_count(stripe_gateway, admin_conn, customer_id) == 1
    assert admin_conn.execute("select count(*), max(attempts) from billing_auto_invoice_runs"
                              ).fetchone() == (1, 1)


class FaultAfter:
    """The stand-in gateway; once ``k`` invoices were sent, the stand-in fails every
    later invoice creation (a Stripe outage that starts mid-batch)."""

    def __init__(self, gateway, standin, k: int) -> None:
        self._gateway, self._standin, self._k = gateway, standin, k
        self._lock, self.sent = threading.Lock(), 0

    def __getattr__(self, name):
        return getattr(self._gateway, name)

    def send_invoice(self, *args, **kwargs):
        result = self._gateway.send_invoice(*args, **kwargs)
        with self._lock:
            self.sent += 1
            if self.sent == self._k:
                self._standin.inject_fault("server_error", times=1000, path=r"^/v1/invoices$",
                                           method="POST")
        return result


def test_stripe_failing_for_later_customers_is_finished_by_the_next_hourly_run(
        auto, many, world_deps, admin_conn, stripe_standin, stripe_gateway):
    faulty = FaultAfter(stripe_gateway, stripe_standin, k=3)
    world_deps.payments_factory = lambda: faulty
    first = hourly_at(world_deps, BILLING_MOMENT).auto_invoice
    status, succeeded, failed = batch_status(admin_conn, first.batch_id)
    assert status == "completed_with_errors" and failed >= 1 and succeeded >= 3
    stripe_standin.clear_faults()
    second = hourly_at(world_deps, BILLING_MOMENT + timedelta(hours=1)).auto_invoice
    assert second.status == "queued" and second.batch_id == first.batch_id
    assert batch_status(admin_conn, first.batch_id)[:3:2] == ("completed", 0)
    counts = invoices_per_customer(admin_conn)
    assert len(counts) == 10 and set(counts.values()) == {1}
    for customer_id in many:
        assert stripe_invoice_count(stripe_gateway, admin_conn, customer_id) == 1
    assert {r[0] for r in admin_conn.execute("select invoice_status from invoice_records")} == {
        "sent"}
    assert hourly_at(world_deps, BILLING_MOMENT + timedelta(hours=2)).auto_invoice.status == "done"


class Crash(BaseException):
    """The process dying: not an error any code handles."""


class CrashAfter:
    """The stand-in gateway; the process dies when the ``k``-th invoice is about to be sent."""

    def __init__(self, gateway, k: int) -> None:
        self._gateway, self._k = gateway, k
        self._lock, self.calls = threading.Lock(), 0

    def __getattr__(self, name):
        return getattr(self._gateway, name)

    def send_invoice(self, *args, **kwargs):
        with self._lock:
            self.calls += 1
            if self.calls >= self._k:
                raise Crash()
        return self._gateway.send_invoice(*args, **kwargs)


def test_a_crash_mid_batch_is_finished_after_the_lease_without_duplicates(
        auto, many, world_deps, admin_conn, stripe_standin, stripe_gateway):
    world_deps.payments_factory = lambda: CrashAfter(stripe_gateway, k=4)
    with pytest.raises(Crash):
        hourly_at(world_deps, BILLING_MOMENT)
    pending = admin_conn.execute("select count(*) from invoice_batch_items where status ="
                                 " 'pending'").fetchone()[0]
    assert pending >= 1
    world_deps.payments_factory = lambda: stripe_gateway
    busy = hourly_at(world_deps, BILLING_MOMENT + LEASE - timedelta(minutes=1)).auto_invoice
    assert busy.status == "busy"
    finished = hourly_at(world_deps, BILLING_MOMENT + LEASE).auto_invoice
    assert finished.status == "queued", finished
    assert batch_status(admin_conn, finished.batch_id)[0] == "completed"
    counts = invoices_per_customer(admin_conn)
    assert len(counts) == 10 and set(counts.values()) == {1}
    for customer_id in many:
        assert stripe_invoice_count(stripe_gateway, admin_conn, customer_id) == 1
    assert {r[0] for r in admin_conn.execute("select invoice_status from invoice_records")} == {
        "sent"}
    resumed = admin_conn.execute("select details from billing_audit_log where action ="
                                 " 'BILLING_AUTO_INVOICE_RESUMED'").fetchone()[0]
    assert resumed["attempt"] == 2


def test_a_failed_usage_sync_postpones_the_month(auto, world_deps, admin_conn):
    from billing.adapters.retell import RetellClient

    world_deps.retell_client = RetellClient("key_unreachable", "http://127.0.0.1:9",
                                            max_retries=0, sleep=lambda _: None)
    run = hourly_at(world_deps, BILLING_MOMENT)
    assert "usage_sync" in run.failures
    assert run.auto_invoice.status == "waiting_for_usage_sync"
    assert admin_conn.execute("select count(*) from invoice_records").fetchone()[0] == 0


def test_stripe_not_configured_releases_the_month_for_a_later_run(auto, world_deps,
                                                                  admin_conn, stripe_gateway):
    def unconfigured():
        raise PaymentProviderError("Stripe is not configured.", code="stripe_not_configured")

    world_deps.payments_factory = unconfigured
    run = hourly_at(world_deps, BILLING_MOMENT)
    assert run.failures["auto_invoicing"] == "stripe_not_configured"
    world_deps.payments_factory = lambda: stripe_gateway
    assert hourly_at(world_deps, BILLING_MOMENT + timedelta(minutes=5)
                     ).auto_invoice.status == "queued"


def stripe_due_day(gateway, conn, customer_id) -> date:
    """Stripe's due date of the customer's invoice, as a Toronto calendar day."""
    stripe_id = conn.execute("select stripe_invoice_id from invoice_records"
                             " where billing_customer_id = %s", [customer_id]).fetchone()[0]
    return gateway.retrieve_invoice(stripe_id).due_at.astimezone(TORONTO).date()


def october_invoiced_then_automation_off(deps, conn) -> None:
    """October invoiced by the hourly run; no later month (Stripe's clock is real time)."""
    hourly_at(deps, BILLING_MOMENT)
    conn.execute("update billing_settings set auto_invoice_enabled = false")


def test_sent_invoices_past_stripes_due_date_become_overdue_once(auto, world_deps, admin_conn,
                                                                 stripe_gateway):
    october_invoiced_then_automation_off(world_deps, admin_conn)
    acme, beta = auto.customers["acme"], auto.customers["beta"]
    due = stripe_due_day(stripe_gateway, admin_conn, acme)
    paid = admin_conn.execute("select stripe_invoice_id from invoice_records"
                              " where billing_customer_id = %s", [beta]).fetchone()[0]
    stripe_gateway.pay_out_of_band(paid, idempotency_key="paid-by-cheque")
    on_due_day = hourly_at(world_deps, datetime.combine(due, datetime.max.time(), TORONTO))
    assert on_due_day.overdue == []
    day_after = datetime.combine(due + timedelta(days=1), datetime.min.time(), TORONTO)
    run = hourly_at(world_deps, day_after + timedelta(minutes=5))
    status = dict(admin_conn.execute("select billing_customer_id::text, invoice_status"
                                     " from invoice_records").fetchall())
    [overdue_id] = run.overdue
    assert status == {acme: "overdue", beta: "paid"}  # Stripe's payment wins over overdue
    assert hourly_at(world_deps, day_after + timedelta(days=1)).overdue == []
    actor, details = admin_conn.execute(
        "select actor_type, details from billing_audit_log where action ="
        " 'BILLING_INVOICE_OVERDUE'").fetchone()
    assert actor == "system"
    assert (details["invoice_id"], details["from_status"], details["to_status"],
            details["customer_name"]) == (overdue_id, "sent", "overdue", "Acme Healthcare")


def test_our_recorded_due_date_alone_never_makes_an_invoice_overdue(auto, world_deps,
                                                                    admin_conn, stripe_gateway):
    october_invoiced_then_automation_off(world_deps, admin_conn)
    due = stripe_due_day(stripe_gateway, admin_conn, auto.customers["acme"])
    admin_conn.execute("update invoice_records set due_date = %s", [due - timedelta(days=20)])
    run = hourly_at(world_deps, datetime.combine(due - timedelta(days=10), datetime.min.time(),
                                                 TORONTO))
    assert run.overdue == [] and "overdue_sweep" not in run.failures
    assert {s for (s,) in admin_conn.execute("select invoice_status from invoice_records")} \
        == {"sent"}
