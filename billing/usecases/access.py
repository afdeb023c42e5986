"""The access gate run before every non-public endpoint.

In order, each refusal with its own code: a valid bearer token (401
``unauthenticated``) — level ``token`` stops here — then the ``Super User``
role (403 ``forbidden_role``), MFA enabled and set up (403 ``mfa_not_enabled``),
the optional allow-list (403 ``not_allow_listed``) and a TOTP verification
today in the billing time zone (403 ``mfa_verification_required``). Every
refusal is audited — without a valid token, aggregated per source and minute
(``access_denials``) — and so is the first admitted admin request of each day.
"""
from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel

from billing.adapters.postgres import access_sql
from billing.adapters.postgres.access_sql import UserAccess
from billing.adapters.postgres.audit_sql import record_audit
from billing.adapters.postgres.sessions import Connection
from billing.domain import audit
from billing.domain.errors import (
    BillingError,
    Forbidden,
    MfaRequired,
    MfaVerificationRequired,
    Unauthenticated,
)
from billing.domain.principal import Principal
from billing.usecases.access_denials import record_anonymous_denial

SUPER_USER = "Super User"
MFA_SETUP_EXTRA = {"redirect": "/mfa-setup", "returnUrl": "/admin/billing"}
LEVELS = ("admin", "token")


def local_today(now: datetime, time_zone: str) -> date:
    """The calendar date of ``now`` in the billing time zone."""
    return now.astimezone(ZoneInfo(time_zone)).date()


def end_of_local_day(now: datetime, time_zone: str) -> datetime:
    """The next local midnight after ``now`` (UTC): when a verification expires."""
    zone = ZoneInfo(time_zone)
    midnight = datetime.combine(local_today(now, time_zone) + timedelta(days=1), time(0),
                                tzinfo=zone)
    return midnight.astimezone(UTC)


def is_verified(user: UserAccess, now: datetime) -> bool:
    """True while today's MFA verification holds."""
    return user.verified_until is not None and user.verified_until > now


def evaluate(user: UserAccess | None, *, allowed_user_ids: frozenset[str], now: datetime,
             require_verified: bool = True) -> BillingError | None:
    """The first rule ``user`` fails (as the error to raise), or None if admitted."""
    if user is None or user.role != SUPER_USER:
        return Forbidden("Billing Admin is available to Super Users only.",
                         code="forbidden_role")
    if not user.mfa_ready:
        return MfaRequired("MFA is required to access Billing Admin", extra=dict(MFA_SETUP_EXTRA))
    allowed = {uid.lower() for uid in allowed_user_ids}
    if allowed and user.user_id.lower() not in allowed:
        return Forbidden("Your account is not allowed to use Billing Admin.",
                         code="not_allow_listed")
    if require_verified and not is_verified(user, now):
        return MfaVerificationRequired(
            "Enter the code from your authenticator app to open Billing Admin.",
            extra={"verify": "/api/billing/mfa/verify"})
    return None


def record_denial(conn: Connection, actor: Principal | None, reason: str,
                  route: str | None = None) -> None:
    """Audit one refused request (reason code and route; never the token)."""
    details = {"reason": reason, **({"route": route} if route else {})}
    record_audit(conn, actor=actor, action=audit.ACCESS_DENIED, details=details,
                 severity=audit.SECURITY)


def authorize(authorization: str | None, *, deps: Any, level: str, route: str,
              source: str | None = None) -> Principal:
    """Run the gate for one request from ``source`` (the client address); the
    Principal to act as, or a BillingError. A refusal without a valid token is
    counted per source (429 once the source is over its limit)."""
    if level not in LEVELS:
        raise ValueError(f"unknown gate level {level!r}")
    now = deps.clock.now()
    try:
        token = deps.token_verifier.verify(authorization, now=now)
    except Unauthenticated as exc:
        record_anonymous_denial(deps, source=source, reason=exc.code)
        raise
    with deps.db.system_session("access_gate") as conn:
        user = access_sql.load_user_access(conn, token.user_id)
        principal = Principal(token.user_id, user.role if user else "", token.claims)
        if level == "token":
            return principal
        denial = evaluate(user, allowed_user_ids=deps.settings.allowed_user_ids, now=now)
        if denial is not None:
            record_denial(conn, principal, denial.code, route)
        elif access_sql.mark_admin_access(
                conn, principal.user_id, local_today(now, deps.settings.billing_time_zone)):
            record_audit(conn, actor=principal, action=audit.ADMIN_ACCESS,
                         details={"route": route})
    if denial is not None:
        raise denial
    return principal


#: Why the gate refuses a signed-in user (the problem ``code`` it would answer).
DenialReason = Literal["forbidden_role", "mfa_not_enabled", "not_allow_listed",
                       "mfa_verification_required"]


class AccessStatus(BaseModel):
    """What the SPA needs to show or hide Billing Admin (``GET /api/billing/access``)."""

    user_id: str
    role: str
    allowed: bool
    reason: DenialReason | None
    mfa_enabled: bool
    verified_until: datetime | None
    locked_until: datetime | None
    menu_visible: bool


def access_status(principal: Principal, *, deps: Any) -> AccessStatus:
    """The caller's standing at the gate, without requiring today's verification."""
    now = deps.clock.now()
    with deps.db.system_session("access_gate") as conn:
        user = access_sql.load_user_access(conn, principal.user_id)
    denial = evaluate(user, allowed_user_ids=deps.settings.allowed_user_ids, now=now)
    ready = user is not None and user.mfa_ready
    admissible = denial is None or isinstance(denial, MfaVerificationRequired)
    return AccessStatus(
        user_id=principal.user_id, role=user.role if user else "", allowed=denial is None,
        reason=denial.code if denial else None, mfa_enabled=ready,
        verified_until=user.verified_until if user and is_verified(user, now) else None,
        locked_until=user.locked_until if user and user.locked_until
        and user.locked_until > now else None,
        menu_visible=admissible,
    )
