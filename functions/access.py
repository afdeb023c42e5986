"""The caller's standing at the access gate, and daily MFA verification."""
from __future__ import annotations

import azure.functions as func
from pydantic import BaseModel, ConfigDict, Field

from billing.usecases.access import AccessStatus, access_status
from billing.usecases.mfa import MfaVerified, verify_mfa
from functions._http import Call, endpoint

bp = func.Blueprint()


class MfaCode(BaseModel):
    """A 6-digit code from the user's authenticator app."""

    model_config = ConfigDict(extra="forbid")

    code: str = Field(pattern=r"^[0-9]{6}$")


@endpoint(bp, "GET", "billing/access", summary="Can the caller use Billing Admin (menu, MFA)?",
          gate="token", response=AccessStatus, tag="access")
def get_access(call: Call) -> AccessStatus:
    return access_status(call.principal, deps=call.deps)


@endpoint(bp, "POST", "billing/mfa/verify", summary="Verify today's MFA code (TOTP)",
          gate="token", body=MfaCode, response=MfaVerified, tag="access",
          errors=(429, 503))
def post_mfa_verify(call: Call) -> MfaVerified:
    return verify_mfa(call.principal, call.body.code, deps=call.deps)
