"""Bearer tokens in HS256 mode: what is accepted and what is refused (and why)."""
from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import jwt
import pytest

from billing.adapters.tokens import TokenVerifier, bearer_token
from billing.config import Settings
from billing.domain.errors import Unauthenticated, UpstreamUnavailable
from billing.local.identity import mint_dev_token
from tests.fixtures.auth import (
    AUTH_AUDIENCE,
    AUTH_ISSUER,
    AUTH_SECRET,
    bad_signature_token,
    unsigned_token,
)

NOW = datetime(2026, 11, 27, 15, 0, tzinfo=UTC)
USER = str(uuid.uuid4())


@pytest.fixture
def verifier() -> TokenVerifier:
    return TokenVerifier.from_settings(Settings(
        billing_auth_jwt_secret=AUTH_SECRET, billing_auth_issuer=AUTH_ISSUER,
        billing_auth_audience=AUTH_AUDIENCE))


def token(**overrides) -> str:
    claims = {"sub": USER, "iss": AUTH_ISSUER, "aud": AUTH_AUDIENCE,
              "exp": int(NOW.timestamp()) + 600, **overrides}
    return jwt.encode({k: v for k, v in claims.items() if v is not None}, AUTH_SECRET,
                      algorithm="HS256")


def refused(verifier, header, now=NOW) -> str:
    with pytest.raises(Unauthenticated) as err:
        verifier.verify(header, now=now)
    assert err.value.code == "unauthenticated"
    return err.value.detail


def test_valid_token_yields_user_id_and_claims(verifier):
    verified = verifier.verify(f"Bearer {token()}", now=NOW)
    assert verified.user_id == USER
    assert verified.claims["aud"] == AUTH_AUDIENCE


@pytest.mark.parametrize("header", [None, "", "Bearer", "Bearer  ", "Basic abc", "token"])
def test_missing_or_malformed_authorization_header(verifier, header):
    assert refused(verifier, header) == "A bearer token is required."


def test_scheme_is_case_insensitive():
    assert bearer_token("bearer abc.def.ghi") == "abc.def.ghi"


def test_alg_none_is_refused(verifier):
    refused(verifier, f"Bearer {unsigned_token(USER, NOW)}")


def test_bad_signature_is_refused(verifier):
    refused(verifier, f"Bearer {bad_signature_token(USER, NOW)}")


def test_expiry_has_sixty_seconds_of_leeway(verifier):
    header = f"Bearer {token(exp=int(NOW.timestamp()))}"
    assert verifier.verify(header, now=NOW + timedelta(seconds=60)).user_id == USER
    assert refused(verifier, header, NOW + timedelta(seconds=61)) == "The token has expired."


def test_not_before_has_sixty_seconds_of_leeway(verifier):
    header = f"Bearer {token(nbf=int(NOW.timestamp()) + 60)}"
    assert verifier.verify(header, now=NOW).user_id == USER
    assert refused(verifier, header, NOW - timedelta(seconds=1)) == "The token is not valid yet."


@pytest.mark.parametrize(("claims", "reason"), [
    ({"aud": "someone-else"}, "another application"),
    ({"aud": None}, "no 'aud' claim"),
    ({"iss": "https://evil.test"}, "unknown issuer"),
    ({"exp": None}, "no 'exp' claim"),
    ({"sub": "not-a-uuid"}, "does not identify"),
    ({"sub": None}, "does not identify"),
    ({"sub": 42}, "invalid"),
])
def test_claim_problems_are_refused_with_a_reason(verifier, claims, reason):
    assert reason in refused(verifier, f"Bearer {token(**claims)}")


def test_refusals_never_echo_the_token(verifier):
    bad = token(aud="someone-else")
    with pytest.raises(Unauthenticated) as err:
        verifier.verify(f"Bearer {bad}", now=NOW)
    assert bad not in str(err.value.detail) and bad not in repr(err.value.extra)


def test_user_claim_oid_for_entra_id():
    oid = str(uuid.uuid4())
    entra = TokenVerifier(secret=AUTH_SECRET, user_claim="oid")
    verified = entra.verify(f"Bearer {token(oid=oid, aud=None, iss=None)}", now=NOW)
    assert verified.user_id == oid


def test_without_configuration_the_gate_reports_it_is_not_configured():
    with pytest.raises(UpstreamUnavailable) as err:
        TokenVerifier.from_settings(Settings())
    assert err.value.code == "auth_not_configured"


def test_jwks_requires_an_audience():
    with pytest.raises(UpstreamUnavailable):
        TokenVerifier(jwks_url="https://login.example.test/keys")


def test_dev_token_round_trips_through_the_verifier(verifier):
    dev = mint_dev_token(AUTH_SECRET, USER, issuer=AUTH_ISSUER, audience=AUTH_AUDIENCE,
                         ttl=300, now=NOW)
    assert verifier.verify(f"Bearer {dev}", now=NOW + timedelta(seconds=299)).user_id == USER
    refused(verifier, f"Bearer {dev}", NOW + timedelta(seconds=361))
