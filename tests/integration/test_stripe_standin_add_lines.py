"""``POST /v1/invoices/{id}/add_lines`` on the stand-in behaves like Stripe's: drafts only,
the same line objects and totals as single invoice items, all-or-nothing, idempotent."""
from __future__ import annotations

import pytest
import stripe

from tests.fixtures.stripe import api, draft, error_of


def _strip_ids(lines):
    drop = {"id", "parent", "period", "invoice"}
    return [{k: v for k, v in line.items() if k not in drop} for line in lines]


def test_add_lines_gives_the_same_lines_and_totals_as_single_invoice_items(stripe_sdk):
    single = draft(stripe_sdk, (1200, 34, 5))
    bulk = draft(stripe_sdk, ())
    added = stripe_sdk.v1.invoices.add_lines(bulk.id, params={"lines": [
        {"amount": 1200}, {"amount": 34}, {"amount": 5}]})
    assert (added.total, added.subtotal, added.amount_due) == (1239, 1239, 1239)
    assert (single.total, single.subtotal, single.amount_due) == (1239, 1239, 1239)
    assert _strip_ids(added.to_dict()["lines"]["data"]) == \
        _strip_ids(single.to_dict()["lines"]["data"])
    item_ids = [line.parent.invoice_item_details.invoice_item for line in added.lines.data]
    items = [stripe_sdk.v1.invoice_items.retrieve(i) for i in item_ids]
    assert [(i.amount, i.invoice, i.currency) for i in items] == [
        (1200, bulk.id, "cad"), (34, bulk.id, "cad"), (5, bulk.id, "cad")]


def test_descriptions_metadata_and_invoice_metadata_are_kept(stripe_sdk):
    invoice = draft(stripe_sdk, ())
    added = stripe_sdk.v1.invoices.add_lines(invoice.id, params={
        "lines": [{"amount": 700, "description": "SMS Services", "metadata": {"line": "sms"}}],
        "invoice_metadata": {"lines_added": "1"}})
    line = added.lines.data[0]
    assert (line.description, line.metadata.to_dict()) == ("SMS Services", {"line": "sms"})
    assert added.metadata.to_dict()["lines_added"] == "1"


def test_lines_are_refused_once_the_invoice_is_finalized(stripe_sdk):
    invoice = stripe_sdk.v1.invoices.finalize_invoice(draft(stripe_sdk, (100,)).id)
    with pytest.raises(stripe.InvalidRequestError) as refused:
        stripe_sdk.v1.invoices.add_lines(invoice.id, params={"lines": [{"amount": 5}]})
    assert refused.value.code == "invoice_not_editable"
    assert stripe_sdk.v1.invoices.retrieve(invoice.id).total == 100


def test_a_bad_line_adds_none_of_them(stripe_standin, stripe_sdk):
    invoice = draft(stripe_sdk, ())
    resp = api(stripe_standin, "POST", f"/v1/invoices/{invoice.id}/add_lines", {
        "lines[0][amount]": "100", "lines[1][description]": "no amount"})
    assert resp.status_code == 400
    assert error_of(resp)["param"] == "lines[1][amount]"
    resp = api(stripe_standin, "POST", f"/v1/invoices/{invoice.id}/add_lines", {
        "lines[0][amount]": "100", "lines[0][currency]": "cad"})
    assert resp.status_code == 400 and error_of(resp)["code"] == "parameter_unknown"
    assert stripe_sdk.v1.invoices.retrieve(invoice.id).lines.data == []


def test_an_unassigned_invoice_item_can_be_assigned(stripe_sdk):
    invoice = draft(stripe_sdk, ())
    pending = stripe_sdk.v1.invoice_items.create(params={
        "customer": invoice.customer, "amount": 250, "currency": "cad"})
    added = stripe_sdk.v1.invoices.add_lines(invoice.id, params={"lines": [
        {"invoice_item": pending.id}]})
    assert added.total == 250
    assert stripe_sdk.v1.invoice_items.retrieve(pending.id).invoice == invoice.id
    with pytest.raises(stripe.InvalidRequestError):
        stripe_sdk.v1.invoices.add_lines(invoice.id, params={"lines": [
            {"invoice_item": pending.id}]})


def test_a_repeated_key_replays_and_adds_the_lines_once(stripe_standin, stripe_sdk):
    invoice = draft(stripe_sdk, ())
    body = {"lines[0][amount]": "100", "lines[1][amount]": "23"}
    first = api(stripe_standin, "POST", f"/v1/invoices/{invoice.id}/add_lines", body,
                Idempotency_Key="lines-once")
    again = api(stripe_standin, "POST", f"/v1/invoices/{invoice.id}/add_lines", body,
                Idempotency_Key="lines-once")
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert stripe_sdk.v1.invoices.retrieve(invoice.id).total == 123
    other = api(stripe_standin, "POST", f"/v1/invoices/{invoice.id}/add_lines",
                {"lines[0][amount]": "999"}, Idempotency_Key="lines-once")
    assert other.status_code == 400 and error_of(other)["type"] == "idempotency_error"
