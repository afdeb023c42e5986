"""Bearer tokens: verify the caller's JWT (PyJWT), mint local dev tokens.

Two modes, from settings: a JWKS URL (Entra ID / Supabase asymmetric keys:
RS256 or ES256, keys cached and refreshed when an unknown ``kid`` appears) or a
shared HS256 secret (Supabase legacy / local runs). HS256 is never accepted
when a JWKS is configured, and ``none`` never. ``exp``/``nbf`` are checked
against the injected clock with 60 s leeway, so tests control time. Messages
never contain the token.

The user claim: Entra ID's ``sub`` is an opaque per-application string, its user
object id is ``oid``; Supabase Auth's ``sub`` is the user's UUID. Unless
``BILLING_AUTH_USER_CLAIM`` says otherwise, a JWKS served by Entra
(``login.microsoftonline.com``) means ``oid``, anything else ``sub``. With
``BILLING_AUTH_TENANT_ID`` the token's ``tid`` must be that tenant.
"""
from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import httpx
import jwt

from billing.config import Settings
from billing.domain.errors import Unauthenticated, UpstreamUnavailable

LEEWAY_SECONDS = 60
JWKS_ALGORITHMS = ("RS256", "ES256")
SECRET_ALGORITHMS = ("HS256",)
ENTRA_HOST = "login.microsoftonline.com"

FetchJwks = Callable[[str], dict[str, Any]]


def fetch_jwks_httpx(url: str) -> dict[str, Any]:
    """GET the JWK Set with httpx (the production fetch)."""
    resp = httpx.get(url, timeout=10, follow_redirects=False)
    resp.raise_for_status()
    return resp.json()


class _JwksClient(jwt.PyJWKClient):
    """PyJWKClient whose HTTP fetch is injected (tests serve JWKS on loopback)."""

    def __init__(self, url: str, fetch: FetchJwks, cooldown: float) -> None:
        super().__init__(url, cache_jwk_set=True, lifespan=300, cooldown_duration=cooldown)
        self._fetch = fetch

    def fetch_data(self) -> Any:
        try:
            data = self._fetch(self.uri)
        except (httpx.HTTPError, ValueError) as exc:
            raise jwt.PyJWKClientConnectionError(type(exc).__name__) from exc
        self._last_successful_fetch = time.monotonic()  # as the base class does
        return data


@dataclass(frozen=True)
class VerifiedToken:
    """A token whose signature, issuer, audience and lifetime were checked."""

    user_id: str
    claims: dict[str, Any]


def default_user_claim(jwks_url: str | None, issuer: str | None) -> str:
    """``oid`` when the JWKS or the issuer is Entra ID's, else ``sub``."""
    hosts = {urlsplit(url).hostname for url in (jwks_url, issuer) if url}
    return "oid" if jwks_url and ENTRA_HOST in hosts else "sub"


def _unauthenticated(detail: str) -> Unauthenticated:
    return Unauthenticated(detail, extra={"hint": "Sign in to CareXPS again."})


def bearer_token(authorization: str | None) -> str:
    """The token of an ``Authorization: Bearer <jwt>`` header, or Unauthenticated."""
    scheme, _, token = (authorization or "").strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise _unauthenticated("A bearer token is required.")
    return token.strip()


