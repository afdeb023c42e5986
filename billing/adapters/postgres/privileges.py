"""What the API roles may do with billing objects, and what a database grants beyond it.

``INTENDED`` is the whole of what ``authenticated`` is meant to hold on billing
objects (``anon`` nothing at all). ``exposures(conn)`` lists every privilege the
database actually grants beyond that — through direct grants, ``PUBLIC`` or
default privileges — plus default ACLs that would hand future objects to the API
roles. ``billing migrate --check`` reports them, and a test fails on any, so a
new table that skips the revoke-then-grant convention is caught.
"""
from __future__ import annotations

from typing import Any

from billing.adapters.postgres.sessions import Connection

ALL_COLUMNS = "*"
API_ROLES = ("anon", "authenticated")
TABLE_PRIVILEGES = ("SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER")
COLUMN_PRIVILEGES = ("SELECT", "INSERT", "UPDATE", "REFERENCES")
SEQUENCE_PRIVILEGES = ("USAGE", "SELECT", "UPDATE")

#: Where billing objects live and how their names start (tables, sequences, functions).
BILLING_OBJECTS_SQL = (
    "n.nspname = 'public' and (c.relname like 'billing\\_%' or c.relname like 'invoice\\_%'"
    " or c.relname like 'usage\\_%' or c.relname = 'fx_rates')"
)

_CUSTOMER_COLUMNS = frozenset({
    "customer_name", "customer_email", "stripe_customer_id", "stripe_link_status",
    "stripe_last_error", "markup_percentage", "auto_invoice_enabled", "billing_contact_name",
    "billing_address", "phone_number", "tax_id", "notes"})
_SETTINGS_COLUMNS = frozenset({
    "stripe_api_key_encrypted", "stripe_api_key_hint", "stripe_publishable_key",
    "stripe_test_mode", "stripe_webhook_secret_encrypted", "default_markup_percentage",
    "default_due_date_days", "default_invoice_note", "invoice_footer_text",
    "auto_invoice_enabled", "auto_invoice_enabled_at", "auto_invoice_day_of_month",
    "auto_invoice_time", "auto_send_invoices", "notification_email",
    "notify_on_invoice_generated", "notify_on_payment_received", "billing_time_zone",
    "sms_segment_rules", "updated_by", "payment_reminders_enabled", "payment_reminder_days"})
_READ_ONLY = ("billing_rate_cards", "usage_records", "usage_sync_cursors", "invoice_records",
              "invoice_batches", "invoice_batch_items", "billing_auto_invoice_runs",
              "billing_stripe_events", "billing_notification_outbox", "billing_usage_daily",
              "billing_usage_monthly", "billing_webhook_rejections",
              "billing_reconciliation_runs", "billing_reconciliation_findings",
              "billing_daily_passes", "billing_invoice_reminders")

#: table -> privilege -> ALL_COLUMNS or the columns ``authenticated`` may use.
#: Tables not listed (billing_access_state, billing_rate_limit_events): nothing.
INTENDED: dict[str, dict[str, Any]] = {
    **{table: {"SELECT": ALL_COLUMNS} for table in _READ_ONLY},
    "billing_customers": {"SELECT": ALL_COLUMNS, "DELETE": ALL_COLUMNS,
                          "INSERT": _CUSTOMER_COLUMNS | {"created_by"},
                          "UPDATE": _CUSTOMER_COLUMNS},
    "billing_customer_agents": {"SELECT": ALL_COLUMNS, "DELETE": ALL_COLUMNS,
                                "INSERT": frozenset({"agent_id", "billing_customer_id"}),
                                "UPDATE": frozenset({"billing_customer_id", "created_at"})},
    "billing_settings": {"SELECT": ALL_COLUMNS, "UPDATE": _SETTINGS_COLUMNS},
    "fx_rates": {"SELECT": ALL_COLUMNS,
                 "INSERT": frozenset({"rate_date", "source", "usd_cad", "observed_on"})},
    "billing_audit_log": {"SELECT": ALL_COLUMNS, "INSERT": frozenset({
        "actor_type", "actor_id", "action", "severity", "resource_type", "resource_id",
        "details"})},
}
#: Billing functions ``authenticated`` may execute (RLS policies call them).
INTENDED_FUNCTIONS = frozenset({"billing_is_admin"})


