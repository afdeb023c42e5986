"""SQL of the usage ledger sync: rate cards, stored rows, batched upserts, cursors.

Rows are written in batches: COPY into a temporary table, then one
``insert ... on conflict (source, external_id) do update`` that never touches
a billed row (``invoice_id`` set). No message text or phone number is ever a
column here: ids, timestamps, counts and costs only.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from decimal import Decimal
from operator import attrgetter

from billing.adapters.postgres.sessions import Connection
from billing.domain.pricing import RateCard


@dataclass(frozen=True)
class LedgerRow:
    """One ``usage_records`` row as the sync writes it (no PHI)."""

    source: str
    external_id: str
    agent_id: str
    record_type: str
    status: str
    started_at: datetime
    ended_at: datetime | None
    duration_seconds: Decimal
    message_count: int
    sms_segments: int
    billed_minutes: int
    retell_cost_usd_cents: Decimal
    twilio_cost_usd: Decimal
    cost_missing: bool
    rate_card_id: str | None


@dataclass(frozen=True)
class StoredRow:
    """A row already in the ledger, and whether an invoice has billed it."""

    row: LedgerRow
    billed: bool


COLUMNS = tuple(f.name for f in fields(LedgerRow))
#: A row's values in column order (``dataclasses.astuple`` deep-copies: 10x slower).
_VALUES = attrgetter(*COLUMNS)
_KEY = ("source", "external_id")
_SET = ", ".join(f"{c} = excluded.{c}" for c in COLUMNS if c not in _KEY)
_STAGE_SQL = (
    "create temp table usage_incoming (source text, external_id text, agent_id text,"
    " record_type text, status text, started_at timestamptz, ended_at timestamptz,"
    " duration_seconds numeric, message_count integer, sms_segments integer,"
    " billed_minutes integer, retell_cost_usd_cents numeric, twilio_cost_usd numeric,"
    " cost_missing boolean, rate_card_id uuid)"
)
_UPSERT_SQL = (
    f"insert into usage_records as u ({', '.join(COLUMNS)})"
    f" select {', '.join(COLUMNS)} from usage_incoming"
    f" on conflict (source, external_id) do update set {_SET}"
    " where u.invoice_id is null"
    " returning u.external_id, (u.xmax = 0) as inserted"
)


def load_rate_cards(conn: Connection) -> list[RateCard]:
    """Every rate card (a handful: they are effective-dated, never edited)."""
    rows = conn.execute(
        "select id::text as id, effective_from, usd_per_segment, usd_per_minute,"
        " prompt_segments, segment_rules from billing_rate_cards order by effective_from"
    ).fetchall()
    return [RateCard(**row) for row in rows]


def billing_zone(conn: Connection) -> str | None:
    """The organisation's billing time zone setting, if the row exists."""
    row = conn.execute("select billing_time_zone from billing_settings where id").fetchone()
    return row["billing_time_zone"] if row else None


def mapped_agent_ids(conn: Connection) -> frozenset[str]:
    """Agents that belong to a billing customer."""
    rows = conn.execute("select agent_id from billing_customer_agents").fetchall()
    return frozenset(row["agent_id"] for row in rows)


def stored_rows(conn: Connection, source: str, external_ids: Sequence[str]) -> dict[str, StoredRow]:
    """The ledger rows of ``source`` with these external ids, by external id."""
    rows = conn.execute(
        f"select {', '.join(c for c in COLUMNS if c != 'rate_card_id')},"
        " rate_card_id::text as rate_card_id, invoice_id is not null as billed"
        " from usage_records where source = %s and external_id = any(%s)",
        [source, list(external_ids)],
    ).fetchall()
    return {
        row["external_id"]: StoredRow(LedgerRow(**{c: row[c] for c in COLUMNS}), row["billed"])
        for row in rows
    }


@dataclass(frozen=True)
class UpsertOutcome:
    """External ids inserted and updated; ids sent but not written were billed."""

    inserted: frozenset[str]
    updated: frozenset[str]


def upsert_rows(conn: Connection, rows: Iterable[LedgerRow]) -> UpsertOutcome:
    """Insert new rows and update unbilled ones in one statement; billed rows stay."""
    conn.execute(_STAGE_SQL)
    with conn.cursor().copy(f"copy usage_incoming ({', '.join(COLUMNS)}) from stdin") as copy:
        for row in rows:
            copy.write_row(_VALUES(row))
    written = conn.execute(_UPSERT_SQL).fetchall()
    conn.execute("drop table usage_incoming")
    return UpsertOutcome(
        inserted=frozenset(r["external_id"] for r in written if r["inserted"]),
        updated=frozenset(r["external_id"] for r in written if not r["inserted"]),
    )


def read_cursor(conn: Connection, source: str) -> datetime | None:
    """The high-water mark of ``source``: the end of its last complete sync."""
    row = conn.execute("select high_water_mark from usage_sync_cursors where source = %s",
                       [source]).fetchone()
    return row["high_water_mark"] if row else None


def advance_cursor(conn: Connection, source: str, mark: datetime) -> None:
    """Move the high-water mark of ``source`` forward to ``mark`` (never back)."""
    conn.execute(
        "insert into usage_sync_cursors (source, high_water_mark) values (%s, %s)"
        " on conflict (source) do update set high_water_mark ="
        " greatest(usage_sync_cursors.high_water_mark, excluded.high_water_mark),"
        " updated_at = now()",
        [source, mark],
    )

