"""Every gated route in the app × every kind of caller, over real HTTP: the
exact status and problem code of each refusal, and its audit trail (a row per
refusal of an identified user; one more in the per-source count of refusals
without a valid token), never containing the token. Routes added later are
covered automatically."""
from __future__ import annotations

import re
import uuid

import pytest
from psycopg.rows import dict_row

from billing.local.server import registered_functions
from functions._http import ROUTES
from tests.fixtures.auth import bad_signature_token, unsigned_token

registered_functions()  # imports function_app, which fills ROUTES
GATED = sorted((r for r in ROUTES if r.gate != "public"), key=lambda r: (r.route, r.method))

UNAUTHENTICATED = (401, "unauthenticated")
# caller -> (status, code) at an "admin" gate; None = admitted (neither 401 nor 403)
ADMIN_EXPECTED = {
    "no_token": UNAUTHENTICATED,
    "bad_signature": UNAUTHENTICATED,
    "expired": UNAUTHENTICATED,
    "wrong_audience": UNAUTHENTICATED,
    "alg_none": UNAUTHENTICATED,
    "staff": (403, "forbidden_role"),
    "su_without_mfa": (403, "mfa_not_enabled"),
    "mfa_not_verified_today": (403, "mfa_verification_required"),
    "not_allow_listed": (403, "not_allow_listed"),
    "allowed": None,
}
TOKEN_LEVEL_CALLERS_WITH_VALID_TOKENS = {"staff", "su_without_mfa", "mfa_not_verified_today",
                                         "not_allow_listed", "allowed"}


def expected(gate: str, caller: str):
    if gate == "token" and caller in TOKEN_LEVEL_CALLERS_WITH_VALID_TOKENS:
        return None  # the gate only checks the token; the endpoint decides the rest
    return ADMIN_EXPECTED[caller]


@pytest.fixture
def callers(personas, api_deps):
    """Authorization header of each kind of caller; allow-list set to exclude one."""
    now = api_deps.clock.now()
    staff, no_mfa = personas.create("staff"), personas.create("su_no_mfa")
    unverified, allowed = personas.create("super_user"), personas.create("verified")
    unlisted = personas.create("verified")
    api_deps.settings = api_deps.settings.model_copy(update={
        "billing_allowed_user_ids": ",".join(p.user_id for p in (unverified, allowed))})
    bearer = "Bearer {}".format
    return {
        "no_token": None,
        "bad_signature": bearer(bad_signature_token(allowed.user_id, now)),
        "expired": bearer(personas.expired_token(allowed.user_id)),
        "wrong_audience": bearer(personas.token(allowed.user_id, audience="another-app")),
        "alg_none": bearer(unsigned_token(allowed.user_id, now)),
        "staff": bearer(staff.token),
        "su_without_mfa": bearer(no_mfa.token),
        "mfa_not_verified_today": bearer(unverified.token),
        "not_allow_listed": bearer(unlisted.token),
        "allowed": bearer(allowed.token),
    }


def url_for(route: str) -> str:
    return "/api/" + re.sub(r"\{[^}]+\}", str(uuid.uuid4()), route)


def denials(admin_conn, after_id: int) -> list[dict]:
    """Denial rows of identified users since ``after_id`` (one row per request)."""
    return admin_conn.cursor(row_factory=dict_row).execute(
        "select id, details, details::text as raw from billing_audit_log"
        " where action = 'BILLING_ACCESS_DENIED' and aggregate_key is null and id > %s"
        " order by id", [after_id]).fetchall()


def anonymous_denials(admin_conn) -> tuple[int, str]:
    """Denials without a valid token (aggregated rows): their total count and text."""
    count, raw = admin_conn.execute(
        "select coalesce(sum((details->>'count')::int), 0), coalesce(string_agg(details::text,"
        " ' '), '') from billing_audit_log where aggregate_key is not null").fetchone()
    return count, raw


def last_audit_id(admin_conn) -> int:
    return admin_conn.execute("select coalesce(max(id), 0) from billing_audit_log").fetchone()[0]


def test_every_non_public_route_is_gated():
    assert len(GATED) >= 11
    assert all(r.gate in ("admin", "token") for r in GATED)


@pytest.mark.parametrize("spec", GATED, ids=lambda r: f"{r.method} {r.route}")
def test_authorization_matrix(api, callers, admin_conn, spec):
    route = f"{spec.method} /api/{spec.route}"
    wrong = {}
    for caller, header in callers.items():
        mark, (anonymous, _) = last_audit_id(admin_conn), anonymous_denials(admin_conn)
        headers = {"Authorization": header} if header else {}
        resp = api.request(spec.method, url_for(spec.route), headers=headers, json={})
        want = expected(spec.gate, caller)
        if want is None:
            if resp.status_code in (401, 403):
                wrong[caller] = (resp.status_code, resp.text[:200])
            continue
        body = resp.json()
        if (resp.status_code, body.get("code")) != want:
            wrong[caller] = (resp.status_code, body.get("code"))
            continue
        if want == UNAUTHENTICATED:
            counted, raw = anonymous_denials(admin_conn)
            if counted != anonymous + 1 or denials(admin_conn, mark) \
                    or (header and header.split()[1] in raw):
                wrong[caller] = ("aggregated audit", counted - anonymous)
            continue
        rows = denials(admin_conn, mark)
        if [r["details"].get("reason") for r in rows] != [want[1]] \
                or rows[0]["details"]["route"] != route \
                or (header and header.split()[1] in rows[0]["raw"]):
            wrong[caller] = ("audit", [r["details"] for r in rows])
    assert not wrong, f"{route}: {wrong}"


def test_mfa_not_enabled_problem_carries_the_setup_redirect(api, callers):
    resp = api.get("/api/billing/customers",
                   headers={"Authorization": callers["su_without_mfa"]})
    body = resp.json()
    assert resp.headers["content-type"].startswith("application/problem+json")
    assert (body["detail"], body["redirect"], body["returnUrl"]) == (
        "MFA is required to access Billing Admin", "/mfa-setup", "/admin/billing")
