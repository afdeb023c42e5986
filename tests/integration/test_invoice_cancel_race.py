"""Cancel is safe at every moment of the Stripe step: refused while it runs, and a
cancellation that lands anyway is honoured by the saga (its Stripe invoice is taken back)."""
from __future__ import annotations

import threading
import time
from datetime import date

import pytest

from billing.domain.errors import Conflict, InvalidState
from billing.domain.periods import Period
from billing.usecases import batch_runner, invoice_actions
from billing.usecases.invoicing import GenerateOptions

OCTOBER = Period(date(2026, 10, 1), date(2026, 10, 31))


def _in_background(work):
    result: dict = {}
    thread = threading.Thread(target=lambda: result.setdefault("value", work()))
    thread.start()
    return thread, result


def _wait_for_row(conn, timeout: float = 10.0) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        cur = conn.execute("select id::text, stripe_state from invoice_records")
        found = cur.fetchone()
        if found is not None:
            return {"id": found[0], "stripe_state": found[1]}
        time.sleep(0.02)
    raise AssertionError("no invoice row appeared")


def _live_stripe_invoices(gateway) -> list:
    return [inv for customer in gateway.list_customers(limit=100)
            for inv in gateway.list_invoices(customer.id) if inv.status != "void"]


def test_cancel_while_stripe_creates_the_invoice_is_refused_and_nothing_is_billed_twice(
        world, world_deps, stripe_standin, stripe_gateway, admin_conn):
    customer = world.customers["beta"]
    stripe_standin.inject_fault("delay", path=r"^/v1/invoices$", method="POST", delay_ms=1500)
    thread, result = _in_background(lambda: batch_runner.generate(
        world_deps, world.principal, OCTOBER, [customer], GenerateOptions(mode="send")))
    row = _wait_for_row(admin_conn)
    with pytest.raises(InvalidState) as refused:
        invoice_actions.cancel_invoice(world_deps, world.principal, row["id"])
    assert refused.value.code == "invoice_in_progress"
    thread.join(30)
    assert result["value"]["succeeded"] == 1
    with pytest.raises(Conflict):  # a new run finds the month invoiced
        batch_runner.generate(world_deps, world.principal, OCTOBER, [customer],
                              GenerateOptions(mode="send"))
    assert len(_live_stripe_invoices(stripe_gateway)) == 1
    assert admin_conn.execute("select count(*) from invoice_records"
                              " where invoice_status <> 'cancelled'").fetchone()[0] == 1


def test_a_cancellation_landing_mid_saga_takes_the_stripe_draft_back(
        world, world_deps, stripe_standin, stripe_gateway, admin_conn):
    stripe_standin.inject_fault("delay", path=r"/add_lines$", method="POST", delay_ms=1500)
    thread, result = _in_background(lambda: batch_runner.generate(
        world_deps, world.principal, OCTOBER, [world.customers["beta"]],
        GenerateOptions(mode="send")))
    row = _wait_for_row(admin_conn)
    while admin_conn.execute("select stripe_invoice_id from invoice_records").fetchone()[0] \
            is None:  # the draft is made; its lines are on their way (delayed)
        time.sleep(0.02)
    # As if a cancel had passed its checks just before the saga started.
    admin_conn.execute("update invoice_records set invoice_status = 'cancelled' where id = %s",
                       [row["id"]])
    thread.join(30)
    item = result["value"]["items"][0]
    assert (item["status"], item["reason"]) == ("skipped", "cancelled")
    assert _live_stripe_invoices(stripe_gateway) == []
    assert stripe_standin.requests("POST", r"/send$") == []


def test_cancel_after_the_stripe_step_finished_voids_it(world, world_deps, stripe_gateway,
                                                       admin_conn):
    batch = batch_runner.generate(world_deps, world.principal, OCTOBER,
                                  [world.customers["beta"]], GenerateOptions(mode="send"))
    invoice_id = batch["items"][0]["invoice_id"]
    cancelled = invoice_actions.cancel_invoice(world_deps, world.principal, invoice_id)
    assert cancelled["invoice_status"] == "cancelled"
    assert _live_stripe_invoices(stripe_gateway) == []