def _intended(role: str, table: str, privilege: str, column: str | None) -> bool:
    if role != "authenticated":
        return False
    allowed = INTENDED.get(table, {}).get(privilege)
    if allowed == ALL_COLUMNS:
        return True
    return column is not None and allowed is not None and column in allowed


def table_exposures(conn: Connection) -> list[str]:
    """Table, column and sequence privileges of anon/authenticated beyond ``INTENDED``."""
    found: list[str] = []
    rels = conn.execute(
        "select c.oid, c.relname, c.relkind from pg_class c"
        " join pg_namespace n on n.oid = c.relnamespace"
        f" where c.relkind in ('r', 'p', 'v', 'm', 'S') and {BILLING_OBJECTS_SQL}"
        " order by c.relname").fetchall()
    for rel in rels:
        oid, name, kind = rel["oid"], rel["relname"], rel["relkind"]
        for role in API_ROLES:
            if kind == "S":
                found += [f"{role}: {p} on sequence {name}" for p in SEQUENCE_PRIVILEGES
                          if _has(conn, "has_sequence_privilege(%s, %s::oid, %s)", role, oid, p)]
                continue
            found += _relation_exposures(conn, role, oid, name)
    return found


def _relation_exposures(conn: Connection, role: str, oid: int, name: str) -> list[str]:
    found: list[str] = []
    for privilege in TABLE_PRIVILEGES:
        whole = _has(conn, "has_table_privilege(%s, %s::oid, %s)", role, oid, privilege)
        if whole and not _intended(role, name, privilege, None):
            found.append(f"{role}: {privilege} on table {name}")
        if whole or privilege not in COLUMN_PRIVILEGES:
            continue
        columns = conn.execute(
            "select attname from pg_attribute where attrelid = %s and attnum > 0"
            " and not attisdropped and has_column_privilege(%s, %s, attnum, %s)"
            " order by attnum", [oid, role, oid, privilege]).fetchall()
        extra = [c["attname"] for c in columns
                 if not _intended(role, name, privilege, c["attname"])]
        if extra:
            found.append(f"{role}: {privilege} ({', '.join(extra)}) on table {name}")
    return found


def function_exposures(conn: Connection) -> list[str]:
    """Billing functions anon may execute, or authenticated beyond ``INTENDED_FUNCTIONS``."""
    rows = conn.execute(
        "select p.oid::regprocedure::text as signature, p.proname, r.role"
        " from pg_proc p join pg_namespace n on n.oid = p.pronamespace"
        " cross join unnest(%s::text[]) r (role)"
        " where n.nspname = 'public' and p.proname like 'billing\\_%%'"
        " and has_function_privilege(r.role, p.oid, 'EXECUTE') order by 1, 3",
        [list(API_ROLES)]).fetchall()
    return [f"{r['role']}: EXECUTE on function {r['signature']}" for r in rows
            if r["role"] == "anon" or r["proname"] not in INTENDED_FUNCTIONS]


def default_acl_exposures(conn: Connection) -> list[str]:
    """Default privileges that would grant future objects to anon or authenticated."""
    rows = conn.execute(
        "select pg_get_userbyid(d.defaclrole) as owner, coalesce(n.nspname, '(all schemas)')"
        " as schema, d.defaclobjtype as kind, a.privilege_type, pg_get_userbyid(a.grantee)"
        " as grantee from pg_default_acl d left join pg_namespace n on n.oid = d.defaclnamespace"
        " cross join aclexplode(d.defaclacl) a"
        " where a.grantee in (select oid from pg_roles where rolname = any(%s))"
        " order by 1, 2, 3, 5, 4", [list(API_ROLES)]).fetchall()
    kinds = {"r": "tables", "S": "sequences", "f": "functions", "T": "types", "n": "schemas"}
    return [f"default privileges of {r['owner']} in {r['schema']}: {r['privilege_type']} on"
            f" new {kinds.get(r['kind'], r['kind'])} to {r['grantee']}" for r in rows]


def exposures(conn: Connection) -> list[str]:
    """Every privilege on existing billing objects that the API roles should not hold."""
    return table_exposures(conn) + function_exposures(conn)


def _has(conn: Connection, expression: str, *params: Any) -> bool:
    row = conn.execute(f"select {expression} as ok", list(params)).fetchone()
    return bool(row["ok"] if isinstance(row, dict) else row[0])
