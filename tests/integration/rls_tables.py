"""What the RLS matrix knows about each billing table: how to seed one row,
and the statements each persona attempts. Add a table here when a migration
adds one; the matrix test fails for any RLS-enabled public table missing here."""
from __future__ import annotations

SEED_IDS = {
    "customer": "11111111-1111-1111-1111-111111111111",
    "invoice": "22222222-2222-2222-2222-222222222222",
}

SEED_SQL = [
    "insert into billing_customers (id, customer_name, customer_email)"
    " values (%(customer)s, 'Seed Clinic', 'seed@clinic.test')",
    "insert into billing_customer_agents (agent_id, billing_customer_id)"
    " values ('agent_seed', %(customer)s)",
    "insert into invoice_records (id, billing_customer_id, billing_period_start,"
    " billing_period_end, subtotal_cad, total_amount_cad)"
    " values (%(invoice)s, %(customer)s, '2026-10-01', '2026-10-31', 10, 10)",
    "insert into billing_audit_log (actor_type, action) values ('system', 'BILLING_SEED')",
]

# table -> {operation: sql}. Statements may use %(customer)s, %(invoice)s, %(uniq)s.
TABLES: dict[str, dict[str, str]] = {
    "billing_customers": {
        "select": "select id from billing_customers",
        "insert": "insert into billing_customers (customer_name, customer_email)"
                  " values ('New Clinic', %(uniq)s || '@clinic.test')",
        "update": "update billing_customers set notes = 'n' where id = %(customer)s",
        "delete": "delete from billing_customers where id = %(customer)s",
    },
    "billing_customer_agents": {
        "select": "select agent_id from billing_customer_agents",
        "insert": "insert into billing_customer_agents (agent_id, billing_customer_id)"
                  " values (%(uniq)s, %(customer)s)",
        "update": "update billing_customer_agents set created_at = now()"
                  " where agent_id = 'agent_seed'",
        "delete": "delete from billing_customer_agents where agent_id = 'agent_seed'",
    },
    "invoice_records": {
        "select": "select id from invoice_records",
        "insert": "insert into invoice_records (billing_customer_id, billing_period_start,"
                  " billing_period_end, subtotal_cad, total_amount_cad, supplementary)"
                  " values (%(customer)s, '2026-09-01', '2026-09-30', 1, 1, true)",
        "update": "update invoice_records set invoice_number = 'X' where id = %(invoice)s",
        "delete": "delete from invoice_records where id = %(invoice)s",
    },
    "billing_settings": {
        "select": "select id from billing_settings",
        "insert": "insert into billing_settings (id) values (true)"
                  " on conflict (id) do update set auto_invoice_time = '01:00'",
        "update": "update billing_settings set default_due_date_days = 15",
        "delete": "delete from billing_settings",
    },
    "billing_audit_log": {
        "select": "select id from billing_audit_log",
        "insert": "insert into billing_audit_log (actor_type, actor_id, action)"
                  " values (%(actor_type)s, %(actor_id)s, 'BILLING_PROBE')",
        "update": "update billing_audit_log set details = '{}'",
        "delete": "delete from billing_audit_log",
    },
}

ALL = {"select", "insert", "update", "delete"}
ADMIN_ONLY_READ_APPEND = {"select", "insert"}

# table -> operations allowed for a billing admin / for service_role
ADMIN_ALLOWED: dict[str, set[str]] = {
    "billing_customers": ALL,
    "billing_customer_agents": ALL,
    "invoice_records": ALL,
    "billing_settings": {"select", "update"},
    "billing_audit_log": ADMIN_ONLY_READ_APPEND,
}
SERVICE_ALLOWED: dict[str, set[str]] = {
    "billing_customers": ALL,
    "billing_customer_agents": ALL,
    "invoice_records": ALL,
    "billing_settings": {"select", "insert", "update"},
    "billing_audit_log": ADMIN_ONLY_READ_APPEND,
}
