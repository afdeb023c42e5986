"""Bearer tokens signed with asymmetric keys published as a JWKS on a loopback
server: RS256 and ES256, caching, key rotation, and no HS256 downgrade."""
from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime

import jwt
import pytest

from billing.adapters.tokens import TokenVerifier
from billing.domain.errors import Unauthenticated, UpstreamUnavailable
from tests.fixtures.auth import AUTH_SECRET
from tests.fixtures.db import create_user
from tests.fixtures.jwks import ec_pair, rsa_pair

AUDIENCE = "api://carexps-billing"
ISSUER = "https://login.microsoftonline.com/tenant/v2.0"
USER = str(uuid.uuid4())


def sign(pair, *, alg="RS256", user=USER, claim="oid") -> str:
    claims = {claim: user, "aud": AUDIENCE, "iss": ISSUER, "exp": int(time.time()) + 600}
    return jwt.encode(claims, pair[0], algorithm=alg, headers={"kid": pair[1]["kid"]})


def verifier(jwks, **kwargs) -> TokenVerifier:
    return TokenVerifier(jwks_url=jwks.url, audience=AUDIENCE, issuer=ISSUER, user_claim="oid",
                         secret=AUTH_SECRET, **kwargs)


def now() -> datetime:
    return datetime.now(UTC)


def test_rs256_and_es256_tokens_verify_and_keys_are_cached(jwks):
    rsa1, ec1 = rsa_pair("rsa-1"), ec_pair("ec-1")
    jwks.publish(rsa1, ec1)
    check = verifier(jwks)
    for _ in range(3):
        assert check.verify(f"Bearer {sign(rsa1)}", now=now()).user_id == USER
    assert check.verify(f"Bearer {sign(ec1, alg='ES256')}", now=now()).user_id == USER
    assert jwks.fetches == 1


def test_an_unknown_kid_refreshes_the_keys_once_rotation_happens(jwks):
    old, new = rsa_pair("2026-a"), rsa_pair("2026-b")
    jwks.publish(old)
    check = verifier(jwks, jwks_refresh_cooldown=0)
    assert check.verify(f"Bearer {sign(old)}", now=now()).user_id == USER
    jwks.publish(new)
    assert check.verify(f"Bearer {sign(new)}", now=now()).user_id == USER
    assert jwks.fetches == 2
    with pytest.raises(Unauthenticated):
        check.verify(f"Bearer {sign(old)}", now=now())


def test_unknown_kids_do_not_hammer_the_jwks_endpoint_during_the_cooldown(jwks):
    known = rsa_pair("known")
    jwks.publish(known)
    check = verifier(jwks)
    check.verify(f"Bearer {sign(known)}", now=now())
    for _ in range(3):
        with pytest.raises(Unauthenticated):
            check.verify(f"Bearer {sign(rsa_pair('forged'))}", now=now())
    assert jwks.fetches == 1


def test_hs256_is_refused_when_a_jwks_is_configured_even_with_the_shared_secret(jwks):
    pair = rsa_pair("rsa-1")
    jwks.publish(pair)
    hs = jwt.encode({"oid": USER, "aud": AUDIENCE, "iss": ISSUER, "exp": int(time.time()) + 60},
                    AUTH_SECRET, algorithm="HS256", headers={"kid": "rsa-1"})
    with pytest.raises(Unauthenticated):
        verifier(jwks).verify(f"Bearer {hs}", now=now())


def test_a_token_signed_by_an_unpublished_key_with_a_known_kid_is_refused(jwks):
    published = rsa_pair("rsa-1")
    jwks.publish(published)
    impostor = (rsa_pair("rsa-1")[0], published[1])
    with pytest.raises(Unauthenticated):
        verifier(jwks).verify(f"Bearer {sign(impostor)}", now=now())


def test_an_unreachable_jwks_is_a_503(jwks):
    pair = rsa_pair("rsa-1")
    url = jwks.url
    jwks.server.shutdown()
    jwks.server.server_close()
    check = TokenVerifier(jwks_url=url, audience=AUDIENCE)
    with pytest.raises(UpstreamUnavailable) as err:
        check.verify(f"Bearer {sign(pair)}", now=now())
    assert err.value.code == "auth_keys_unavailable"


@pytest.fixture
def api_settings(api_settings, jwks):
    return api_settings.model_copy(update={
        "billing_auth_jwks_url": jwks.url, "billing_auth_audience": AUDIENCE,
        "billing_auth_issuer": ISSUER, "billing_auth_user_claim": "oid"})


def test_the_served_app_accepts_entra_style_tokens_and_refuses_hs256(api, jwks, admin_conn):
    pair = rsa_pair("entra-1")
    jwks.publish(pair)
    user = create_user(admin_conn, role="Staff")
    ok = api.get("/api/billing/access", headers={"Authorization": f"Bearer {sign(pair, user=user)}"})
    assert ok.status_code == 200 and ok.json()["role"] == "Staff"
    hs = jwt.encode({"oid": user, "aud": AUDIENCE, "iss": ISSUER, "exp": int(time.time()) + 60},
                    AUTH_SECRET, algorithm="HS256")
    refused = api.get("/api/billing/access", headers={"Authorization": f"Bearer {hs}"})
    assert (refused.status_code, refused.json()["code"]) == (401, "unauthenticated")
