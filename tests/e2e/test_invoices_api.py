"""The invoice history and lifecycle over real HTTP: filters, sort, paging, search,
detail, PDF redirect, CSV export (formula-safe) and each action."""
from __future__ import annotations

import csv
import io
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from billing.bootstrap import Deps
from billing.domain.periods import Period
from billing.usecases import batch_runner
from billing.usecases.invoicing import GenerateOptions
from tests.fixtures.world import add_customer, add_usage, map_agent

URL = "/api/billing/invoices"
OCTOBER = Period(date(2026, 10, 1), date(2026, 10, 31))
SEPTEMBER = Period(date(2026, 9, 1), date(2026, 9, 30))
EVIL = '=HYPERLINK("https://evil.test","Click")'
SPEC_COLUMNS = [
    "Invoice Number", "Date Created", "Customer Name", "Customer Email",
    "Billing Period Start", "Billing Period End", "Total Chats", "Total Calls",
    "SMS Segments", "Call Minutes", "Twilio SMS Cost (CAD)", "Twilio Voice Cost (CAD)",
    "Retell AI Chat Cost (CAD)", "Retell AI Voice Cost (CAD)", "Subtotal (CAD)",
    "Markup Amount (CAD)", "Total Amount (CAD)", "Status", "Due Date", "Sent Date",
    "Paid Date", "Stripe Invoice URL",
]


@pytest.fixture
def api_deps(world_deps) -> Deps:
    return world_deps


def generate(world_deps, world, name: str, mode: str, period: Period = OCTOBER,
             **options) -> str:
    batch = batch_runner.generate(world_deps, world.principal, period, [world.customers[name]],
                                  GenerateOptions(mode=mode, **options))
    return batch["items"][0]["invoice_id"]


@pytest.fixture
def invoices(world, world_deps, admin_conn) -> dict[str, str]:
    """acme: October draft and a zero September draft; beta: sent; evil: finalized.
    Created on known days (Toronto): evil on Nov 1 at 23:30, i.e. Nov 2 in UTC."""
    world.customers["evil"] = add_customer(admin_conn, EVIL)
    map_agent(admin_conn, "agent_evil", world.customers["evil"])
    add_usage(admin_conn, "agent_evil", datetime(2026, 10, 9, 15, tzinfo=UTC), segments=3,
              twilio_usd="0.0249", retell_cents="1.2")
    made = {"acme": generate(world_deps, world, "acme", "draft"),
            "acme_sept": generate(world_deps, world, "acme", "draft", SEPTEMBER,
                                  include_zero_usage=True),
            "beta": generate(world_deps, world, "beta", "send"),
            "evil": generate(world_deps, world, "evil", "finalize")}
    created = {"acme_sept": "2026-10-02T12:00Z", "acme": "2026-11-01T12:00Z",
               "evil": "2026-11-02T03:30Z", "beta": "2026-11-03T12:00Z"}
    for key, at in created.items():
        admin_conn.execute("update invoice_records set created_at = %s where id = %s",
                           [at, made[key]])
    return made


def ids(resp) -> list[str]:
    assert resp.status_code == 200, resp.text
    return [item["id"] for item in resp.json()["items"]]


def test_the_history_lists_newest_first_with_counts_and_totals(api, admin_headers, invoices,
                                                               admin_conn):
    resp = api.get(URL, headers=admin_headers)
    body = resp.json()
    assert ids(resp) == [invoices[k] for k in ("beta", "evil", "acme", "acme_sept")]
    want = admin_conn.execute("select sum(total_amount_cad) from invoice_records").fetchone()[0]
    assert body["total"] == 4 and Decimal(body["total_cad"]) == want
    assert body["page_total_cad"] == body["total_cad"] and isinstance(body["total_cad"], str)
    first = body["items"][0]
    assert first["customer_name"] == "Beta Medical" and first["invoice_status"] == "sent"
    assert set(first["actions"]) == {"mark_paid", "cancel", "refresh", "pdf", "remind"}


