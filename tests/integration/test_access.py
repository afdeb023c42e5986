"""The access gate, called as the HTTP layer calls it: order of the rules, the
audit trail of refusals and of the first admin request of the day, and the
status the SPA reads to show the menu."""
from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from psycopg.rows import dict_row

from billing.adapters.clock import ManualClock
from billing.domain.errors import BillingError
from billing.usecases.access import access_status, authorize

ROUTE = "GET /api/billing/customers"
NOON_TORONTO = datetime(2026, 11, 27, 17, 0, tzinfo=UTC)


@pytest.fixture
def api_clock():
    return ManualClock(NOON_TORONTO)


def gate(deps, persona_or_header, level="admin"):
    header = persona_or_header if isinstance(persona_or_header, str | None) \
        else f"Bearer {persona_or_header.token}"
    return authorize(header, deps=deps, level=level, route=ROUTE)


def refusal(deps, who, level="admin") -> BillingError:
    with pytest.raises(BillingError) as err:
        gate(deps, who, level)
    return err.value


def audit_rows(conn, action):
    return conn.cursor(row_factory=dict_row).execute("select actor_type, actor_id::text, details, details::text as raw"
                        " from billing_audit_log where action = %s order by id",
                        [action]).fetchall()


@pytest.mark.parametrize(("kind", "code"), [
    ("staff", "forbidden_role"),
    ("su_no_mfa", "mfa_not_enabled"),
    ("su_mfa_not_set_up", "mfa_not_enabled"),
    ("super_user", "mfa_verification_required"),
])
def test_each_rule_refuses_with_its_own_code(api_deps, personas, kind, code):
    assert refusal(api_deps, personas.create(kind)).code == code


def test_mfa_not_enabled_tells_the_spa_where_to_go(api_deps, personas):
    err = refusal(api_deps, personas.create("su_no_mfa"))
    assert err.detail == "MFA is required to access Billing Admin"
    assert err.extra == {"redirect": "/mfa-setup", "returnUrl": "/admin/billing"}


def test_verified_super_user_passes_with_rls_claims(api_deps, personas):
    persona = personas.create("verified")
    principal = gate(api_deps, persona)
    assert principal.user_id == persona.user_id and principal.role == "Super User"
    assert principal.rls_claims["sub"] == persona.user_id
    assert principal.rls_claims["role"] == "authenticated"


def test_allow_list_is_checked_after_mfa_setup_and_before_daily_verification(api_deps, personas):
    listed, unlisted = personas.create("verified"), personas.create("super_user")
    api_deps.settings = api_deps.settings.model_copy(
        update={"billing_allowed_user_ids": f" {listed.user_id.upper()} ,"})
    assert gate(api_deps, listed).user_id == listed.user_id
    assert refusal(api_deps, unlisted).code == "not_allow_listed"
    assert refusal(api_deps, personas.create("staff")).code == "forbidden_role"


def test_token_level_only_needs_a_valid_token(api_deps, personas, admin_conn):
    staff = personas.create("staff")
    assert gate(api_deps, staff, "token").role == "Staff"
    stranger = str(uuid.uuid4())
    assert gate(api_deps, f"Bearer {personas.token(stranger)}", "token").role == ""
    assert refusal(api_deps, None, "token").code == "unauthenticated"
    assert refusal(api_deps, f"Bearer {personas.token(stranger)}").code == "forbidden_role"


def test_every_refusal_is_audited_with_reason_and_route_and_never_the_token(
        api_deps, personas, admin_conn):
    staff = personas.create("staff")
    expired = personas.expired_token(staff.user_id)
    refusal(api_deps, staff)
    refusal(api_deps, f"Bearer {expired}")
    rows = audit_rows(admin_conn, "BILLING_ACCESS_DENIED")
    source_hash = rows[1]["details"].pop("source_hash")
    assert [(r["actor_type"], r["actor_id"], r["details"]) for r in rows] == [
        ("user", staff.user_id, {"reason": "forbidden_role", "route": ROUTE}),
        ("system", None, {"reason": "unauthenticated", "count": 1, "source": "access_gate"}),
    ]
    assert re.fullmatch(r"[0-9a-f]{32}", source_hash)
    assert all(staff.token not in r["raw"] and expired not in r["raw"] for r in rows)


def test_first_admin_request_of_each_local_day_is_audited_once(api_deps, personas, admin_conn):
    persona = personas.create("verified")
    for _ in range(3):
        gate(api_deps, persona)
    assert len(audit_rows(admin_conn, "BILLING_ADMIN_ACCESS")) == 1
    api_deps.clock.advance(days=1)
    personas.sign_in_again(persona)
    personas.verify(persona)
    gate(api_deps, persona)
    rows = audit_rows(admin_conn, "BILLING_ADMIN_ACCESS")
    assert len(rows) == 2 and rows[1]["details"] == {"route": ROUTE}


def test_access_status_for_the_menu(api_deps, personas):
    def status(kind):
        persona = personas.create(kind)
        return access_status(persona.principal, deps=api_deps)

    staff, no_mfa, unverified, verified = (status(k) for k in
                                           ("staff", "su_no_mfa", "super_user", "verified"))
    assert (staff.allowed, staff.reason, staff.menu_visible) == (False, "forbidden_role", False)
    assert (no_mfa.mfa_enabled, no_mfa.menu_visible) == (False, False)
    assert (unverified.allowed, unverified.reason) == (False, "mfa_verification_required")
    assert unverified.menu_visible and unverified.verified_until is None
    assert verified.allowed and verified.menu_visible and verified.reason is None
    assert verified.verified_until == datetime(2026, 11, 28, 5, 0, tzinfo=UTC)
    api_deps.clock.advance(hours=12)
    assert access_status(personas.create("verified").principal, deps=api_deps).allowed


def test_access_status_reports_an_active_lockout(api_deps, personas, admin_conn):
    persona = personas.create("super_user")
    until = NOON_TORONTO + timedelta(minutes=10)
    admin_conn.execute("insert into billing_access_state (user_id, locked_until)"
                       " values (%s, %s)", [persona.user_id, until])
    assert access_status(persona.principal, deps=api_deps).locked_until == until
