"""infra/supabase/billing_app_role.sql: the app's login role can act as
authenticated and as service_role, and holds nothing by itself."""
from __future__ import annotations

import subprocess

import psycopg
import pytest

from billing.adapters.postgres.migrations import ROOT
from billing.adapters.postgres.sessions import Database
from billing.local.cluster import find_bindir
from tests.fixtures.db import create_user

SCRIPT = ROOT / "billing_app_role.sql"


def run_script(url: str) -> str:
    result = subprocess.run(
        [str(find_bindir() / "psql"), url, "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1",
         "-v", "billing_app_password=not-a-real-password", "-f", str(SCRIPT)],
        capture_output=True, text=True, check=True)
    return result.stdout.strip()


@pytest.fixture
def app_url(db_url):
    assert run_script(db_url) == "t|t|f"
    assert run_script(db_url) == "t|t|f"  # re-running is safe
    return db_url.replace("://postgres@", "://billing_app@")


def test_the_app_works_as_billing_app(app_url, admin_conn):
    user = create_user(admin_conn)
    database = Database(app_url, max_size=1)
    try:
        with database.user_session({"sub": user}) as conn:
            assert conn.execute("select billing_is_admin() as ok").fetchone()["ok"] is True
        with database.system_session("role_test") as conn:
            assert conn.execute("select count(*) as n from billing_access_state"
                                ).fetchone()["n"] == 1
    finally:
        database.close()


def test_billing_app_holds_nothing_without_switching_role(app_url):
    with psycopg.connect(app_url, autocommit=True) as conn:
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("select count(*) from billing_customers")
        assert conn.execute("select rolbypassrls or rolsuper from pg_roles"
                            " where rolname = current_user").fetchone()[0] is False
