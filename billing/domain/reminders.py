"""Payment reminders: which configured day's reminder is due for an overdue invoice.

Days count from Stripe's due date as a day in the billing time zone: with days ``[3, 7, 14]``
an invoice due on the 1st is reminded on the 4th, the 8th and the 15th. A day
missed (the app was down all day) is caught up once by the next daily pass;
only the latest day that has arrived is sent, never a burst of older ones.
"""
from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import date, datetime
from zoneinfo import ZoneInfo


def due_day(due_at: datetime | None, tz: str) -> date | None:
    """Stripe's due moment as a calendar day in the billing time zone (None: no due date)."""
    return due_at.astimezone(ZoneInfo(tz)).date() if due_at else None


def days_overdue(due_date: date, today: date) -> int:
    """Whole local days since the due date (0 on the due date, negative before)."""
    return (today - due_date).days


def reminder_due(due_date: date, today: date, days: Iterable[int],
                 sent: Collection[int]) -> int | None:
    """The configured day whose reminder is due ``today``, or None: the latest day
    that has arrived, unless its reminder was already sent."""
    arrived = [day for day in days if day <= days_overdue(due_date, today)]
    if not arrived or max(arrived) in sent:
        return None
    return max(arrived)
