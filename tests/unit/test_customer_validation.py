"""The customer form rules of the spec (zod customerSchema), every error at once."""
from __future__ import annotations

from decimal import Decimal

import pytest
from pydantic import ValidationError

from billing.domain.customers import AgentMappingIn, CustomerCreate, CustomerPatch

VALID = {"customer_name": "Clinique Saint-Laurent", "customer_email": "billing@clinic.ca"}


def errors(model, data) -> dict[str, str]:
    with pytest.raises(ValidationError) as err:
        model.model_validate(data)
    return {".".join(map(str, e["loc"])): e["msg"] for e in err.value.errors()}


def test_minimal_customer_gets_the_form_defaults():
    customer = CustomerCreate.model_validate(VALID)
    assert customer.markup_percentage == Decimal(0)
    assert customer.auto_invoice_enabled is False
    assert customer.create_stripe_customer is True


def test_every_field_error_is_reported_at_once_with_the_spec_messages():
    assert errors(CustomerCreate, {
        "customer_name": "A", "customer_email": "not-an-email",
        "billing_contact_name": "c" * 101, "phone_number": "12345",
        "billing_address": "a" * 501, "tax_id": "t" * 51, "markup_percentage": -1,
        "auto_invoice_enabled": "yes", "notes": "n" * 1001,
    }) == {
        "customer_name": "Customer name must be at least 2 characters",
        "customer_email": "Invalid email format",
        "billing_contact_name": "Contact name too long",
        "phone_number": "Invalid phone number",
        "billing_address": "Address too long",
        "tax_id": "Tax ID too long",
        "markup_percentage": "Markup cannot be negative",
        "auto_invoice_enabled": "Input should be a valid boolean",
        "notes": "Notes too long",
    }


@pytest.mark.parametrize(("data", "field", "message"), [
    ({"customer_name": "n" * 101}, "customer_name", "Customer name too long"),
    ({"customer_email": "a" * 250 + "@x.com"}, "customer_email", "Email too long"),
    ({"customer_email": "a..b@clinic.ca"}, "customer_email", "Invalid email format"),
    ({"customer_email": ".a@clinic.ca"}, "customer_email", "Invalid email format"),
    ({"customer_email": "a@clinic"}, "customer_email", "Invalid email format"),
    ({"customer_email": "billing@clinic.ca\n"}, "customer_email", "Invalid email format"),
    ({"markup_percentage": 10000.01}, "markup_percentage", "Markup too high"),
    ({"markup_percentage": "abc"}, "markup_percentage", "Markup must be a number"),
    ({"markup_percentage": True}, "markup_percentage", "Markup must be a number"),
    ({"markup_percentage": "NaN"}, "markup_percentage", "Markup must be a number"),
    ({"markup_percentage": 1.23456}, "markup_percentage",
     "Markup can have at most 4 decimal places"),
    ({"customer_name": "ab\x00"}, "customer_name", "Invalid characters"),
    ({"customer_name": 12}, "customer_name", "Input should be a valid string"),
    ({"stripe_customer_id": "acct_1"}, "stripe_customer_id", "Invalid Stripe customer ID"),
    ({"surprise": 1}, "surprise", "Extra inputs are not permitted"),
])
def test_single_field_rules(data, field, message):
    assert errors(CustomerCreate, {**VALID, **data}) == {field: message}


@pytest.mark.parametrize("phone", ["", "555-123-4567", "(555) 123-4567", "+555.123.4567",
                                   "5551234567", "555 123 456789"])
def test_phone_numbers_the_spec_accepts(phone):
    assert CustomerCreate.model_validate({**VALID, "phone_number": phone}).phone_number == phone


@pytest.mark.parametrize("phone", ["+1 555 123 4567", "+1555.123.4567", "555-1234", "phone", "555-123-4567\n"])
def test_phone_numbers_the_spec_refuses(phone):
    assert errors(CustomerCreate, {**VALID, "phone_number": phone}) == {
        "phone_number": "Invalid phone number"}


@pytest.mark.parametrize("markup", [0, 10000, "20.5", 20.25, "0.0001"])
def test_markup_bounds_and_numeric_strings(markup):
    value = CustomerCreate.model_validate({**VALID, "markup_percentage": markup})
    assert value.markup_percentage == Decimal(str(markup))


def test_empty_optional_text_is_stored_as_null():
    cmd = CustomerCreate.model_validate({**VALID, "phone_number": "", "notes": ""})
    columns = cmd.columns(set(CustomerCreate.model_fields))
    assert columns["phone_number"] is None and columns["notes"] is None
    assert "create_stripe_customer" not in columns


def test_patch_changes_only_the_fields_sent():
    patch = CustomerPatch.model_validate({"markup_percentage": "15", "notes": None})
    assert patch.columns() == {"markup_percentage": Decimal(15), "notes": None}


def test_patch_validates_like_create_and_refuses_null_for_required_fields():
    assert errors(CustomerPatch, {"customer_name": None, "customer_email": "x",
                                  "auto_invoice_enabled": None, "markup_percentage": 1e9}) == {
        "customer_name": "This field cannot be empty",
        "customer_email": "Invalid email format",
        "auto_invoice_enabled": "This field cannot be empty",
        "markup_percentage": "Markup too high",
    }


def test_agent_ids_are_checked():
    assert errors(AgentMappingIn, {"agent_ids": ["agent_ok", "bad id"]}) == {
        "agent_ids.1": "Invalid agent ID"}
