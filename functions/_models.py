"""Request models shared by several endpoints."""
from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict

from billing.domain.api_types import ApiDate
from billing.domain.periods import Period, Preset, resolve_period


class PeriodIn(BaseModel):
    """A billing period: a preset, or custom start and end (local calendar days)."""

    model_config = ConfigDict(extra="forbid")

    preset: Preset = Preset.PREVIOUS_MONTH
    start: ApiDate | None = None
    end: ApiDate | None = None

    def to_period(self, today: date) -> Period:
        """The period as local calendar days (``today`` in the billing time zone)."""
        preset = Preset.CUSTOM if self.start and self.end else self.preset
        return resolve_period(preset, today, self.start, self.end)
