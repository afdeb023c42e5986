"""Invoice lifecycle against the Stripe stand-in: send, mark paid, cancel, refresh,
refused transitions, failed sagas, and Stripe states that only move forward."""
from __future__ import annotations

import threading
import time
from datetime import date

import psycopg
import pytest

from billing.adapters.postgres import invoices_sql
from billing.domain.errors import BillingError, InvalidState, NotFound, UpstreamUnavailable
from billing.domain.periods import Period
from billing.usecases import batch_runner
from billing.usecases import invoice_actions as actions
from billing.usecases.invoice_saga import idempotency_key
from billing.usecases.invoicing import GenerateOptions

OCTOBER = Period(date(2026, 10, 1), date(2026, 10, 31))
FAULTS_BEFORE_HANDLING = ("rate_limit", "server_error", "drop", "delay")


def new_invoice(world_deps, world, mode: str = "draft", name: str = "acme") -> str:
    batch = batch_runner.generate(world_deps, world.principal, OCTOBER,
                                  [world.customers[name]], GenerateOptions(mode=mode))
    return batch["items"][0]["invoice_id"]


def row(conn, invoice_id: str) -> dict:
    cur = conn.cursor(row_factory=psycopg.rows.dict_row)
    return cur.execute("select * from invoice_records where id = %s", [invoice_id]).fetchone()


def billed(conn, invoice_id: str) -> int:
    return conn.execute("select count(*) from usage_records where invoice_id = %s",
                        [invoice_id]).fetchone()[0]


def audit(conn, invoice_id: str, action: str) -> list[dict]:
    return [r[0] for r in conn.execute(
        "select details from billing_audit_log where resource_id = %s and action = %s"
        " order by id", [invoice_id, action])]


def handled(requests: list[dict]) -> list[dict]:
    """Requests Stripe acted on (not refused before handling, not an idempotent replay)."""
    return [r for r in requests
            if r["fault"] not in FAULTS_BEFORE_HANDLING and not r["replayed"]]


def test_send_from_draft_finalizes_then_sends(world, world_deps, stripe_gateway,
                                              stripe_standin, admin_conn):
    invoice_id = new_invoice(world_deps, world)
    sent = actions.send_invoice(world_deps, world.principal, invoice_id)
    assert sent["invoice_status"] == "sent"
    assert sent["sent_at"] and sent["finalized_at"] and sent["invoice_number"]
    assert sent["stripe_invoice_pdf_url"] and sent["due_date"]
    assert stripe_gateway.retrieve_invoice(sent["stripe_invoice_id"]).status == "open"
    sends = stripe_standin.requests("POST", r"/send$")
    assert [r["idempotency_key"] for r in sends] == [idempotency_key(invoice_id, "send")]
    assert audit(admin_conn, invoice_id, "BILLING_INVOICE_SENT")[0]["from_status"] == "draft"


@pytest.mark.parametrize(("fault", "times"), [("server_error", 1), ("drop", 1),
                                              ("drop_after", 3)])
def test_a_retried_send_finalizes_the_stripe_invoice_once(world, world_deps, stripe_standin,
                                                          admin_conn, fault, times):
    invoice_id = new_invoice(world_deps, world)
    stripe_standin.inject_fault(fault, path=r"/finalize$", times=times)
    try:
        actions.send_invoice(world_deps, world.principal, invoice_id)
    except UpstreamUnavailable:
        assert row(admin_conn, invoice_id)["invoice_status"] == "draft"
        actions.send_invoice(world_deps, world.principal, invoice_id)
    finalizes = stripe_standin.requests("POST", r"/finalize$")
    assert {r["idempotency_key"] for r in finalizes} == {idempotency_key(invoice_id, "finalize")}
    assert len(handled(finalizes)) == 1
    assert len(stripe_standin.requests("POST", r"/send$")) == 1
    assert row(admin_conn, invoice_id)["invoice_status"] == "sent"


