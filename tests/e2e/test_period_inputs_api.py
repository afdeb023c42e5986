"""A period with a start and no end (or the reverse) is 422 invalid_date_range on every
endpoint that takes a period, and nothing is written."""
from __future__ import annotations

import uuid

import pytest

HALF = [{"start": "2026-08-01"}, {"end": "2026-08-31"}]


@pytest.mark.parametrize("period", HALF, ids=["start_only", "end_only"])
@pytest.mark.parametrize(("path", "extra"), [
    ("/api/billing/invoices/preview", {}),
    ("/api/billing/invoice-batches", {"customer_ids": [str(uuid.uuid4())]}),
    ("/api/billing/usage/sync", {}),
], ids=["preview", "batch", "usage_sync"])
def test_half_a_period_is_refused(api, admin_headers, admin_conn, path, extra, period):
    resp = api.post(path, headers=admin_headers, json={"period": period, **extra})
    assert resp.status_code == 422, resp.text
    assert resp.headers["content-type"].startswith("application/problem+json")
    assert resp.json()["code"] == "invalid_date_range"
    assert admin_conn.execute("select count(*) from invoice_batches").fetchone()[0] == 0


@pytest.mark.parametrize("period", HALF, ids=["start_only", "end_only"])
def test_half_a_period_is_refused_for_the_usage_report(api, admin_headers, period):
    resp = api.get("/api/billing/reports/usage.csv", headers=admin_headers, params=period)
    assert resp.status_code == 422, resp.text
    assert resp.json()["code"] == "invalid_date_range"


@pytest.mark.parametrize("markup", ["1_000", "١٢", "1e-400"])
def test_markup_text_must_be_plain_ascii_digits(api, admin_headers, admin_conn, markup):
    resp = api.post("/api/billing/customers", headers=admin_headers, json={
        "customer_name": "Clinique Laval", "customer_email": "billing@laval.test",
        "markup_percentage": markup})
    assert resp.status_code == 422, resp.text
    assert admin_conn.execute("select count(*) from billing_customers").fetchone()[0] == 0


def test_a_json_number_with_an_exponent_is_refused(api, admin_headers, admin_conn):
    resp = api.post("/api/billing/customers", headers=admin_headers, content=(
        b'{"customer_name": "Clinique Laval", "customer_email": "billing@laval.test",'
        b' "markup_percentage": 1e-400}'), )
    assert resp.status_code == 422, resp.text
    assert admin_conn.execute("select count(*) from billing_customers").fetchone()[0] == 0
