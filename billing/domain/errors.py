"""The one error hierarchy of the product.

Every error a use case raises is a ``BillingError`` subclass with a stable
``code``. Only ``functions/_http.py`` turns them into HTTP (RFC 9457
problem+json). An instance may carry a more specific ``code`` (for example
``Forbidden(code="forbidden_role")``), per-field ``errors`` and ``extra``
members that are merged into the problem body.
"""
from __future__ import annotations

from typing import Any


class BillingError(Exception):
    """Root of every expected failure; ``code`` is stable and documented."""

    code = "billing_error"
    title = "Billing error"

    def __init__(
        self,
        detail: str,
        *,
        code: str | None = None,
        errors: list[dict[str, Any]] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        if code is not None:
            self.code = code
        self.errors = errors or []
        self.extra = extra or {}


class ValidationFailed(BillingError):
    """Input does not satisfy the rules; ``errors`` lists every field at once."""

    code = "validation_failed"
    title = "Validation failed"


class Unauthenticated(BillingError):
    code = "unauthenticated"
    title = "Authentication required"


class Forbidden(BillingError):
    code = "forbidden"
    title = "Forbidden"


class MfaRequired(Forbidden):
    """MFA is not enabled or not set up for the user."""

    code = "mfa_not_enabled"
    title = "MFA required"


class MfaVerificationRequired(Forbidden):
    """MFA is set up but was not verified today (billing time zone)."""

    code = "mfa_verification_required"
    title = "MFA verification required"


class NotFound(BillingError):
    code = "not_found"
    title = "Not found"


class Conflict(BillingError):
    code = "conflict"
    title = "Conflict"


class InvalidState(Conflict):
    code = "invalid_state"
    title = "Invalid state"


class RateLimited(BillingError):
    code = "rate_limited"
    title = "Too many requests"

    def __init__(self, detail: str, *, retry_after: int, **kwargs: Any) -> None:
        super().__init__(detail, **kwargs)
        self.retry_after = max(1, int(retry_after))


class UpstreamUnavailable(BillingError):
    """A service we depend on (Retell, Bank of Canada, database) is unavailable."""

    code = "upstream_unavailable"
    title = "Service unavailable"

    def __init__(self, detail: str, *, retry_after: int = 30, **kwargs: Any) -> None:
        super().__init__(detail, **kwargs)
        self.retry_after = max(1, int(retry_after))


class PaymentProviderError(BillingError):
    """Stripe refused or failed; ``detail`` is the user-facing message."""

    code = "payment_provider_error"
    title = "Payment provider error"
