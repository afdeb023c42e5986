"""Reconciliation against the Stripe stand-in: every finding kind is produced by
changing Stripe's side through the stand-in's controls (no webhook reaches us),
the allowed repairs are made and audited, and a second run finds nothing left
to repair."""
from __future__ import annotations

from datetime import date

import pytest

from billing.domain.errors import PaymentProviderError
from billing.domain.periods import Period
from billing.usecases import batch_runner
from billing.usecases.invoicing import GenerateOptions
from billing.usecases.reconciliation import ReconcileOptions, reconcile

OCTOBER = Period(date(2026, 10, 1), date(2026, 10, 31))
REPAIR = ReconcileOptions(repair=True)


def invoice(deps, world, name: str, mode: str = "send") -> tuple[str, str]:
    """Generate the customer's October invoice; (our id, Stripe's id)."""
    batch = batch_runner.generate(deps, world.principal, OCTOBER, [world.customers[name]],
                                  GenerateOptions(mode=mode))
    item = batch["items"][0]
    return item["invoice_id"], item["stripe_invoice_id"]


def kinds(run: dict) -> dict[str, int]:
    return {kind: n for kind, n in run["counts"].items() if n}


def finding(run: dict, kind: str) -> dict:
    (found,) = [f for f in run["findings"] if f["kind"] == kind]
    return found


def status_of(conn, invoice_id: str) -> str:
    return conn.execute("select invoice_status from invoice_records where id = %s",
                        [invoice_id]).fetchone()[0]


def backdate(conn, invoice_id: str, hours: int) -> None:
    """Leave the row as if nothing touched it for ``hours`` (the trigger is bypassed)."""
    conn.execute("set session_replication_role = replica")
    conn.execute("update invoice_records set updated_at = now() - make_interval(hours => %s)"
                 " where id = %s", [hours, invoice_id])
    conn.execute("set session_replication_role = origin")


def test_records_that_agree_with_stripe_have_no_findings(world_deps, world):
    invoice(world_deps, world, "acme")
    invoice(world_deps, world, "beta", mode="draft")

    run = reconcile(world_deps, None, ReconcileOptions())

    assert run["status"] == "completed"
    assert (run["stripe_invoices"], run["findings_total"], kinds(run)) == (2, 0, {})
    assert run["customers_checked"] == 2


def test_a_payment_whose_webhook_was_missed_is_repaired_forward(
        world_deps, world, stripe_standin, admin_conn):
    admin_conn.execute("update billing_settings set notification_email = 'ap@carexps.test'")
    ours, theirs = invoice(world_deps, world, "acme")
    stripe_standin.mark_paid(theirs, webhook=False)

    found = reconcile(world_deps, None, ReconcileOptions())
    assert kinds(found) == {"status_behind": 1}
    assert finding(found, "status_behind")["stripe_status"] == "paid"
    assert status_of(admin_conn, ours) == "sent"  # reported only

    repaired = reconcile(world_deps, None, REPAIR)
    assert finding(repaired, "status_behind")["repair_action"] == "status_sent_to_paid"
    assert repaired["repaired_total"] == 1
    assert status_of(admin_conn, ours) == "paid"
    audit = admin_conn.execute(
        "select actor_type, details from billing_audit_log"
        " where action = 'BILLING_RECONCILIATION_REPAIRED' and resource_id = %s", [ours]
    ).fetchone()
    assert audit[0] == "system"
    assert (audit[1]["from_status"], audit[1]["to_status"], audit[1]["run_id"]) == (
        "sent", "paid", repaired["id"])
    queued = admin_conn.execute("select count(*) from billing_notification_outbox"
                                " where dedupe_key = %s", [f"paid:{ours}"]).fetchone()[0]
    assert queued == 1

    again = reconcile(world_deps, None, REPAIR)
    assert (again["findings_total"], again["repaired_total"]) == (0, 0)


def test_a_void_in_stripe_cancels_ours_and_releases_the_usage(
        world_deps, world, stripe_standin, admin_conn):
    ours, theirs = invoice(world_deps, world, "acme")
    stripe_standin.void_quietly(theirs)

    run = reconcile(world_deps, None, REPAIR)

    assert finding(run, "status_behind")["repair_action"] == "status_sent_to_cancelled"
    assert status_of(admin_conn, ours) == "cancelled"
    billed = admin_conn.execute("select count(*) from usage_records where invoice_id = %s",
                                [ours]).fetchone()[0]
    assert billed == 0


def test_a_changed_amount_is_reported_and_never_repaired(
        world_deps, world, stripe_standin, admin_conn):
    ours, theirs = invoice(world_deps, world, "beta")
    stripe_standin.edit_line(theirs, 0, 1)

    first = reconcile(world_deps, None, REPAIR)
    second = reconcile(world_deps, None, REPAIR)

    for run in (first, second):
        mismatch = finding(run, "amount_mismatch")
        assert (mismatch["invoice_id"], mismatch["repairable"], mismatch["repaired"]) == (
            ours, False, False)
        assert mismatch["stripe_total_cents"] != mismatch["our_total_cents"]
    assert status_of(admin_conn, ours) == "sent"


