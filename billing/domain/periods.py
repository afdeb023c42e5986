"""Billing periods: whole calendar days in the billing time zone.

A period [start, end] covers local [start 00:00, end+1 00:00), converted to UTC
for queries, so DST changes and month ends fall where a person expects.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from billing.domain.errors import ValidationFailed

MAX_PERIOD_DAYS = 366


class Preset(StrEnum):
    PREVIOUS_MONTH = "previous_month"
    CURRENT_MONTH = "current_month"
    LAST_30_DAYS = "last_30_days"
    CUSTOM = "custom"


@dataclass(frozen=True, order=True)
class Period:
    """An inclusive range of local calendar days."""

    start: date
    end: date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValidationFailed(
                "End date must be after start date.", code="invalid_date_range",
                errors=[{"field": "period.end", "message": "End date must be after start date."}],
            )
        if self.days > MAX_PERIOD_DAYS:
            raise ValidationFailed(
                f"A billing period can cover at most {MAX_PERIOD_DAYS} days.",
                code="period_too_long",
                errors=[{"field": "period", "message": f"At most {MAX_PERIOD_DAYS} days."}],
            )

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def utc_bounds(self, tz: str) -> tuple[datetime, datetime]:
        """[local start 00:00, local end+1 00:00) as aware UTC datetimes."""
        zone = ZoneInfo(tz)
        lo = datetime.combine(self.start, time.min, zone)
        hi = datetime.combine(self.end + timedelta(days=1), time.min, zone)
        return lo.astimezone(UTC), hi.astimezone(UTC)

    def label(self) -> str:
        return f"{self.start.isoformat()} to {self.end.isoformat()}"


def month_of(day: date) -> Period:
    """The whole calendar month containing ``day``."""
    first = day.replace(day=1)
    next_first = (first + timedelta(days=32)).replace(day=1)
    return Period(first, next_first - timedelta(days=1))


def previous_month(today: date) -> Period:
    """The calendar month before the one containing ``today``."""
    return month_of(today.replace(day=1) - timedelta(days=1))


def resolve_period(preset: Preset, today: date, start: date | None = None,
                   end: date | None = None) -> Period:
    """A preset (or custom start/end) as a Period; ``today`` is local to the billing zone.
    Given a start or an end, it must be given both (see ``require_complete``)."""
    require_complete(preset, start, end)
    if start is not None and end is not None:
        return Period(start, end)
    if preset is Preset.PREVIOUS_MONTH:
        return previous_month(today)
    if preset is Preset.CURRENT_MONTH:
        return Period(today.replace(day=1), today)
    return Period(today - timedelta(days=29), today)  # LAST_30_DAYS


def require_complete(preset: Preset, start: date | None, end: date | None) -> None:
    """A custom period, or any period given a start or an end, needs both dates
    (422 ``invalid_date_range``): half a period is never completed by guessing."""
    if (preset is Preset.CUSTOM or start is not None or end is not None) and (
            start is None or end is None):
        missing = "period.start" if start is None else "period.end"
        raise ValidationFailed(
            "A custom period needs both a start and an end date.", code="invalid_date_range",
            errors=[{"field": missing, "message": "start and end are both required"}],
        )


def local_today(now: datetime, tz: str) -> date:
    """The calendar day of ``now`` in the billing time zone."""
    return now.astimezone(ZoneInfo(tz)).date()