class TokenVerifier:
    """Verifies bearer tokens for one configuration (JWKS or HS256 secret)."""

    def __init__(self, *, jwks_url: str | None = None, secret: str | None = None,
                 issuer: str | None = None, audience: str | None = None,
                 user_claim: str | None = None, tenant_id: str | None = None,
                 fetch_jwks: FetchJwks = fetch_jwks_httpx,
                 jwks_refresh_cooldown: float = 30.0) -> None:
        if not jwks_url and not secret:
            raise UpstreamUnavailable(
                "Sign-in is not configured (BILLING_AUTH_JWKS_URL or BILLING_AUTH_JWT_SECRET).",
                code="auth_not_configured")
        if jwks_url and not audience:
            raise UpstreamUnavailable("BILLING_AUTH_AUDIENCE is required with a JWKS.",
                                      code="auth_not_configured")
        self._jwks = _JwksClient(jwks_url, fetch_jwks, jwks_refresh_cooldown) if jwks_url else None
        self._secret = None if jwks_url else secret
        self.algorithms = JWKS_ALGORITHMS if jwks_url else SECRET_ALGORITHMS
        self.issuer = issuer
        self.audience = audience
        self.user_claim = user_claim or default_user_claim(jwks_url, issuer)
        self.tenant_id = tenant_id.strip().lower() if tenant_id and tenant_id.strip() else None

    @classmethod
    def from_settings(cls, settings: Settings, **kwargs: Any) -> TokenVerifier:
        """The verifier for ``BILLING_AUTH_*`` settings (kwargs: fetch_jwks, cooldown)."""
        return cls(jwks_url=settings.billing_auth_jwks_url,
                   secret=settings.billing_auth_jwt_secret,
                   issuer=settings.billing_auth_issuer,
                   audience=settings.billing_auth_audience,
                   user_claim=settings.billing_auth_user_claim,
                   tenant_id=settings.billing_auth_tenant_id, **kwargs)

    def verify(self, authorization: str | None, *, now: datetime) -> VerifiedToken:
        """Check the bearer token in ``authorization`` at ``now``; Unauthenticated if bad."""
        token = bearer_token(authorization)
        try:
            claims = jwt.decode(
                token, self._key(token), algorithms=list(self.algorithms),
                audience=self.audience, issuer=self.issuer,
                options={"require": ["exp"], "verify_exp": False, "verify_nbf": False,
                         "verify_iat": False, "verify_aud": self.audience is not None,
                         "verify_iss": self.issuer is not None})
        except jwt.PyJWKClientConnectionError:
            raise UpstreamUnavailable("The sign-in keys cannot be fetched right now.",
                                      code="auth_keys_unavailable") from None
        except jwt.PyJWTError as exc:
            raise _unauthenticated(_reason(exc)) from None
        _check_lifetime(claims, now)
        self._check_tenant(claims)
        return VerifiedToken(self._user_id(claims), claims)

    def _check_tenant(self, claims: dict[str, Any]) -> None:
        if self.tenant_id is None:
            return
        tid = claims.get("tid")
        if not isinstance(tid, str) or tid.strip().lower() != self.tenant_id:
            raise _unauthenticated("The token was issued for another tenant.")

    def _key(self, token: str) -> Any:
        if self._jwks is None:
            return self._secret
        return self._jwks.get_signing_key_from_jwt(token)

    def _user_id(self, claims: dict[str, Any]) -> str:
        try:
            return str(uuid.UUID(claims.get(self.user_claim)))
        except (TypeError, ValueError, AttributeError):
            raise _unauthenticated("The token does not identify a CareXPS user.") from None


def _reason(exc: jwt.PyJWTError) -> str:
    if isinstance(exc, jwt.InvalidAudienceError):
        return "The token was issued for another application."
    if isinstance(exc, jwt.InvalidIssuerError):
        return "The token was issued by an unknown issuer."
    if isinstance(exc, jwt.MissingRequiredClaimError):
        return f"The token has no {exc.claim!r} claim."
    return "The token is invalid."


def _check_lifetime(claims: dict[str, Any], now: datetime) -> None:
    moment = now.timestamp()
    exp, nbf = claims.get("exp"), claims.get("nbf")
    if not isinstance(exp, int | float) or (nbf is not None and not isinstance(nbf, int | float)):
        raise _unauthenticated("The token has an invalid lifetime.")
    if moment > exp + LEEWAY_SECONDS:
        raise _unauthenticated("The token has expired.")
    if nbf is not None and moment + LEEWAY_SECONDS < nbf:
        raise _unauthenticated("The token is not valid yet.")
