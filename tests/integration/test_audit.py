"""The audit log: what record_audit writes, what RLS lets through, and the
admin's filtered, paged view over HTTP."""
from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import psycopg
import pytest
from psycopg.rows import dict_row

from billing.adapters.clock import ManualClock
from billing.adapters.postgres.audit_sql import record_audit
from billing.domain.principal import Principal
from tests.fixtures.db import create_user

NOW = datetime(2026, 11, 27, 17, 0, tzinfo=UTC)


@pytest.fixture
def api_clock():
    return ManualClock(NOW)


def rows(admin_conn, action=None):
    sql = "select * from billing_audit_log" + (" where action = %s" if action else "")
    return admin_conn.cursor(row_factory=dict_row).execute(
        sql + " order by id", [action] if action else []).fetchall()


def test_system_entries_name_their_source_and_store_amounts_as_text(db, admin_conn):
    with db.system_session("invoice_timer") as conn:
        record_audit(conn, actor=None, action="BILLING_INVOICE_GENERATED",
                     resource_type="invoice", resource_id="inv_1",
                     details={"total_cad": Decimal("120.50"), "count": 2})
    (row,) = rows(admin_conn, "BILLING_INVOICE_GENERATED")
    assert (row["actor_type"], row["actor_id"], row["severity"]) == ("system", None,
                                                                     "ADMINISTRATIVE")
    assert row["details"] == {"total_cad": "120.50", "count": 2, "source": "invoice_timer"}


def test_unknown_detail_keys_and_severities_are_refused_before_writing(db, admin_conn):
    with db.system_session("t") as conn:
        with pytest.raises(ValueError, match="phone"):
            record_audit(conn, actor=None, action="BILLING_X", details={"phone": "+1"})
        with pytest.raises(ValueError, match="severity"):
            record_audit(conn, actor=None, action="BILLING_X", severity="MEDICAL")
    assert rows(admin_conn, "BILLING_X") == []


def test_a_user_entry_needs_a_billing_admin_session(db, admin_conn):
    admin = Principal(create_user(admin_conn), "Super User")
    staff = Principal(create_user(admin_conn, role="Staff"), "Staff")
    with db.user_session(admin.rls_claims) as conn:
        record_audit(conn, actor=admin, action="BILLING_CUSTOMER_CREATED")
    with pytest.raises(psycopg.errors.InsufficientPrivilege), \
            db.user_session(staff.rls_claims) as conn:
        record_audit(conn, actor=staff, action="BILLING_CUSTOMER_CREATED")
    with db.user_session(staff.rls_claims) as conn:
        assert conn.execute("select count(*) as n from billing_audit_log").fetchone()["n"] == 0
    assert [str(r["actor_id"]) for r in rows(admin_conn, "BILLING_CUSTOMER_CREATED")] == [
        admin.user_id]


def seed(admin_conn, at, action, actor=None):
    admin_conn.execute("insert into billing_audit_log (occurred_at, actor_type, actor_id, action)"
                       " values (%s, %s, %s, %s)",
                       [at, "user" if actor else "system", actor, action])


def test_admins_list_entries_newest_first_with_filters_and_paging(api, admin_headers,
                                                                  admin_persona, admin_conn):
    other = create_user(admin_conn)
    seed(admin_conn, "2026-10-31T23:30:00-04:00", "BILLING_INVOICE_SENT", other)
    seed(admin_conn, "2026-11-01T00:30:00-04:00", "BILLING_INVOICE_SENT", other)
    seed(admin_conn, "2026-11-02T12:00:00-05:00", "BILLING_INVOICE_PAID")

    def get(**params):
        resp = api.get("/api/billing/audit", params=params, headers=admin_headers)
        assert resp.status_code == 200, resp.text
        return resp.json()

    november = get(**{"from": "2026-11-01", "to": "2026-11-30", "action": "BILLING_INVOICE_SENT"})
    assert november["total"] == 1
    assert november["items"][0]["occurred_at"] == "2026-11-01T04:30:00Z"
    assert get(actor=other)["total"] == 2
    everything = get(page_size=2)
    assert everything["total"] >= 5 and len(everything["items"]) == 2
    stamps = [i["occurred_at"] for i in get(page_size=200)["items"]]
    assert stamps == sorted(stamps, reverse=True)
    assert get(page=2, page_size=2)["items"][0]["id"] != everything["items"][0]["id"]


@pytest.mark.parametrize("params", [{"from": "2026-11-02", "to": "2026-11-01"},
                                    {"page_size": "201"}, {"action": "DROP TABLE"},
                                    {"actor": "nobody"}])
def test_bad_filters_are_validation_errors(api, admin_headers, params):
    resp = api.get("/api/billing/audit", params=params, headers=admin_headers)
    assert resp.status_code == 422
