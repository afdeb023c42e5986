"""Invoice generation into the Stripe stand-in: modes, totals to the cent,
duplicates, zero usage, missing Stripe customers, concurrency."""
from __future__ import annotations

import threading
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal

import pytest

from billing.domain.errors import Conflict, ValidationFailed
from billing.domain.periods import Period
from billing.usecases import batch_runner
from billing.usecases.invoicing import GenerateOptions
from tests.fixtures.world import FX, add_usage

OCTOBER = Period(date(2026, 10, 1), date(2026, 10, 31))
CENT = Decimal("0.01")


def expected_cents(rows: list[dict], markup: str) -> int:
    """Independent arithmetic: per-category USD → CAD rounded, markup on the rounded sum."""
    chats = [r for r in rows if r["source"] == "retell_chat"]
    calls = [r for r in rows if r["source"] == "retell_call"]
    usd = [sum((r["twilio_cost_usd"] for r in chats), Decimal(0)),
           sum((r["twilio_cost_usd"] for r in calls), Decimal(0)),
           sum((r["retell_cost_usd_cents"] for r in chats), Decimal(0)) / 100,
           sum((r["retell_cost_usd_cents"] for r in calls), Decimal(0)) / 100]
    subtotal = sum((u * FX).quantize(CENT, ROUND_HALF_UP) for u in usd)
    markup_cad = (subtotal * Decimal(markup) / 100).quantize(CENT, ROUND_HALF_UP)
    return int((subtotal + markup_cad) * 100)


def october_rows(world, agent: str) -> list[dict]:
    lo, hi = OCTOBER.utc_bounds("America/Toronto")
    return [r for r in world.usage if r["agent_id"] == agent and lo <= r["started_at"] < hi]


def generate(world_deps, world, names, **options):
    ids = [world.customers[n] for n in names]
    return batch_runner.generate(world_deps, world.principal, OCTOBER, ids,
                                 GenerateOptions(**options))


@pytest.mark.parametrize("mode", ["draft", "finalize", "send"])
def test_each_mode_creates_one_stripe_invoice_per_customer_with_our_total(
        mode, world, world_deps, stripe_gateway, admin_conn):
    batch = generate(world_deps, world, ["acme", "beta"], mode=mode)
    assert batch["status"] == "completed" and batch["succeeded"] == 2
    expected_status = {"draft": "draft", "finalize": "finalized", "send": "sent"}[mode]
    for name, agent, markup in (("acme", "agent_acme", "0"), ("beta", "agent_beta", "20")):
        stripe_invoice = stripe_gateway.retrieve_invoice(
            _stripe_id(admin_conn, world.customers[name]))
        want = expected_cents(october_rows(world, agent), markup)
        assert stripe_invoice.total_cents == want
        assert int(_total(admin_conn, world.customers[name]) * 100) == want
        assert sum(stripe_invoice.line_cents) == want
        assert _status(admin_conn, world.customers[name]) == expected_status
        assert (stripe_invoice.number is not None) == (mode != "draft")


def _stripe_id(conn, customer_id) -> str:
    return conn.execute("select stripe_invoice_id from invoice_records"
                        " where billing_customer_id = %s", [customer_id]).fetchone()[0]


def _total(conn, customer_id) -> Decimal:
    return conn.execute("select total_amount_cad from invoice_records where"
                        " billing_customer_id = %s and invoice_status <> 'cancelled'",
                        [customer_id]).fetchone()[0]


def _status(conn, customer_id) -> str:
    return conn.execute("select invoice_status from invoice_records where"
                        " billing_customer_id = %s", [customer_id]).fetchone()[0]


def test_usage_is_claimed_by_the_invoice_and_the_late_evening_counts(world, world_deps,
                                                                     admin_conn):
    generate(world_deps, world, ["beta"])
    claimed = admin_conn.execute(
        "select count(*) from usage_records where agent_id = 'agent_beta'"
        " and invoice_id is not null").fetchone()[0]
    assert claimed == 3  # two in October plus 23:30 local on Oct 31


