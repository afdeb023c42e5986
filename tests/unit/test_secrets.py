"""AES-256-GCM secrets: round trip, tamper detection, key rotation, configuration."""
from __future__ import annotations

import base64

import pytest

from billing.adapters.secrets import DecryptionFailed, Keyring, decrypt, encrypt, generate_key_b64
from billing.config import Settings
from billing.domain.errors import UpstreamUnavailable

KEY_A = generate_key_b64()
KEY_B = generate_key_b64()


def test_round_trip_and_format():
    ring = Keyring.from_b64("k1", KEY_A)
    token = encrypt("JBSWY3DPEHPK3PXP", ring)
    assert token.startswith("v1:k1:")
    assert "JBSWY3DPEHPK3PXP" not in token
    assert decrypt(token, ring) == "JBSWY3DPEHPK3PXP"


def test_same_plaintext_encrypts_differently_each_time():
    ring = Keyring.from_b64("k1", KEY_A)
    assert encrypt("sk_test_123", ring) != encrypt("sk_test_123", ring)


def test_tampered_ciphertext_is_refused():
    ring = Keyring.from_b64("k1", KEY_A)
    prefix, _, payload = encrypt("secret", ring).rpartition(":")
    blob = bytearray(base64.b64decode(payload))
    blob[-1] ^= 1
    with pytest.raises(DecryptionFailed):
        decrypt(f"{prefix}:{base64.b64encode(bytes(blob)).decode()}", ring)


def test_relabelled_key_id_is_refused_even_with_the_same_key():
    ring = Keyring("k1", {"k1": base64.b64decode(KEY_A), "k2": base64.b64decode(KEY_A)})
    token = encrypt("secret", ring)
    with pytest.raises(DecryptionFailed):
        decrypt(token.replace("v1:k1:", "v1:k2:"), ring)


def test_rotation_old_key_still_decrypts_and_new_values_use_the_current_key():
    old_ring = Keyring.from_b64("k1", KEY_A)
    sealed_before = encrypt("secret", old_ring)
    new_ring = Keyring.from_b64("k2", KEY_B, f"k1:{KEY_A}")
    assert decrypt(sealed_before, new_ring) == "secret"
    assert not new_ring.is_current(sealed_before)
    resealed = encrypt("secret", new_ring)
    assert new_ring.is_current(resealed) and resealed.startswith("v1:k2:")
    with pytest.raises(DecryptionFailed, match="no key 'k2'"):
        decrypt(resealed, old_ring)


@pytest.mark.parametrize("token", ["", "plain", "v2:k1:AAAA", "v1:k1:", "v1:k1:!!notbase64",
                                   "v1:k1:QUJD"])
def test_malformed_tokens_are_refused(token):
    with pytest.raises(DecryptionFailed):
        decrypt(token, Keyring.from_b64("k1", KEY_A))


def test_keyring_from_settings_reads_current_and_old_keys():
    ring = Keyring.from_settings(Settings(billing_encryption_key=KEY_B,
                                          billing_encryption_key_id="k2",
                                          billing_encryption_old_keys=f" k1:{KEY_A} ,"))
    assert ring.current_id == "k2" and set(ring.keys) == {"k1", "k2"}


@pytest.mark.parametrize("fields", [
    {},
    {"billing_encryption_key": base64.b64encode(b"short").decode()},
    {"billing_encryption_key": "not base64!"},
    {"billing_encryption_key": KEY_A, "billing_encryption_old_keys": "k0"},
    {"billing_encryption_key": KEY_A, "billing_encryption_key_id": "bad id"},
])
def test_missing_or_bad_configuration_is_a_clear_503(fields):
    with pytest.raises(UpstreamUnavailable) as err:
        Keyring.from_settings(Settings(**fields))
    assert err.value.code == "encryption_not_configured"


def test_repr_never_shows_key_material():
    ring = Keyring.from_b64("k1", KEY_A)
    assert KEY_A not in repr(ring) and "k1" in repr(ring)
