"""Settings from the environment (pydantic-settings), read lazily and cached.

Nothing here is read at import time; ``get_settings()`` builds the object on
first use. Names are the environment variables documented in
``local.settings.example.json``.
"""
from __future__ import annotations

from decimal import Decimal
from functools import lru_cache

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Every setting the app reads; see local.settings.example.json."""

    model_config = SettingsConfigDict(env_prefix="", extra="ignore", case_sensitive=False)

    database_url: str | None = None
    db_pool_max_size: int = 10

    billing_time_zone: str = "America/Toronto"
    billing_encryption_key: str | None = None
    billing_encryption_key_id: str = "k1"
    billing_encryption_old_keys: str | None = None

    billing_auth_jwks_url: str | None = None
    billing_auth_jwt_secret: str | None = None
    billing_auth_issuer: str | None = None
    billing_auth_audience: str | None = None
    billing_auth_user_claim: str | None = None  # empty: oid for an Entra JWKS, else sub
    billing_auth_tenant_id: str | None = None
    billing_mfa_secret_format: str = "billing-v1"  # noqa: S105 (a format name)
    billing_allowed_user_ids: str | None = None
    billing_denials_per_minute: int = Field(default=30, ge=1)

    stripe_api_base: str | None = None
    stripe_secret_key: str | None = Field(
        default=None, validation_alias=AliasChoices("stripe_secret_key")
    )

    retell_api_key: str | None = None
    retell_base_url: str = "https://api.retellai.com"

    boc_valet_url: str = "https://www.bankofcanada.ca/valet"
    fx_fixed_usd_cad: Decimal | None = None

    smtp_host: str | None = None
    smtp_port: int = 587
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_from: str | None = None
    smtp_starttls: bool = True

    @property
    def allowed_user_ids(self) -> frozenset[str]:
        """The optional allow-list of user ids (empty means everyone allowed)."""
        raw = self.billing_allowed_user_ids or ""
        return frozenset(part.strip() for part in raw.split(",") if part.strip())


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read from the environment on first use."""
    return Settings()
