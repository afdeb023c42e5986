"""The stand-in lists invoices like Stripe: newest first, ``limit`` pages with
``has_more`` and ``starting_after``, and ``created``/``due_date`` range filters
(``[gt]``, ``[gte]``, ``[lt]``, ``[lte]`` or an exact timestamp); the gateway
follows every page."""
from __future__ import annotations

from datetime import UTC, datetime

from tests.fixtures.stripe import api, draft, error_of


def test_pages_follow_has_more_and_starting_after(stripe_standin, stripe_sdk):
    made = [draft(stripe_sdk).id for _ in range(5)]

    first = api(stripe_standin, "GET", "/v1/invoices", {"limit": 2}).json()
    second = api(stripe_standin, "GET", "/v1/invoices",
                 {"limit": 2, "starting_after": first["data"][-1]["id"]}).json()
    last = api(stripe_standin, "GET", "/v1/invoices",
               {"limit": 2, "starting_after": second["data"][-1]["id"]}).json()

    listed = [i["id"] for page in (first, second, last) for i in page["data"]]
    assert listed == made[::-1]
    assert (first["has_more"], second["has_more"], last["has_more"]) == (True, True, False)


def test_created_ranges_filter_like_stripe(stripe_standin, stripe_sdk):
    invoice = draft(stripe_sdk)
    at = invoice.created

    def listed(params):
        reply = api(stripe_standin, "GET", "/v1/invoices", params)
        assert reply.status_code == 200, reply.text
        return [i["id"] for i in reply.json()["data"]]

    assert listed({"created[gte]": at}) == [invoice.id]
    assert listed({"created[gt]": at}) == []
    assert listed({"created[lte]": at, "created[gt]": at - 60}) == [invoice.id]
    assert listed({"created[lt]": at}) == []
    assert listed({"created": at}) == [invoice.id]
    assert listed({"due_date[gt]": at}) == [invoice.id]
    refused = api(stripe_standin, "GET", "/v1/invoices", {"created[after]": at})
    assert refused.status_code == 400
    assert error_of(refused)["param"] == "created[after]"


def test_the_gateway_reads_every_page_of_100(stripe_standin, stripe_sdk, stripe_gateway):
    customer = stripe_sdk.v1.customers.create(params={"name": "Many Clinic"})
    for _ in range(205):
        stripe_sdk.v1.invoices.create(params={
            "customer": customer.id, "collection_method": "send_invoice",
            "days_until_due": 30})

    found = list(stripe_gateway.invoices_created_since(datetime(2026, 1, 1, tzinfo=UTC)))

    pages = stripe_standin.requests("GET", "^/v1/invoices$")
    assert len(found) == len({i.id for i in found}) == 205
    assert [p["params"].get("starting_after") for p in pages] == [
        None, found[99].id, found[199].id]
    assert [c.id for c in stripe_gateway.all_customers()] == [customer.id]