def test_no_transaction_is_held_open_while_stripe_answers(world, world_deps, stripe_standin,
                                                          admin_conn):
    invoice_id = new_invoice(world_deps, world, mode="finalize")
    stripe_standin.inject_fault("delay", path=r"/send$", delay_ms=1500)
    sender = threading.Thread(target=actions.send_invoice,
                              args=(world_deps, world.principal, invoice_id))
    sender.start()
    deadline = time.monotonic() + 5
    while stripe_standin.faults() and time.monotonic() < deadline:
        time.sleep(0.02)
    waiting = admin_conn.execute(
        "select count(*) from pg_stat_activity where datname = current_database()"
        " and state like 'idle in transaction%%'").fetchone()[0]
    with admin_conn.transaction():
        locked = admin_conn.execute("select id from invoice_records where id = %s"
                                    " for update nowait", [invoice_id]).fetchone()
    sender.join()
    assert waiting == 0 and locked is not None
    assert stripe_standin.requests("POST", r"/send$")[0]["fault"] == "delay"
    assert row(admin_conn, invoice_id)["invoice_status"] == "sent"


def test_mark_paid_pays_out_of_band_in_stripe(world, world_deps, stripe_gateway,
                                              stripe_standin, admin_conn):
    invoice_id = new_invoice(world_deps, world, mode="send")
    paid = actions.mark_paid(world_deps, world.principal, invoice_id)
    assert (paid["invoice_status"], paid["paid_at"] is not None) == ("paid", True)
    stripe_invoice = stripe_gateway.retrieve_invoice(paid["stripe_invoice_id"])
    assert stripe_invoice.status == "paid" and stripe_invoice.paid_at == paid["paid_at"]
    [pay] = stripe_standin.requests("POST", r"/pay$")
    assert pay["params"]["paid_out_of_band"] in (True, "true")
    assert pay["idempotency_key"] == idempotency_key(invoice_id, "pay")
    assert audit(admin_conn, invoice_id, "BILLING_INVOICE_MARKED_PAID")[0]["to_status"] == "paid"


def test_cancelling_a_draft_deletes_it_in_stripe_and_releases_the_usage(
        world, world_deps, stripe_gateway, stripe_standin, admin_conn):
    invoice_id = new_invoice(world_deps, world)
    stripe_id = row(admin_conn, invoice_id)["stripe_invoice_id"]
    assert billed(admin_conn, invoice_id) == 2
    cancelled = actions.cancel_invoice(world_deps, world.principal, invoice_id)
    assert cancelled["invoice_status"] == "cancelled" and cancelled["cancelled_at"]
    with pytest.raises(NotFound):
        stripe_gateway.retrieve_invoice(stripe_id)
    assert len(stripe_standin.requests("DELETE", stripe_id)) == 1
    assert billed(admin_conn, invoice_id) == 0
    details = audit(admin_conn, invoice_id, "BILLING_INVOICE_CANCELLED")[0]
    assert (details["stripe_action"], details["usage_released"]) == ("draft_deleted", 2)


def test_cancelling_an_open_invoice_voids_it_in_stripe(world, world_deps, stripe_gateway,
                                                       stripe_standin, admin_conn):
    invoice_id = new_invoice(world_deps, world, mode="finalize")
    cancelled = actions.cancel_invoice(world_deps, world.principal, invoice_id)
    assert cancelled["invoice_status"] == "cancelled"
    assert stripe_gateway.retrieve_invoice(cancelled["stripe_invoice_id"]).status == "void"
    [void] = stripe_standin.requests("POST", r"/void$")
    assert void["idempotency_key"] == idempotency_key(invoice_id, "void")
    assert billed(admin_conn, invoice_id) == 0


def test_after_a_cancel_a_new_regular_invoice_bills_the_same_usage(world, world_deps,
                                                                   admin_conn):
    first = new_invoice(world_deps, world, mode="finalize")
    actions.cancel_invoice(world_deps, world.principal, first)
    second = new_invoice(world_deps, world, mode="finalize")
    assert second != first
    again = row(admin_conn, second)
    assert again["supplementary"] is False
    assert again["total_amount_cad"] == row(admin_conn, first)["total_amount_cad"]
    assert billed(admin_conn, second) == 2


