"""Daily MFA verification over HTTP with a controlled clock: replay, the ±1
step window, lockout, and "today" in America/Toronto."""
from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from psycopg.rows import dict_row

from billing.adapters.clock import ManualClock
from billing.usecases.access import end_of_local_day

TORONTO = ZoneInfo("America/Toronto")
# 12:00:10 local: 10 s into a 30-second step, so ±1 step stays on the same day.
START = datetime(2026, 11, 27, 12, 0, 10, tzinfo=TORONTO)
VERIFY = "/api/billing/mfa/verify"
GATED = "/api/billing/customers"


@pytest.fixture
def api_clock():
    return ManualClock(START)


@pytest.fixture
def user(personas):
    return personas.create("super_user")


def verify(api, persona, code):
    return api.post(VERIFY, json={"code": code}, headers=persona.headers)


def now(api_deps) -> datetime:
    return api_deps.clock.now()


def mfa_audit(admin_conn):
    return admin_conn.cursor(row_factory=dict_row).execute(
        "select action, details from billing_audit_log where action like 'BILLING_MFA%'"
        " order by id").fetchall()


def test_a_correct_code_opens_billing_admin_until_local_midnight(api, api_deps, user,
                                                                admin_conn):
    assert api.get(GATED, headers=user.headers).json()["code"] == "mfa_verification_required"
    resp = verify(api, user, user.code(now(api_deps)))
    assert resp.status_code == 200
    assert resp.json() == {"verified": True, "verified_until": "2026-11-28T05:00:00Z"}
    assert api.get(GATED, headers=user.headers).status_code == 200
    assert mfa_audit(admin_conn) == [{"action": "BILLING_MFA_VERIFIED",
                                      "details": {"valid_until": "2026-11-28T05:00:00+00:00"}}]


def test_a_code_is_never_accepted_twice(api, api_deps, user, admin_conn):
    code = user.code(now(api_deps))
    assert verify(api, user, code).status_code == 200
    api_deps.clock.advance(seconds=5)
    replay = verify(api, user, code)
    assert replay.status_code == 422
    assert replay.json()["code"] == "mfa_code_invalid"
    assert replay.json()["attempts_remaining"] == 4
    assert mfa_audit(admin_conn)[-1]["details"] == {"reason": "replayed_code", "count": 1}


def test_an_older_step_is_refused_after_a_newer_one_was_used(api, api_deps, user):
    assert verify(api, user, user.code(now(api_deps), steps=1)).status_code == 200
    assert verify(api, user, user.code(now(api_deps))).status_code == 422


@pytest.mark.parametrize(("steps", "status"), [(-1, 200), (0, 200), (1, 200), (-2, 422),
                                               (2, 422)])
def test_one_step_either_side_is_accepted(api, api_deps, user, steps, status):
    assert verify(api, user, user.code(now(api_deps), steps=steps)).status_code == status


def test_five_failures_in_fifteen_minutes_lock_verification_for_fifteen_minutes(
        api, api_deps, personas, user, admin_conn):
    remaining = []
    for _ in range(4):
        body = verify(api, user, "000000").json()
        remaining.append(body["attempts_remaining"])
        api_deps.clock.advance(minutes=1)
    assert remaining == [4, 3, 2, 1]
    locked = verify(api, user, "000000")
    assert (locked.status_code, locked.json()["code"]) == (429, "mfa_locked")
    assert locked.headers["Retry-After"] == "900"
    api_deps.clock.advance(minutes=10)
    still = verify(api, user, user.code(now(api_deps)))
    assert (still.status_code, still.headers["Retry-After"]) == (429, "300")
    api_deps.clock.advance(minutes=5)
    personas.sign_in_again(user)
    assert verify(api, user, user.code(now(api_deps))).status_code == 200
    reasons = [row["details"]["reason"] for row in mfa_audit(admin_conn)[:-1]]
    assert reasons == ["invalid_code"] * 4 + ["locked", "locked"]


def test_failures_older_than_fifteen_minutes_do_not_count(api, api_deps, personas, user):
    for _ in range(4):
        verify(api, user, "000000")
    api_deps.clock.advance(minutes=15, seconds=1)
    personas.sign_in_again(user)
    assert verify(api, user, "000000").json()["attempts_remaining"] == 4


def test_a_success_resets_the_failure_count(api, api_deps, user):
    for _ in range(4):
        verify(api, user, "000000")
    assert verify(api, user, user.code(now(api_deps))).status_code == 200
    assert verify(api, user, "000000").json()["attempts_remaining"] == 4


