"""Refusals without a valid token cannot flood the audit log: one row per hashed
source, minute and reason with a count; 429 before any write once a source is over
its limit; identified users still get a row per refusal; only the aggregated rows
can be pruned."""
from __future__ import annotations

from datetime import UTC, date, datetime

import psycopg
import pytest
from psycopg.rows import dict_row

from billing.adapters.clock import ManualClock
from billing.bootstrap import use_deps
from billing.cli import main
from billing.domain.errors import RateLimited, Unauthenticated
from billing.usecases.access import authorize
from billing.usecases.access_denials import prune_denials, source_key

ROUTE = "GET /api/billing/customers"
START = datetime(2026, 11, 27, 17, 0, 15, tzinfo=UTC)


@pytest.fixture
def api_clock():
    return ManualClock(START)


def knock(deps, source: str, token: str | None = None) -> Exception:
    """One request without a valid token; the error it got."""
    try:
        authorize(token, deps=deps, level="admin", route=ROUTE, source=source)
    except (Unauthenticated, RateLimited) as exc:
        return exc
    raise AssertionError("admitted without a valid token")


def denial_rows(conn) -> list[dict]:
    return conn.cursor(row_factory=dict_row).execute(
        "select occurred_at, actor_type, details, details::text as raw, aggregate_key"
        " from billing_audit_log where action = 'BILLING_ACCESS_DENIED' order by id").fetchall()


def limit(deps, per_minute: int) -> None:
    deps.settings = deps.settings.model_copy(update={"billing_denials_per_minute": per_minute})


def test_denials_make_one_row_per_source_reason_and_minute_with_a_count(api_deps, admin_conn):
    for _ in range(5):
        knock(api_deps, "203.0.113.5")
    knock(api_deps, "203.0.113.5", "Bearer not-a-jwt")
    knock(api_deps, "198.51.100.7")
    api_deps.clock.advance(minutes=1)
    knock(api_deps, "203.0.113.5")

    rows = denial_rows(admin_conn)
    assert [(r["occurred_at"], r["details"]["count"]) for r in rows] == [
        (datetime(2026, 11, 27, 17, 0, tzinfo=UTC), 6),
        (datetime(2026, 11, 27, 17, 0, tzinfo=UTC), 1),
        (datetime(2026, 11, 27, 17, 1, tzinfo=UTC), 1)]
    assert {r["actor_type"] for r in rows} == {"system"}
    assert {r["details"]["reason"] for r in rows} == {"unauthenticated"}
    assert rows[0]["details"]["source_hash"] == rows[2]["details"]["source_hash"] \
        != rows[1]["details"]["source_hash"]
    assert not any("203.0.113" in r["raw"] or "198.51" in r["raw"] for r in rows)


def test_a_source_over_the_limit_gets_429_before_any_audit_write(api_deps, admin_conn):
    limit(api_deps, 3)
    refusals = [knock(api_deps, "203.0.113.5") for _ in range(5)]
    assert [type(e).__name__ for e in refusals] == ["Unauthenticated"] * 3 + ["RateLimited"] * 2
    assert refusals[-1].retry_after == 45
    assert [r["details"]["count"] for r in denial_rows(admin_conn)] == [3]
    assert isinstance(knock(api_deps, "198.51.100.7"), Unauthenticated)
    api_deps.clock.advance(minutes=1)
    assert isinstance(knock(api_deps, "203.0.113.5"), Unauthenticated)


def test_identified_users_still_get_one_row_per_refusal(api_deps, personas, admin_conn):
    limit(api_deps, 1)
    staff = personas.create("staff")
    for _ in range(3):
        with pytest.raises(Exception) as refused:
            authorize(f"Bearer {staff.token}", deps=api_deps, level="admin", route=ROUTE,
                      source="203.0.113.5")
        assert refused.value.code == "forbidden_role"
    rows = denial_rows(admin_conn)
    assert [(r["actor_type"], r["aggregate_key"], r["details"]) for r in rows] == [
        ("user", None, {"reason": "forbidden_role", "route": ROUTE})] * 3


