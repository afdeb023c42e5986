"""Reading the TOTP secret CareXPS stores in ``user_settings.fresh_mfa_secret``.

The format is chosen by ``BILLING_MFA_SECRET_FORMAT``:

- ``billing-v1`` (default): sealed by this backend, ``v1:<key id>:<base64>``
  (AES-256-GCM, ``BILLING_ENCRYPTION_KEY`` and old keys; ``billing.adapters.secrets``).
- ``plain-base32``: the base32 secret itself, for a project that keeps it
  unencrypted behind RLS (only ``service_role`` reads it here).

Extension point — CareXPS's own sealing: write a class with ``name`` and
``read(stored) -> base32 secret`` (raise ``MfaSecretUnreadable`` when it cannot),
add a builder for it to ``FORMATS`` under a new name, and set
``BILLING_MFA_SECRET_FORMAT`` to that name. ``billing check-access --user-id ID``
then tells whether a real account's secret reads. Secrets live in memory only;
nothing here logs or echoes one.
"""
from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from typing import Protocol

from billing.adapters.secrets import DecryptionFailed, Keyring, decrypt
from billing.domain.errors import UpstreamUnavailable


class MfaSecretUnreadable(ValueError):
    """The stored value cannot be turned into a TOTP secret (the reason, never the value)."""


class MfaSecretReader(Protocol):
    """Turns a stored ``fresh_mfa_secret`` into the base32 TOTP secret."""

    name: str

    def read(self, stored: str) -> str: ...


def _base32(secret: str) -> str:
    """``secret`` normalised (no spaces, upper case), or MfaSecretUnreadable."""
    cleaned = "".join(secret.split()).upper()
    try:
        if not cleaned or not base64.b32decode(cleaned + "=" * (-len(cleaned) % 8)):
            raise ValueError
    except (binascii.Error, ValueError):
        raise MfaSecretUnreadable("the secret is not base32") from None
    return cleaned


class BillingV1:
    """``v1:<key id>:<base64>`` sealed with the billing key ring."""

    name = "billing-v1"

    def __init__(self, keyring: Callable[[], Keyring]) -> None:
        self._keyring = keyring

    def read(self, stored: str) -> str:
        try:
            return _base32(decrypt(stored, self._keyring()))
        except DecryptionFailed as exc:
            raise MfaSecretUnreadable(str(exc)) from None


class PlainBase32:
    """The base32 secret as stored."""

    name = "plain-base32"

    def read(self, stored: str) -> str:
        return _base32(stored)


#: format name -> builder taking the key ring factory.
FORMATS: dict[str, Callable[[Callable[[], Keyring]], MfaSecretReader]] = {
    BillingV1.name: BillingV1,
    PlainBase32.name: lambda _keyring: PlainBase32(),
}


def mfa_secret_reader(name: str, keyring: Callable[[], Keyring]) -> MfaSecretReader:
    """The reader for ``BILLING_MFA_SECRET_FORMAT`` = ``name``; 503 if unknown."""
    builder = FORMATS.get(name.strip().lower())
    if builder is None:
        raise UpstreamUnavailable(
            f"BILLING_MFA_SECRET_FORMAT {name!r} is unknown (known: {', '.join(FORMATS)}).",
            code="mfa_secret_format_unknown")
    return builder(keyring)
