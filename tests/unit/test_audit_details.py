"""Audit details: only allow-listed keys, values stored as JSON-friendly text."""
from __future__ import annotations

import re
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from billing.domain import audit


def test_an_unknown_key_is_refused():
    with pytest.raises(ValueError, match="message_text, phone_number"):
        audit.validate_details({"reason": "x", "phone_number": "+1555", "message_text": "hi"})


def test_allowed_keys_pass_and_none_is_empty():
    audit.validate_details({"invoice_id": "1", "amount_cad": Decimal("1.00"), "counts": {}})
    audit.validate_details(None)
    assert audit.audit_details(None) == {}


def test_values_are_serialised_as_strings():
    customer = uuid.uuid4()
    details = audit.audit_details({
        "amount_cad": Decimal("12.30"), "period_start": date(2026, 10, 1),
        "valid_until": datetime(2026, 11, 28, 5, 0, tzinfo=UTC),
        "customer_id": customer, "agent_ids": ("a", "b"), "counts": {"calls": 3},
        "filters": {"search", "auto_invoice"},
    })
    assert details == {
        "amount_cad": "12.30", "period_start": "2026-10-01",
        "valid_until": "2026-11-28T05:00:00+00:00", "customer_id": str(customer),
        "agent_ids": ["a", "b"], "counts": {"calls": 3}, "filters": ["auto_invoice", "search"],
    }


def test_every_action_name_fits_the_database_pattern():
    names = {v for k, v in vars(audit).items() if k.isupper() and isinstance(v, str)
             and v.startswith("BILLING_")}
    assert {"BILLING_ADMIN_ACCESS", "BILLING_ACCESS_DENIED", "BILLING_MFA_VERIFIED",
            "BILLING_MFA_FAILED", "BILLING_CUSTOMER_CREATED", "BILLING_CUSTOMER_UPDATED",
            "BILLING_CUSTOMER_DELETED", "BILLING_CUSTOMERS_EXPORTED",
            "BILLING_AGENTS_MAPPED"} <= names
    assert all(re.fullmatch(r"BILLING_[A-Z_]+", n) for n in names)
