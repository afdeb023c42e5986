"""Faults at every Stripe step: after a retry there is exactly one Stripe
customer and one Stripe invoice, with our lines, and our row agrees."""
from __future__ import annotations

from datetime import date

import pytest

from billing.domain.periods import Period
from billing.ports import NewLine
from billing.usecases import batch_runner
from billing.usecases.invoicing import GenerateOptions

OCTOBER = Period(date(2026, 10, 1), date(2026, 10, 31))
STEPS = {
    "customer": r"^/v1/customers$",
    "invoice": r"^/v1/invoices$",
    "lines": r"/add_lines$",
    "finalize": r"/finalize$",
    "send": r"/send$",
}
KINDS = ["server_error", "drop", "rate_limit", "error_after", "drop_after"]


@pytest.mark.parametrize("times", [1, 6], ids=["transient", "persistent"])
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("step", list(STEPS))
def test_a_fault_then_a_retry_leaves_exactly_one_invoice(step, kind, times, world, world_deps,
                                                        stripe_standin, stripe_gateway,
                                                        admin_conn):
    mode = "finalize" if step == "finalize" else "send"  # send finalizes a draft itself
    stripe_standin.inject_fault(kind, times=times, path=STEPS[step], method="POST")
    batch = batch_runner.generate(world_deps, world.principal, OCTOBER,
                                  [world.customers["beta"]], GenerateOptions(mode=mode))
    if batch["failed"]:
        assert batch["items"][0]["error_code"]
        stripe_standin.clear_faults()
        batch = batch_runner.retry(world_deps, world.principal, batch["id"])
    assert batch["succeeded"] == 1, batch["items"]

    customers = stripe_gateway.list_customers(limit=100)
    assert len(customers) == 1
    invoices = stripe_gateway.list_invoices(customers[0].id)
    assert len(invoices) == 1
    row = admin_conn.execute(
        "select stripe_invoice_id, total_amount_cad, invoice_status, stripe_state, line_items"
        " from invoice_records").fetchone()
    assert admin_conn.execute("select count(*) from invoice_records").fetchone()[0] == 1
    assert row[0] == invoices[0].id
    assert invoices[0].status == "open"
    assert sorted(invoices[0].line_cents) == sorted(line["amount_cents"] for line in row[4])
    assert invoices[0].total_cents == int(row[1] * 100)
    assert (row[2], row[3]) == ({"send": "sent", "finalize": "finalized"}[mode], "complete")
    assert len(stripe_standin.requests("POST", STEPS[mode])) >= 1


def test_a_stripe_total_that_differs_fails_the_item_loudly(world, world_deps, stripe_gateway,
                                                          stripe_standin, admin_conn):
    batch = batch_runner.generate(world_deps, world.principal, OCTOBER,
                                  [world.customers["beta"]], GenerateOptions(mode="draft"))
    stripe_id = admin_conn.execute("select stripe_invoice_id from invoice_records").fetchone()[0]
    stripe_gateway.add_lines(stripe_id, [NewLine(1, "stray line")], idempotency_key="stray-line")
    admin_conn.execute("update invoice_records set stripe_state = 'failed'")
    admin_conn.execute("update invoice_batch_items set status = 'failed'")
    again = batch_runner.retry(world_deps, world.principal, batch["id"])
    assert again["items"][0]["error_code"] == "stripe_total_mismatch"
    assert admin_conn.execute("select stripe_state from invoice_records").fetchone()[0] == "failed"
    assert stripe_gateway.retrieve_invoice(stripe_id).status == "draft"


def test_a_retry_never_resumes_an_invoice_cancelled_meanwhile(world, world_deps, stripe_standin,
                                                             admin_conn):
    stripe_standin.inject_fault("server_error", times=6, path=STEPS["invoice"], method="POST")
    batch = batch_runner.generate(world_deps, world.principal, OCTOBER,
                                  [world.customers["beta"]], GenerateOptions(mode="send"))
    assert batch["failed"] == 1
    admin_conn.execute("update invoice_records set invoice_status = 'cancelled'")
    stripe_standin.clear_faults()
    created_before = len(stripe_standin.requests("POST", STEPS["invoice"]))
    again = batch_runner.retry(world_deps, world.principal, batch["id"])
    assert (again["items"][0]["status"], again["items"][0]["reason"]) == ("skipped", "cancelled")
    assert len(stripe_standin.requests("POST", STEPS["invoice"])) == created_before


def test_a_retry_after_the_process_died_mid_saga_resumes_the_same_invoice(
        world, world_deps, stripe_standin, stripe_gateway, admin_conn):
    stripe_standin.inject_fault("server_error", times=6, path=STEPS["send"], method="POST")
    batch = batch_runner.generate(world_deps, world.principal, OCTOBER,
                                  [world.customers["beta"]], GenerateOptions(mode="send"))
    # As if the process died before recording the item's outcome.
    admin_conn.execute("update invoice_batch_items set status = 'pending', invoice_id = null")
    stripe_standin.clear_faults()
    again = batch_runner.retry(world_deps, world.principal, batch["id"])
    assert again["items"][0]["status"] == "succeeded"
    assert admin_conn.execute("select count(*) from invoice_records").fetchone()[0] == 1
    customer = stripe_gateway.list_customers(limit=10)[0]
    assert len(stripe_gateway.list_invoices(customer.id)) == 1


@pytest.mark.parametrize(("mode", "requests"), [("draft", 2), ("finalize", 3), ("send", 3)])
def test_a_new_invoice_takes_three_stripe_requests_at_most(mode, requests, world, world_deps,
                                                           stripe_standin, admin_conn):
    customer = world.customers["beta"]
    admin_conn.execute("update billing_customers set stripe_customer_id = %s where id = %s",
                       [_stripe_customer(world_deps), customer])
    before = len(stripe_standin.requests())
    batch = batch_runner.generate(world_deps, world.principal, OCTOBER, [customer],
                                  GenerateOptions(mode=mode))
    assert batch["succeeded"] == 1
    made = stripe_standin.requests()[before:]
    assert len(made) == requests, [(r["method"], r["path"]) for r in made]
    assert len([r for r in made if r["path"].endswith("/add_lines")]) == 1


def _stripe_customer(deps) -> str:
    return deps.payments().create_customer("Beta Medical", None, None, None, {},
                                           idempotency_key="beta-linked").id


def test_lines_lost_in_transit_are_added_once_on_retry(world, world_deps, stripe_standin,
                                                       stripe_gateway, admin_conn):
    stripe_standin.inject_fault("drop_after", times=6, path=STEPS["lines"], method="POST")
    batch = batch_runner.generate(world_deps, world.principal, OCTOBER,
                                  [world.customers["beta"]], GenerateOptions(mode="send"))
    assert batch["failed"] == 1
    stripe_standin.clear_faults()
    again = batch_runner.retry(world_deps, world.principal, batch["id"])
    assert again["succeeded"] == 1
    row = admin_conn.execute("select stripe_invoice_id, line_items from invoice_records"
                             ).fetchone()
    stripe_invoice = stripe_gateway.retrieve_invoice(row[0])
    assert sorted(stripe_invoice.line_cents) == sorted(line["amount_cents"] for line in row[1])
    keys = {r["idempotency_key"] for r in stripe_standin.requests("POST", STEPS["lines"])}
    assert len(keys) == 1
