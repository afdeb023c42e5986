"""Previews and generation batches over real HTTP, against the Stripe stand-in."""
from __future__ import annotations

import pytest

from tests.fixtures.api import wait_for_batch

PERIOD = {"preset": "custom", "start": "2026-10-01", "end": "2026-10-31"}


@pytest.fixture
def api_deps(world_deps):
    return world_deps


def test_preview_shows_each_customer_unattributed_usage_and_the_footer(api, admin_headers,
                                                                        world):
    resp = api.post("/api/billing/invoices/preview", headers=admin_headers,
                    json={"period": PERIOD})
    assert resp.status_code == 200, resp.text
    body = resp.json()
    rows = {r["customer_name"]: r for r in body["customers"]}
    assert rows["Beta Medical"]["markup_percentage"] == "20.0000"
    assert rows["Quiet Clinic"]["zero_usage"] is True
    assert body["unattributed"]["agent_ids"] == ["agent_unmapped"]
    assert body["summary"]["selected"] == 3
    assert body["summary"]["missing_stripe_ids"] == 3
    assert body["fx"] == {"rate": "1.370000", "date": "2026-10-31", "source": "fixed"}
    total = sum(float(r["total_cad"]) for r in body["customers"])
    assert float(body["summary"]["total_cad"]) == pytest.approx(total)
    assert {w["code"] for w in body["warnings"]} == {"unattributed_usage"}


@pytest.mark.parametrize(("mode", "status"), [("draft", "draft"), ("finalize", "finalized"),
                                              ("send", "sent")])
def test_a_batch_in_each_mode_over_http(api, admin_headers, world, mode, status):
    ids = [world.customers["acme"], world.customers["beta"]]
    resp = api.post("/api/billing/invoice-batches", headers=admin_headers,
                    json={"period": PERIOD, "customer_ids": ids, "mode": mode})
    assert resp.status_code == 202, resp.text
    assert resp.headers["Location"] == f"/api/billing/invoice-batches/{resp.json()['id']}"
    batch = wait_for_batch(api, admin_headers, resp.json()["id"])
    assert (batch["total"], batch["processed"], batch["succeeded"]) == (2, 2, 2)
    assert {item["invoice_status"] for item in batch["items"]} == {status}
    progress = api.get(f"/api/billing/invoice-batches/{batch['id']}", headers=admin_headers)
    assert progress.status_code == 200 and progress.json()["status"] == "completed"
    preview = api.post("/api/billing/invoices/preview", headers=admin_headers,
                       json={"period": PERIOD, "customer_ids": ids}).json()
    assert all(row["existing_invoice"] for row in preview["customers"])


def test_a_duplicate_batch_is_409_with_the_existing_invoice(api, admin_headers, world):
    body = {"period": PERIOD, "customer_ids": [world.customers["acme"]]}
    first = api.post("/api/billing/invoice-batches", headers=admin_headers, json=body)
    assert first.status_code == 202
    wait_for_batch(api, admin_headers, first.json()["id"])
    resp = api.post("/api/billing/invoice-batches", headers=admin_headers, json=body)
    assert resp.status_code == 409
    problem = resp.json()
    assert problem["code"] == "duplicate_invoice"
    assert problem["detail"] == "An invoice for this period already exists."
    assert len(problem["existing_invoices"]) == 1


def test_bad_batch_input_reports_every_field(api, admin_headers):
    resp = api.post("/api/billing/invoice-batches", headers=admin_headers,
                    json={"customer_ids": [], "mode": "email", "due_in_days": 400})
    assert resp.status_code == 422
    fields = {e["field"] for e in resp.json()["errors"]}
    assert fields == {"body.customer_ids", "body.mode", "body.due_in_days"}


def test_end_before_start_is_422(api, admin_headers):
    resp = api.post("/api/billing/invoices/preview", headers=admin_headers, json={
        "period": {"preset": "custom", "start": "2026-10-31", "end": "2026-10-01"}})
    assert resp.status_code == 422
    assert resp.json()["code"] == "invalid_date_range"


def test_failed_items_are_retried_over_http(api, admin_headers, world, stripe_standin):
    stripe_standin.inject_fault("server_error", times=6, path=r"^/v1/invoices$", method="POST")
    batch = wait_for_batch(api, admin_headers, api.post(
        "/api/billing/invoice-batches", headers=admin_headers, json={
            "period": PERIOD, "customer_ids": [world.customers["beta"]], "mode": "send"}
    ).json()["id"])
    assert batch["failed"] == 1
    assert batch["items"][0]["error_code"] == "stripe_api_error"
    stripe_standin.clear_faults()
    retried = api.post(f"/api/billing/invoice-batches/{batch['id']}/retry",
                       headers=admin_headers)
    assert retried.status_code == 202
    assert wait_for_batch(api, admin_headers, batch["id"])["succeeded"] == 1


def test_unknown_batch_is_404(api, admin_headers):
    resp = api.get("/api/billing/invoice-batches/7b0c3c47-0000-4000-8000-000000000000",
                   headers=admin_headers)
    assert (resp.status_code, resp.json()["code"]) == (404, "batch_not_found")
