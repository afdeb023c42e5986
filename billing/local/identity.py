"""A signed-in Super User for local runs: `make serve` and `billing dev-token`.

For a throwaway local database, `make serve` seeds one Super User with MFA set
up (an encrypted TOTP secret) and prints a bearer token and the TOTP secret, so
the SPA or curl can call the API. A local HS256 secret and an encryption key
are generated for the run when none is configured. Never used in Azure.
"""
from __future__ import annotations

import os
import secrets
import uuid
from collections.abc import MutableMapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import jwt
import psycopg
import pyotp

from billing.adapters.secrets import Keyring, encrypt, generate_key_b64
from billing.config import Settings
from billing.domain.errors import BillingError

DEV_USER_ID = "5e1f0000-0000-4000-8000-00000000b111"
DEV_EMAIL = "billing.admin@carexps.local"
DEV_TOKEN_TTL = 12 * 3600


def mint_dev_token(secret: str, user_id: str, *, issuer: str | None = None,
                   audience: str | None = None, ttl: int = 3600,
                   now: datetime | None = None, extra: dict[str, Any] | None = None) -> str:
    """An HS256 token for local runs and tests (``billing dev-token``)."""
    issued = now or datetime.now().astimezone()
    claims: dict[str, Any] = {"sub": user_id, "role": "authenticated",
                              "iat": int(issued.timestamp()),
                              "exp": int((issued + timedelta(seconds=ttl)).timestamp()),
                              **(extra or {})}
    if issuer:
        claims["iss"] = issuer
    if audience:
        claims["aud"] = audience
    return jwt.encode(claims, secret, algorithm="HS256")


@dataclass(frozen=True)
class DevIdentity:
    """The seeded local Super User, a bearer token and the TOTP secret."""

    user_id: str
    token: str
    totp_secret: str = field(repr=False)


def ensure_local_auth_env(env: MutableMapping[str, str] = os.environ) -> list[str]:
    """Generate an HS256 secret and encryption key for this run if none is set."""
    generated = []
    if not env.get("BILLING_AUTH_JWKS_URL") and not env.get("BILLING_AUTH_JWT_SECRET"):
        env["BILLING_AUTH_JWT_SECRET"] = secrets.token_urlsafe(48)
        generated.append("BILLING_AUTH_JWT_SECRET")
    if not env.get("BILLING_ENCRYPTION_KEY"):
        env["BILLING_ENCRYPTION_KEY"] = generate_key_b64()
        generated.append("BILLING_ENCRYPTION_KEY")
    return generated


def dev_token(user_id: str, settings: Settings, *, ttl: int = DEV_TOKEN_TTL) -> str:
    """A bearer token for ``user_id``, only with a local HS256 secret and no JWKS."""
    if settings.billing_auth_jwks_url or not settings.billing_auth_jwt_secret:
        raise BillingError(
            "Dev tokens need a local HS256 secret: set BILLING_AUTH_JWT_SECRET and leave "
            "BILLING_AUTH_JWKS_URL unset (real sign-in tokens come from CareXPS).",
            code="dev_token_unavailable")
    try:
        user = str(uuid.UUID(user_id))
    except ValueError:
        raise BillingError("--user-id must be a UUID.", code="invalid_user_id") from None
    return mint_dev_token(settings.billing_auth_jwt_secret, user,
                          issuer=settings.billing_auth_issuer,
                          audience=settings.billing_auth_audience, ttl=ttl)


def seed_dev_identity(database_url: str, settings: Settings) -> DevIdentity:
    """Create (or reset) the local Super User with MFA set up; returns its credentials."""
    totp_secret = pyotp.random_base32()
    sealed = encrypt(totp_secret, Keyring.from_settings(settings))
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("insert into auth.users (id, email) values (%s, %s)"
                     " on conflict (id) do nothing", [DEV_USER_ID, DEV_EMAIL])
        conn.execute(
            "insert into user_settings (user_id, role, fresh_mfa_enabled,"
            " fresh_mfa_setup_completed, fresh_mfa_secret) values (%s, 'Super User', true, true, %s)"
            " on conflict (user_id) do update set role = 'Super User', fresh_mfa_enabled = true,"
            " fresh_mfa_setup_completed = true, fresh_mfa_secret = excluded.fresh_mfa_secret",
            [DEV_USER_ID, sealed])
        conn.execute("delete from billing_access_state where user_id = %s", [DEV_USER_ID])
    return DevIdentity(DEV_USER_ID, dev_token(DEV_USER_ID, settings), totp_secret)


def describe(identity: DevIdentity, port: int) -> str:
    """What to print for the developer: token, TOTP secret and the first calls."""
    from billing.local.console import console_url

    base = f"http://127.0.0.1:{port}/api/billing"
    return "\n".join([
        f"Local Super User {identity.user_id} (MFA set up, not yet verified today)",
        f"  open console: {console_url(port, identity.token)}",
        f"  TOTP secret:  {identity.totp_secret}",
        f"  current code: python -c \"import pyotp; print(pyotp.TOTP('{identity.totp_secret}')"
        ".now())\"",
        f"  bearer token: {identity.token}",
        f"  verify MFA:   curl -X POST {base}/mfa/verify -H 'Authorization: Bearer <token>'"
        " -H 'Content-Type: application/json' -d '{\"code\": \"<code>\"}'",
        "  more tokens:  set BILLING_AUTH_JWT_SECRET before `make serve`, then"
        " `python -m billing dev-token --user-id <id>`",
    ])


def prepare_dev_identity(database_url: str, *, port: int, seed: bool) -> str:
    """Configure local auth for this run and, on a throwaway database, seed the user."""
    generated = ensure_local_auth_env()
    notes = [f"Generated for this run: {', '.join(generated)}"] if generated else []
    if not seed:
        return "\n".join([*notes, "DATABASE_URL is set: no local Super User was seeded."])
    settings = Settings()
    if settings.billing_auth_jwks_url:
        return "\n".join([*notes, "BILLING_AUTH_JWKS_URL is set: sign in through CareXPS."])
    return "\n".join([*notes, describe(seed_dev_identity(database_url, settings), port)])
