"""Every CHECK constraint rejects a bad row."""
from __future__ import annotations

import psycopg
import pytest

CUSTOMER = "33333333-3333-3333-3333-333333333333"


@pytest.fixture
def customer(admin_conn):
    admin_conn.execute("insert into billing_customers (id, customer_name, customer_email)"
                       " values (%s, 'Clinic', 'c@clinic.test')", [CUSTOMER])
    return CUSTOMER


INVOICE_INSERT = (
    "insert into invoice_records (billing_customer_id, billing_period_start, billing_period_end,"
    " subtotal_cad, total_amount_cad, invoice_status, markup_percentage, due_in_days)"
    " values (%(c)s, %(start)s, %(end)s, 1, 1, %(status)s, %(markup)s, %(due)s)"
)
GOOD_INVOICE = {"start": "2026-10-01", "end": "2026-10-31", "status": "draft", "markup": 0,
                "due": 30}

BAD_ROWS = [
    ("valid_markup", "insert into billing_customers (customer_name, customer_email,"
     " markup_percentage) values ('Clinic B', 'b@clinic.test', 10000.01)", {}),
    ("valid_markup", "insert into billing_customers (customer_name, customer_email,"
     " markup_percentage) values ('Clinic B', 'b@clinic.test', -1)", {}),
    ("valid_customer_name", "insert into billing_customers (customer_name, customer_email)"
     " values ('X', 'x@clinic.test')", {}),
    ("valid_status", INVOICE_INSERT, {**GOOD_INVOICE, "status": "void"}),
    ("valid_period", INVOICE_INSERT, {**GOOD_INVOICE, "start": "2026-11-01"}),
    ("valid_invoice_markup", INVOICE_INSERT, {**GOOD_INVOICE, "markup": 10001}),
    ("valid_due_in_days", INVOICE_INSERT, {**GOOD_INVOICE, "due": 366}),
    ("valid_invoice_day", "update billing_settings set auto_invoice_day_of_month = 29", {}),
    ("valid_invoice_day", "update billing_settings set auto_invoice_day_of_month = 0", {}),
    ("valid_due_days", "update billing_settings set default_due_date_days = -1", {}),
    ("valid_due_days", "update billing_settings set default_due_date_days = 366", {}),
    ("valid_default_markup", "update billing_settings set default_markup_percentage = 10001", {}),
    ("valid_invoice_time", "update billing_settings set auto_invoice_time = '09:30'", {}),
    ("valid_segment_rules", "update billing_settings set sms_segment_rules = 'other'", {}),
    ("single_row", "insert into billing_settings (id) values (false)", {}),
    ("valid_action", "insert into billing_audit_log (actor_type, action)"
     " values ('system', 'customer_created')", {}),
    ("valid_actor_type", "insert into billing_audit_log (actor_type, action)"
     " values ('robot', 'BILLING_X')", {}),
]


@pytest.mark.parametrize(("constraint", "sql", "params"), BAD_ROWS,
                         ids=[f"{c}-{i}" for i, (c, _, _) in enumerate(BAD_ROWS)])
def test_check_constraint_rejects_bad_row(admin_conn, customer, constraint, sql, params):
    with pytest.raises(psycopg.errors.CheckViolation) as info:
        admin_conn.execute(sql, {"c": customer, **params})
    assert info.value.diag.constraint_name == constraint


def test_a_good_invoice_row_is_accepted(admin_conn, customer):
    admin_conn.execute(INVOICE_INSERT, {"c": customer, **GOOD_INVOICE})


def test_second_regular_invoice_for_the_same_period_is_refused(admin_conn, customer):
    admin_conn.execute(INVOICE_INSERT, {"c": customer, **GOOD_INVOICE})
    with pytest.raises(psycopg.errors.UniqueViolation):
        admin_conn.execute(INVOICE_INSERT, {"c": customer, **GOOD_INVOICE})


def test_customer_email_is_unique_ignoring_case(admin_conn, customer):
    with pytest.raises(psycopg.errors.UniqueViolation):
        admin_conn.execute("insert into billing_customers (customer_name, customer_email)"
                           " values ('Clinic C', 'C@Clinic.test')")
