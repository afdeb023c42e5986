"""The app under a transaction pooler (PgBouncer in transaction mode, as Supabase's
6543): a prepared statement does not survive from one transaction to the next, and
the app's pool never prepares, so it works there. The session's PgBouncer is used
when ``BILLING_TEST_PGBOUNCER=1`` (``make test-pooler``), else this module starts one."""
from __future__ import annotations

import psycopg
import pytest

from billing.adapters.postgres.sessions import Database
from tests.fixtures.pgbouncer import PgBouncer

QUERY = "select count(*) as n from billing_customers where customer_name <> %s"


@pytest.fixture(scope="module")
def pooler(pg_server):
    """The base URL of a PgBouncer in transaction mode in front of the test cluster."""
    if pg_server.pooled_url is not None:
        yield pg_server.pooled_url
        return
    bouncer = PgBouncer(pg_server.admin_url, pool_size=4).start()
    try:
        yield bouncer.url
    finally:
        bouncer.stop()


@pytest.fixture
def pooled_url(pooler, db_name):
    return f"{pooler.rpartition('/')[0]}/{db_name}"


def test_a_prepared_statement_is_lost_when_the_next_transaction_gets_another_server(
        pooled_url):
    with psycopg.connect(pooled_url, autocommit=True, prepare_threshold=0) as a, \
            psycopg.connect(pooled_url, autocommit=True) as b:
        a.execute(QUERY, ["x"])  # prepared on the one idle server connection
        with b.transaction():
            b.execute("select 1")  # b now holds that server connection
            with pytest.raises(psycopg.errors.InvalidSqlStatementName):
                a.execute(QUERY, ["x"])  # a runs on a new server connection


def test_the_app_pool_never_prepares_so_it_works_through_the_pooler(pooled_url):
    database = Database(pooled_url, max_size=2)
    holder = psycopg.connect(pooled_url, autocommit=True)
    try:
        for round_ in range(8):
            with database.system_session("pooler_test") as conn:
                assert conn.prepare_threshold is None
                assert conn.execute(QUERY, ["x"]).fetchone()["n"] == 0
            if round_ % 2 == 0:  # move the next app transaction to another server
                holder.execute("begin")
                holder.execute("select 1")
            else:
                holder.execute("commit")
    finally:
        holder.close()
        database.close()
