"""Shared set-up for the benchmarks: a signed-in Super User who verified MFA today."""
from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass

import pyotp

from billing.bootstrap import Deps
from billing.config import Settings
from billing.domain.principal import Principal
from billing.local.identity import seed_dev_identity
from billing.usecases.mfa import verify_mfa

SUPER_USER = "Super User"


def bench_settings(database_url: str, **overrides: object) -> Settings:
    """Settings with a fresh local HS256 secret and encryption key for this run."""
    return Settings(database_url=database_url,
                    billing_auth_jwt_secret=secrets.token_urlsafe(48),
                    billing_encryption_key=base64.b64encode(secrets.token_bytes(32)).decode(),
                    **overrides)


@dataclass(frozen=True)
class SignedIn:
    """A verified Super User's id and request headers."""

    user_id: str
    headers: dict[str, str]


def verified_super_user(deps: Deps) -> SignedIn:
    """Seed the local Super User, verify today's TOTP code, return its bearer headers."""
    identity = seed_dev_identity(deps.settings.database_url, deps.settings)
    principal = Principal(identity.user_id, SUPER_USER, {"sub": identity.user_id})
    verify_mfa(principal, pyotp.TOTP(identity.totp_secret).at(deps.clock.now()), deps=deps)
    return SignedIn(identity.user_id, {"Authorization": f"Bearer {identity.token}"})
