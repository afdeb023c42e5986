"""RFC 9457 problem details: the one ``Problem`` shape every error response has.

``status`` is always the HTTP status code; domain data travels in the named
extension members below, each documented in the OpenAPI ``Problem`` schema. An
error may not overwrite the standard members. A new error code or extension
member is added here (a test finds codes and members used anywhere and fails
until they are listed).
"""
from __future__ import annotations

import logging
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from billing.domain.api_types import Cad, InvoiceAction, InvoiceStatus, StripeState

log = logging.getLogger("billing.http")

#: Every stable error ``code`` the API answers with.
ERROR_CODES = (
    "auth_keys_unavailable", "auth_not_configured", "batch_not_found", "batch_running",
    "billing_error",
    "conflict", "customer_has_invoices", "customer_has_unpaid_invoices",
    "customer_not_found", "database_not_configured", "database_unavailable",
    "dev_token_unavailable", "duplicate_customer", "duplicate_invoice",
    "duplicate_stripe_customer", "local_postgres_unavailable", "migration_changed",
    "encryption_not_configured", "forbidden", "forbidden_role", "fx_unavailable",
    "internal_error", "invalid_amount", "invalid_characters", "invalid_cost",
    "invalid_date", "invalid_date_range", "invalid_decimal", "invalid_duration",
    "invalid_event", "invalid_invoice_state", "invalid_json",
    "invalid_payload", "invalid_signature", "invalid_since", "invalid_state", "invalid_user_id",
    "invalid_webhook_payload", "invoice_in_progress", "invoice_not_found",
    "invoice_not_in_stripe",
    "invoice_pdf_unavailable", "json_too_deep", "method_not_allowed", "mfa_code_invalid",
    "mfa_locked", "mfa_not_enabled", "mfa_secret_format_unknown", "mfa_secret_unreadable",
    "mfa_verification_required",
    "no_customers_selected", "no_stripe_id", "not_allow_listed", "not_found",
    "payment_provider_error", "period_too_long", "rate_card_not_found", "rate_limited",
    "reconciliation_run_not_found",
    "retell_auth_failed", "retell_not_configured", "retell_not_found",
    "retell_rejected_request", "retell_unavailable", "retell_unexpected_response",
    "secret_unreadable", "smtp_not_configured", "stripe_api_error", "stripe_authentication",
    "stripe_card_error", "stripe_customer_not_found", "stripe_error", "stripe_event_retry",
    "stripe_idempotency_error", "stripe_invalid_request", "stripe_mode_mismatch",
    "stripe_not_configured", "stripe_not_found", "stripe_permission",
    "stripe_rate_limited", "stripe_total_mismatch", "stripe_unreachable",
    "stripe_webhook_not_configured", "unauthenticated", "unknown_customers",
    "upstream_unavailable", "validation_failed",
)
ErrorCode = Literal[ERROR_CODES]  # type: ignore[valid-type]
#: Members an error's extras may never replace.
STANDARD_MEMBERS = frozenset({"type", "title", "status", "detail", "instance", "code"})


def _sent_when_set(schema: dict[str, Any], cls: type[BaseModel]) -> None:
    """Problems are sent without unset members: only fields without a default are
    required."""
    schema["required"] = [field.alias or name for name, field in cls.model_fields.items()
                          if field.is_required()]


class FieldError(BaseModel):
    """One invalid input; ``field`` says where: ``query.page``, ``body.period.end``."""

    model_config = ConfigDict(json_schema_extra=_sent_when_set)

    field: str
    message: str
    type: str | None = None


class InvoiceRef(BaseModel):
    """An invoice named by a problem (the one already billing the period, an unpaid one)."""

    model_config = ConfigDict(json_schema_extra=_sent_when_set)

    id: str
    customer_id: str | None = None
    invoice_number: str | None
    invoice_status: InvoiceStatus
    billing_period_start: str | None = None
    billing_period_end: str | None = None
    total_amount_cad: Cad


class Problem(BaseModel):
    """RFC 9457 problem details, with this API's extension members."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True,
                              json_schema_extra=_sent_when_set)

    type: str
    title: str
    status: int = Field(ge=400, le=599, description="The HTTP status code, always")
    detail: str
    instance: str = Field(description="urn:invocation:<id>, quoted to support")
    code: ErrorCode
    errors: list[FieldError] | None = None
    invoice_status: InvoiceStatus | None = None
    existing_invoices: list[InvoiceRef] | None = None
    invoices: list[InvoiceRef] | None = Field(default=None,
                                              description="The customer's unpaid invoices")
    attempts_remaining: int | None = None
    retry_after_s: int | None = Field(default=None, description="Seconds to wait (429, 503)")
    limit: int | None = None
    window_seconds: int | None = None
    verify: str | None = Field(default=None, description="Where to verify today's MFA code")
    redirect: str | None = None
    return_url: str | None = Field(default=None, alias="returnUrl")
    hint: str | None = None
    reason: str | None = Field(default=None, description="Why a webhook event was refused")
    action: InvoiceAction | None = None
    stripe_state: StripeState | None = None
    stripe_status: str | None = None
    batch_id: str | None = None
    retry_url: str | None = None
    customer_ids: list[str] | None = None
    stripe_code: str | None = None
    stripe_request_id: str | None = None
    stripe_param: str | None = None
    stripe_message: str | None = None
    stripe_event_id: str | None = None
    stripe_invoice_id: str | None = None
    allowed_methods: list[str] | None = None


def problem_body(status: int, code: str, title: str, detail: str, invocation_id: str,
                 *, errors: list[dict[str, Any]] | None = None,
                 extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """The JSON body of a problem; ``extra`` never replaces a standard member."""
    body: dict[str, Any] = {
        "type": "about:blank" if code == "internal_error"
        else f"https://carexps.com/problems/{code}",
        "title": title, "status": status, "detail": detail,
        "instance": f"urn:invocation:{invocation_id}", "code": code,
    }
    if errors:
        body["errors"] = errors
    for key, value in (extra or {}).items():
        if key not in STANDARD_MEMBERS:
            body[key] = value
    try:
        return Problem.model_validate(body).model_dump(mode="json", by_alias=True,
                                                       exclude_unset=True)
    except ValidationError as exc:
        log.error("undocumented problem member", extra={"code": code, "detail": str(exc)})
        return body
