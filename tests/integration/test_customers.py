"""Customer use cases on PostgreSQL: RLS as a second wall, agent moves, the
unpaid-invoice guard, uniqueness, the Stripe hook, and the audit trail."""
from __future__ import annotations

import psycopg
import pytest
from psycopg.rows import dict_row

from billing.domain.customers import (
    AgentMappingIn,
    CustomerCreate,
    CustomerListQuery,
    CustomerPatch,
)
from billing.domain.errors import Conflict, NotFound, ValidationFailed
from billing.domain.principal import Principal
from billing.usecases import customers as uc
from tests.fixtures.db import create_user


def new(name="Clinique Nord", email="nord@clinic.test", **fields) -> CustomerCreate:
    return CustomerCreate.model_validate({"customer_name": name, "customer_email": email,
                                          **fields})


@pytest.fixture
def admin(admin_principal):
    return admin_principal


def audit_actions(admin_conn):
    return admin_conn.cursor(row_factory=dict_row).execute(
        "select action, resource_id, details from billing_audit_log"
        " where action like 'BILLING_CUSTOMER%%' or action = 'BILLING_AGENTS_MAPPED'"
        " order by id").fetchall()


def test_rls_hides_customers_from_a_staff_session_even_without_the_gate(api_deps, admin,
                                                                       admin_conn):
    uc.create_customer(new(), principal=admin, deps=api_deps)
    staff = Principal(create_user(admin_conn, role="Staff"), "Staff")
    page = uc.list_customers(CustomerListQuery(), principal=staff, deps=api_deps)
    assert (page.total, page.items) == (0, [])
    with api_deps.db.user_session(staff.rls_claims) as conn:
        assert conn.execute("select count(*) as n from billing_customers").fetchone()["n"] == 0
    with pytest.raises(psycopg.errors.InsufficientPrivilege), \
            api_deps.db.user_session(staff.rls_claims) as conn:
        conn.execute("insert into billing_customers (customer_name, customer_email)"
                     " values ('Sneaky', 'sneaky@clinic.test')")


def test_stripe_link_follows_the_create_flags(api_deps, admin, stripe_gateway):
    existing = stripe_gateway.create_customer("Clinic C", "c@clinic.test", None, None, {},
                                              idempotency_key="hand-made-c")
    created = uc.create_customer(new(), principal=admin, deps=api_deps)
    none = uc.create_customer(new(email="b@clinic.test", create_stripe_customer=False),
                              principal=admin, deps=api_deps)
    linked = uc.create_customer(new(email="c@clinic.test", stripe_customer_id=existing.id),
                                principal=admin, deps=api_deps)
    assert [c.stripe_link_status for c in (created, none, linked)] == ["linked", "none",
                                                                       "linked"]
    assert created.stripe_customer_id.startswith("cus_")
    assert stripe_gateway.retrieve_customer(created.stripe_customer_id).email == (
        "nord@clinic.test")
    assert none.stripe_customer_id is None


def test_a_hand_entered_stripe_id_unknown_to_stripe_is_refused(api_deps, admin, admin_conn):
    with pytest.raises(ValidationFailed) as err:
        uc.create_customer(new(stripe_customer_id="cus_doesnotexist"), principal=admin,
                           deps=api_deps)
    assert err.value.code == "stripe_customer_not_found"
    assert admin_conn.execute("select count(*) from billing_customers").fetchone()[0] == 0


@pytest.mark.parametrize("fault", ["rate_limit", "server_error", "drop", "drop_after"])
def test_a_stripe_failure_keeps_the_customer_pending_and_a_retry_links_once(
        fault, api_deps, admin, stripe_standin, stripe_gateway):
    stripe_standin.inject_fault(fault, times=8, path=r"^/v1/customers$", method="POST")
    made = uc.create_customer(new(), principal=admin, deps=api_deps)
    assert made.stripe_link_status == "pending" and made.stripe_customer_id is None
    assert made.stripe_last_error.startswith("stripe_")
    stripe_standin.clear_faults()
    linked = uc.sync_stripe(made.id, principal=admin, deps=api_deps)
    assert linked.stripe_link_status == "linked" and linked.stripe_last_error is None
    assert len(stripe_gateway.list_customers(limit=100)) == 1


def test_changed_details_are_pushed_to_stripe(api_deps, admin, stripe_gateway):
    made = uc.create_customer(new(), principal=admin, deps=api_deps)
    uc.update_customer(made.id, CustomerPatch.model_validate(
        {"customer_email": "accounts@nord.test", "notes": "n"}), principal=admin, deps=api_deps)
    assert stripe_gateway.retrieve_customer(made.stripe_customer_id).email == (
        "accounts@nord.test")


def test_duplicates_are_conflicts(api_deps, admin, stripe_gateway):
    existing = stripe_gateway.create_customer("Nord", "nord@clinic.test", None, None, {},
                                              idempotency_key="hand-made-nord")
    uc.create_customer(new(stripe_customer_id=existing.id), principal=admin, deps=api_deps)
    with pytest.raises(Conflict) as err:
        uc.create_customer(new(name="Other", email="NORD@Clinic.test"), principal=admin,
                           deps=api_deps)
    assert (err.value.code, err.value.detail) == ("duplicate_customer",
                                                  "A customer with this email already exists.")
    with pytest.raises(Conflict) as err:
        uc.create_customer(new(email="z@clinic.test", stripe_customer_id=existing.id),
                           principal=admin, deps=api_deps)
    assert err.value.code == "duplicate_stripe_customer"


