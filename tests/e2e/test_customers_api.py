"""The customers API over real HTTP as the SPA uses it: CRUD, validation with
every field error at once, search/sort/paging, agents, and a CSV export that
spreadsheets cannot turn into formulas."""
from __future__ import annotations

import csv
import io

import pytest

BASE = "/api/billing/customers"


@pytest.fixture
def client(api, admin_headers):
    api.headers.update(admin_headers)
    return api


def create(client, name, email, **fields):
    resp = client.post(BASE, json={"customer_name": name, "customer_email": email, **fields})
    assert resp.status_code == 201, resp.text
    return resp.json()


def test_create_read_update_delete(client, admin_persona):
    made = create(client, "Clinique Laval", "facturation@laval.test", markup_percentage=20,
                  phone_number="(450) 555-0199", create_stripe_customer=False)
    assert made["markup_percentage"] == "20.0000"
    assert (made["stripe_link_status"], made["created_by"]) == ("none", admin_persona.user_id)
    assert client.get(f"{BASE}/{made['id']}").json() == made
    patched = client.patch(f"{BASE}/{made['id']}", json={"auto_invoice_enabled": True,
                                                          "notes": "Net 15"}).json()
    assert (patched["auto_invoice_enabled"], patched["notes"]) == (True, "Net 15")
    assert patched["customer_name"] == "Clinique Laval"
    assert client.delete(f"{BASE}/{made['id']}").status_code == 204
    gone = client.get(f"{BASE}/{made['id']}")
    assert (gone.status_code, gone.json()["code"]) == (404, "customer_not_found")


def test_every_field_error_is_reported_at_once(client):
    resp = client.post(BASE, json={"customer_name": "X", "customer_email": "nope",
                                   "phone_number": "123", "markup_percentage": 10001,
                                   "tax_id": "t" * 51, "notes": "n" * 1001})
    body = resp.json()
    assert (resp.status_code, body["code"]) == (422, "validation_failed")
    assert {e["field"]: e["message"] for e in body["errors"]} == {
        "body.customer_name": "Customer name must be at least 2 characters",
        "body.customer_email": "Invalid email format",
        "body.phone_number": "Invalid phone number",
        "body.markup_percentage": "Markup too high",
        "body.tax_id": "Tax ID too long",
        "body.notes": "Notes too long",
    }


def test_duplicate_email_is_a_409_with_the_spec_message(client):
    create(client, "Clinique A", "same@clinic.test")
    resp = client.post(BASE, json={"customer_name": "Clinique B",
                                   "customer_email": "SAME@clinic.test"})
    assert (resp.status_code, resp.json()["code"]) == (409, "duplicate_customer")
    assert resp.json()["detail"] == "A customer with this email already exists."


def test_search_filter_sort_and_paging(client):
    for i, (name, markup, auto) in enumerate([("Alpha Dental", 5, True), ("beta Clinic", 30, False),
                                              ("Gamma 100%_Care", 10, True)]):
        create(client, name, f"c{i}@clinic.test", markup_percentage=markup,
               auto_invoice_enabled=auto)

    def names(**params):
        body = client.get(BASE, params=params).json()
        return body["total"], [c["customer_name"] for c in body["items"]]

    assert names() == (3, ["Alpha Dental", "beta Clinic", "Gamma 100%_Care"])
    assert names(search="CLINIC") == (3, ["Alpha Dental", "beta Clinic", "Gamma 100%_Care"])
    assert names(search="c1@") == (1, ["beta Clinic"])
    assert names(search="100%_") == (1, ["Gamma 100%_Care"])
    assert names(search="%") == (1, ["Gamma 100%_Care"])
    assert names(auto_invoice="true", sort="markup", order="desc") == (
        2, ["Gamma 100%_Care", "Alpha Dental"])
    assert names(sort="markup", page_size=1, page=2) == (3, ["Gamma 100%_Care"])
    assert client.get(BASE, params={"page_size": 201}).status_code == 422
    assert client.get(BASE, params={"sort": "password"}).status_code == 422


def test_agents_can_be_mapped_and_moved(client):
    north = create(client, "Clinique Nord", "nord@clinic.test")
    south = create(client, "Clinique Sud", "sud@clinic.test")
    url = f"{BASE}/{{}}/agents".format
    assert client.put(url(north["id"]), json={"agent_ids": ["agent_1"]}).status_code == 200
    moved = client.put(url(south["id"]), json={"agent_ids": ["agent_1", "agent_2"]}).json()
    assert moved["moved_from"] == [{"agent_id": "agent_1", "customer_id": north["id"],
                                    "customer_name": "Clinique Nord"}]
    assert client.get(url(north["id"])).json() == {"customer_id": north["id"], "agent_ids": [],
                                                   "moved_from": []}
    assert client.get(f"{BASE}/{south['id']}").json()["agent_ids"] == ["agent_1", "agent_2"]


