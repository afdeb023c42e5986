"""Composition root: builds the process-wide dependencies once, lazily.

Used by ``functions/`` and ``billing.cli`` alike. Nothing is built at import.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from billing.adapters.clock import SystemClock
from billing.adapters.postgres.sessions import Database
from billing.config import Settings, get_settings
from billing.domain.errors import UpstreamUnavailable
from billing.ports import Clock


@dataclass
class Deps:
    """What handlers and use cases are given; tests build their own.

    Optional parts are built from ``settings`` on first use unless given.
    """

    settings: Settings
    db: Database
    clock: Clock
    fx_service: Any = None
    payments_factory: Callable[[], Any] | None = None
    retell_client: Any = None
    verifier: Any = None
    encryption_keyring: Any = None
    mail_transport: Any = None

    @property
    def token_verifier(self) -> Any:
        """The bearer-token verifier (JWKS or HS256, from ``BILLING_AUTH_*``)."""
        if self.verifier is None:
            from billing.adapters.tokens import TokenVerifier

            self.verifier = TokenVerifier.from_settings(self.settings)
        return self.verifier

    @property
    def keyring(self) -> Any:
        """The AES-256-GCM key ring (from ``BILLING_ENCRYPTION_*``)."""
        if self.encryption_keyring is None:
            from billing.adapters.secrets import Keyring

            self.encryption_keyring = Keyring.from_settings(self.settings)
        return self.encryption_keyring

    @property
    def mfa_secrets(self) -> Any:
        """The reader of ``user_settings.fresh_mfa_secret`` (``BILLING_MFA_SECRET_FORMAT``)."""
        from billing.adapters.mfa_secrets import mfa_secret_reader

        return mfa_secret_reader(self.settings.billing_mfa_secret_format, lambda: self.keyring)

    @property
    def fx(self) -> Any:
        """The FX service (Bank of Canada unless a fixed rate is configured)."""
        if self.fx_service is None:
            from billing.adapters.boc_fx import BocFxClient
            from billing.usecases.fx import FxService

            self.fx_service = FxService(BocFxClient(self.settings.boc_valet_url),
                                        clock=self.clock,
                                        fixed_rate=self.settings.fx_fixed_usd_cad)
        return self.fx_service

    @property
    def usage_source(self) -> Any:
        """The Retell usage source (``RETELL_API_KEY``, ``RETELL_BASE_URL``)."""
        if self.retell_client is None:
            from billing.adapters.retell import RetellClient

            if not self.settings.retell_api_key:
                raise UpstreamUnavailable("RETELL_API_KEY is not configured.",
                                          code="retell_not_configured")
            self.retell_client = RetellClient(self.settings.retell_api_key,
                                              self.settings.retell_base_url)
        return self.retell_client

    @property
    def mailer(self) -> Any:
        """The SMTP mailer (``SMTP_*``), or None while SMTP is not configured."""
        if self.mail_transport is None and self.settings.smtp_host:
            from billing.adapters.mailer import SmtpMailer

            self.mail_transport = SmtpMailer.from_settings(self.settings)
        return self.mail_transport

    def payments(self) -> Any:
        """A Stripe gateway for the organisation's key: the one saved in the settings
        (decrypted in memory), else ``STRIPE_SECRET_KEY``, else 502
        ``stripe_not_configured``. ``payments_factory`` overrides all of it (tests)."""
        if self.payments_factory is not None:
            return self.payments_factory()
        from billing.usecases.settings import configured_stripe_key

        return self.stripe_gateway(configured_stripe_key(self))

    def stripe_gateway(self, api_key: str) -> Any:
        """A Stripe gateway for ``api_key`` at ``STRIPE_API_BASE`` (default: Stripe)."""
        from billing.adapters.stripe_gateway import StripeGateway

        return StripeGateway(api_key, self.settings.stripe_api_base)


def build_deps(settings: Settings, *, clock: Clock | None = None) -> Deps:
    """Build dependencies for the given settings (tests and CLI call this directly)."""
    if not settings.database_url:
        raise UpstreamUnavailable(
            "DATABASE_URL is not configured.", code="database_not_configured"
        )
    db = Database(settings.database_url, max_size=settings.db_pool_max_size)
    return Deps(settings=settings, db=db, clock=clock or SystemClock())


_override: list[Deps] = []


@lru_cache(maxsize=1)
def _process_deps() -> Deps:
    return build_deps(get_settings())


def get_deps() -> Deps:
    """The process-wide dependencies (built on first use), or the ones in ``use_deps``."""
    return _override[-1] if _override else _process_deps()


@contextmanager
def use_deps(deps: Deps) -> Iterator[Deps]:
    """Serve requests with ``deps`` inside the block (tests, demo, local server)."""
    _override.append(deps)
    try:
        yield deps
    finally:
        _override.remove(deps)
