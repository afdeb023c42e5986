"""Secrets at rest: the saved Stripe key is unreadable in a database dump and
opens only with the right key; `billing rotate-encryption-key` re-encrypts
every stored secret (Stripe key, webhook secret, MFA secrets) with the new key."""
from __future__ import annotations

import base64
import subprocess

import pytest

from billing.adapters.clock import SystemClock
from billing.adapters.secrets import DecryptionFailed, Keyring, decrypt, generate_key_b64
from billing.bootstrap import Deps, use_deps
from billing.cli import main
from billing.domain.errors import UpstreamUnavailable
from billing.domain.settings import SettingsUpdate
from billing.local.cluster import find_bindir
from billing.usecases import settings as uc
from billing.usecases.mfa import verify_mfa
from tests.fixtures.auth import ENCRYPTION_KEY, auth_settings

STRIPE_KEY = "sk_test_51EncryptionAtRest000000000000000000000000Zq7w"
WEBHOOK_SECRET = "whsec_EncryptionAtRestSigningSecret"
NEW_KEY = generate_key_b64()


@pytest.fixture
def api_deps(db, db_url) -> Deps:
    return Deps(settings=auth_settings(db_url), db=db, clock=SystemClock())


@pytest.fixture
def saved(api_deps, admin_principal):
    """The Stripe key and webhook secret saved through the Settings use case."""
    uc.update_settings(SettingsUpdate.model_validate(
        {"stripe": {"secret_key": STRIPE_KEY, "webhook_secret": WEBHOOK_SECRET}}),
        principal=admin_principal, deps=api_deps)


def rotated_deps(db, db_url, old_keys: str | None) -> Deps:
    settings = auth_settings(db_url, billing_encryption_key=NEW_KEY,
                             billing_encryption_key_id="k2",
                             billing_encryption_old_keys=old_keys)
    return Deps(settings=settings, db=db, clock=SystemClock())


def tokens(admin_conn) -> list[str]:
    rows = admin_conn.execute(
        "select stripe_api_key_encrypted from billing_settings"
        " union all select stripe_webhook_secret_encrypted from billing_settings"
        " union all select fresh_mfa_secret from user_settings").fetchall()
    return [row[0] for row in rows]


def test_the_saved_key_does_not_appear_in_a_database_dump(saved, db_url):
    dump = subprocess.run([str(find_bindir() / "pg_dump"), "--data-only", db_url],
                          capture_output=True, text=True, check=True).stdout
    assert "billing_settings" in dump and "v1:k1:" in dump
    for secret in (STRIPE_KEY, WEBHOOK_SECRET, STRIPE_KEY[8:], base64.b64encode(
            STRIPE_KEY.encode()).decode()):
        assert secret not in dump


def test_the_saved_key_opens_only_with_the_right_key(saved, admin_conn, api_deps):
    token = admin_conn.execute("select stripe_api_key_encrypted from billing_settings"
                               ).fetchone()[0]
    assert decrypt(token, api_deps.keyring) == STRIPE_KEY
    with pytest.raises(DecryptionFailed):
        decrypt(token, Keyring.from_b64("k1", generate_key_b64()))
    with pytest.raises(DecryptionFailed):
        decrypt(token, Keyring.from_b64("k2", NEW_KEY))


def test_the_app_uses_the_saved_key_opened_in_memory(saved, api_deps):
    assert uc.configured_stripe_key(api_deps) == STRIPE_KEY


def test_a_key_the_ring_cannot_open_is_a_clear_error(saved, db, db_url):
    deps = rotated_deps(db, db_url, old_keys=None)
    with pytest.raises(UpstreamUnavailable) as caught:
        uc.configured_stripe_key(deps)
    assert caught.value.code == "secret_unreadable"
    assert STRIPE_KEY not in str(caught.value)


def test_rotation_re_encrypts_every_stored_secret_with_the_new_key(
        saved, db, db_url, admin_conn, admin_persona, capsys):
    before = tokens(admin_conn)
    assert len(before) == 3 and all(t.startswith("v1:k1:") for t in before)
    deps = rotated_deps(db, db_url, old_keys=f"k1:{ENCRYPTION_KEY}")
    with use_deps(deps):
        assert main(["rotate-encryption-key"]) == 0
    assert "re-encrypted 3 stored secret(s) with key k2; 0 already used it" in capsys.readouterr().out
    after = tokens(admin_conn)
    assert all(t.startswith("v1:k2:") for t in after)
    only_new = rotated_deps(db, db_url, old_keys=None)
    assert uc.configured_stripe_key(only_new) == STRIPE_KEY
    with only_new.db.system_session("test") as conn:
        token = conn.execute("select stripe_webhook_secret_encrypted from billing_settings"
                             ).fetchone()["stripe_webhook_secret_encrypted"]
    assert decrypt(token, only_new.keyring) == WEBHOOK_SECRET
    verify_mfa(admin_persona.principal, admin_persona.code(only_new.clock.now(), steps=1),
               deps=only_new)
    details = admin_conn.execute("select details from billing_audit_log where action ="
                                 " 'BILLING_ENCRYPTION_KEY_ROTATED'").fetchone()[0]
    assert details["count"] == 3 and details["counts"]["user_settings.fresh_mfa_secret"] == 1


def test_a_second_rotation_has_nothing_left_to_do(saved, db, db_url):
    deps = rotated_deps(db, db_url, old_keys=f"k1:{ENCRYPTION_KEY}")
    assert uc.rotate_encryption_key(deps).re_encrypted == 3  # with the admin's MFA secret
    assert uc.rotate_encryption_key(deps) == uc.Rotation("k2", 0, 3)


def test_rotation_without_the_old_key_changes_nothing(saved, db, db_url, admin_conn, capsys):
    before = tokens(admin_conn)
    with use_deps(rotated_deps(db, db_url, old_keys=None)):
        assert main(["rotate-encryption-key"]) == 1
    assert "cannot be decrypted" in capsys.readouterr().err
    assert tokens(admin_conn) == before