def test_delete_with_unpaid_invoices_lists_them(client, admin_conn):
    made = create(client, "Clinique Est", "est@clinic.test")
    admin_conn.execute(
        "insert into invoice_records (billing_customer_id, billing_period_start,"
        " billing_period_end, subtotal_cad, total_amount_cad, invoice_status, invoice_number)"
        " values (%s, '2026-10-01', '2026-10-31', 100, 120, 'sent', 'INV-0042')", [made["id"]])
    resp = client.delete(f"{BASE}/{made['id']}")
    body = resp.json()
    assert (resp.status_code, body["code"]) == (409, "customer_has_unpaid_invoices")
    assert [(i["invoice_number"], i["invoice_status"], i["total_amount_cad"])
            for i in body["invoices"]] == [("INV-0042", "sent", "120.00")]


def test_csv_export_neutralises_formulas_and_follows_the_filters(client, admin_conn):
    create(client, "=HYPERLINK(\"http://evil\")", "evil@clinic.test",
           billing_address="+1 Main St", notes="@SUM(A1)", auto_invoice_enabled=True)
    create(client, "Clinique Sûre", "sure@clinic.test", billing_contact_name="-Marie")
    resp = client.get(f"{BASE}/export.csv")
    assert resp.status_code == 200
    assert resp.headers["content-type"].startswith("text/csv")
    assert "attachment" in resp.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(resp.content.decode("utf-8-sig"))))
    by_email = {r["Email"]: r for r in rows}
    assert by_email["evil@clinic.test"]["Customer Name"] == "'=HYPERLINK(\"http://evil\")"
    assert by_email["evil@clinic.test"]["Billing Address"] == "'+1 Main St"
    assert by_email["sure@clinic.test"]["Billing Contact"] == "'-Marie"
    assert by_email["sure@clinic.test"]["Customer Name"] == "Clinique Sûre"
    filtered = client.get(f"{BASE}/export.csv", params={"auto_invoice": "false"})
    assert [r["Email"] for r in csv.DictReader(io.StringIO(filtered.content.decode("utf-8-sig")))
            ] == ["sure@clinic.test"]
    details = admin_conn.execute("select details from billing_audit_log"
                                 " where action = 'BILLING_CUSTOMERS_EXPORTED' order by id"
                                 ).fetchall()
    assert [d[0] for d in details] == [{"rows": 2, "format": "csv", "filters": []},
                                       {"rows": 1, "format": "csv", "filters": ["auto_invoice"]}]


def test_malformed_json_and_unknown_fields_are_refused(client):
    bad = client.post(BASE, content=b"{not json", headers={"Content-Type": "application/json"})
    assert (bad.status_code, bad.json()["code"]) == (400, "invalid_json")
    extra = client.post(BASE, json={"customer_name": "Ok Clinic", "customer_email": "o@k.test",
                                    "is_admin": True})
    assert extra.json()["errors"][0]["field"] == "body.is_admin"


ISSUE_NAMES = ["\n=1+1", " =1+1", "\u00a0=1+1", "Zed;=cmd|' /C calc'!A0"]


def test_names_hiding_formulas_behind_whitespace_or_a_semicolon_are_neutralised(
        client, admin_conn):
    for i, name in enumerate(ISSUE_NAMES):
        admin_conn.execute("insert into billing_customers (customer_name, customer_email)"
                           " values (%s, %s)", [name, f"c{i}@clinic.test"])
    content = client.get(f"{BASE}/export.csv").content.decode("utf-8-sig")
    for delimiter in (",", ";"):
        cells = [c for row in csv.reader(io.StringIO(content, newline=""), delimiter=delimiter)
                 for c in row]
        assert not [c for c in cells if c.lstrip().startswith(("=", "+", "-", "@"))]
    names = [r["Customer Name"] for r in csv.DictReader(io.StringIO(content, newline=""))]
    assert sorted(names) == sorted(["'\n'=1+1", "' =1+1", "'\u00a0=1+1",
                                    "'Zed;'=cmd|' /C calc'!A0"])
