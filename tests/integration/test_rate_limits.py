"""Rate limits held in PostgreSQL: sliding windows per user and action, shared by
every instance, refusing with Retry-After."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from billing.adapters.clock import ManualClock
from billing.domain.errors import RateLimited
from billing.usecases.rate_limits import enforce_rate_limit
from tests.fixtures.db import create_user

T0 = datetime(2026, 11, 27, 15, 0, tzinfo=UTC)


@pytest.fixture
def api_clock():
    return ManualClock(T0)


def hit(db, user_id, at, *, action="mutation", limit=3, window=60):
    with db.system_session("test") as conn:
        enforce_rate_limit(conn, user_id=user_id, action=action, limit=limit,
                           window_seconds=window, now=at)


def test_the_limit_refuses_with_the_wait_until_the_oldest_event_leaves_the_window(db,
                                                                                 admin_conn):
    user = create_user(admin_conn)
    for second in (0, 10, 20):
        hit(db, user, T0 + timedelta(seconds=second))
    with pytest.raises(RateLimited) as err:
        hit(db, user, T0 + timedelta(seconds=30))
    assert (err.value.code, err.value.retry_after) == ("rate_limited", 30)
    hit(db, user, T0 + timedelta(seconds=60, microseconds=1))


def test_refused_requests_are_not_counted(db, admin_conn):
    user = create_user(admin_conn)
    for _ in range(3):
        hit(db, user, T0)
    for _ in range(5):
        with pytest.raises(RateLimited):
            hit(db, user, T0 + timedelta(seconds=59))
    hit(db, user, T0 + timedelta(seconds=61))


def test_users_and_actions_are_counted_separately(db, admin_conn):
    alice, bob = create_user(admin_conn), create_user(admin_conn)
    for _ in range(3):
        hit(db, alice, T0)
    hit(db, bob, T0)
    hit(db, alice, T0, action="export")
    with pytest.raises(RateLimited):
        hit(db, alice, T0)


def test_old_events_are_pruned(db, admin_conn):
    user = create_user(admin_conn)
    for minute in range(5):
        hit(db, user, T0 + timedelta(minutes=minute))
    count = admin_conn.execute("select count(*) from billing_rate_limit_events"
                               " where user_id = %s", [user]).fetchone()[0]
    assert count == 1


def test_exports_over_http_are_limited_to_twenty_a_minute(api, admin_headers, api_deps):
    statuses = [api.get("/api/billing/customers/export.csv", headers=admin_headers).status_code
                for _ in range(21)]
    assert statuses == [200] * 20 + [429]
    refused = api.get("/api/billing/customers/export.csv", headers=admin_headers)
    assert refused.json()["code"] == "rate_limited"
    assert refused.headers["Retry-After"] == "60"
    api_deps.clock.advance(seconds=61)
    assert api.get("/api/billing/customers/export.csv", headers=admin_headers).status_code == 200
