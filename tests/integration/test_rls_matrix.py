"""Every billing table × persona × operation is allowed or refused exactly as
the RLS policies and grants say — on a project with today's Supabase defaults
and on one that still has the former default privileges."""
from __future__ import annotations

import json

import psycopg
import pytest

from tests.fixtures.db import PRIVILEGE_VARIANTS, create_user
from tests.integration.rls_tables import (
    ADMIN_ALLOWED,
    SEED_IDS,
    SEED_SQL,
    SERVICE_ALLOWED,
    TABLES,
)

PERSONAS = ["anon", "staff", "su_no_mfa", "su_mfa_not_set_up", "su_not_verified_today",
            "super_user", "service_role"]
OPERATIONS = ["select", "insert", "update", "delete"]
pytestmark = pytest.mark.parametrize("db_name", PRIVILEGE_VARIANTS, indirect=True)


@pytest.fixture
def world(admin_conn):
    for sql in SEED_SQL:
        admin_conn.execute(sql, SEED_IDS)
    not_verified_today = create_user(admin_conn, verified=False)
    admin_conn.execute(
        "insert into billing_access_state (user_id, last_used_step, verified_at, verified_until)"
        " values (%s, 1, now() - interval '1 day 2 hours', now() - interval '2 hours')",
        [not_verified_today])
    return {
        "staff": create_user(admin_conn, role="Staff"),
        "su_no_mfa": create_user(admin_conn, mfa_enabled=False, mfa_setup=False),
        "su_mfa_not_set_up": create_user(admin_conn, mfa_enabled=True, mfa_setup=False),
        "su_not_verified_today": not_verified_today,
        "super_user": create_user(admin_conn),
    }


def expected(persona: str, table: str, op: str) -> bool:
    if persona == "super_user":
        return op in ADMIN_ALLOWED[table]
    if persona == "service_role":
        return op in SERVICE_ALLOWED[table]
    return False


def attempt(conn: psycopg.Connection, persona: str, users: dict, table: str, op: str) -> bool:
    """Run one statement as the persona; True if it took effect (rows seen or changed)."""
    user_id = users.get(persona)
    params = {**SEED_IDS, "uniq": f"probe_{persona}", "actor_id": user_id,
              "actor_type": "user" if user_id else "system"}
    with conn.transaction(force_rollback=True):
        role = {"anon": "anon", "service_role": "service_role"}.get(persona, "authenticated")
        if user_id:
            conn.execute("select set_config('request.jwt.claims', %s, true)",
                         [json.dumps({"sub": user_id, "role": "authenticated"})])
        conn.execute(f"set local role {role}")
        try:
            with conn.transaction():
                cur = conn.execute(TABLES[table][op], params)
                return (len(cur.fetchall()) if op == "select" else cur.rowcount) > 0
        except (psycopg.errors.InsufficientPrivilege, psycopg.errors.CheckViolation):
            return False


def test_every_rls_table_is_in_the_matrix(admin_conn):
    rows = admin_conn.execute(
        "select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace"
        " where n.nspname = 'public' and c.relkind = 'r' and c.relrowsecurity").fetchall()
    assert {r[0] for r in rows} - {"user_settings"} == set(TABLES)


def test_anon_has_no_privilege_on_any_billing_table(admin_conn):
    for table in TABLES:
        for privilege in ("SELECT", "INSERT", "UPDATE", "DELETE"):
            granted = admin_conn.execute(
                "select has_table_privilege('anon', %s, %s)", [table, privilege]).fetchone()[0]
            assert not granted, (table, privilege)


@pytest.mark.parametrize("table", sorted(TABLES))
def test_rls_matrix(world, admin_conn, table):
    outcomes = {
        (persona, op): attempt(admin_conn, persona, world, table, op)
        for persona in PERSONAS for op in OPERATIONS
    }
    wanted = {key: expected(key[0], table, key[1]) for key in outcomes}
    wrong = {k: v for k, v in outcomes.items() if v != wanted[k]}
    assert not wrong, f"{table}: unexpected outcomes (persona, op) -> took effect: {wrong}"


def test_audit_log_refuses_update_and_delete_even_for_the_owner(world, admin_conn):
    for sql in ("update billing_audit_log set action = 'BILLING_X'", "delete from billing_audit_log"):
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="append-only"):
            admin_conn.execute(sql)
    with pytest.raises(psycopg.errors.InsufficientPrivilege, match="append-only"):
        admin_conn.execute("truncate billing_audit_log")


def test_admin_helper_follows_role_mfa_flags_and_todays_verification(world, admin_conn):
    def is_admin(user_id):
        with admin_conn.transaction(force_rollback=True):
            admin_conn.execute("select set_config('request.jwt.claims', %s, true)",
                               [json.dumps({"sub": user_id})])
            admin_conn.execute("set local role authenticated")
            return admin_conn.execute("select billing_is_admin()").fetchone()[0]

    assert is_admin(world["super_user"]) is True
    for persona in ("staff", "su_no_mfa", "su_mfa_not_set_up", "su_not_verified_today"):
        assert is_admin(world[persona]) is False
