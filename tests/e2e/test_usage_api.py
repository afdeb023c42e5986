"""POST /api/billing/usage/sync over real HTTP: the gate, periods, counts and the audit."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest

from billing.adapters.clock import ManualClock
from billing.bootstrap import Deps
from tests.fixtures.auth import auth_settings
from tests.fixtures.db import follow_clock

ROUTE = "/api/billing/usage/sync"
MARCH = {"preset": "custom", "start": "2025-03-01", "end": "2025-03-31"}


@pytest.fixture
def api_settings(db_url, retell_standin):
    return auth_settings(db_url, retell_api_key=retell_standin.api_key,
                         retell_base_url=retell_standin.base_url)


@pytest.fixture
def api_deps(db, api_settings, api_clock, retell_client):
    """The served app's deps, with a Retell client that records its backoff sleeps."""
    follow_clock(db, api_clock)
    return Deps(settings=api_settings, db=db, clock=api_clock, retell_client=retell_client)


@pytest.fixture
def api_clock():
    return ManualClock(datetime(2025, 4, 10, 15, 0, tzinfo=UTC))


def usage_count(conn) -> int:
    return conn.execute("select count(*) from usage_records").fetchone()[0]


def test_an_admin_syncs_a_custom_period_and_gets_its_counts(api, admin_headers, admin_principal,
                                                            admin_conn):
    resp = api.post(ROUTE, json={"period": MARCH}, headers=admin_headers)

    body = resp.json()
    assert resp.status_code == 200, body
    assert (body["period_start"], body["period_end"]) == ("2025-03-01", "2025-03-31")
    assert body["fetched"] == body["inserted"] == usage_count(admin_conn) > 0
    assert (body["updated"], body["unchanged"], body["drift"], body["drift_ids"]) == (0, 0, 0, [])
    assert body["unattributed"]["count"] == body["fetched"]
    assert body["duration_seconds"] >= 0
    entry = admin_conn.execute(
        "select actor_type, actor_id::text, details from billing_audit_log"
        " where action = 'BILLING_USAGE_SYNCED'").fetchone()
    assert entry[:2] == ("user", admin_principal.user_id)
    assert entry[2]["inserted"] == body["inserted"]


def test_the_previous_month_is_synced_when_no_period_is_given(api, admin_headers):
    first = api.post(ROUTE, json={}, headers=admin_headers).json()
    again = api.post(ROUTE, json={"period": {"preset": "previous_month"}},
                     headers=admin_headers).json()

    assert (first["period_start"], first["period_end"]) == ("2025-03-01", "2025-03-31")
    assert again["unchanged"] == first["inserted"] > 0 and again["inserted"] == 0


def test_without_a_token_nothing_is_synced(api, retell_standin, admin_conn):
    resp = api.post(ROUTE, json={"period": MARCH})

    assert resp.status_code == 401
    assert usage_count(admin_conn) == 0 and retell_standin.requests == []


@pytest.mark.parametrize("period", [
    {"preset": "custom", "start": "2025-03-31", "end": "2025-03-01"},
    {"preset": "custom", "start": "2025-03-01"},
    {"preset": "last_year"},
])
def test_an_invalid_period_is_refused_with_422(api, admin_headers, period, admin_conn):
    resp = api.post(ROUTE, json={"period": period}, headers=admin_headers)

    assert resp.status_code == 422
    assert resp.headers["content-type"].startswith("application/problem+json")
    assert usage_count(admin_conn) == 0


def test_retell_unavailable_is_a_503_with_retry_after(api, admin_headers, retell_standin,
                                                      retell_sleeps):
    retell_standin.inject_fault(503, count=1000)

    resp = api.post(ROUTE, json={"period": MARCH}, headers=admin_headers)

    assert len(retell_sleeps) == 5

    assert resp.status_code == 503
    assert resp.json()["code"] == "retell_unavailable"
    assert int(resp.headers["Retry-After"]) >= 1
