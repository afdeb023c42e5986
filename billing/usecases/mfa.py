"""Daily MFA verification: a TOTP code checked against the user's secret.

±1 time step; a step is never accepted twice (nor one older than the last
accepted); 5 failures in 15 minutes lock verification for 15 minutes; success
holds until the next midnight in the billing time zone. Every outcome is
audited, including each attempt refused by the per-minute limit (reason
``rate_limited``), the lockout (``locked``) or an unreadable secret. The
secret is read (``BILLING_MFA_SECRET_FORMAT``) in memory only, never logged.
"""
from __future__ import annotations

import hmac
from datetime import datetime, timedelta
from typing import Any

import pyotp
from pydantic import BaseModel

from billing.adapters.mfa_secrets import MfaSecretUnreadable
from billing.adapters.postgres import access_sql, rate_limits_sql
from billing.adapters.postgres.access_sql import UserAccess
from billing.adapters.postgres.audit_sql import record_audit
from billing.adapters.postgres.sessions import Connection
from billing.domain import audit
from billing.domain.errors import (
    BillingError,
    MfaRequired,
    RateLimited,
    UpstreamUnavailable,
    ValidationFailed,
)
from billing.domain.principal import Principal
from billing.usecases.access import MFA_SETUP_EXTRA, end_of_local_day, evaluate, record_denial
from billing.usecases.rate_limits import MFA_ATTEMPTS, check_rate

MAX_FAILURES = 5
FAILURE_WINDOW = timedelta(minutes=15)
LOCKOUT = timedelta(minutes=15)
FAILURE_COUNTER = "mfa_failure"


class MfaVerified(BaseModel):
    """A successful verification and how long it holds."""

    verified: bool = True
    verified_until: datetime


def verify_mfa(principal: Principal, code: str, *, deps: Any) -> MfaVerified:
    """Check ``code`` for the caller; MfaVerified, or the error explaining the refusal."""
    try:
        check_rate(deps, principal, MFA_ATTEMPTS)
    except RateLimited as limited:
        with deps.db.system_session("mfa") as conn:
            _audit_failure(conn, principal, {"reason": "rate_limited",
                                             "retry_after": limited.retry_after})
        raise
    with deps.db.system_session("mfa") as conn:
        outcome = _attempt(conn, principal, code, deps=deps, now=deps.clock.now())
    if isinstance(outcome, BillingError):
        raise outcome
    return outcome


def _attempt(conn: Connection, principal: Principal, code: str, *, deps: Any,
             now: datetime) -> MfaVerified | BillingError:
    user = access_sql.load_user_access(conn, principal.user_id, lock=True)
    denial = evaluate(user, allowed_user_ids=deps.settings.allowed_user_ids, now=now,
                      require_verified=False)
    if denial is not None:
        record_denial(conn, principal, denial.code)
        return denial
    assert user is not None  # evaluate() refuses a missing user
    if user.locked_until is not None and user.locked_until > now:
        return _locked(conn, principal, user.locked_until - now)
    try:
        step = _matching_step(user, code, deps, now)
    except BillingError as refused:  # no readable secret: refused, and audited
        _audit_failure(conn, principal, {"reason": refused.code})
        return refused
    if step is None or (user.last_used_step is not None and step <= user.last_used_step):
        return _failure(conn, principal, now, replayed=step is not None)
    until = end_of_local_day(now, deps.settings.billing_time_zone)
    access_sql.record_verification(conn, principal.user_id, step=step, at=now, until=until)
    rate_limits_sql.clear_events(conn, principal.user_id, FAILURE_COUNTER)
    record_audit(conn, actor=principal, action=audit.MFA_VERIFIED,
                 details={"valid_until": until})
    return MfaVerified(verified_until=until)


def _matching_step(user: UserAccess, code: str, deps: Any, now: datetime) -> int | None:
    """The time step ``code`` belongs to (±1 step of ``now``), or None."""
    if not user.mfa_secret:
        raise MfaRequired("MFA is required to access Billing Admin", extra=dict(MFA_SETUP_EXTRA))
    try:
        secret = deps.mfa_secrets.read(user.mfa_secret)
    except MfaSecretUnreadable:
        raise UpstreamUnavailable("MFA verification is unavailable. Please contact support.",
                                  code="mfa_secret_unreadable") from None
    totp = pyotp.TOTP(secret)
    current = totp.timecode(now)
    for step in (current - 1, current, current + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def _failure(conn: Connection, principal: Principal, now: datetime, *,
             replayed: bool) -> BillingError:
    rate_limits_sql.add_event(conn, principal.user_id, FAILURE_COUNTER, at=now,
                              keep=FAILURE_WINDOW)
    failures, _ = rate_limits_sql.window_events(conn, principal.user_id, FAILURE_COUNTER,
                                                since=now - FAILURE_WINDOW)
    if failures >= MAX_FAILURES:
        access_sql.lock_verification(conn, principal.user_id, until=now + LOCKOUT)
        return _locked(conn, principal, LOCKOUT, count=failures)
    _audit_failure(conn, principal, {"reason": "replayed_code" if replayed else "invalid_code",
                                     "count": failures})
    message = "The code is incorrect or was already used."
    return ValidationFailed(message, code="mfa_code_invalid",
                            errors=[{"field": "code", "message": message}],
                            extra={"attempts_remaining": MAX_FAILURES - failures})


def _locked(conn: Connection, principal: Principal, wait: timedelta, *,
            count: int | None = None) -> RateLimited:
    details: dict[str, Any] = {"reason": "locked", "retry_after": int(wait.total_seconds())}
    if count is not None:
        details["count"] = count
    _audit_failure(conn, principal, details)
    return RateLimited("Too many incorrect codes. Try again later.", code="mfa_locked",
                       retry_after=max(1, round(wait.total_seconds())))


def _audit_failure(conn: Connection, principal: Principal, details: dict[str, Any]) -> None:
    """One ``BILLING_MFA_FAILED`` entry: every refused attempt leaves one."""
    record_audit(conn, actor=principal, action=audit.MFA_FAILED, severity=audit.SECURITY,
                 details=details)
