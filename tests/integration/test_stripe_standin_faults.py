"""The stand-in's idempotency, fault injection, request log, reset and command line."""
from __future__ import annotations

import json
import subprocess
import sys
import time

import httpx
import pytest
import stripe

from standins.stripe import StripeStandinControl
from standins.stripe_errors import ApiError
from standins.stripe_idempotency import IdempotencyStore
from tests.fixtures.stripe import STANDIN_KEY, api, error_of


def test_same_key_and_parameters_replay_the_first_response(stripe_standin):
    first = api(stripe_standin, "POST", "/v1/customers", {"name": "A"}, Idempotency_Key="k1")
    again = api(stripe_standin, "POST", "/v1/customers", {"name": "A"}, Idempotency_Key="k1")
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.headers["Original-Request"] == first.headers["Request-Id"]
    assert "Idempotent-Replayed" not in first.headers
    assert len(api(stripe_standin, "GET", "/v1/customers").json()["data"]) == 1


@pytest.mark.parametrize(("path", "data"), [("/v1/customers", {"name": "B"}), ("/v1/invoices", {"customer": "x"})])
def test_same_key_with_other_parameters_or_endpoint_is_an_idempotency_error(stripe_standin, path, data):
    api(stripe_standin, "POST", "/v1/customers", {"name": "A"}, Idempotency_Key="k1")
    response = api(stripe_standin, "POST", path, data, Idempotency_Key="k1")
    assert response.status_code == 400 and error_of(response)["type"] == "idempotency_error"
    with pytest.raises(stripe.IdempotencyError):
        stripe.StripeClient(STANDIN_KEY, base_addresses={"api": stripe_standin.base_url}).v1.customers.create(
            params={"name": "C"}, options={"idempotency_key": "k1"})


def test_a_refused_validation_does_not_use_up_the_key(stripe_standin):
    refused = api(stripe_standin, "POST", "/v1/customers", {"nmae": "A"}, Idempotency_Key="k2")
    assert refused.status_code == 400
    fixed = api(stripe_standin, "POST", "/v1/customers", {"name": "A"}, Idempotency_Key="k2")
    assert fixed.status_code == 200 and "Idempotent-Replayed" not in fixed.headers


def test_a_key_in_use_is_refused_with_409():
    store = IdempotencyStore()
    assert store.begin(False, "k", "POST /v1/customers", {}) is None
    with pytest.raises(ApiError) as refused:
        store.begin(False, "k", "POST /v1/customers", {})
    assert (refused.value.status, refused.value.code) == (409, "idempotency_key_in_use")


@pytest.mark.parametrize("kind", ["drop_after", "error_after"])
def test_a_lost_response_then_a_retry_creates_exactly_one_object(stripe_standin, stripe_sdk, kind):
    stripe_standin.inject_fault(kind, path=r"^/v1/customers$", method="POST")
    customer = stripe_sdk.v1.customers.create(params={"name": "Once"})
    assert [c.id for c in stripe_sdk.v1.customers.list().data] == [customer.id]
    posts = stripe_standin.requests(method="POST", path=r"^/v1/customers$")
    assert [(p["fault"], p["replayed"]) for p in posts] == [(kind, False), (None, True)]
    assert posts[0]["idempotency_key"] == posts[1]["idempotency_key"]
    assert posts[0]["status"] == (None if kind == "drop_after" else 500)


def test_rate_limit_fault_answers_429_with_retry_after(stripe_standin):
    stripe_standin.inject_fault("rate_limit", times=2, retry_after=7)
    for _ in range(2):
        limited = api(stripe_standin, "GET", "/v1/customers")
        assert limited.status_code == 429 and limited.headers["Retry-After"] == "7"
        assert error_of(limited)["code"] == "rate_limit"
    assert api(stripe_standin, "GET", "/v1/customers").status_code == 200


def test_server_error_fault_answers_stripes_api_error(stripe_standin):
    stripe_standin.inject_fault("server_error")
    response = api(stripe_standin, "GET", "/v1/customers")
    assert response.status_code == 500 and error_of(response)["type"] == "api_error"


def test_faults_hit_only_matching_requests(stripe_standin):
    stripe_standin.inject_fault("server_error", path=r"^/v1/invoices", method="POST")
    assert api(stripe_standin, "GET", "/v1/invoices").status_code == 200
    assert api(stripe_standin, "POST", "/v1/customers", {"name": "A"}).status_code == 200
    assert api(stripe_standin, "POST", "/v1/invoices", {"customer": "cus_x"}).status_code == 500
    assert stripe_standin.faults() == []


def test_drop_fault_closes_the_connection_without_an_answer(stripe_standin):
    stripe_standin.inject_fault("drop")
    with pytest.raises(httpx.RemoteProtocolError):
        api(stripe_standin, "GET", "/v1/customers")
    assert stripe_standin.requests()[-1]["status"] is None


def test_delay_fault_slows_the_answer(stripe_standin):
    stripe_standin.inject_fault("delay", delay_ms=300)
    started = time.monotonic()
    assert api(stripe_standin, "GET", "/v1/customers").status_code == 200
    assert time.monotonic() - started >= 0.3


def test_request_log_records_params_keys_and_statuses(stripe_standin):
    api(stripe_standin, "POST", "/v1/customers", {"name": "A", "metadata[x]": "1"}, Idempotency_Key="k9")
    [entry] = stripe_standin.requests()
    assert entry["params"] == {"name": "A", "metadata": {"x": "1"}}
    assert (entry["method"], entry["path"], entry["idempotency_key"], entry["status"]) == (
        "POST", "/v1/customers", "k9", 200)


def test_reset_forgets_objects_faults_and_log(stripe_standin):
    api(stripe_standin, "POST", "/v1/customers", {"name": "A"})
    stripe_standin.inject_fault("server_error")
    stripe_standin.reset()
    assert stripe_standin.faults() == [] and stripe_standin.requests() == []
    assert api(stripe_standin, "GET", "/v1/customers").json()["data"] == []


def test_the_command_line_server_is_driven_over_http():
    process = subprocess.Popen(
        [sys.executable, "-m", "standins.stripe", "--port", "0", "--api-key", "sk_test_cli"],
        stdout=subprocess.PIPE, text=True,
    )
    try:
        base_url = process.stdout.readline().split(" on ")[1].strip()
        control = StripeStandinControl(base_url)
        control.inject_fault("server_error")
        client = httpx.Client(base_url=base_url, headers={"Authorization": "Bearer sk_test_cli"})
        assert client.get("/v1/customers").status_code == 500
        assert client.post("/v1/customers", data={"name": "A"}).status_code == 200
        assert [r["status"] for r in control.requests()] == [500, 200]
        assert json.loads(client.get("/v1/customers").content)["data"][0]["name"] == "A"
        control.reset()
        assert client.get("/v1/customers").json()["data"] == []
        other = httpx.get(base_url + "/v1/customers", headers={"Authorization": "Bearer sk_test_other"})
        assert other.status_code == 401
    finally:
        process.terminate()
        process.wait(timeout=10)
    assert process.returncode == 0
