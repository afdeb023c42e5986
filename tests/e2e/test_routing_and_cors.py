"""Routing as the Functions host does it (registration order, route constraints),
problem details for what no route takes, and CORS for the console's origin."""
from __future__ import annotations

import uuid

import azure.functions as func
import pytest

from billing.local import cors
from billing.local.server import Router, registered_functions, wsgi_app

CONSOLE = "http://localhost:5173"


def handler_name(router: Router, method: str, path: str) -> str:
    found = router.match(method, path)
    assert found is not None
    return found[0].__name__


@pytest.mark.parametrize(("path", "expected"), [
    ("billing/customers/export.csv", "export_customers"),
    ("billing/invoices/export.csv", "export_invoices"),
    ("billing/customers/6f1c1a52-3f2e-4d43-9a55-0b6a4cc1f0a1", "get_customer"),
    ("billing/invoices/6F1C1A52-3F2E-4D43-9A55-0B6A4CC1F0A1", "get_invoice"),
])
def test_registration_order_does_not_change_which_function_answers(path, expected):
    functions = registered_functions()
    *routes, fallback = functions
    for order in (routes, routes[::-1]):
        assert handler_name(Router([*order, fallback]), "GET", path) == expected


def test_without_a_constraint_the_first_registered_route_would_win():
    bp = func.Blueprint()
    bp.route(route="billing/customers/{customer_id}", methods=["GET"])(lambda req: None)
    app = func.FunctionApp()
    app.register_functions(bp)
    export = next(f for f in registered_functions()
                  if f.get_user_function().__name__ == "export_customers")
    router = Router([*app.get_functions(), export])
    assert handler_name(router, "GET", "billing/customers/export.csv") == "<lambda>"


def test_the_fallback_is_registered_last():
    assert registered_functions()[-1].get_function_name() == "route_not_found"


def test_an_unknown_route_is_a_404_problem(api):
    resp = api.get("/api/billing/nope")
    assert resp.status_code == 404
    assert resp.headers["content-type"].startswith("application/problem+json")
    assert (resp.json()["status"], resp.json()["code"]) == (404, "not_found")
    assert api.get("/elsewhere").json()["code"] == "not_found"


def test_a_wrong_method_is_a_405_problem_with_allow(api):
    resp = api.delete("/api/billing/dashboard")
    assert (resp.status_code, resp.headers["allow"]) == (405, "GET")
    assert resp.json()["code"] == "method_not_allowed"
    assert resp.json()["allowed_methods"] == ["GET"]
    item = api.put(f"/api/billing/customers/{uuid.uuid4()}")
    assert item.headers["allow"] == "DELETE, GET, PATCH"


def test_an_id_that_is_not_a_guid_matches_no_route(api, admin_headers):
    resp = api.get("/api/billing/customers/12345", headers=admin_headers)
    assert (resp.status_code, resp.json()["code"]) == (404, "not_found")


def test_a_401_asks_for_a_bearer_token(api):
    resp = api.get("/api/billing/dashboard")
    assert resp.status_code == 401
    assert resp.headers["www-authenticate"].startswith("Bearer")


def test_a_preflight_from_the_console_is_answered(api):
    resp = api.options("/api/billing/invoices", headers={
        "Origin": CONSOLE, "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "authorization"})
    assert resp.status_code == 204
    assert resp.headers["access-control-allow-origin"] == CONSOLE
    assert resp.headers["access-control-allow-methods"] == "GET"
    assert "Authorization" in resp.headers["access-control-allow-headers"]
    assert resp.headers["access-control-max-age"] == "600"
    assert resp.headers["vary"] == "Origin"


def test_responses_to_the_console_expose_retry_after_location_and_disposition(api):
    resp = api.get("/api/billing/health", headers={"Origin": CONSOLE})
    assert resp.headers["access-control-allow-origin"] == CONSOLE
    assert set(resp.headers["access-control-expose-headers"].split(", ")) == {
        "Retry-After", "Location", "Content-Disposition"}


def test_an_unknown_origin_gets_no_cors_headers(api):
    for resp in (api.get("/api/billing/health", headers={"Origin": "https://evil.test"}),
                 api.options("/api/billing/invoices", headers={
                     "Origin": "https://evil.test", "Access-Control-Request-Method": "GET"})):
        assert not [h for h in resp.headers if h.lower().startswith("access-control-")]


def test_the_origins_come_from_billing_cors_origins():
    assert cors.allowed_origins({}) == {"http://localhost:5173", "http://127.0.0.1:5173"}
    assert cors.allowed_origins({"BILLING_CORS_ORIGINS": "https://a.test/, https://b.test"}
                                ) == {"https://a.test", "https://b.test"}
    assert cors.allowed_origins({"BILLING_CORS_ORIGINS": ""}) == frozenset()


def test_the_server_reads_the_origins_from_the_environment(monkeypatch):
    from werkzeug.test import Client

    monkeypatch.setenv("BILLING_CORS_ORIGINS", "https://console.test")
    client = Client(wsgi_app(registered_functions()))
    resp = client.options("/api/billing/health", headers={
        "Origin": "https://console.test", "Access-Control-Request-Method": "GET"})
    assert resp.headers["Access-Control-Allow-Origin"] == "https://console.test"
    resp = client.options("/api/billing/health", headers={
        "Origin": CONSOLE, "Access-Control-Request-Method": "GET"})
    assert "Access-Control-Allow-Origin" not in resp.headers
