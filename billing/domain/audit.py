"""What the audit log may say: action names, severities, allow-listed detail keys.

Details are restricted to business facts (amounts, counts, periods, ids,
business customer names). A key outside ``ALLOWED_DETAIL_KEYS`` is refused, so
message text, phone numbers or tokens cannot slip into the log by accident.
"""
from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

# Access and MFA
ADMIN_ACCESS = "BILLING_ADMIN_ACCESS"
ACCESS_DENIED = "BILLING_ACCESS_DENIED"
MFA_VERIFIED = "BILLING_MFA_VERIFIED"
MFA_FAILED = "BILLING_MFA_FAILED"
AUDIT_PRUNED = "BILLING_AUDIT_PRUNED"
# Customers
CUSTOMER_CREATED = "BILLING_CUSTOMER_CREATED"
CUSTOMER_UPDATED = "BILLING_CUSTOMER_UPDATED"
CUSTOMER_DELETED = "BILLING_CUSTOMER_DELETED"
CUSTOMER_STRIPE_LINKED = "BILLING_CUSTOMER_STRIPE_LINKED"
CUSTOMER_STRIPE_FAILED = "BILLING_CUSTOMER_STRIPE_FAILED"
CUSTOMERS_EXPORTED = "BILLING_CUSTOMERS_EXPORTED"
AGENTS_MAPPED = "BILLING_AGENTS_MAPPED"

ADMINISTRATIVE = "ADMINISTRATIVE"
SECURITY = "SECURITY"
INFO = "INFO"
SEVERITIES = frozenset({ADMINISTRATIVE, SECURITY, INFO})

ALLOWED_DETAIL_KEYS = frozenset({
    "reason", "code", "route", "count", "counts",
    "amount_cad", "total_cad", "subtotal_cad", "markup_cad", "currency",
    "period_start", "period_end",
    "invoice_id", "invoice_ids", "invoice_number",
    "stripe_invoice_id", "stripe_customer_id", "stripe_event_id", "event_type",
    "customer_id", "customer_ids", "customer_name", "business_customer_name",
    "mode", "status", "from_status", "to_status",
    "batch_id", "processed", "failed", "skipped",
    "key_hint", "test_mode", "fields", "agent_ids", "moved_from",
    "filters", "format", "rows", "error_code", "attempt", "source",
    "fetched", "inserted", "updated", "unchanged", "drift", "unattributed",
    "valid_until", "retry_after", "due_date", "due_in_days", "supplementary",
    "markup_percentage", "fx_rate", "fx_rate_date", "rate_card_id", "setting",
    "stripe_action", "usage_released", "source_hash", "before",
    "run_id", "kind", "since", "repair", "trigger", "repaired", "reminder_day", "days_overdue",
})


def validate_details(details: Mapping[str, Any] | None) -> None:
    """Raise ValueError if ``details`` has a key outside ``ALLOWED_DETAIL_KEYS``."""
    unknown = sorted(set(details or {}) - ALLOWED_DETAIL_KEYS)
    if unknown:
        raise ValueError(f"audit details may not contain: {', '.join(unknown)}")


def jsonable(value: Any) -> Any:
    """Decimals, dates, datetimes and UUIDs as strings; containers recursively."""
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = sorted(value, key=str) if isinstance(value, set | frozenset) else value
        return [jsonable(v) for v in items]
    if isinstance(value, Decimal | date | datetime | UUID):
        return value.isoformat() if isinstance(value, date) else str(value)
    return value


def audit_details(details: Mapping[str, Any] | None) -> dict[str, Any]:
    """Validated details ready for the JSON column."""
    validate_details(details)
    return jsonable(dict(details or {}))