def _state(world_deps, world, state: str) -> str:
    invoice_id = new_invoice(world_deps, world, mode="send" if state != "draft" else "draft")
    if state == "paid":
        actions.mark_paid(world_deps, world.principal, invoice_id)
    if state == "cancelled":
        actions.cancel_invoice(world_deps, world.principal, invoice_id)
    return invoice_id


@pytest.mark.parametrize(("state", "action"), [
    ("draft", "mark_paid"), ("sent", "send"),
    ("paid", "send"), ("paid", "mark_paid"), ("paid", "cancel"),
    ("cancelled", "send"), ("cancelled", "mark_paid"), ("cancelled", "cancel"),
])
def test_a_refused_transition_is_invalid_invoice_state_and_changes_nothing(
        world, world_deps, stripe_standin, admin_conn, state, action):
    invoice_id = _state(world_deps, world, state)
    before, calls = row(admin_conn, invoice_id), len(stripe_standin.requests())
    run = {"send": actions.send_invoice, "mark_paid": actions.mark_paid,
           "cancel": actions.cancel_invoice}[action]
    with pytest.raises(InvalidState) as refused:
        run(world_deps, world.principal, invoice_id)
    assert refused.value.code == "invalid_invoice_state"
    assert row(admin_conn, invoice_id) == before
    assert len(stripe_standin.requests()) == calls


def test_an_invoice_whose_saga_failed_cannot_be_sent_or_paid_but_can_be_cancelled(
        world, world_deps, stripe_gateway, stripe_standin, admin_conn):
    stripe_standin.inject_fault("server_error", path=r"/add_lines$", times=3)
    batch = batch_runner.generate(world_deps, world.principal, OCTOBER,
                                  [world.customers["acme"]], GenerateOptions(mode="send"))
    invoice_id = batch["items"][0]["invoice_id"]
    assert row(admin_conn, invoice_id)["stripe_state"] == "failed"
    for run in (actions.send_invoice, actions.mark_paid):
        with pytest.raises(InvalidState) as refused:
            run(world_deps, world.principal, invoice_id)
        assert refused.value.code == "invoice_not_in_stripe"
        assert refused.value.extra["retry_url"] == (
            f"/api/billing/invoice-batches/{batch['id']}/retry")
    stripe_id = row(admin_conn, invoice_id)["stripe_invoice_id"]
    actions.cancel_invoice(world_deps, world.principal, invoice_id)
    with pytest.raises(NotFound):
        stripe_gateway.retrieve_invoice(stripe_id)
    assert billed(admin_conn, invoice_id) == 0


def test_cancel_deletes_a_stripe_draft_whose_id_was_never_recorded(world, world_deps,
                                                                  stripe_standin, admin_conn):
    stripe_standin.inject_fault("drop_after", path=r"^/v1/invoices$", times=3)
    invoice_id = new_invoice(world_deps, world)
    assert row(admin_conn, invoice_id)["stripe_invoice_id"] is None
    assert len(handled(stripe_standin.requests("POST", r"^/v1/invoices$"))) == 1
    with pytest.raises(InvalidState) as refused:
        actions.refresh_invoice(world_deps, world.principal, invoice_id)
    assert refused.value.code == "invoice_not_in_stripe"
    actions.cancel_invoice(world_deps, world.principal, invoice_id)
    assert len(stripe_standin.requests("DELETE", r"^/v1/invoices/in_")) == 1
    assert audit(admin_conn, invoice_id, "BILLING_INVOICE_CANCELLED")[0][
        "stripe_action"] == "draft_deleted"


def test_refresh_after_the_customer_paid_online_moves_the_row_to_paid(
        world, world_deps, stripe_standin, admin_conn):
    invoice_id = new_invoice(world_deps, world, mode="send")
    stripe_standin.mark_paid(row(admin_conn, invoice_id)["stripe_invoice_id"])
    refreshed = actions.refresh_invoice(world_deps, world.principal, invoice_id)
    assert refreshed["invoice_status"] == "paid" and refreshed["paid_at"]
    details = audit(admin_conn, invoice_id, "BILLING_INVOICE_REFRESHED")[0]
    assert (details["from_status"], details["to_status"]) == ("sent", "paid")


