"""Local sign-in for development: the seeded Super User of `make serve` and
`billing dev-token`."""
from __future__ import annotations

import os
import re
import subprocess
import sys
import time

import httpx
import pyotp
import pytest

from billing.cli import main
from billing.local.identity import DEV_USER_ID, ensure_local_auth_env, seed_dev_identity


def test_local_auth_env_is_generated_only_when_missing():
    env: dict[str, str] = {}
    assert ensure_local_auth_env(env) == ["BILLING_AUTH_JWT_SECRET", "BILLING_ENCRYPTION_KEY"]
    before = dict(env)
    assert ensure_local_auth_env(env) == [] and env == before
    assert ensure_local_auth_env({"BILLING_AUTH_JWKS_URL": "https://x.test/keys"}) == [
        "BILLING_ENCRYPTION_KEY"]


def test_the_seeded_super_user_can_verify_mfa_and_open_billing_admin(api, api_settings, db_url):
    identity = seed_dev_identity(db_url, api_settings)
    headers = {"Authorization": f"Bearer {identity.token}"}
    assert api.get("/api/billing/access", headers=headers).json()["menu_visible"] is True
    code = pyotp.TOTP(identity.totp_secret).now()
    assert api.post("/api/billing/mfa/verify", json={"code": code},
                    headers=headers).status_code == 200
    assert api.get("/api/billing/customers", headers=headers).status_code == 200
    again = seed_dev_identity(db_url, api_settings)
    assert again.user_id == DEV_USER_ID and again.totp_secret != identity.totp_secret


@pytest.mark.parametrize(("env", "message"), [
    ({}, "need a local HS256 secret"),
    ({"BILLING_AUTH_JWT_SECRET": "s" * 40, "BILLING_AUTH_JWKS_URL": "https://x.test/keys"},
     "need a local HS256 secret"),
    ({"BILLING_AUTH_JWT_SECRET": "s" * 40, "USER_ID": "nope"}, "must be a UUID"),
])
def test_dev_token_refuses_without_a_local_secret(monkeypatch, capsys, env, message):
    for name in ("BILLING_AUTH_JWT_SECRET", "BILLING_AUTH_JWKS_URL"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    from billing.config import get_settings
    get_settings.cache_clear()
    try:
        assert main(["dev-token", "--user-id", env.get("USER_ID", DEV_USER_ID)]) == 1
    finally:
        get_settings.cache_clear()
    assert message in capsys.readouterr().err


def test_make_serve_prints_a_working_token_and_totp_secret():
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("BILLING_", "DATABASE_URL"))}
    proc = subprocess.Popen([sys.executable, "-m", "billing", "serve-local", "--port", "0"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    try:
        out = ""
        deadline = time.monotonic() + 120
        while "Billing API on" not in out and time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            out += line
        base = re.search(r"Billing API on (http://\S+)", out).group(1)
        token = re.search(r"bearer token: (\S+)", out).group(1)
        secret = re.search(r"TOTP secret:\s+(\S+)", out).group(1)
        headers = {"Authorization": f"Bearer {token}"}
        code = pyotp.TOTP(secret).now()
        assert httpx.post(f"{base}/mfa/verify", json={"code": code}, headers=headers,
                          timeout=30).status_code == 200
        assert httpx.get(f"{base}/customers", headers=headers, timeout=30).status_code == 200
    finally:
        proc.terminate()
        proc.wait(60)