def test_an_orphan_draft_with_our_metadata_is_deleted_on_repair(
        world_deps, world, stripe_standin, stripe_sdk, admin_conn):
    ours, _ = invoice(world_deps, world, "acme", mode="draft")
    customer = admin_conn.execute("select stripe_customer_id from billing_customers"
                                  " where id = %s", [world.customers["acme"]]).fetchone()[0]
    duplicate = stripe_sdk.v1.invoices.create(params={
        "customer": customer, "collection_method": "send_invoice", "days_until_due": 30,
        "metadata": {"carexps_invoice_id": ours}})
    stranger = stripe_sdk.v1.invoices.create(params={
        "customer": customer, "collection_method": "send_invoice", "days_until_due": 30,
        "metadata": {"carexps_invoice_id": "6d9a3b8e-0000-4000-8000-000000000000"}})
    stripe_sdk.v1.invoices.finalize_invoice(stranger.id)

    run = reconcile(world_deps, None, REPAIR)

    orphans = {f["stripe_invoice_id"]: f for f in run["findings"]
               if f["kind"] == "orphan_in_stripe"}
    assert set(orphans) == {duplicate.id, stranger.id}
    assert (orphans[duplicate.id]["repaired"], orphans[duplicate.id]["invoice_id"]) == (
        True, ours)
    assert (orphans[stranger.id]["repairable"], orphans[stranger.id]["repaired"]) == (
        False, False)
    assert stripe_standin.requests("DELETE", f"/v1/invoices/{duplicate.id}$")
    again = reconcile(world_deps, None, REPAIR)
    assert kinds(again) == {"orphan_in_stripe": 1}  # the open one needs a person
    assert again["repaired_total"] == 0


def test_an_invoice_cancelled_here_but_still_payable_in_stripe_is_an_orphan(
        world_deps, world, admin_conn):
    ours, theirs = invoice(world_deps, world, "acme")
    admin_conn.execute("update invoice_records set invoice_status = 'cancelled' where id = %s",
                       [ours])

    run = reconcile(world_deps, None, REPAIR)

    orphan = finding(run, "orphan_in_stripe")
    assert (orphan["invoice_id"], orphan["stripe_invoice_id"], orphan["stripe_status"]) == (
        ours, theirs, "open")
    assert (orphan["repairable"], orphan["repaired"]) == (False, False)


def test_a_row_whose_stripe_invoice_is_gone_is_missing(
        world_deps, world, stripe_sdk, admin_conn):
    ours, theirs = invoice(world_deps, world, "acme", mode="draft")
    stripe_sdk.v1.invoices.delete(theirs)

    run = reconcile(world_deps, None, REPAIR)

    missing = finding(run, "missing_in_stripe")
    assert (missing["invoice_id"], missing["stripe_invoice_id"], missing["repaired"]) == (
        ours, theirs, False)


def test_a_row_stuck_in_its_stripe_step_for_over_an_hour(world_deps, world, admin_conn):
    ours, _ = invoice(world_deps, world, "acme", mode="draft")
    admin_conn.execute("update invoice_records set stripe_state = 'failed',"
                       " stripe_error = 'stripe_unreachable: Network error' where id = %s",
                       [ours])
    assert kinds(reconcile(world_deps, None, ReconcileOptions())) == {}  # not an hour yet

    backdate(admin_conn, ours, hours=2)
    run = reconcile(world_deps, None, REPAIR)

    stuck = finding(run, "stuck")
    assert (stuck["invoice_id"], stuck["repaired"]) == (ours, False)
    assert "stripe_unreachable" in stuck["detail"]


def test_a_deleted_stripe_customer_breaks_the_link(world_deps, world, stripe_sdk, admin_conn):
    invoice(world_deps, world, "acme", mode="draft")
    invoice(world_deps, world, "beta", mode="draft")
    customer = admin_conn.execute("select stripe_customer_id from billing_customers"
                                  " where id = %s", [world.customers["beta"]]).fetchone()[0]
    stripe_sdk.v1.customers.delete(customer)

    run = reconcile(world_deps, None, ReconcileOptions())

    broken = finding(run, "customer_link_broken")
    assert (broken["billing_customer_id"], broken["stripe_customer_id"]) == (
        world.customers["beta"], customer)


def test_stripe_is_listed_in_pages_of_100_from_the_local_day(
        world_deps, world, stripe_standin):
    invoice(world_deps, world, "acme")

    run = reconcile(world_deps, None, ReconcileOptions(since=date(2026, 9, 1)))

    (listing,) = stripe_standin.requests("GET", "^/v1/invoices$")
    # 2026-09-01 00:00 in Toronto (EDT) is 04:00 UTC.
    assert listing["params"] == {"created": {"gte": "1788235200"}, "limit": "100"}
    assert str(run["since"]) == "2026-09-01"


def test_a_stripe_failure_is_recorded_as_a_failed_run(world_deps, world, stripe_standin,
                                                      admin_conn):
    stripe_standin.inject_fault("server_error", times=10, path="^/v1/invoices$")

    with pytest.raises(PaymentProviderError) as raised:
        reconcile(world_deps, None, ReconcileOptions())

    assert raised.value.code == "stripe_api_error"
    status, error = admin_conn.execute("select status, error_code from"
                                       " billing_reconciliation_runs").fetchone()
    assert (status, error) == ("failed", "stripe_api_error")