def test_an_action_stripe_has_overtaken_records_stripe_state_and_is_refused(
        world, world_deps, stripe_standin, admin_conn):
    invoice_id = new_invoice(world_deps, world, mode="send")
    stripe_standin.mark_paid(row(admin_conn, invoice_id)["stripe_invoice_id"])
    with pytest.raises(InvalidState) as refused:
        actions.cancel_invoice(world_deps, world.principal, invoice_id)
    assert refused.value.extra["stripe_status"] == "paid"
    assert row(admin_conn, invoice_id)["invoice_status"] == "paid"
    assert billed(admin_conn, invoice_id) == 2
    assert not stripe_standin.requests("POST", r"/void$")


def apply(world_deps, invoice_id: str, stripe_invoice, **kwargs) -> dict:
    with world_deps.db.system_session("stripe_webhook") as conn:
        current = invoices_sql.get_invoice(conn, invoice_id, for_update=True)
        return actions.apply_stripe_invoice(conn, current, stripe_invoice, **kwargs)


def test_apply_never_moves_an_invoice_backwards(world, world_deps, stripe_gateway,
                                                stripe_standin):
    invoice_id = new_invoice(world_deps, world)
    draft = stripe_gateway.retrieve_invoice(_stripe_id(world_deps, invoice_id))
    sent = actions.send_invoice(world_deps, world.principal, invoice_id)
    stale_open = stripe_gateway.retrieve_invoice(sent["stripe_invoice_id"])
    stripe_standin.mark_paid(sent["stripe_invoice_id"])
    paid = apply(world_deps, invoice_id, stripe_gateway.retrieve_invoice(sent["stripe_invoice_id"]))
    assert paid["invoice_status"] == "paid"
    for stale in (stale_open, draft):
        after = apply(world_deps, invoice_id, stale)
        assert after["invoice_status"] == "paid"
        assert (after["paid_at"], after["sent_at"]) == (paid["paid_at"], paid["sent_at"])
        assert after["invoice_number"] == paid["invoice_number"] is not None
        assert after["stripe_invoice_pdf_url"] == paid["stripe_invoice_pdf_url"] is not None


def test_apply_of_a_voided_stripe_invoice_cancels_the_row_and_releases_its_usage(
        world, world_deps, stripe_gateway, admin_conn):
    invoice_id = new_invoice(world_deps, world, mode="finalize")
    voided = stripe_gateway.void_invoice(_stripe_id(world_deps, invoice_id),
                                         idempotency_key="test-void-from-dashboard")
    after = apply(world_deps, invoice_id, voided)
    assert after["invoice_status"] == "cancelled" and after["cancelled_at"] == voided.voided_at
    assert billed(admin_conn, invoice_id) == 0


def test_apply_of_a_sent_event_marks_a_finalized_invoice_sent(world, world_deps,
                                                              stripe_gateway):
    invoice_id = new_invoice(world_deps, world, mode="finalize")
    open_invoice = stripe_gateway.retrieve_invoice(_stripe_id(world_deps, invoice_id))
    assert apply(world_deps, invoice_id, open_invoice)["invoice_status"] == "finalized"
    after = apply(world_deps, invoice_id, open_invoice, sent=True)
    assert after["invoice_status"] == "sent" and after["sent_at"] is not None


def _stripe_id(world_deps, invoice_id: str) -> str:
    with world_deps.db.system_session("test") as conn:
        return invoices_sql.get_invoice(conn, invoice_id)["stripe_invoice_id"]


def test_an_unknown_invoice_is_not_found(world, world_deps):
    with pytest.raises(BillingError) as missing:
        actions.send_invoice(world_deps, world.principal, "00000000-0000-4000-8000-000000000000")
    assert missing.value.code == "invoice_not_found"
