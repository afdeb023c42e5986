"""USD→CAD rates from the Bank of Canada Valet API (series FXUSDCAD).

The Bank publishes one rate per business day, none on weekends and holidays,
so the rate "on" a day is the last observation on or before it. Outcomes are
kept apart on purpose: ``None`` means the Bank answered but has no rate in
reach (the caller may fall back to a configured rate), while
``UpstreamUnavailable(code="fx_unavailable")`` means we could not ask
(network, timeout, 5xx, unreadable answer), which the caller may retry.
"""
from __future__ import annotations

import logging
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

import httpx

from billing.domain.errors import UpstreamUnavailable
from billing.domain.money import FxRate

log = logging.getLogger(__name__)

SERIES = "FXUSDCAD"
SOURCE = "bank_of_canada"
#: How far back ``rate_on`` looks; longer than any run of Bank holidays and weekends.
LOOKBACK_DAYS = 10


class BocFxClient:
    """Reads FXUSDCAD observations; one short request per question, no retries."""

    def __init__(
        self,
        base_url: str = "https://www.bankofcanada.ca/valet",
        *,
        transport: httpx.BaseTransport | None = None,
        timeout: float = 5.0,
    ) -> None:
        self._http = httpx.Client(base_url=base_url, transport=transport, timeout=timeout)

    def close(self) -> None:
        self._http.close()

    def rate_on(self, day: date) -> FxRate | None:
        """The rate of ``day``, or of the last business day before it."""
        window = {"start_date": (day - timedelta(days=LOOKBACK_DAYS)).isoformat(),
                  "end_date": day.isoformat()}
        found = [rate for rate in self._observations(window) if rate.date <= day]
        return found[-1] if found else None

    def latest(self) -> FxRate | None:
        """The most recent published rate."""
        found = self._observations({"recent": "1"})
        return found[-1] if found else None

    def _observations(self, params: dict[str, str]) -> list[FxRate]:
        try:
            response = self._http.get(f"/observations/{SERIES}/json", params=params)
            response.raise_for_status()
            raw = response.json()["observations"]
        except (httpx.HTTPError, ValueError, KeyError, TypeError) as exc:
            log.warning("bank of canada fx unavailable", extra={"error": type(exc).__name__})
            raise UpstreamUnavailable(
                "Bank of Canada exchange rates are unavailable.",
                code="fx_unavailable",
                retry_after=60,
            ) from exc
        rates = [rate for rate in map(_rate_from, raw if isinstance(raw, list) else []) if rate]
        return sorted(rates, key=lambda rate: rate.date)


def _rate_from(observation: Any) -> FxRate | None:
    """One Valet observation ``{"d": ..., "FXUSDCAD": {"v": "1.3245"}}``; None if unusable."""
    try:
        rate = Decimal(observation[SERIES]["v"])
        day = date.fromisoformat(observation["d"])
    except (KeyError, TypeError, ValueError, InvalidOperation):
        return None
    return FxRate(rate=rate, date=day, source=SOURCE) if rate.is_finite() and rate > 0 else None
