"""One runner at a time per batch: concurrent retries never process the same items,
and items report what really happened, also after a crash."""
from __future__ import annotations

import threading
from datetime import date

from billing.domain.errors import Conflict
from billing.domain.periods import Period
from billing.usecases import batch_runner, invoice_runs
from billing.usecases.invoicing import GenerateOptions

OCTOBER = Period(date(2026, 10, 1), date(2026, 10, 31))


def _items(conn, batch_id: str) -> list[tuple[str, str | None]]:
    return conn.execute("select status, reason from invoice_batch_items where batch_id = %s",
                        [batch_id]).fetchall()


def test_concurrent_retries_of_a_crashed_batch_run_it_once(world, world_deps, admin_conn,
                                                           stripe_gateway):
    ids = list(world.customers.values())
    batch = invoice_runs.start_generation(world_deps, world.principal, OCTOBER, ids,
                                          GenerateOptions(mode="send", include_zero_usage=True))
    # The process died before running it: two people press "retry" at once.
    admin_conn.execute("update invoice_batches set status = 'completed_with_errors'")
    barrier, outcomes = threading.Barrier(2), []

    def press_retry() -> None:
        barrier.wait()
        try:
            outcomes.append(batch_runner.retry(world_deps, world.principal, batch["id"])["status"])
        except Conflict as exc:
            outcomes.append(exc.code)

    threads = [threading.Thread(target=press_retry) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert len(outcomes) == 2 and "completed" in outcomes
    assert sorted(_items(admin_conn, batch["id"])) == [("succeeded", None)] * 3
    assert admin_conn.execute("select count(*) from invoice_records").fetchone()[0] == 3
    stripe_ids = [c.id for c in stripe_gateway.list_customers(limit=100)]
    assert sum(len(stripe_gateway.list_invoices(c)) for c in stripe_ids) == 3


def test_a_second_runner_finds_the_batch_busy(world, world_deps, admin_conn):
    batch = invoice_runs.start_generation(world_deps, world.principal, OCTOBER,
                                          [world.customers["beta"]], GenerateOptions())
    admin_conn.execute("update invoice_batches set status = 'running', runner_id = gen_random_uuid(),"
                       " runner_lease_until = %s", [world_deps.clock.now().replace(year=2030)])
    assert batch_runner.process_batch(world_deps, batch["id"]) is None  # a duplicate message
    try:
        invoice_runs.request_retry(world_deps, world.principal, batch["id"])
    except Conflict as exc:
        assert exc.code == "batch_running"
    else:
        raise AssertionError("a retry while a runner holds the batch must be refused")
    assert _items(admin_conn, batch["id"]) == [("pending", None)]


def test_a_runner_whose_lease_ran_out_is_taken_over(world, world_deps, admin_conn):
    batch = invoice_runs.start_generation(world_deps, world.principal, OCTOBER,
                                          [world.customers["beta"]], GenerateOptions())
    admin_conn.execute("update invoice_batches set status = 'running', runner_id = gen_random_uuid(),"
                       " runner_lease_until = %s",
                       [world_deps.clock.now() - batch_runner.LEASE])
    assert batch_runner.process_batch(world_deps, batch["id"])["status"] == "completed"


def test_an_invoice_finished_before_the_crash_is_reported_as_succeeded(world, world_deps,
                                                                      admin_conn):
    batch = batch_runner.generate(world_deps, world.principal, OCTOBER,
                                  [world.customers["acme"], world.customers["beta"]],
                                  GenerateOptions(mode="send"))
    # As if the process died after Stripe and the invoice row, before recording the items.
    admin_conn.execute("update invoice_batch_items set status = 'pending', invoice_id = null")
    admin_conn.execute("update invoice_batches set status = 'completed_with_errors'")
    again = batch_runner.retry(world_deps, world.principal, batch["id"])
    assert [(i["status"], i["reason"]) for i in again["items"]] == [("succeeded", None)] * 2
    assert all(i["invoice_id"] for i in again["items"])
    assert admin_conn.execute("select count(*) from invoice_records").fetchone()[0] == 2