def test_fx_and_rates_are_stored_with_the_invoice(world, world_deps, admin_conn):
    generate(world_deps, world, ["acme"])
    row = admin_conn.execute("select fx_rate, fx_source, rate_card, line_items"
                             " from invoice_records").fetchone()
    assert row[0] == FX and row[1] == "fixed"
    assert row[2]["cards"][0]["usd_per_segment"] == "0.008300"
    assert sum(line["amount_cents"] for line in row[3]) == expected_cents(
        october_rows(world, "agent_acme"), "0")


def test_a_second_invoice_for_the_period_is_a_conflict_with_the_existing_one(
        world, world_deps, admin_conn):
    generate(world_deps, world, ["acme"])
    with pytest.raises(Conflict) as info:
        generate(world_deps, world, ["acme", "beta"])
    assert info.value.code == "duplicate_invoice"
    assert len(info.value.extra["existing_invoices"]) == 1
    assert admin_conn.execute("select count(*) from invoice_batches").fetchone()[0] == 1


def test_allowed_duplicate_bills_only_late_usage_as_supplementary(world, world_deps,
                                                                  admin_conn, stripe_gateway):
    generate(world_deps, world, ["acme"])
    nothing = generate(world_deps, world, ["acme"], allow_duplicate=True)
    assert nothing["items"][0]["status"] == "skipped"
    assert nothing["items"][0]["reason"] == "nothing_to_bill"
    late = add_usage(admin_conn, "agent_acme", datetime(2026, 10, 30, 16, tzinfo=UTC),
                     segments=2, twilio_usd="0.0166", retell_cents="1.5")
    batch = generate(world_deps, world, ["acme"], allow_duplicate=True)
    item = batch["items"][0]
    assert item["status"] == "succeeded"
    supplementary = admin_conn.execute(
        "select supplementary, total_amount_cad, stripe_invoice_id from invoice_records"
        " where id = %s", [item["invoice_id"]]).fetchone()
    assert supplementary[0] is True
    assert int(supplementary[1] * 100) == expected_cents([late], "0")
    assert stripe_gateway.retrieve_invoice(supplementary[2]).total_cents == int(
        supplementary[1] * 100)


def test_zero_usage_customers_are_skipped_unless_included(world, world_deps, admin_conn):
    batch = generate(world_deps, world, ["quiet"])
    assert batch["items"][0]["reason"] == "zero_usage"
    assert admin_conn.execute("select count(*) from invoice_records").fetchone()[0] == 0
    batch = generate(world_deps, world, ["quiet"], include_zero_usage=True)
    assert batch["items"][0]["status"] == "succeeded"
    assert _total(admin_conn, world.customers["quiet"]) == 0


def test_missing_stripe_customer_created_skipped_or_failed_per_options(
        world, world_deps, admin_conn, stripe_standin):
    skipped = generate(world_deps, world, ["acme"], skip_missing_stripe_customers=True)
    assert skipped["items"][0]["reason"] == "missing_stripe_customer"
    failed = generate(world_deps, world, ["acme"], auto_create_stripe_customers=False)
    assert failed["items"][0]["error_code"] == "no_stripe_id"
    assert failed["status"] == "completed_with_errors"
    created = generate(world_deps, world, ["beta"])
    assert created["items"][0]["status"] == "succeeded"
    link = admin_conn.execute("select stripe_customer_id, stripe_link_status from"
                              " billing_customers where id = %s",
                              [world.customers["beta"]]).fetchone()
    assert link[0].startswith("cus_") and link[1] == "linked"
    assert len(stripe_standin.requests("POST", r"^/v1/customers$")) == 1


def test_two_concurrent_batches_for_the_same_customer_make_one_invoice(
        world, world_deps, admin_conn, stripe_standin):
    results: list = []

    def run():
        try:
            results.append(generate(world_deps, world, ["beta"]))
        except Conflict as exc:
            results.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert admin_conn.execute("select count(*) from invoice_records").fetchone()[0] == 1
    created = stripe_standin.requests("POST", r"^/v1/invoices$")
    assert len({r.get("idempotency_key") for r in created}) == 1


def test_no_customers_is_a_validation_error(world, world_deps):
    with pytest.raises(ValidationFailed) as info:
        batch_runner.generate(world_deps, world.principal, OCTOBER, [], GenerateOptions())
    assert info.value.code == "no_customers_selected"
