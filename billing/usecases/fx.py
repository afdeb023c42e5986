"""USD→CAD for invoices, previews and the dashboard.

A day's rate is the Bank of Canada's last observation on or before that day,
fetched once and stored in ``fx_rates``. "Latest" is cached in memory for five
minutes. When no rate can be had, 1.35 with source ``fallback`` is returned —
never silently: callers surface ``fx.source == "fallback"`` as a warning. A
fixed rate (configuration ``FX_FIXED_USD_CAD``) replaces the lookup entirely.
"""
from __future__ import annotations

import logging
import threading
from datetime import date, datetime, timedelta
from decimal import Decimal

from billing.adapters.postgres import fx_sql
from billing.adapters.postgres.sessions import Connection
from billing.domain.errors import UpstreamUnavailable
from billing.domain.money import FALLBACK_USD_CAD, FxRate
from billing.ports import Clock, FxSource

log = logging.getLogger("billing.fx")
LATEST_TTL = timedelta(minutes=5)


class FxService:
    """Rates with storage, a short in-memory cache for "latest", and the fallback."""

    def __init__(self, source: FxSource | None, *, clock: Clock,
                 fixed_rate: Decimal | None = None) -> None:
        self.source = source
        self.clock = clock
        self.fixed_rate = fixed_rate
        self._latest: tuple[datetime, FxRate] | None = None
        self._lock = threading.Lock()

    def rate_for(self, conn: Connection, day: date) -> FxRate:
        """The rate for ``day``: stored, else fetched and stored, else the fallback."""
        if self.fixed_rate is not None:
            return FxRate(self.fixed_rate, day, "fixed")
        stored = fx_sql.stored_rate(conn, day)
        if stored is not None:
            return stored
        fetched = self._fetch(lambda src: src.rate_on(day))
        if fetched is None:
            return FxRate(FALLBACK_USD_CAD, day, "fallback")
        fx_sql.store_rate(conn, day, fetched)
        return fetched

    def latest(self, conn: Connection) -> FxRate:
        """The latest rate (cached 5 minutes), else the last stored one, else the fallback."""
        now = self.clock.now()
        if self.fixed_rate is not None:
            return FxRate(self.fixed_rate, now.date(), "fixed")
        with self._lock:
            if self._latest and now - self._latest[0] < LATEST_TTL:
                return self._latest[1]
        fetched = self._fetch(lambda src: src.latest())
        if fetched is None:
            return fx_sql.latest_stored_rate(conn) or FxRate(FALLBACK_USD_CAD, now.date(),
                                                             "fallback")
        with self._lock:
            self._latest = (now, fetched)
        return fetched

    def _fetch(self, ask) -> FxRate | None:
        if self.source is None:
            return None
        try:
            return ask(self.source)
        except UpstreamUnavailable as exc:
            log.warning("FX rate unavailable", extra={"code": exc.code})
            return None
