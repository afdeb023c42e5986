"""The pure rules of reconciliation and reminders: which findings a row and a Stripe
invoice make, and which configured day's reminder is due."""
from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from billing.domain.reconciliation import FindingKind, compare, counts, orphan
from billing.domain.reminders import due_day, reminder_due
from billing.ports import StripeInvoice

OURS = "0b9f3c1e-6d2a-4c55-9a43-111111111111"


def row(status: str = "sent", total: str = "15.45", lines=(1200, 345), **extra) -> dict:
    return {"id": OURS, "billing_customer_id": "c1", "stripe_invoice_id": "in_1",
            "stripe_customer_id": "cus_1", "invoice_status": status,
            "total_amount_cad": Decimal(total), "sent_at": datetime(2026, 11, 1, tzinfo=UTC)
            if status in ("sent", "overdue", "paid") else None,
            "line_items": [{"amount_cents": a} for a in lines], **extra}


def stripe(status: str = "open", lines=(345, 1200), invoice_id: str = "in_1",
           metadata=None) -> StripeInvoice:
    return StripeInvoice(
        id=invoice_id, customer_id="cus_1", status=status, number="N-1",
        hosted_invoice_url=None, invoice_pdf=None, due_date=None, currency="cad",
        total_cents=sum(lines), amount_due_cents=sum(lines), amount_paid_cents=0,
        line_cents=tuple(lines), created=datetime(2026, 11, 1, tzinfo=UTC), finalized_at=None,
        paid_at=None, voided_at=None,
        metadata={"carexps_invoice_id": OURS} if metadata is None else metadata)


def kinds(found) -> list[str]:
    return [f.kind.value for f in found]


@pytest.mark.parametrize("ours, theirs, behind", [
    ("sent", "open", False), ("overdue", "open", False), ("overdue", "uncollectible", False),
    ("sent", "paid", True), ("overdue", "void", True), ("draft", "open", True),
    ("paid", "void", False), ("cancelled", "paid", False),
])
def test_status_behind_only_when_ours_would_move_forward(ours, theirs, behind):
    found = compare(row(ours), stripe(theirs))
    assert ("status_behind" in kinds(found)) is behind
    if behind:
        assert found[0].repairable


def test_amounts_compare_totals_and_lines_whatever_their_order():
    assert compare(row(), stripe(lines=(345, 1200))) == []
    assert kinds(compare(row(), stripe(lines=(1545,)))) == ["amount_mismatch"]
    assert kinds(compare(row(), stripe(lines=(1201, 345)))) == ["amount_mismatch"]
    assert not compare(row(), stripe(lines=(1, 2)))[0].repairable
    assert compare(row("cancelled"), stripe("void", lines=(1,))) == []


def test_orphans_are_stripe_invoices_no_row_of_ours_owns():
    assert orphan(stripe(metadata={}), None) is None  # not ours
    assert orphan(stripe(), row()) is None  # owned
    waiting = row(stripe_invoice_id=None)
    assert orphan(stripe(), waiting) is None  # the saga has not recorded it yet
    assert orphan(stripe("draft", invoice_id="in_2"), row()).repairable
    assert not orphan(stripe("open", invoice_id="in_2"), row()).repairable
    assert orphan(stripe(), None).kind is FindingKind.ORPHAN_IN_STRIPE
    assert orphan(stripe(), row("cancelled", stripe_invoice_id=None)) is not None
    assert not orphan(stripe("open"), row("cancelled")).repairable  # payable, not ours
    assert orphan(stripe("draft"), row("cancelled")).repairable
    assert orphan(stripe("void"), row("cancelled")) is None


def test_counts_name_every_kind():
    assert counts([]) == {kind.value: 0 for kind in FindingKind}


@pytest.mark.parametrize("today, sent, due", [
    (date(2026, 11, 3), set(), None),  # 2 days overdue
    (date(2026, 11, 4), set(), 3),
    (date(2026, 11, 4), {3}, None),
    (date(2026, 11, 8), {3}, 7),
    (date(2026, 11, 12), {3}, 7),  # day 7 missed: caught up once
    (date(2026, 11, 12), {3, 7}, None),
    (date(2026, 11, 20), set(), 14),  # only the latest day, never a burst
    (date(2026, 10, 30), set(), None),  # not due yet
])
def test_the_latest_configured_day_that_has_arrived_is_due_once(today, sent, due):
    assert reminder_due(date(2026, 11, 1), today, [3, 7, 14], sent) == due


def test_the_due_day_is_stripes_due_moment_in_the_billing_time_zone():
    assert due_day(datetime(2026, 11, 2, 3, tzinfo=UTC), "America/Toronto") == date(2026, 11, 1)
    assert due_day(datetime(2026, 11, 2, 12, tzinfo=UTC), "America/Toronto") == date(2026, 11, 2)
    assert due_day(None, "America/Toronto") is None
