"""Batches outlive the request: the POST answers 202 with the queued batch at once, the
``invoice-batches`` queue function runs it (in-process here, as `billing serve` does),
a retry while it runs is 409, and a message that keeps failing poisons the batch."""
from __future__ import annotations

import time

import pytest

from billing.domain.errors import PaymentProviderError
from tests.fixtures.api import wait_for_batch

PERIOD = {"preset": "custom", "start": "2026-10-01", "end": "2026-10-31"}


@pytest.fixture
def api_deps(world_deps):
    return world_deps


def test_the_post_answers_202_at_once_and_the_batch_completes_in_the_background(
        api, admin_headers, world, stripe_standin):
    stripe_standin.inject_fault("delay", times=10, path=r"/send$", method="POST", delay_ms=400)
    ids = [world.customers["acme"], world.customers["beta"]]
    began = time.perf_counter()
    resp = api.post("/api/billing/invoice-batches", headers=admin_headers,
                    json={"period": PERIOD, "customer_ids": ids, "mode": "send"})
    answered = time.perf_counter() - began
    assert resp.status_code == 202, resp.text
    queued = resp.json()
    assert queued["status"] in ("queued", "running") and queued["total"] == 2
    assert answered < 1.0
    assert resp.headers["Location"] == f"/api/billing/invoice-batches/{queued['id']}"
    done = wait_for_batch(api, admin_headers, queued["id"])
    assert (done["status"], done["processed"], done["succeeded"]) == ("completed", 2, 2)
    assert {item["invoice_status"] for item in done["items"]} == {"sent"}


def test_a_retry_while_the_batch_runs_is_409_batch_running(api, admin_headers, world,
                                                           stripe_standin):
    stripe_standin.inject_fault("delay", times=1, path=r"^/v1/invoices$", method="POST",
                                delay_ms=1500)
    batch = api.post("/api/billing/invoice-batches", headers=admin_headers, json={
        "period": PERIOD, "customer_ids": [world.customers["beta"]]}).json()
    deadline = time.monotonic() + 10
    while api.get(f"/api/billing/invoice-batches/{batch['id']}",
                  headers=admin_headers).json()["status"] != "running":
        assert time.monotonic() < deadline
        time.sleep(0.02)
    resp = api.post(f"/api/billing/invoice-batches/{batch['id']}/retry", headers=admin_headers)
    assert resp.status_code == 409
    assert resp.json()["code"] == "batch_running"
    done = wait_for_batch(api, admin_headers, batch["id"])
    assert [item["status"] for item in done["items"]] == ["succeeded"]


def test_a_batch_whose_message_fails_five_times_is_marked_failed_with_the_reason(
        api, admin_headers, world, world_deps, stripe_gateway, admin_conn):
    attempts = []

    def stripe_down():
        attempts.append(1)
        if len(attempts) > 1:  # the POST itself got Stripe; the queue function does not
            raise PaymentProviderError("Stripe is not configured.",
                                       code="stripe_not_configured")
        return stripe_gateway

    world_deps.payments_factory = stripe_down
    batch = api.post("/api/billing/invoice-batches", headers=admin_headers, json={
        "period": PERIOD, "customer_ids": [world.customers["beta"]]}).json()
    failed = wait_for_batch(api, admin_headers, batch["id"])
    assert failed["status"] == "failed"
    assert "after 5 attempts" in failed["failure_reason"]
    assert "stripe_not_configured" in failed["failure_reason"]
    assert len(attempts) == 1 + 5
    assert admin_conn.execute("select count(*) from billing_audit_log where action ="
                              " 'BILLING_INVOICE_BATCH_FAILED'").fetchone()[0] == 1
    world_deps.payments_factory = lambda: stripe_gateway
    assert api.post(f"/api/billing/invoice-batches/{batch['id']}/retry",
                    headers=admin_headers).status_code == 202
    assert wait_for_batch(api, admin_headers, batch["id"])["status"] == "completed"


def test_a_batch_of_200_customers_is_answered_in_under_a_second(api, admin_headers, world,
                                                                world_deps, stripe_gateway,
                                                                admin_conn):
    from tests.fixtures.world import add_customer

    ids = [add_customer(admin_conn, f"Clinic {n:03d}") for n in range(200)]
    calls = []

    def stripe_only_for_the_post():
        calls.append(1)
        if len(calls) > 1:  # keep the background run short: it stops at once
            raise PaymentProviderError("Stripe is not configured.",
                                       code="stripe_not_configured")
        return stripe_gateway

    world_deps.payments_factory = stripe_only_for_the_post
    began = time.perf_counter()
    resp = api.post("/api/billing/invoice-batches", headers=admin_headers,
                    json={"period": PERIOD, "customer_ids": ids})
    answered = time.perf_counter() - began
    assert resp.status_code == 202, resp.text
    assert (resp.json()["total"], len(resp.json()["items"])) == (200, 200)
    assert answered < 1.0, answered
    assert wait_for_batch(api, admin_headers, resp.json()["id"])["status"] == "failed"
