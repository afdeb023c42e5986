"""Request models shared by several endpoints."""
from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, model_validator

from billing.domain.api_types import ApiDate
from billing.domain.periods import Period, Preset, require_complete, resolve_period


class PeriodIn(BaseModel):
    """A billing period: a preset, or custom start and end (local calendar days);
    a start without an end (or the reverse) is 422 ``invalid_date_range``."""

    model_config = ConfigDict(extra="forbid")

    preset: Preset = Preset.PREVIOUS_MONTH
    start: ApiDate | None = None
    end: ApiDate | None = None

    @model_validator(mode="after")
    def _both_dates(self) -> PeriodIn:
        require_complete(self.preset, self.start, self.end)  # raises ValidationFailed
        return self

    def to_period(self, today: date) -> Period:
        """The period as local calendar days (``today`` in the billing time zone)."""
        return resolve_period(self.preset, today, self.start, self.end)
