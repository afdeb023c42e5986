"""Secrets at rest: AES-256-GCM with a key ring, so keys can rotate.

A token is ``v1:<key_id>:<base64(nonce ‖ ciphertext+tag)>``. ``encrypt`` always
uses the current key; ``decrypt`` accepts the current key and every old key
(``BILLING_ENCRYPTION_OLD_KEYS="id:b64,id:b64"``). Plaintext lives in memory
only; nothing here logs or echoes a secret.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from billing.config import Settings
from billing.domain.errors import UpstreamUnavailable

VERSION = "v1"
NONCE_BYTES = 12
KEY_BYTES = 32
_KEY_ID = re.compile(r"^[A-Za-z0-9_-]{1,32}$")


class DecryptionFailed(ValueError):
    """The token is malformed, uses an unknown key id, or was tampered with."""


def _decode_key(key_id: str, b64: str) -> bytes:
    if not _KEY_ID.match(key_id):
        raise ValueError(f"encryption key id {key_id!r} must be 1-32 letters, digits, _ or -")
    try:
        key = base64.b64decode(b64.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise ValueError(f"encryption key {key_id!r} is not valid base64") from None
    if len(key) != KEY_BYTES:
        raise ValueError(f"encryption key {key_id!r} must be {KEY_BYTES} bytes (base64)")
    return key


@dataclass(frozen=True)
class Keyring:
    """The current key (used to encrypt) and old keys (still accepted to decrypt)."""

    current_id: str
    keys: Mapping[str, bytes]

    def __post_init__(self) -> None:
        if self.current_id not in self.keys:
            raise ValueError("the current key id has no key")

    def __repr__(self) -> str:
        return f"Keyring(current_id={self.current_id!r}, key_ids={sorted(self.keys)!r})"

    @classmethod
    def from_b64(cls, current_id: str, current_b64: str, old_keys: str | None = None) -> Keyring:
        """Build from base64 keys; ``old_keys`` is ``"id:b64,id:b64"``."""
        keys = {current_id: _decode_key(current_id, current_b64)}
        for part in filter(None, (p.strip() for p in (old_keys or "").split(","))):
            old_id, sep, b64 = part.partition(":")
            if not sep:
                raise ValueError("old encryption keys must look like id:base64,id:base64")
            keys.setdefault(old_id.strip(), _decode_key(old_id.strip(), b64))
        return cls(current_id, keys)

    @classmethod
    def from_settings(cls, settings: Settings) -> Keyring:
        """The key ring from ``BILLING_ENCRYPTION_KEY`` (+ key id and old keys)."""
        if not settings.billing_encryption_key:
            raise UpstreamUnavailable("Encryption is not configured (BILLING_ENCRYPTION_KEY).",
                                      code="encryption_not_configured")
        try:
            return cls.from_b64(settings.billing_encryption_key_id,
                                settings.billing_encryption_key,
                                settings.billing_encryption_old_keys)
        except ValueError as exc:
            raise UpstreamUnavailable(f"Encryption is misconfigured: {exc}.",
                                      code="encryption_not_configured") from None

    def derived_key(self, purpose: str) -> bytes:
        """A 256-bit key for ``purpose`` (HMAC-SHA256 of it under the current key)."""
        return hmac.new(self.keys[self.current_id], purpose.encode(), hashlib.sha256).digest()

    def is_current(self, token: str) -> bool:
        """True if ``token`` is sealed with the current key (else re-encrypt it)."""
        return token.startswith(f"{VERSION}:{self.current_id}:")


def generate_key_b64() -> str:
    """A fresh random 256-bit key, base64 (local runs and tests)."""
    return base64.b64encode(AESGCM.generate_key(bit_length=256)).decode()


def encrypt(plaintext: str, keyring: Keyring) -> str:
    """Seal ``plaintext`` with the current key: ``v1:<key_id>:<b64 nonce+ct>``."""
    nonce = os.urandom(NONCE_BYTES)
    sealed = AESGCM(keyring.keys[keyring.current_id]).encrypt(
        nonce, plaintext.encode("utf-8"), _aad(keyring.current_id))
    return f"{VERSION}:{keyring.current_id}:{base64.b64encode(nonce + sealed).decode()}"


def decrypt(token: str, keyring: Keyring) -> str:
    """Open a token sealed by ``encrypt`` with any key of the ring."""
    version, _, rest = token.partition(":")
    key_id, _, payload = rest.partition(":")
    if version != VERSION or not payload:
        raise DecryptionFailed("not an encrypted value of a known format")
    key = keyring.keys.get(key_id)
    if key is None:
        raise DecryptionFailed(f"no key {key_id!r} in the key ring")
    try:
        blob = base64.b64decode(payload, validate=True)
        plain = AESGCM(key).decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], _aad(key_id))
    except (binascii.Error, ValueError, InvalidTag):
        raise DecryptionFailed("the encrypted value is corrupt or was tampered with") from None
    return plain.decode("utf-8")


def _aad(key_id: str) -> bytes:
    """Bind the version and key id to the ciphertext (no silent relabelling)."""
    return f"{VERSION}:{key_id}".encode()
