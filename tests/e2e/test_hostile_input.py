"""Inputs that once answered 500 answer a 4xx problem with a specific code, and a
body the document requires is required by the server (and the reverse)."""
from __future__ import annotations

import pytest

from billing.local.server import registered_functions
from functions._openapi import openapi_document

INVOICES = "/api/billing/invoices"
PREVIEW = "/api/billing/invoices/preview"
Y9999 = {"preset": "custom", "start": "9999-01-01", "end": "9999-01-31"}


def problem(resp, status: int) -> dict:
    assert resp.status_code == status, resp.text
    assert resp.headers["content-type"].startswith("application/problem+json")
    body = resp.json()
    assert body["status"] == status
    return body


@pytest.mark.parametrize(("path", "params", "field"), [
    (INVOICES, {"search": "a\x00b"}, "query.search"),
    ("/api/billing/customers", {"search": "\x00"}, "query.search"),
])
def test_a_nul_byte_in_a_query_is_refused(api, admin_headers, path, params, field):
    body = problem(api.get(path, params=params, headers=admin_headers), 422)
    assert body["code"] == "invalid_characters"
    assert [e["field"] for e in body["errors"]] == [field]


@pytest.mark.parametrize("path", [INVOICES, "/api/billing/customers", "/api/billing/audit",
                                  "/api/billing/reconciliation-runs"])
@pytest.mark.parametrize(("params", "field"), [
    ({"page": "9223372036854775807"}, "query.page"), ({"page": "100001"}, "query.page"),
    ({"page_size": "201"}, "query.page_size")])
def test_pages_and_sizes_are_bounded(api, admin_headers, path, params, field):
    body = problem(api.get(path, params=params, headers=admin_headers), 422)
    assert body["code"] == "validation_failed"
    assert [e["field"] for e in body["errors"]] == [field]


@pytest.mark.parametrize(("path", "params", "field"), [
    (INVOICES, {"created_to": "9999-12-31"}, "query.created_to"),
    (INVOICES, {"period_from": "1999-12-31"}, "query.period_from"),
    ("/api/billing/audit", {"to": "9999-12-31"}, "query.to"),
    ("/api/billing/audit", {"to": "0"}, "query.to"),
    ("/api/billing/reports/usage.csv",
     {"preset": "custom", "start": "9999-01-01", "end": "9999-01-02"}, "query.start"),
])
def test_query_dates_outside_2000_to_2100_are_refused(api, admin_headers, path, params, field):
    body = problem(api.get(path, params=params, headers=admin_headers), 422)
    assert field in [e["field"] for e in body["errors"]]


@pytest.mark.parametrize("path", [PREVIEW, "/api/billing/usage/sync"])
def test_body_periods_in_year_9999_are_refused(api, admin_headers, path):
    body = problem(api.post(path, json={"period": Y9999}, headers=admin_headers), 422)
    assert {e["field"] for e in body["errors"]} == {"body.period.start", "body.period.end"}


def test_a_lone_surrogate_in_a_json_string_is_refused(api, admin_headers):
    raw = b'{"customer_name": "Clinic \\ud800", "customer_email": "a@b.test"}'
    body = problem(api.post("/api/billing/customers", content=raw, headers={
        **admin_headers, "Content-Type": "application/json"}), 422)
    assert (body["code"], body["errors"][0]["field"]) == (
        "invalid_characters", "body.customer_name")


def test_deeply_nested_json_is_a_400(api, admin_headers):
    raw = b"[" * 100_000 + b"]" * 100_000
    body = problem(api.post(PREVIEW, content=raw, headers={
        **admin_headers, "Content-Type": "application/json"}), 400)
    assert body["code"] == "json_too_deep"
    shallow = b'{"period": ' + b"[" * 40 + b"]" * 40 + b"}"
    assert problem(api.post(PREVIEW, content=shallow, headers={
        **admin_headers, "Content-Type": "application/json"}), 400)["code"] == "json_too_deep"


def test_a_body_the_document_requires_is_required_by_the_server(api, admin_headers):
    registered_functions()
    ops = {op["operationId"]: op for ops in openapi_document()["paths"].values()
           for op in ops.values()}
    assert ops["create_customer"]["requestBody"]["required"] is True
    assert ops["preview_invoices"]["requestBody"]["required"] is False
    missing = problem(api.post("/api/billing/customers", headers=admin_headers), 422)
    assert {e["field"] for e in missing["errors"]} == {"body.customer_name",
                                                       "body.customer_email"}
    assert api.post(PREVIEW, headers=admin_headers).status_code == 200


def test_explicit_null_is_refused_where_the_document_allows_none(api, admin_headers):
    registered_functions()
    automation = openapi_document()["components"]["schemas"]["AutomationIn"]
    assert automation["properties"]["auto_invoice_day_of_month"] == {
        "type": "integer", "minimum": 1, "maximum": 28, "title": "Auto Invoice Day Of Month"}
    resp = api.put("/api/billing/settings", headers=admin_headers,
                   json={"automation": {"auto_invoice_day_of_month": None}})
    assert problem(resp, 422)["errors"][0]["field"] == "body.automation.auto_invoice_day_of_month"
