"""Sign-in with the two real token shapes, RS256 over a JWKS on loopback:

- Entra ID v2 access tokens: opaque per-application ``sub``, GUID ``oid`` (the
  user's object id = ``user_settings.user_id``), ``tid``, ``ver: 2.0``; configured
  as in ``infra/azure/main.parameters.example.json``.
- Supabase Auth access tokens: ``sub`` = the user's UUID, ``role: authenticated``.
"""
from __future__ import annotations

import json
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import jwt
import pytest

from billing.adapters.tokens import TokenVerifier
from billing.config import Settings
from billing.domain.errors import Unauthenticated
from tests.fixtures.db import create_user
from tests.fixtures.jwks import rsa_pair

EXAMPLE = Path(__file__).resolve().parents[2] / "infra" / "azure" / \
    "main.parameters.example.json"
TENANT = "9188040d-6c67-4c5b-b112-36a304b66dad"
CLIENT_ID = "6e74172b-be56-4843-9ff4-e66a39bb12e3"
SUPABASE_ISSUER = "https://abcdefghijklmnop.supabase.co/auth/v1"


def example_parameters() -> dict[str, str]:
    """The example's auth parameters with the tenant and client id filled in."""
    params = json.loads(EXAMPLE.read_text())["parameters"]
    fill = {"<tenant-id>": TENANT, "<client-id of the CareXPS API app registration>": CLIENT_ID}
    values = {}
    for name in ("authIssuer", "authAudience", "authUserClaim", "authTenantId"):
        value = params[name]["value"]
        for placeholder, real in fill.items():
            value = value.replace(placeholder, real)
        values[name] = value
    return values


def entra_token(pair, oid: str, *, tid: str = TENANT, **overrides) -> str:
    """An Entra ID v2 access token for the CareXPS API app registration."""
    issued = int(time.time())
    claims = {
        "aud": CLIENT_ID, "iss": f"https://login.microsoftonline.com/{tid}/v2.0",
        "iat": issued, "nbf": issued, "exp": issued + 3600,
        "aio": "AXQAi/8TAAAA", "azp": "0ce4d0a5-3b5a-4d6e-9a57-8b2d3c4e5f60", "azpacr": "0",
        "name": "Billing Admin", "oid": oid, "preferred_username": "admin@carexps.com",
        "rh": "0.AAAA", "scp": "access_as_user",
        "sub": "AAAAAAAAAAAAAAAAAAAAAIkzqFVrSaSaFHy782bbtaQ", "tid": tid,
        "uti": "fqiBqXLPj0eQa82S-IYFAA", "ver": "2.0", **overrides}
    return jwt.encode(claims, pair[0], algorithm="RS256", headers={"kid": pair[1]["kid"]})


def supabase_token(pair, user_id: str) -> str:
    """A Supabase Auth access token signed with the project's asymmetric key."""
    issued = int(time.time())
    claims = {"aud": "authenticated", "iss": SUPABASE_ISSUER, "sub": user_id,
              "email": "admin@carexps.com", "phone": "", "role": "authenticated",
              "aal": "aal1", "amr": [{"method": "password", "timestamp": issued}],
              "session_id": str(uuid.uuid4()), "is_anonymous": False,
              "iat": issued, "exp": issued + 3600}
    return jwt.encode(claims, pair[0], algorithm="RS256", headers={"kid": pair[1]["kid"]})


def entra_settings(base: Settings, jwks_url: str, **overrides) -> Settings:
    example = example_parameters()
    return base.model_copy(update={
        "billing_auth_jwks_url": jwks_url, "billing_auth_issuer": example["authIssuer"],
        "billing_auth_audience": example["authAudience"],
        "billing_auth_user_claim": example["authUserClaim"] or None,
        "billing_auth_tenant_id": example["authTenantId"] or None, **overrides})


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def now() -> datetime:
    return datetime.now(UTC)


