"""The readers of user_settings.fresh_mfa_secret, one per BILLING_MFA_SECRET_FORMAT."""
from __future__ import annotations

import base64

import pytest

from billing.adapters.mfa_secrets import FORMATS, MfaSecretUnreadable, mfa_secret_reader
from billing.adapters.secrets import Keyring, encrypt
from billing.domain.errors import UpstreamUnavailable

KEYRING = Keyring.from_b64("k1", base64.b64encode(b"k" * 32).decode())
OTHER = Keyring.from_b64("k2", base64.b64encode(b"o" * 32).decode())
SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def reader(name: str):
    return mfa_secret_reader(name, lambda: KEYRING)


def test_billing_v1_opens_what_this_backend_sealed():
    assert reader("billing-v1").read(encrypt(SECRET, KEYRING)) == SECRET


STORED = {  # built per test: a sealed value differs on every call
    "plain": lambda: SECRET, "other key": lambda: encrypt(SECRET, OTHER),
    "corrupt": lambda: "v1:k1:AAAA", "empty": lambda: "",
    "sealed": lambda: encrypt(SECRET, KEYRING), "not base32": lambda: "not base32!",
    "blank": lambda: "   ",
}


@pytest.mark.parametrize("stored", ["plain", "other key", "corrupt", "empty"])
def test_billing_v1_refuses_anything_else(stored):
    with pytest.raises(MfaSecretUnreadable):
        reader("billing-v1").read(STORED[stored]())


def test_plain_base32_reads_the_secret_as_stored_spaces_and_case_aside():
    spaced = " ".join(SECRET[i:i + 4] for i in range(0, len(SECRET), 4)).lower()
    assert reader("plain-base32").read(spaced) == SECRET


@pytest.mark.parametrize("stored", ["not base32", "sealed", "blank"])
def test_plain_base32_refuses_what_is_not_base32(stored):
    with pytest.raises(MfaSecretUnreadable):
        reader("plain-base32").read(STORED[stored]())


def test_an_unknown_format_is_a_configuration_error_naming_the_known_ones():
    with pytest.raises(UpstreamUnavailable) as err:
        reader("carexps-v7")
    assert err.value.code == "mfa_secret_format_unknown"
    assert all(name in err.value.detail for name in FORMATS)


def test_the_unreadable_reason_never_contains_the_secret():
    with pytest.raises(MfaSecretUnreadable) as err:
        reader("billing-v1").read(SECRET)
    assert SECRET not in str(err.value)