def test_verified_at_2359_is_not_valid_at_midnight_toronto(api, api_deps, personas, user):
    api_deps.clock.set(datetime(2026, 11, 27, 23, 59, 0, tzinfo=TORONTO))
    personas.sign_in_again(user)
    assert verify(api, user, user.code(now(api_deps))).status_code == 200
    api_deps.clock.set(datetime(2026, 11, 27, 23, 59, 59, tzinfo=TORONTO))
    assert api.get(GATED, headers=user.headers).status_code == 200
    api_deps.clock.set(datetime(2026, 11, 28, 0, 0, 0, tzinfo=TORONTO))
    refused = api.get(GATED, headers=user.headers)
    assert (refused.status_code, refused.json()["code"]) == (403, "mfa_verification_required")


@pytest.mark.parametrize(("local", "expires_utc"), [
    (datetime(2026, 3, 7, 23, 59, tzinfo=TORONTO), datetime(2026, 3, 8, 5, 0)),   # EST
    (datetime(2026, 3, 8, 12, 0, tzinfo=TORONTO), datetime(2026, 3, 9, 4, 0)),    # DST began
    (datetime(2026, 11, 1, 1, 30, fold=1, tzinfo=TORONTO), datetime(2026, 11, 2, 5, 0)),
    (datetime(2026, 11, 27, 19, 30, tzinfo=UTC), datetime(2026, 11, 28, 5, 0)),
])
def test_verification_ends_at_the_next_local_midnight_across_dst(local, expires_utc):
    assert end_of_local_day(local, "America/Toronto") == expires_utc.replace(tzinfo=UTC)


@pytest.mark.parametrize(("kind", "code"), [("staff", "forbidden_role"),
                                            ("su_no_mfa", "mfa_not_enabled"),
                                            ("su_mfa_not_set_up", "mfa_not_enabled")])
def test_only_super_users_with_mfa_set_up_can_verify(api, api_deps, personas, kind, code):
    persona = personas.create(kind)
    resp = verify(api, persona, persona.code(now(api_deps)))
    assert (resp.status_code, resp.json()["code"]) == (403, code)


def test_a_malformed_code_is_a_validation_error_that_does_not_count(api, user):
    resp = verify(api, user, "12345")
    assert (resp.status_code, resp.json()["code"]) == (422, "validation_failed")
    assert verify(api, user, "000000").json()["attempts_remaining"] == 4


def test_an_unreadable_secret_is_a_503_without_details(api, api_deps, user, admin_conn):
    admin_conn.execute("update user_settings set fresh_mfa_secret = 'v1:k9:AAAA'"
                       " where user_id = %s", [user.user_id])
    resp = verify(api, user, user.code(now(api_deps)))
    assert (resp.status_code, resp.json()["code"]) == (503, "mfa_secret_unreadable")


def test_every_refused_attempt_is_audited_even_over_the_per_minute_limit(api, user,
                                                                         admin_conn):
    statuses = [verify(api, user, "000000").status_code for _ in range(12)]
    assert statuses == [422] * 4 + [429] * 8
    rows = mfa_audit(admin_conn)
    assert [r["details"]["reason"] for r in rows] == (
        ["invalid_code"] * 4 + ["locked"] * 6 + ["rate_limited"] * 2)
    assert all(r["action"] == "BILLING_MFA_FAILED" for r in rows)
    assert rows[-1]["details"]["retry_after"] > 0


def test_an_unreadable_secret_is_audited_as_a_refused_attempt(api, api_deps, user, admin_conn):
    admin_conn.execute("update user_settings set fresh_mfa_secret = 'v1:k9:AAAA'"
                       " where user_id = %s", [user.user_id])
    verify(api, user, user.code(now(api_deps)))
    assert mfa_audit(admin_conn) == [{"action": "BILLING_MFA_FAILED",
                                      "details": {"reason": "mfa_secret_unreadable"}}]


class TestPlainBase32Secrets:
    @pytest.fixture
    def api_settings(self, api_settings):
        return api_settings.model_copy(update={"billing_mfa_secret_format": "plain-base32"})

    def test_a_secret_stored_unencrypted_verifies_with_the_plain_base32_format(
            self, api, api_deps, user, admin_conn):
        admin_conn.execute("update user_settings set fresh_mfa_secret = %s where user_id = %s",
                           [user.totp_secret, user.user_id])
        assert verify(api, user, user.code(now(api_deps))).status_code == 200

    def test_a_sealed_secret_is_unreadable_as_plain_base32(self, api, api_deps, user):
        resp = verify(api, user, user.code(now(api_deps)))
        assert (resp.status_code, resp.json()["code"]) == (503, "mfa_secret_unreadable")
