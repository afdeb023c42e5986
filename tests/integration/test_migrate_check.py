"""`billing migrate --check`: what a project would still expose, its PostgreSQL
version and the user_settings columns this backend reads — changing nothing."""
from __future__ import annotations

import psycopg
import pytest

from billing.adapters.postgres.platform_check import check_platform
from billing.cli import main
from tests.fixtures.db import FORMER_DEFAULTS, PRIVILEGE_VARIANTS


@pytest.mark.parametrize("db_name", PRIVILEGE_VARIANTS, indirect=True)
def test_a_migrated_project_exposes_nothing(db_url, db_name, capsys):
    assert main(["migrate", "--check", "--database-url", db_url]) == 0
    out = capsys.readouterr().out
    assert "ok: nothing exposed" in out and "PostgreSQL 1" in out


@pytest.mark.parametrize("db_name", [FORMER_DEFAULTS], indirect=True)
def test_default_privileges_that_would_grant_new_objects_are_warned_about(db_url):
    report = check_platform(db_url)
    assert report.ok
    assert any("on new tables to anon" in w for w in report.warnings)


def test_a_grant_to_anon_and_a_column_too_many_for_authenticated_fail_the_check(db_url, capsys):
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute("grant select on billing_customers to anon")
        conn.execute("grant update (invoice_id) on usage_records to authenticated")
        conn.execute("grant execute on function billing_usage_rollup_refresh() to anon")
    assert main(["migrate", "--check", "--database-url", db_url]) == 1
    out = capsys.readouterr().out
    assert "PROBLEM  exposed: anon: SELECT on table billing_customers" in out
    assert "PROBLEM  exposed: authenticated: UPDATE (invoice_id) on table usage_records" in out
    assert "anon: EXECUTE on function billing_usage_rollup_refresh()" in out


def test_user_settings_columns_and_types_are_checked(db_url):
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute("alter table user_settings drop column fresh_mfa_setup_completed")
        conn.execute("alter table user_settings alter column fresh_mfa_enabled type text")
    problems = check_platform(db_url).problems
    assert "user_settings: column fresh_mfa_setup_completed is missing" in problems
    assert "user_settings: column fresh_mfa_enabled is text, expected boolean" in problems


def test_the_check_changes_nothing(db_url):
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute("grant select on billing_customers to anon")
    check_platform(db_url)
    with psycopg.connect(db_url) as conn:
        assert conn.execute("select has_table_privilege('anon', 'billing_customers', 'SELECT')"
                            ).fetchone()[0] is True
