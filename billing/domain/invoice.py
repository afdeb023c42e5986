"""Invoice status rules: statuses only move forward; actions only from the
statuses where they make sense."""
from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from billing.domain.errors import InvalidState


class Status(StrEnum):
    DRAFT = "draft"
    FINALIZED = "finalized"
    SENT = "sent"
    OVERDUE = "overdue"
    PAID = "paid"
    CANCELLED = "cancelled"


# Forward order; PAID and CANCELLED are terminal.
_RANK = {Status.DRAFT: 0, Status.FINALIZED: 1, Status.SENT: 2, Status.OVERDUE: 3,
         Status.PAID: 4, Status.CANCELLED: 4}
TERMINAL = frozenset({Status.PAID, Status.CANCELLED})
UNPAID = frozenset({Status.DRAFT, Status.FINALIZED, Status.SENT, Status.OVERDUE})

ACTIONS: dict[str, frozenset[Status]] = {
    "send": frozenset({Status.DRAFT, Status.FINALIZED}),
    "mark_paid": frozenset({Status.FINALIZED, Status.SENT, Status.OVERDUE}),
    "cancel": frozenset({Status.DRAFT, Status.FINALIZED, Status.SENT, Status.OVERDUE}),
    "refresh": frozenset(Status),
    "pdf": frozenset({Status.FINALIZED, Status.SENT, Status.OVERDUE, Status.PAID}),
    # a reminder re-sends an e-mailed invoice; a finalized one is sent with "send"
    "remind": frozenset({Status.SENT, Status.OVERDUE}),
}


def is_forward(current: Status, new: Status) -> bool:
    """True if moving ``current`` → ``new`` goes forward (never out of a terminal state)."""
    if current in TERMINAL:
        return False
    return _RANK[new] > _RANK[current]


def advance(current: Status, new: Status) -> Status:
    """The status after an observed change: ``new`` if forward, else ``current``."""
    return new if is_forward(current, new) else current


def require_action(action: str, status: Status) -> None:
    """Raise 409 ``invalid_invoice_state`` unless ``action`` is allowed from ``status``."""
    if status not in ACTIONS[action]:
        allowed = ", ".join(sorted(s.value for s in ACTIONS[action]))
        raise InvalidState(
            f"Cannot {action.replace('_', ' ')} an invoice that is {status.value} "
            f"(allowed from: {allowed}).",
            code="invalid_invoice_state", extra={"invoice_status": status.value, "action": action},
        )


def from_stripe(stripe_status: str, *, sent: bool) -> Status:
    """Our status for a Stripe invoice status (``sent``: we emailed it)."""
    mapping = {"draft": Status.DRAFT, "paid": Status.PAID, "void": Status.CANCELLED,
               "uncollectible": Status.OVERDUE}
    if stripe_status == "open":
        return Status.SENT if sent else Status.FINALIZED
    return mapping[stripe_status]


def past_due(stripe_status: str, due_at: datetime | None, now: datetime, tz: str) -> bool:
    """Stripe's facts make an invoice overdue: it is still ``open`` and its due date,
    as a calendar day in the billing time zone, is before today there."""
    if stripe_status != "open" or due_at is None:
        return False
    zone = ZoneInfo(tz)
    return now.astimezone(zone).date() > due_at.astimezone(zone).date()