@pytest.mark.parametrize(("query", "expected"), [
    ({"status": "draft"}, ["acme", "acme_sept"]),
    ({"status": "sent,finalized"}, ["beta", "evil"]),
    ([("status", "sent"), ("status", "finalized")], ["beta", "evil"]),
    ([("status", "draft"), ("status", "sent,finalized")], ["beta", "evil", "acme", "acme_sept"]),
    ({"status": "all"}, ["beta", "evil", "acme", "acme_sept"]),
    ({"period_from": "2026-10-01", "period_to": "2026-10-31"}, ["beta", "evil", "acme"]),
    ({"period_to": "2026-09-30"}, ["acme_sept"]),
    ({"created_from": "2026-11-01", "created_to": "2026-11-01"}, ["evil", "acme"]),
    ({"created_from": "2026-11-02"}, ["beta"]),
    ({"amount_max": "0"}, ["acme_sept"]),
    ({"amount_min": "5.00"}, ["beta"]),
    ({"search": "ACME"}, ["acme", "acme_sept"]),
    ({"search": "hyperlink"}, ["evil"]),
    ({"search": "%"}, []),
])
def test_the_history_filters(api, admin_headers, invoices, query, expected):
    assert ids(api.get(URL, params=query, headers=admin_headers)) == [
        invoices[k] for k in expected]


def test_the_history_filters_by_customer_and_searches_invoice_numbers(
        api, admin_headers, invoices, world, admin_conn):
    beta = [invoices["beta"]]
    assert ids(api.get(URL, params={"customer_id": world.customers["beta"]},
                       headers=admin_headers)) == beta
    number = admin_conn.execute("select invoice_number from invoice_records where id = %s",
                                [invoices["beta"]]).fetchone()[0]
    assert ids(api.get(URL, params={"search": number.lower()}, headers=admin_headers)) == beta


@pytest.mark.parametrize(("sort", "order", "expected"), [
    ("total", "asc", ["acme_sept", "evil", "acme", "beta"]),
    ("customer", "asc", ["evil", "acme", "acme_sept", "beta"]),
    ("status", "asc", ["acme", "acme_sept", "evil", "beta"]),
    ("created", "asc", ["acme_sept", "acme", "evil", "beta"]),
])
def test_the_history_sorts(api, admin_headers, invoices, sort, order, expected):
    resp = api.get(URL, params={"sort": sort, "order": order}, headers=admin_headers)
    assert ids(resp) == [invoices[k] for k in expected]


def test_the_history_pages_with_the_page_sum_and_the_filtered_total(api, admin_headers,
                                                                    invoices):
    everything = api.get(URL, headers=admin_headers).json()
    page = api.get(URL, params={"page": 2, "page_size": 3}, headers=admin_headers).json()
    assert [i["id"] for i in page["items"]] == [everything["items"][3]["id"]]
    assert (page["total"], page["page"], page["page_size"]) == (4, 2, 3)
    assert page["page_total_cad"] == everything["items"][3]["total_amount_cad"]
    assert page["total_cad"] == everything["total_cad"]


@pytest.mark.parametrize("query", [{"page_size": 201}, {"page": 0}, {"sort": "secret"},
                                   {"status": "unknown"}, {"amount_min": "-1"},
                                   {"created_from": "2026-11-02", "created_to": "2026-11-01"}])
def test_invalid_history_queries_are_422(api, admin_headers, invoices, query):
    resp = api.get(URL, params=query, headers=admin_headers)
    assert resp.status_code == 422 and resp.json()["code"] == "validation_failed"


def test_the_history_needs_a_verified_super_user(api, personas, invoices):
    assert api.get(URL).status_code == 401
    assert api.get(URL, headers=personas.create("super_user").headers).status_code == 403


def test_the_detail_has_customer_usage_costs_lines_fx_links_and_timeline(
        api, admin_headers, invoices):
    resp = api.get(f"{URL}/{invoices['beta']}", headers=admin_headers)
    assert resp.status_code == 200, resp.text
    detail = resp.json()
    assert (detail["customer_name"], detail["markup_percentage"]) == ("Beta Medical", "20.0000")
    assert (detail["total_chats"], detail["total_calls"], detail["usage_records"]) == (2, 1, 3)
    lines = sum(Decimal(line["amount_cad"]) for line in detail["line_items"])
    assert lines == Decimal(detail["total_amount_cad"]) > 0
    assert Decimal(detail["subtotal_cad"]) + Decimal(detail["markup_amount_cad"]) == lines
    assert detail["fx"] == {"rate": "1.370000", "date": detail["fx"]["date"], "source": "fixed"}
    assert detail["rate_cards"] and detail["stripe_invoice_url"].startswith("http")
    events = [(e["kind"], e["event"]) for e in detail["timeline"]]
    assert {("status", "created"), ("status", "finalized"), ("status", "sent"),
            ("audit", "BILLING_INVOICE_GENERATED")} <= set(events)
    times = [e["at"] for e in detail["timeline"]]
    assert [datetime.fromisoformat(t) for t in times] == sorted(
        datetime.fromisoformat(t) for t in times)


