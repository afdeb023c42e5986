"""The OpenAPI document a front end generates its client from: printed by
`python -m billing openapi` without a server or database, served at
/api/billing/openapi.json, valid, and typed everywhere."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from functools import cache
from importlib import metadata

import pytest
from openapi_spec_validator import validate

from billing.local.server import registered_functions
from functions._http import ROUTES
from functions._problems import ERROR_CODES, Problem

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@cache
def printed_document() -> dict:
    """What `python -m billing openapi` prints, run away from the checkout with no
    database configured."""
    out = subprocess.run([sys.executable, "-m", "billing", "openapi"], capture_output=True,
                         text=True, cwd="/", timeout=120,
                         env={"PATH": os.environ.get("PATH", "/usr/bin:/bin")})
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def operations(doc: dict):
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            yield path, method, op


def test_the_printed_document_validates_as_openapi_3_1():
    doc = printed_document()
    validate(doc)
    assert doc["openapi"] == "3.1.0"
    assert doc["servers"] == [{"url": "/"}]
    assert doc["info"]["version"] == metadata.version("carexps-billing")


def test_the_served_document_is_the_printed_one(api):
    assert api.get("/api/billing/openapi.json").json() == printed_document()


def test_every_registered_route_is_documented_and_nothing_else():
    registered_functions()
    doc = printed_document()
    documented = {(m.upper(), p) for p, m, _ in operations(doc)}
    assert documented == {(r.method, r.path) for r in ROUTES}


def test_component_names_are_plain_identifiers():
    names = printed_document()["components"]["schemas"]
    assert [n for n in names if not re.fullmatch(r"[A-Z][A-Za-z0-9]*", n)] == []


def test_every_json_response_has_a_real_schema():
    untyped = [(p, m, s) for p, m, op in operations(printed_document())
               for s, r in op["responses"].items()
               for c in r.get("content", {}).values() if not c.get("schema")]
    assert untyped == []


@pytest.mark.parametrize("operation_id", ["preview_invoices", "create_invoice_batch",
                                          "get_invoice_batch", "retry_invoice_batch"])
def test_the_invoicing_responses_are_typed(operation_id):
    op = next(op for _, _, op in operations(printed_document())
              if op["operationId"] == operation_id)
    success = next(r for s, r in op["responses"].items() if s.startswith("2"))
    assert success["content"]["application/json"]["schema"]["$ref"].startswith(
        "#/components/schemas/Invoice")


def test_error_statuses_reference_the_one_problem_schema():
    doc = printed_document()
    shared = doc["components"]["responses"]
    for path, method, op in operations(doc):
        for status, response in op["responses"].items():
            if status == "default" or int(status) >= 400:
                response = shared[response["$ref"].rsplit("/", 1)[1]] if "$ref" in response \
                    else response
                schema = response["content"]["application/problem+json"]["schema"]
                assert schema == {"$ref": "#/components/schemas/Problem"}, (path, method)


def test_every_2xx_with_a_body_says_what_it_is():
    for path, method, op in operations(printed_document()):
        for status, response in op["responses"].items():
            if status.startswith("2") and status != "204":
                assert response.get("content"), (path, method, status)


def test_no_content_and_redirect_responses_have_no_body():
    ops = {op["operationId"]: op for _, _, op in operations(printed_document())}
    assert "content" not in ops["delete_customer"]["responses"]["204"]
    pdf = ops["get_invoice_pdf"]["responses"]
    assert "content" not in pdf["302"] and pdf["302"]["headers"]["Location"]["required"]


def test_gated_operations_need_a_bearer_jwt_and_public_ones_do_not():
    doc = printed_document()
    assert doc["components"]["securitySchemes"]["bearer"] == {
        "type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
    registered_functions()
    gates = {r.name: r.gate for r in ROUTES}
    for _, _, op in operations(doc):
        expected = [] if gates[op["operationId"]] == "public" else [{"bearer": []}]
        assert op["security"] == expected, op["operationId"]
        if expected:
            assert op["responses"]["401"] == {"$ref": "#/components/responses/Unauthorized"}


def test_webhooks_document_their_signature_headers():
    ops = {op["operationId"]: op for _, _, op in operations(printed_document())}
    headers = {op_id: [p["name"] for p in ops[op_id]["parameters"] if p["in"] == "header"]
               for op_id in ("stripe_webhook", "retell_webhook")}
    assert headers == {"stripe_webhook": ["Stripe-Signature"],
                       "retell_webhook": ["x-retell-signature"]}
    assert "204" in ops["retell_webhook"]["responses"]


def test_every_page_and_page_size_is_bounded():
    unbounded = [(path, p["name"]) for path, _, op in operations(printed_document())
                 for p in op["parameters"]
                 if p["name"] in ("page", "page_size") and p["schema"].get("maximum") not in (
                     100_000 if p["name"] == "page" else 200,)]
    assert unbounded == []


def test_the_problem_schema_lists_every_code_and_extension_member():
    problem = printed_document()["components"]["schemas"]["Problem"]
    assert set(problem["properties"]["code"]["enum"]) == set(ERROR_CODES)
    for member in ("invoice_status", "existing_invoices", "attempts_remaining",
                   "retry_after_s", "errors", "verify"):
        assert member in problem["properties"], member
    assert problem["additionalProperties"] is False
    assert set(problem["required"]) == {"type", "title", "status", "detail", "instance", "code"}
    assert Problem.model_fields["status"].description == "The HTTP status code, always"