def test_ipv6_sources_count_by_their_64_network_and_junk_as_unknown():
    assert source_key("2001:db8:1:2:aaaa::1") == source_key("2001:db8:1:2:bbbb::9") \
        == "2001:db8:1:2::/64"
    assert source_key("::ffff:203.0.113.5") == "203.0.113.5"
    assert source_key("not an address") == source_key(None) == "unknown"


def test_the_served_app_answers_429_with_retry_after_and_ignores_spoofed_forwarding(
        api, api_deps):
    limit(api_deps, 2)
    statuses = [api.get("/api/billing/customers",
                        headers={"X-Forwarded-For": f"10.0.0.{i}"}).status_code
                for i in range(3)]
    assert statuses == [401, 401, 429]
    refused = api.get("/api/billing/customers")
    body = refused.json()
    assert refused.headers["Retry-After"] == "45" and body["retry_after_s"] == 45
    assert (body["status"], body["code"]) == (429, "rate_limited")


def aggregated_row(conn, day: int, source: str = "0" * 32) -> None:
    """An aggregated denial row of 12:00 UTC on ``day`` November 2026 (as the gate writes)."""
    conn.execute("select billing_record_access_denial(%s, 'unauthenticated', %s, 100)",
                 [source, datetime(2026, 11, day, 12, tzinfo=UTC)])


def test_prune_deletes_only_aggregated_denial_rows_before_the_date(api_deps, admin_conn,
                                                                    personas, capsys):
    for day in (20, 25, 26):
        aggregated_row(admin_conn, day)
    admin_conn.execute("insert into billing_audit_log (occurred_at, actor_type, action)"
                       " values ('2026-11-01', 'system', 'BILLING_SEED')")

    with use_deps(api_deps):
        assert main(["audit", "prune", "--before", "2026-11-26"]) == 0
    assert "deleted 2 aggregated access-denial row(s) before 2026-11-26" in capsys.readouterr().out

    left = admin_conn.execute("select action, occurred_at, details from billing_audit_log"
                              " order by id").fetchall()
    assert [(a, o.date()) for a, o, _ in left[:2]] == [
        ("BILLING_ACCESS_DENIED", date(2026, 11, 26)), ("BILLING_SEED", date(2026, 11, 1))]
    assert left[2][0] == "BILLING_AUDIT_PRUNED"
    assert left[2][2] == {"count": 2, "before": "2026-11-26", "source": "audit_prune"}


def test_prune_refuses_a_future_date(api_deps):
    with pytest.raises(Exception) as refused:
        prune_denials(api_deps, before=date(2026, 11, 28))
    assert refused.value.code == "invalid_date"


@pytest.mark.parametrize("statement", [
    "delete from billing_audit_log where aggregate_key is null",
    "update billing_audit_log set details = details || '{\"count\": 99}'",
    "update billing_audit_log set occurred_at = now() where aggregate_key is not null",
    "truncate billing_audit_log",
])
def test_the_append_only_trigger_refuses_every_other_change(admin_conn, statement):
    aggregated_row(admin_conn, 20)
    admin_conn.execute("insert into billing_audit_log (actor_type, action)"
                       " values ('system', 'BILLING_SEED')")
    with pytest.raises(psycopg.errors.InsufficientPrivilege, match="append-only"):
        admin_conn.execute(statement)


def test_the_app_roles_cannot_delete_or_update_aggregated_rows_themselves(admin_conn):
    aggregated_row(admin_conn, 20)
    for role in ("service_role", "authenticated"):
        for statement in ("delete from billing_audit_log",
                          "update billing_audit_log set details = '{}'"):
            with admin_conn.transaction(force_rollback=True):
                admin_conn.execute(f"set local role {role}")
                with pytest.raises(psycopg.errors.InsufficientPrivilege):
                    admin_conn.execute(statement)