def test_ids_that_are_not_uuids_or_unknown_are_404(api, admin_headers, invoices):
    bad = api.get(f"{URL}/not-a-uuid", headers=admin_headers)
    assert (bad.status_code, bad.json()["code"]) == (404, "not_found")
    assert api.post(f"{URL}/not-a-uuid/send", headers=admin_headers).status_code == 404
    unknown = api.get(f"{URL}/{uuid.uuid4()}", headers=admin_headers)
    assert (unknown.status_code, unknown.json()["code"]) == (404, "invoice_not_found")


def test_the_pdf_redirects_to_stripe_once_finalized(api, admin_headers, invoices, admin_conn):
    resp = api.get(f"{URL}/{invoices['evil']}/pdf", headers=admin_headers)
    pdf = admin_conn.execute("select stripe_invoice_pdf_url from invoice_records where id = %s",
                             [invoices["evil"]]).fetchone()[0]
    assert resp.status_code == 302 and resp.headers["Location"] == pdf is not None
    draft = api.get(f"{URL}/{invoices['acme']}/pdf", headers=admin_headers)
    assert draft.status_code == 409 and draft.json()["code"] == "invoice_pdf_unavailable"
    assert "draft" in draft.json()["detail"]


def read_csv(resp) -> list[dict[str, str]]:
    assert resp.status_code == 200, resp.text
    assert resp.headers["Content-Type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(resp.content.decode("utf-8-sig"))))


def test_the_csv_export_has_the_spec_columns_and_neutralises_formulas(
        api, admin_headers, invoices, admin_conn):
    resp = api.get(f"{URL}/export.csv", headers=admin_headers)
    rows = read_csv(resp)
    assert list(rows[0]) == SPEC_COLUMNS and len(rows) == 4
    evil = next(r for r in rows if r["Status"] == "finalized")
    assert evil["Customer Name"] == "'" + EVIL
    assert evil["Date Created"] == "2026-11-01"  # 23:30 in Toronto
    total = admin_conn.execute("select total_amount_cad, invoice_number from invoice_records"
                               " where id = %s", [invoices["evil"]]).fetchone()
    assert (evil["Total Amount (CAD)"], evil["Invoice Number"]) == (str(total[0]), total[1])
    assert evil["Call Minutes"] == "0.0" and evil["Due Date"]
    logged = admin_conn.execute("select details from billing_audit_log"
                                " where action = 'BILLING_INVOICES_EXPORTED'").fetchall()
    assert [d[0]["rows"] for d in logged] == [4]


def test_the_csv_export_takes_the_history_filters(api, admin_headers, invoices):
    rows = read_csv(api.get(f"{URL}/export.csv", params={"status": "sent"},
                            headers=admin_headers))
    assert [r["Customer Name"] for r in rows] == ["Beta Medical"]
    assert rows[0]["Sent Date"] and rows[0]["Stripe Invoice URL"].startswith("http")


def test_each_action_through_http(api, admin_headers, invoices):
    def post(key: str, action: str):
        return api.post(f"{URL}/{invoices[key]}/{action}", headers=admin_headers)

    sent = post("acme", "send")
    assert sent.status_code == 200 and sent.json()["invoice_status"] == "sent"
    paid = post("acme", "mark-paid")
    assert paid.json()["invoice_status"] == "paid" and paid.json()["paid_at"]
    refused = post("acme", "cancel")
    assert refused.status_code == 409
    assert refused.headers["Content-Type"].startswith("application/problem+json")
    assert refused.json()["code"] == "invalid_invoice_state"
    assert post("acme", "refresh").json()["invoice_status"] == "paid"
    cancelled = post("beta", "cancel")
    assert cancelled.json()["invoice_status"] == "cancelled"
    assert cancelled.json()["actions"] == ["refresh"]
    gone = api.get(f"{URL}/{invoices['beta']}/pdf", headers=admin_headers)
    assert (gone.status_code, gone.json()["code"]) == (409, "invoice_pdf_unavailable")