@pytest.fixture
def key(jwks):
    pair = rsa_pair("entra-2026")
    jwks.publish(pair)
    return pair


class TestEntraWithTheExampleParameters:
    @pytest.fixture
    def api_settings(self, api_settings, jwks):
        return entra_settings(api_settings, jwks.url)

    def test_an_entra_access_token_signs_a_verified_super_user_in(self, api, key, admin_conn):
        oid = create_user(admin_conn)
        token = entra_token(key, oid)
        assert api.get("/api/billing/access", headers=bearer(token)).json()["allowed"] is True
        assert api.get("/api/billing/customers", headers=bearer(token)).status_code == 200

    def test_the_user_is_the_oid_never_the_sub(self, api, key, admin_conn):
        admin = create_user(admin_conn)
        stranger = str(uuid.uuid4())
        token = entra_token(key, stranger, sub=admin)
        status = api.get("/api/billing/access", headers=bearer(token)).json()
        assert (status["user_id"], status["allowed"]) == (stranger, False)
        refused = api.get("/api/billing/customers", headers=bearer(token))
        assert (refused.status_code, refused.json()["code"]) == (403, "forbidden_role")


def test_with_sub_as_the_user_claim_an_entra_token_identifies_nobody(jwks, key):
    verifier = TokenVerifier(jwks_url=jwks.url, audience=CLIENT_ID, user_claim="sub")
    with pytest.raises(Unauthenticated, match="does not identify"):
        verifier.verify(f"Bearer {entra_token(key, str(uuid.uuid4()))}", now=now())


def test_an_entra_jwks_defaults_the_user_claim_to_oid(jwks, key):
    oid = str(uuid.uuid4())
    verifier = TokenVerifier(jwks_url=jwks.url, audience=CLIENT_ID,
                             issuer=f"https://login.microsoftonline.com/{TENANT}/v2.0")
    assert verifier.user_claim == "oid"
    assert verifier.verify(f"Bearer {entra_token(key, oid)}", now=now()).user_id == oid
    entra_keys = TokenVerifier(jwks_url=f"https://login.microsoftonline.com/{TENANT}"
                               "/discovery/v2.0/keys", audience=CLIENT_ID)
    assert entra_keys.user_claim == "oid"


def test_a_token_from_another_tenant_is_refused_when_the_tenant_is_configured(jwks, key):
    other = "72f988bf-86f1-41af-91ab-2d7cd011db47"
    verifier = TokenVerifier(jwks_url=jwks.url, audience=CLIENT_ID, user_claim="oid",
                             tenant_id=TENANT.upper())
    oid = str(uuid.uuid4())
    assert verifier.verify(f"Bearer {entra_token(key, oid)}", now=now()).user_id == oid
    with pytest.raises(Unauthenticated, match="another tenant"):
        verifier.verify(f"Bearer {entra_token(key, oid, tid=other)}", now=now())
    with pytest.raises(Unauthenticated, match="another tenant"):
        verifier.verify(f"Bearer {entra_token(key, oid, tid=None)}", now=now())


class TestSupabaseAuthOverAJwks:
    @pytest.fixture
    def api_settings(self, api_settings, jwks):
        return api_settings.model_copy(update={
            "billing_auth_jwks_url": jwks.url, "billing_auth_issuer": SUPABASE_ISSUER,
            "billing_auth_audience": "authenticated", "billing_auth_user_claim": None})

    def test_a_supabase_access_token_signs_in_by_its_sub(self, api, key, admin_conn):
        user = create_user(admin_conn)
        token = supabase_token(key, user)
        status = api.get("/api/billing/access", headers=bearer(token)).json()
        assert (status["user_id"], status["allowed"]) == (user, True)

    def test_an_entra_shaped_token_is_refused_by_a_supabase_configuration(self, api, key,
                                                                        admin_conn):
        refused = api.get("/api/billing/access",
                          headers=bearer(entra_token(key, create_user(admin_conn))))
        assert refused.status_code == 401
