"""One user's standing at the access gate, from the database alone (no TOTP code):
what ``billing check-access --user-id ID`` reports, so an operator can check a
real CareXPS account before go-live."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel

from billing.adapters.mfa_secrets import MfaSecretUnreadable
from billing.adapters.postgres import access_sql
from billing.domain.errors import BillingError
from billing.usecases.access import evaluate, is_verified


class AccessCheck(BaseModel):
    """What the gate would decide for one user, and why."""

    user_id: str
    found: bool
    role: str | None = None
    mfa_enabled: bool = False
    mfa_setup_completed: bool = False
    secret_stored: bool = False
    secret_format: str
    secret_readable: bool = False
    secret_problem: str | None = None
    verified_until: datetime | None = None
    locked_until: datetime | None = None
    passes_gate_now: bool = False
    refusal_now: str | None = None
    passes_after_todays_code: bool = False
    refusal_after_code: str | None = None


def check_access(user_id: str, *, deps: Any) -> AccessCheck:
    """Report ``user_id``'s role, MFA flags, secret readability and gate outcome."""
    now = deps.clock.now()
    secret_format = deps.settings.billing_mfa_secret_format
    with deps.db.system_session("check_access") as conn:
        user = access_sql.load_user_access(conn, user_id)
    if user is None:
        return AccessCheck(user_id=user_id, found=False, secret_format=secret_format,
                           refusal_now="forbidden_role", refusal_after_code="forbidden_role")
    readable, problem = _read_secret(user.mfa_secret, deps)
    allowed = deps.settings.allowed_user_ids
    refusal_now = evaluate(user, allowed_user_ids=allowed, now=now)
    refusal_after = evaluate(user, allowed_user_ids=allowed, now=now, require_verified=False)
    after_code = refusal_after.code if refusal_after else (
        None if readable else "mfa_secret_unreadable")
    return AccessCheck(
        user_id=user.user_id, found=True, role=user.role, mfa_enabled=user.mfa_enabled,
        mfa_setup_completed=user.mfa_setup_completed, secret_stored=bool(user.mfa_secret),
        secret_format=secret_format, secret_readable=readable, secret_problem=problem,
        verified_until=user.verified_until if is_verified(user, now) else None,
        locked_until=user.locked_until if user.locked_until and user.locked_until > now
        else None,
        passes_gate_now=refusal_now is None, refusal_now=refusal_now.code if refusal_now else None,
        passes_after_todays_code=after_code is None, refusal_after_code=after_code)


def _read_secret(stored: str | None, deps: Any) -> tuple[bool, str | None]:
    """Whether the stored secret reads with the configured format and keys (and why not)."""
    if not stored:
        return False, "no secret is stored (MFA not set up in CareXPS)"
    try:
        deps.mfa_secrets.read(stored)
    except MfaSecretUnreadable as exc:
        return False, str(exc)
    except BillingError as exc:
        return False, exc.detail
    return True, None
