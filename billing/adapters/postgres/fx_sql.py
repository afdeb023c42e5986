"""SQL for the fx_rates table: one stored rate per day asked for."""
from __future__ import annotations

from datetime import date

from billing.adapters.postgres.sessions import Connection
from billing.domain.money import FxRate


def stored_rate(conn: Connection, day: date, source: str = "bank_of_canada") -> FxRate | None:
    """The rate stored for ``day`` from ``source``, if any."""
    row = conn.execute(
        "select usd_cad, observed_on from fx_rates where rate_date = %s and source = %s",
        [day, source],
    ).fetchone()
    return FxRate(row["usd_cad"], row["observed_on"], source) if row else None


def latest_stored_rate(conn: Connection, source: str = "bank_of_canada") -> FxRate | None:
    """The most recent stored observation from ``source``."""
    row = conn.execute(
        "select usd_cad, observed_on from fx_rates where source = %s"
        " order by observed_on desc, rate_date desc limit 1", [source],
    ).fetchone()
    return FxRate(row["usd_cad"], row["observed_on"], source) if row else None


def store_rate(conn: Connection, day: date, fx: FxRate) -> None:
    """Remember the rate used for ``day`` (first writer wins)."""
    conn.execute(
        "insert into fx_rates (rate_date, source, usd_cad, observed_on) values (%s, %s, %s, %s)"
        " on conflict (rate_date, source) do nothing",
        [day, fx.source, fx.rate, fx.date],
    )
