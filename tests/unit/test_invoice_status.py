"""Invoice statuses only move forward; actions only from sensible statuses."""
from __future__ import annotations

import pytest

from billing.domain.errors import InvalidState
from billing.domain.invoice import Status, advance, from_stripe, is_forward, require_action


def test_a_late_sent_after_paid_changes_nothing():
    assert advance(Status.PAID, Status.SENT) is Status.PAID


def test_voided_after_paid_changes_nothing():
    assert advance(Status.PAID, Status.CANCELLED) is Status.PAID


def test_forward_moves_are_taken():
    assert advance(Status.DRAFT, Status.FINALIZED) is Status.FINALIZED
    assert advance(Status.SENT, Status.PAID) is Status.PAID
    assert advance(Status.SENT, Status.OVERDUE) is Status.OVERDUE
    assert advance(Status.OVERDUE, Status.PAID) is Status.PAID


@pytest.mark.parametrize("terminal", [Status.PAID, Status.CANCELLED])
def test_nothing_leaves_a_terminal_status(terminal):
    assert not any(is_forward(terminal, s) for s in Status)


@pytest.mark.parametrize(("action", "status"), [
    ("send", Status.SENT), ("send", Status.PAID), ("mark_paid", Status.DRAFT),
    ("mark_paid", Status.PAID), ("cancel", Status.PAID), ("cancel", Status.CANCELLED),
    ("pdf", Status.DRAFT),
])
def test_actions_refused_from_the_wrong_status(action, status):
    with pytest.raises(InvalidState) as info:
        require_action(action, status)
    assert info.value.code == "invalid_invoice_state"


def test_stripe_statuses_map_to_ours():
    assert from_stripe("open", sent=False) is Status.FINALIZED
    assert from_stripe("open", sent=True) is Status.SENT
    assert from_stripe("void", sent=True) is Status.CANCELLED
    assert from_stripe("paid", sent=False) is Status.PAID


def test_past_due_only_for_an_open_invoice_after_its_due_day_in_the_billing_zone():
    from datetime import UTC, datetime

    from billing.domain.invoice import past_due

    due = datetime(2026, 12, 16, 3, 0, tzinfo=UTC)  # Dec 15, 22:00 in Toronto
    toronto = "America/Toronto"
    assert not past_due("open", due, datetime(2026, 12, 16, 4, 59, tzinfo=UTC), toronto)
    assert past_due("open", due, datetime(2026, 12, 16, 5, 0, tzinfo=UTC), toronto)
    assert not past_due("open", due, datetime(2026, 12, 16, 5, 0, tzinfo=UTC), "UTC")
    assert not past_due("paid", due, datetime(2027, 1, 1, tzinfo=UTC), toronto)
    assert not past_due("open", None, datetime(2027, 1, 1, tzinfo=UTC), toronto)
