"""Least privilege whatever the project's defaults: anon can use no billing object,
authenticated holds exactly ``privileges.INTENDED``, the migrations table is out of
the API's reach — with today's Supabase defaults and with the former ones.

A migration (from any branch) that creates a billing object without the
revoke-then-grant convention fails ``test_no_billing_object_is_exposed...`` on a
project with the former default privileges."""
from __future__ import annotations

import psycopg
import pytest

from billing.adapters.postgres import privileges
from tests.fixtures.db import FORMER_DEFAULTS, PRIVILEGE_VARIANTS

CAREXPS_TABLES = {"user_settings"}  # infra/supabase/local/: CareXPS's, not ours

pytestmark = pytest.mark.parametrize("db_name", PRIVILEGE_VARIANTS, indirect=True)


@pytest.fixture
def conn(db_url):
    with psycopg.connect(db_url, autocommit=True, row_factory=psycopg.rows.dict_row) as c:
        yield c


def test_no_billing_object_is_exposed_beyond_what_the_api_needs(conn):
    assert privileges.exposures(conn) == []


def test_every_table_in_public_is_named_as_a_billing_object(conn):
    rows = conn.execute(
        "select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace"
        " where c.relkind in ('r', 'p', 'v', 'm', 'S') and n.nspname = 'public'"
        f" and not ({privileges.BILLING_OBJECTS_SQL})").fetchall()
    assert {r["relname"] for r in rows} - CAREXPS_TABLES == set()


def test_no_billing_function_is_executable_by_anon(conn):
    rows = conn.execute(
        "select p.proname from pg_proc p join pg_namespace n on n.oid = p.pronamespace"
        " where n.nspname = 'public' and p.proname like 'billing\\_%'"
        " and has_function_privilege('anon', p.oid, 'EXECUTE')").fetchall()
    assert rows == []
    with conn.transaction(force_rollback=True):
        conn.execute("set local role anon")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("select public.billing_usage_rollup_refresh()")


def test_authenticated_cannot_truncate_or_rewrite_usage(conn):
    with conn.transaction(force_rollback=True):
        conn.execute("set local role authenticated")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("truncate usage_records")
    with conn.transaction(force_rollback=True):
        conn.execute("set local role authenticated")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("update usage_records set invoice_id = null")


def test_the_migrations_table_is_out_of_reach_of_the_api_roles(conn):
    assert conn.execute("select to_regclass('public.billing_schema_migrations') as t"
                        ).fetchone()["t"] is None
    for role in ("anon", "authenticated", "service_role"):
        row = conn.execute(
            "select has_schema_privilege(%s, 'billing_private', 'USAGE') as schema_usage,"
            " has_table_privilege(%s, 'billing_private.billing_schema_migrations', 'SELECT')"
            " as can_read", [role, role]).fetchone()
        assert row == {"schema_usage": False, "can_read": False}, role


def test_a_table_added_without_revoking_is_caught_under_the_former_defaults(conn):
    with conn.transaction(force_rollback=True):
        conn.execute("create table public.billing_probe (id int)")
        found = privileges.exposures(conn)
    if _variant_of(conn) == FORMER_DEFAULTS:
        assert "anon: SELECT on table billing_probe" in found
        assert "authenticated: TRUNCATE on table billing_probe" in found
    else:
        assert found == []


def test_default_acls_that_would_grant_new_objects_are_reported(conn):
    found = privileges.default_acl_exposures(conn)
    if _variant_of(conn) == FORMER_DEFAULTS:
        assert any("on new tables to anon" in line for line in found)
        assert any("on new functions to authenticated" in line for line in found)
    else:
        assert found == []


def _variant_of(conn) -> str:
    """Which template the test database came from (recorded by the migration runner)."""
    row = conn.execute("select count(*) as n from billing_private.billing_schema_migrations"
                       " where name like 'local/switches/%'").fetchone()
    return FORMER_DEFAULTS if row["n"] else "supabase_defaults"
