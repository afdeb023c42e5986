"""The Stripe stand-in speaks Stripe's wire format, state rules, errors and webhooks."""
from __future__ import annotations

import json
import subprocess
import sys
import time
from typing import Any

import httpx
import pytest
import stripe

from standins.stripe import StripeStandin, StripeStandinControl
from standins.stripe_errors import ApiError
from standins.stripe_forms import parse_form
from standins.stripe_idempotency import IdempotencyStore
from tests.fixtures.stripe import STANDIN_KEY, WebhookReceiver

SECRET = "whsec_standin_test"
HTTP = httpx.Client(timeout=10)


def api(standin: StripeStandin, method: str, path: str, data: dict | None = None,
        key: str | None = STANDIN_KEY, **headers: str) -> httpx.Response:
    """A raw form-encoded v1 request, as any Stripe client would send it."""
    if key is not None:
        headers["Authorization"] = f"Bearer {key}"
    params = data if method in ("GET", "DELETE") else None
    content = None if params is not None else data
    return HTTP.request(method, standin.base_url + path, params=params, data=content,
                         headers={k.replace("_", "-"): v for k, v in headers.items()})


def draft(sdk: stripe.StripeClient, amounts: tuple[int, ...] = (1500,), days: int = 30) -> Any:
    customer = sdk.v1.customers.create(params={"name": "Acme Clinic", "email": "ap@acme.test"})
    invoice = sdk.v1.invoices.create(params={
        "customer": customer.id, "collection_method": "send_invoice", "days_until_due": days,
        "pending_invoice_items_behavior": "exclude", "currency": "cad",
    })
    for amount in amounts:
        sdk.v1.invoice_items.create(params={
            "customer": customer.id, "invoice": invoice.id, "amount": amount, "currency": "cad",
        })
    return sdk.v1.invoices.retrieve(invoice.id)


def error_of(response: httpx.Response) -> dict[str, Any]:
    return response.json()["error"]


def test_nested_and_indexed_form_keys_are_parsed_like_stripe():
    parsed = parse_form("metadata[a]=1&address[line1]=2+Main&expand[0]=lines&expand[1]=customer&x[]=p&x[]=q")
    assert parsed == {
        "metadata": {"a": "1"}, "address": {"line1": "2 Main"},
        "expand": {"0": "lines", "1": "customer"}, "x": {"0": "p", "1": "q"},
    }


def test_customers_are_created_listed_newest_first_paged_and_filtered(stripe_standin):
    ids = [api(stripe_standin, "POST", "/v1/customers", {"name": f"C{n}", "email": f"c{n}@x.test"}).json()["id"]
           for n in range(3)]
    first = api(stripe_standin, "GET", "/v1/customers", {"limit": 2}).json()
    assert first["object"] == "list" and first["has_more"] is True
    assert [c["id"] for c in first["data"]] == ids[:0:-1]
    rest = api(stripe_standin, "GET", "/v1/customers", {"limit": 2, "starting_after": ids[1]}).json()
    assert [c["id"] for c in rest["data"]] == [ids[0]] and rest["has_more"] is False
    by_email = api(stripe_standin, "GET", "/v1/customers", {"email": "c1@x.test"}).json()
    assert [c["id"] for c in by_email["data"]] == [ids[1]]
    assert all(i.startswith("cus_") for i in ids)


def test_customer_update_merges_metadata_and_delete_leaves_a_stub(stripe_standin):
    made = api(stripe_standin, "POST", "/v1/customers", {"name": "A", "metadata[keep]": "1", "metadata[drop]": "2"}).json()
    cid = made["id"]
    updated = api(stripe_standin, "POST", f"/v1/customers/{cid}", {"metadata[drop]": "", "metadata[new]": "3"}).json()
    assert updated["metadata"] == {"keep": "1", "new": "3"}
    assert api(stripe_standin, "DELETE", f"/v1/customers/{cid}").json() == {"id": cid, "object": "customer", "deleted": True}
    assert api(stripe_standin, "GET", f"/v1/customers/{cid}").json()["deleted"] is True


