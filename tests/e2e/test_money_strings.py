"""Money leaves as strings with one fixed scale per kind on every endpoint: CAD and USD
2 places, FX 6, minutes 2 (the preview, the invoice detail and batches agree)."""
from __future__ import annotations

import re

import pytest

from billing.local.server import registered_functions
from functions._openapi import openapi_document
from tests.fixtures.api import wait_for_batch

PERIOD = {"preset": "custom", "start": "2026-10-01", "end": "2026-10-31"}
CAD = re.compile(r"^-?[0-9]+\.[0-9]{2}$")
FX = re.compile(r"^[0-9]+\.[0-9]{6}$")
#: Request models: amounts may be sent as numbers or strings.
REQUESTS = ("In", "Create", "Patch", "Query")
MONEY_NAME = re.compile(r"(_cad|_usd|^rate|_minutes|^amount.*|_percentage|_pct)$")


@pytest.fixture
def api_deps(world_deps):
    return world_deps


def test_the_preview_sends_fixed_scale_strings(api, admin_headers, world):
    body = api.post("/api/billing/invoices/preview", headers=admin_headers,
                    json={"period": PERIOD}).json()
    assert body["fx"]["rate"] == "1.370000"
    for row in body["customers"]:
        assert CAD.match(row["usage"]["call_minutes"]), row["usage"]
        assert all(CAD.match(v) for v in (*row["costs_cad"].values(), row["total_cad"]))
    assert CAD.match(body["unattributed"]["cost_usd"])


def test_an_empty_batch_totals_a_string_and_the_invoice_detail_agrees(api, admin_headers, world):
    quiet = api.post("/api/billing/invoice-batches", headers=admin_headers, json={
        "period": PERIOD, "customer_ids": [world.customers["quiet"]]}).json()
    done = wait_for_batch(api, admin_headers, quiet["id"])
    assert (quiet["total_cad"], done["total_cad"]) == ("0.00", "0.00")
    beta = api.post("/api/billing/invoice-batches", headers=admin_headers, json={
        "period": PERIOD, "customer_ids": [world.customers["beta"]]}).json()
    wait_for_batch(api, admin_headers, beta["id"])
    listed = api.get("/api/billing/invoices", headers=admin_headers).json()["items"][0]
    detail = api.get(f"/api/billing/invoices/{listed['id']}", headers=admin_headers).json()
    assert FX.match(detail["fx"]["rate"]) and detail["fx"]["rate"] == "1.370000"
    assert detail["total_call_minutes"] == "61.00" and CAD.match(detail["total_amount_cad"])
    assert detail["markup_percentage"] == "20.0000"
    assert all(CAD.match(line["amount_cad"]) for line in detail["line_items"])


def test_every_money_field_in_a_response_schema_is_a_fixed_scale_decimal_string():
    registered_functions()
    schemas = openapi_document()["components"]["schemas"]
    loose = []
    for name, schema in schemas.items():
        for prop, spec in schema.get("properties", {}).items():
            options = spec.get("anyOf", [spec])
            decimal = [o for o in options if o.get("format") == "decimal"]
            if decimal and not all(o.get("type") == "string" and o.get("pattern")
                                   for o in decimal):
                loose.append(f"{name}.{prop}")
            numeric = [o for o in options if o.get("type") == "number"]
            if MONEY_NAME.search(prop) and numeric and not name.endswith(REQUESTS):
                loose.append(f"{name}.{prop}")
    assert loose == []
