"""A billing customer linked to Stripe through the API, with Stripe failing."""
from __future__ import annotations

import pytest

NEW = {"customer_name": "Clinique Nord", "customer_email": "nord@clinic.test",
       "phone_number": "(450) 555-0199", "billing_address": "1 rue Principale, Laval"}


@pytest.mark.parametrize("fault", ["server_error", "drop", "rate_limit", "error_after"])
def test_create_with_stripe_down_then_sync_links_exactly_one_customer(
        fault, api, admin_headers, stripe_standin, stripe_gateway):
    stripe_standin.inject_fault(fault, times=8, path=r"^/v1/customers$", method="POST")
    created = api.post("/api/billing/customers", headers=admin_headers, json=NEW)
    assert created.status_code == 201, created.text
    body = created.json()
    assert (body["stripe_link_status"], body["stripe_customer_id"]) == ("pending", None)
    assert body["stripe_last_error"]
    synced = api.post(f"/api/billing/customers/{body['id']}/stripe-sync", headers=admin_headers)
    assert synced.status_code in (502, 503, 429)
    stripe_standin.clear_faults()
    synced = api.post(f"/api/billing/customers/{body['id']}/stripe-sync", headers=admin_headers)
    assert synced.status_code == 200, synced.text
    assert synced.json()["stripe_link_status"] == "linked"
    customers = stripe_gateway.list_customers(limit=100)
    assert len(customers) == 1
    assert customers[0].name == "Clinique Nord"


def test_linking_an_unknown_stripe_id_by_hand_is_a_clear_422(api, admin_headers):
    resp = api.post("/api/billing/customers", headers=admin_headers,
                    json={**NEW, "stripe_customer_id": "cus_unknown"})
    assert resp.status_code == 422
    assert resp.json()["code"] == "stripe_customer_not_found"
    assert "cus_unknown" in resp.json()["detail"]
