"""The Stripe stand-in speaks Stripe's wire format: objects, state rules, errors, API keys."""
from __future__ import annotations

import pytest
import stripe

from standins.stripe_forms import parse_form
from tests.fixtures.stripe import HTTP, api, draft, error_of


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
    ("draft", "/send", 200), ("open", "/send", 200), ("void", "/send", 400),
    ("draft", "/void", 400), ("open", "/void", 200), ("paid", "/void", 400),
    ("uncollectible", "/void", 200),
    ("draft", "/pay", 200), ("open", "/pay", 200), ("paid", "/pay", 400), ("void", "/pay", 400),
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


@pytest.mark.parametrize("action", ["send_invoice", "pay"])
def test_sending_or_paying_a_draft_finalizes_it_first(stripe_standin, stripe_sdk, action):
    invoice_id = draft(stripe_sdk).id
    params = {"paid_out_of_band": True} if action == "pay" else None
    done = getattr(stripe_sdk.v1.invoices, action)(invoice_id, params=params)
    assert done.number and done.status_transitions.finalized_at
    announced = [e["type"] for e in stripe_standin.events() if e["type"] in ("invoice.finalized", "invoice.sent", "invoice.paid")]
    assert announced == ["invoice.finalized", "invoice.sent" if action == "send_invoice" else "invoice.paid"]


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