def test_number_urls_and_due_date_appear_only_at_finalization(stripe_sdk):
    invoice = draft(stripe_sdk, (1200, 34), days=15)
    assert (invoice.status, invoice.number, invoice.hosted_invoice_url, invoice.invoice_pdf) == ("draft", None, None, None)
    assert (invoice.total, invoice.subtotal, invoice.amount_due) == (1234, 1234, 1234)
    assert [line.amount for line in invoice.lines.data] == [1200, 34]
    done = stripe_sdk.v1.invoices.finalize_invoice(invoice.id)
    customer = stripe_sdk.v1.customers.retrieve(done.customer)
    assert done.status == "open" and done.number == f"{customer.invoice_prefix}-0001"
    assert done.due_date == done.status_transitions.finalized_at + 15 * 86_400
    pdf = HTTP.get(done.invoice_pdf)
    assert pdf.headers["content-type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    assert HTTP.get(done.hosted_invoice_url).status_code == 200


def test_invoice_numbers_follow_the_customers_sequence(stripe_sdk):
    first = stripe_sdk.v1.invoices.finalize_invoice(draft(stripe_sdk).id)
    second_draft = stripe_sdk.v1.invoices.create(params={
        "customer": first.customer, "collection_method": "send_invoice", "days_until_due": 30})
    second = stripe_sdk.v1.invoices.finalize_invoice(second_draft.id)
    assert second.number.endswith("-0002") and second.number[:-5] == first.number[:-5]


def test_an_invoice_of_zero_is_paid_when_finalized(stripe_sdk):
    done = stripe_sdk.v1.invoices.finalize_invoice(draft(stripe_sdk, ()).id)
    assert done.status == "paid" and done.status_transitions.paid_at is not None


def test_paying_out_of_band_sets_amount_paid_and_paid_at(stripe_sdk):
    opened = stripe_sdk.v1.invoices.finalize_invoice(draft(stripe_sdk, (999,)).id)
    paid = stripe_sdk.v1.invoices.pay(opened.id, params={"paid_out_of_band": True})
    assert (paid.status, paid.amount_paid, paid.amount_remaining) == ("paid", 999, 0)
    assert paid.status_transitions.paid_at >= paid.status_transitions.finalized_at


STATE_RULES = [
    ("draft", "/finalize", 200), ("open", "/finalize", 400),
    ("draft", "/send", 400), ("open", "/send", 200), ("void", "/send", 400),
    ("draft", "/void", 400), ("open", "/void", 200), ("paid", "/void", 400),
    ("uncollectible", "/void", 200),
    ("open", "/pay", 200), ("paid", "/pay", 400), ("void", "/pay", 400),
    ("draft", "/mark_uncollectible", 400), ("open", "/mark_uncollectible", 200),
    ("draft", "DELETE", 200), ("open", "DELETE", 400),
]


def invoice_in(stripe_sdk: stripe.StripeClient, status: str) -> str:
    invoice_id = draft(stripe_sdk).id
    if status != "draft":
        stripe_sdk.v1.invoices.finalize_invoice(invoice_id)
    steps = {"void": "void_invoice", "uncollectible": "mark_uncollectible"}
    if status in steps:
        getattr(stripe_sdk.v1.invoices, steps[status])(invoice_id)
    if status == "paid":
        stripe_sdk.v1.invoices.pay(invoice_id, params={"paid_out_of_band": True})
    return invoice_id


@pytest.mark.parametrize(("status", "action", "expected"), STATE_RULES)
def test_invoice_actions_follow_stripes_state_rules(stripe_standin, stripe_sdk, status, action, expected):
    invoice_id = invoice_in(stripe_sdk, status)
    if action == "DELETE":
        response = api(stripe_standin, "DELETE", f"/v1/invoices/{invoice_id}")
    else:
        data = {"paid_out_of_band": "true"} if action == "/pay" else {}
        response = api(stripe_standin, "POST", f"/v1/invoices/{invoice_id}{action}", data)
    assert response.status_code == expected, response.text
    if expected == 400:
        assert error_of(response)["type"] == "invalid_request_error" and error_of(response)["message"]


def test_items_are_refused_on_a_finalized_invoice(stripe_standin, stripe_sdk):
    invoice = stripe_sdk.v1.invoices.finalize_invoice(draft(stripe_sdk).id)
    response = api(stripe_standin, "POST", "/v1/invoiceitems", {
        "customer": invoice.customer, "invoice": invoice.id, "amount": "5", "currency": "cad"})
    assert response.status_code == 400
    assert error_of(response)["code"] == "invoice_not_editable"


def test_a_deleted_draft_and_its_items_are_gone(stripe_standin, stripe_sdk):
    invoice = draft(stripe_sdk, (10, 20))
    item_id = invoice.lines.data[0].parent.invoice_item_details.invoice_item
    assert api(stripe_standin, "DELETE", f"/v1/invoices/{invoice.id}").json()["deleted"] is True
    gone = api(stripe_standin, "GET", f"/v1/invoices/{invoice.id}")
    assert gone.status_code == 404
    assert error_of(gone) | {"doc_url": None} == {
        "type": "invalid_request_error", "code": "resource_missing", "param": "id",
        "message": f"No such invoice: '{invoice.id}'", "doc_url": None,
    }
    assert api(stripe_standin, "GET", f"/v1/invoiceitems/{item_id}").status_code == 404


@pytest.mark.parametrize(("data", "param"), [
    ({"name": "A", "nmae": "typo"}, "nmae"),
    ({"address[line1]": "1 Main", "address[zip]": "H0H"}, "address[zip]"),
])
def test_unknown_parameters_are_refused(stripe_standin, data, param):
    response = api(stripe_standin, "POST", "/v1/customers", data)
    assert response.status_code == 400
    assert error_of(response)["code"] == "parameter_unknown" and error_of(response)["param"] == param


def test_bad_types_and_missing_params_are_refused(stripe_standin):
    cid = api(stripe_standin, "POST", "/v1/customers", {"name": "A"}).json()["id"]
    bad = api(stripe_standin, "POST", "/v1/invoiceitems", {"customer": cid, "amount": "12.5", "currency": "cad"})
    assert error_of(bad)["code"] == "parameter_invalid_integer"
    missing = api(stripe_standin, "POST", "/v1/invoices", {"collection_method": "send_invoice"})
    assert (error_of(missing)["code"], error_of(missing)["param"]) == ("parameter_missing", "customer")


def test_unknown_urls_are_404(stripe_standin):
    response = api(stripe_standin, "GET", "/v1/charges_typo")
    assert response.status_code == 404 and "Unrecognized request URL" in error_of(response)["message"]


@pytest.mark.parametrize("header", [None, "Bearer not_a_key", "Bearer sk_test_", "Token sk_test_abc"])
def test_missing_or_malformed_keys_are_401(stripe_standin, header):
    headers = {"Authorization": header} if header else {}
    response = HTTP.get(stripe_standin.base_url + "/v1/customers", headers=headers)
    assert response.status_code == 401 and error_of(response)["message"]


def test_restricted_keys_turn_other_keys_into_authentication_errors(stripe_standin):
    stripe_standin.restrict_api_keys(["sk_test_good"])
    assert api(stripe_standin, "GET", "/v1/customers", key="sk_test_good").status_code == 200
    bad = stripe.StripeClient("sk_test_other", base_addresses={"api": stripe_standin.base_url})
    with pytest.raises(stripe.AuthenticationError, match="Invalid API Key"):
        bad.v1.customers.list()


def test_live_keys_are_livemode_and_do_not_see_test_objects(stripe_standin):
    live = api(stripe_standin, "POST", "/v1/customers", {"name": "L"}, key="sk_live_abc").json()
    assert live["livemode"] is True
    test_view = api(stripe_standin, "GET", f"/v1/customers/{live['id']}")
    assert test_view.status_code == 404 and "live mode" in error_of(test_view)["message"]


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


def events_received(receiver: WebhookReceiver, secret: str = SECRET) -> list[Any]:
    return [stripe.Webhook.construct_event(r.body, r.headers["Stripe-Signature"], secret)
            for r in receiver.received]


def test_webhooks_are_signed_so_the_sdk_verifies_them(stripe_standin, stripe_sdk, webhook_receiver):
    stripe_standin.register_webhook(webhook_receiver.url, SECRET)
    invoice = stripe_sdk.v1.invoices.finalize_invoice(draft(stripe_sdk).id)
    stripe_standin.deliveries()
    events = events_received(webhook_receiver)
    assert [e.type for e in events] == [
        "customer.created", "invoice.created", "invoiceitem.created", "invoice.updated", "invoice.finalized"]
    finalized = events[-1]
    assert finalized.id.startswith("evt_") and finalized.livemode is False and finalized.api_version
    assert finalized.data.object.id == invoice.id and finalized.data.object.status == "open"
    with pytest.raises(stripe.SignatureVerificationError):
        events_received(webhook_receiver, "whsec_someone_else")


def test_endpoints_get_only_the_events_they_enabled(stripe_standin, stripe_sdk, webhook_receiver):
    stripe_standin.register_webhook(webhook_receiver.url, SECRET, ["invoice.finalized"])
    stripe_sdk.v1.invoices.finalize_invoice(draft(stripe_sdk).id)
    stripe_standin.deliveries()
    assert [e.type for e in events_received(webhook_receiver)] == ["invoice.finalized"]


def test_queued_events_can_be_delivered_reordered_and_duplicated(stripe_standin, stripe_sdk, webhook_receiver):
    stripe_standin.register_webhook(webhook_receiver.url, SECRET, ["invoice.finalized", "invoice.paid"])
    stripe_standin.set_webhook_mode("queued")
    invoice = stripe_sdk.v1.invoices.finalize_invoice(draft(stripe_sdk).id)
    stripe_sdk.v1.invoices.pay(invoice.id, params={"paid_out_of_band": True})
    assert webhook_receiver.received == []
    finalized, paid = (stripe_standin.events(type=t)[0]["id"] for t in ("invoice.finalized", "invoice.paid"))
    stripe_standin.flush_events(order=[paid, finalized], duplicate=True)
    assert [e.id for e in events_received(webhook_receiver)] == [paid, paid, finalized, finalized]


def test_an_event_can_be_resent(stripe_standin, stripe_sdk, webhook_receiver):
    stripe_standin.register_webhook(webhook_receiver.url, SECRET, ["customer.created"])
    stripe_sdk.v1.customers.create(params={"name": "A"})
    [event] = stripe_standin.events()
    deliveries = stripe_standin.deliver_event(event["id"], times=2)
    assert [d["status"] for d in deliveries] == [200, 200]
    assert [e.id for e in events_received(webhook_receiver)] == [event["id"]] * 3


@pytest.mark.parametrize(("control", "events", "status"), [
    ("mark_paid", ["invoice.paid", "invoice.payment_succeeded"], "paid"),
    ("mark_overdue", ["invoice.overdue"], "open"),
    ("fail_payment", ["invoice.payment_failed"], "open"),
])
def test_customer_side_controls_change_the_invoice_and_announce_it(stripe_standin, stripe_sdk, control, events, status):
    invoice = stripe_sdk.v1.invoices.finalize_invoice(draft(stripe_sdk, (700,)).id)
    before = {e["id"] for e in stripe_standin.events()}
    changed = getattr(stripe_standin, control)(invoice.id)
    assert changed["status"] == status == stripe_sdk.v1.invoices.retrieve(invoice.id).status
    assert [e["type"] for e in stripe_standin.events() if e["id"] not in before] == events
    if status == "paid":
        assert changed["amount_paid"] == 700 and changed["status_transitions"]["paid_at"]


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
    finally:
        process.terminate()
        process.wait(timeout=10)
    assert process.returncode == 0