def test_agents_move_between_customers_and_the_answer_says_from_where(api_deps, admin,
                                                                      admin_conn):
    north = uc.create_customer(new(), principal=admin, deps=api_deps)
    south = uc.create_customer(new("Clinique Sud", "sud@clinic.test"), principal=admin,
                               deps=api_deps)
    uc.set_agents(north.id, AgentMappingIn(agent_ids=["agent_a", "agent_b"]), principal=admin,
                  deps=api_deps)
    result = uc.set_agents(south.id, AgentMappingIn(agent_ids=["agent_b", "agent_c", "agent_c"]),
                           principal=admin, deps=api_deps)
    assert result.agent_ids == ["agent_b", "agent_c"]
    assert [(m.agent_id, m.customer_id, m.customer_name) for m in result.moved_from] == [
        ("agent_b", north.id, "Clinique Nord")]
    assert uc.get_agents(north.id, principal=admin, deps=api_deps).agent_ids == ["agent_a"]
    cleared = uc.set_agents(north.id, AgentMappingIn(agent_ids=[]), principal=admin,
                            deps=api_deps)
    assert cleared.agent_ids == [] and cleared.moved_from == []
    mapped = [r for r in audit_actions(admin_conn) if r["action"] == "BILLING_AGENTS_MAPPED"]
    assert mapped[1]["details"] == {"customer_id": south.id, "agent_ids": ["agent_b", "agent_c"],
                                    "moved_from": [north.id]}


def add_invoice(admin_conn, customer_id, status, start):
    admin_conn.execute(
        "insert into invoice_records (billing_customer_id, billing_period_start,"
        " billing_period_end, subtotal_cad, total_amount_cad, invoice_status, invoice_number)"
        " values (%s, %s, %s, 10, 12.34, %s, %s)",
        [customer_id, start, start[:8] + "28", status, f"INV-{status}"])


def test_delete_is_refused_while_invoices_are_unpaid(api_deps, admin, admin_conn):
    customer = uc.create_customer(new(), principal=admin, deps=api_deps)
    add_invoice(admin_conn, customer.id, "paid", "2026-08-01")
    add_invoice(admin_conn, customer.id, "overdue", "2026-09-01")
    add_invoice(admin_conn, customer.id, "draft", "2026-10-01")
    assert uc.get_customer(customer.id, principal=admin, deps=api_deps).unpaid_invoice_count == 2
    with pytest.raises(Conflict) as err:
        uc.delete_customer(customer.id, principal=admin, deps=api_deps)
    assert err.value.code == "customer_has_unpaid_invoices"
    assert [(i["invoice_status"], i["total_amount_cad"]) for i in err.value.extra["invoices"]] == [
        ("overdue", "12.34"), ("draft", "12.34")]
    admin_conn.execute("update invoice_records set invoice_status = 'cancelled'"
                       " where invoice_status in ('overdue', 'draft')")
    with pytest.raises(Conflict) as err:  # settled, but still billing records
        uc.delete_customer(customer.id, principal=admin, deps=api_deps)
    assert err.value.code == "customer_has_invoices"
    assert uc.get_customer(customer.id, principal=admin, deps=api_deps).id == customer.id


def test_every_mutation_is_audited_without_field_values(api_deps, admin, admin_conn):
    customer = uc.create_customer(new(notes="private note"), principal=admin, deps=api_deps)
    uc.update_customer(customer.id, CustomerPatch(notes="changed", markup_percentage=5),
                       principal=admin, deps=api_deps)
    uc.delete_customer(customer.id, principal=admin, deps=api_deps)
    trail = audit_actions(admin_conn)
    assert [r["action"] for r in trail] == ["BILLING_CUSTOMER_CREATED",
                                            "BILLING_CUSTOMER_STRIPE_LINKED",
                                            "BILLING_CUSTOMER_UPDATED",
                                            "BILLING_CUSTOMER_DELETED"]
    assert all(r["resource_id"] == customer.id for r in trail)
    assert trail[2]["details"]["fields"] == ["markup_percentage", "notes"]
    assert "note" not in str([r["details"] for r in trail]).replace("notes", "")


@pytest.mark.parametrize("bad_id", ["not-a-uuid", "00000000-0000-0000-0000-000000000000"])
def test_unknown_customers_are_not_found(api_deps, admin, bad_id):
    with pytest.raises(NotFound) as err:
        uc.update_customer(bad_id, CustomerPatch(notes="x"), principal=admin, deps=api_deps)
    assert err.value.code == "customer_not_found"


def test_a_customer_with_any_invoice_is_kept_as_a_billing_record(api_deps, admin, admin_conn):
    customer = uc.create_customer(new(create_stripe_customer=False), principal=admin,
                                  deps=api_deps)
    admin_conn.execute(
        "insert into invoice_records (billing_customer_id, billing_period_start,"
        " billing_period_end, subtotal_cad, total_amount_cad, invoice_status)"
        " values (%s, '2026-09-01', '2026-09-30', 10, 10, 'paid')", [customer.id])
    with pytest.raises(Conflict) as err:
        uc.delete_customer(customer.id, principal=admin, deps=api_deps)
    assert err.value.code == "customer_has_invoices"
    assert admin_conn.execute("select count(*) from invoice_records").fetchone()[0] == 1
