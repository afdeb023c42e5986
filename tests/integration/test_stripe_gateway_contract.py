"""The gateway's contract, asserted alike against the stand-in and real Stripe test mode.

Runs against Stripe itself only when ``STRIPE_TEST_SECRET_KEY`` holds a
test-mode key; every idempotency key is unique to the run.
"""
from __future__ import annotations

import re
from datetime import timedelta

import pytest

from billing.adapters.stripe_gateway import StripeGateway
from billing.domain.errors import NotFound, PaymentProviderError
from billing.ports import NewLine, PaymentGateway, StripeCustomer, StripeInvoice

NUMBER = re.compile(r"^[A-Z0-9]{3,12}-\d{4,}$")


def customer(gateway: StripeGateway, idem, name: str = "Acme Clinic") -> StripeCustomer:
    return gateway.create_customer(
        name, "billing@acme.example", "+14165550100", "1 King St W, Toronto",
        {"carexps_customer_id": "c-1"}, idempotency_key=idem(f"customer-{name}"),
    )


def draft(gateway: StripeGateway, idem, amounts: tuple[int, ...], days: int = 30) -> StripeInvoice:
    owner = customer(gateway, idem)
    invoice = gateway.create_invoice(
        owner.id, days_until_due=days, description="CareXPS usage", footer="Thank you",
        metadata={"invoice_record_id": "r-1"}, idempotency_key=idem("invoice"),
    )
    if amounts:
        gateway.add_lines(invoice.id, [NewLine(cents, f"Line {n}", {"category": f"c{n}"})
                                       for n, cents in enumerate(amounts)],
                          idempotency_key=idem("lines"))
    return gateway.retrieve_invoice(invoice.id)


def test_a_test_mode_key_is_not_livemode(contract_gateway):
    gateway: PaymentGateway = contract_gateway
    assert gateway.livemode is False


def test_the_connection_test_lists_customers(contract_gateway):
    assert isinstance(contract_gateway.list_customers(limit=1), list)


def test_a_customer_is_created_retrieved_and_updated(contract_gateway, idem):
    made = customer(contract_gateway, idem)
    assert made.id.startswith("cus_") and made.name == "Acme Clinic"
    assert contract_gateway.retrieve_customer(made.id) == made
    renamed = contract_gateway.update_customer(made.id, name="Acme Health", idempotency_key=idem("rename"))
    assert (renamed.name, renamed.email) == ("Acme Health", "billing@acme.example")


def test_the_same_idempotency_key_gives_back_the_same_customer(contract_gateway, idem):
    assert customer(contract_gateway, idem).id == customer(contract_gateway, idem).id


def test_the_same_key_with_other_details_is_refused(contract_gateway, idem):
    customer(contract_gateway, idem, "Acme Clinic")
    with pytest.raises(PaymentProviderError) as refused:
        contract_gateway.create_customer("Other", None, None, None, {},
                                         idempotency_key=idem("customer-Acme Clinic"))
    assert refused.value.code == "stripe_idempotency_error"


def test_a_draft_has_items_in_cents_in_cad_and_no_number_yet(contract_gateway, idem):
    invoice = draft(contract_gateway, idem, (12_345, 678))
    assert invoice.id.startswith("in_") and invoice.status == "draft"
    assert (invoice.number, invoice.hosted_invoice_url, invoice.invoice_pdf) == (None, None, None)
    assert invoice.currency == "cad" and invoice.line_cents == (12_345, 678)
    assert invoice.total_cents == invoice.amount_due_cents == 13_023
    assert invoice.metadata == {"invoice_record_id": "r-1"}


def test_finalizing_assigns_number_urls_and_due_date(contract_gateway, idem):
    invoice = contract_gateway.finalize_invoice(draft(contract_gateway, idem, (5_000,), days=14).id,
                                                idempotency_key=idem("finalize"))
    assert invoice.status == "open" and NUMBER.match(invoice.number)
    assert invoice.hosted_invoice_url.startswith("http") and invoice.invoice_pdf.startswith("http")
    assert invoice.due_date == (invoice.finalized_at + timedelta(days=14)).date()


def test_an_open_invoice_is_sent_then_paid_out_of_band(contract_gateway, idem):
    invoice = draft(contract_gateway, idem, (2_500,))
    contract_gateway.finalize_invoice(invoice.id, idempotency_key=idem("finalize"))
    assert contract_gateway.send_invoice(invoice.id, idempotency_key=idem("send")).status == "open"
    paid = contract_gateway.pay_out_of_band(invoice.id, idempotency_key=idem("pay"))
    assert (paid.status, paid.amount_paid_cents) == ("paid", 2_500)
    assert paid.paid_at is not None and paid.paid_at >= paid.finalized_at


def test_an_open_invoice_is_voided(contract_gateway, idem):
    invoice = draft(contract_gateway, idem, (100,))
    contract_gateway.finalize_invoice(invoice.id, idempotency_key=idem("finalize"))
    voided = contract_gateway.void_invoice(invoice.id, idempotency_key=idem("void"))
    assert voided.status == "void" and voided.voided_at is not None


def test_an_invoice_of_zero_is_paid_at_finalization(contract_gateway, idem):
    invoice = contract_gateway.finalize_invoice(draft(contract_gateway, idem, ()).id,
                                                idempotency_key=idem("finalize"))
    assert (invoice.status, invoice.total_cents) == ("paid", 0)


def test_items_cannot_be_added_once_finalized(contract_gateway, idem):
    invoice = draft(contract_gateway, idem, (100,))
    contract_gateway.finalize_invoice(invoice.id, idempotency_key=idem("finalize"))
    with pytest.raises(PaymentProviderError) as refused:
        contract_gateway.add_lines(invoice.id, [NewLine(5, "late")],
                                   idempotency_key=idem("late-lines"))
    assert refused.value.code == "stripe_invalid_request"


def test_a_draft_cannot_be_voided(contract_gateway, idem):
    invoice = draft(contract_gateway, idem, (100,))
    with pytest.raises(PaymentProviderError) as refused:
        contract_gateway.void_invoice(invoice.id, idempotency_key=idem("void"))
    assert refused.value.code == "stripe_invalid_request"


def test_a_deleted_draft_is_not_found(contract_gateway, idem):
    invoice = draft(contract_gateway, idem, (100,))
    contract_gateway.delete_invoice(invoice.id)
    with pytest.raises(NotFound) as missing:
        contract_gateway.retrieve_invoice(invoice.id)
    assert missing.value.code == "stripe_not_found"


def test_an_unknown_customer_is_not_found_with_the_spec_message(contract_gateway, idem):
    with pytest.raises(NotFound) as missing:
        contract_gateway.create_invoice("cus_doesnotexist0", days_until_due=30, description=None,
                                        footer=None, metadata={}, idempotency_key=idem("orphan"))
    assert missing.value.detail == "Customer not found in Stripe. Please create the customer first."


def test_invoices_are_listed_per_customer_and_status(contract_gateway, idem):
    invoice = draft(contract_gateway, idem, (100,))
    assert [i.id for i in contract_gateway.list_invoices(invoice.customer_id)] == [invoice.id]
    assert contract_gateway.list_invoices(invoice.customer_id, status="open") == []
