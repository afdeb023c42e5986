"""Usage sync: Retell calls and chats into the usage ledger, costed on the way in.

Every record is normalised and costed with the rate card in force on its start
day (billing time zone), then upserted on (source, external id) in batches, each
batch in its own transaction: a sync that fails part-way keeps what it stored,
and running it again completes it without duplicates. SMS chat messages are
fetched only for SMS chats that are new or changed; their text lives only in
memory while segments are counted. A billed record (``invoice_id`` set) is never
changed: a difference is reported as drift. Records of agents that belong to no
customer are stored and reported as unattributed, never dropped.
"""
from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from itertools import islice
from zoneinfo import ZoneInfo

from billing.adapters.postgres import usage_sql
from billing.adapters.postgres.audit_sql import record_audit
from billing.adapters.postgres.sessions import Database
from billing.domain.periods import Period, local_today, previous_month
from billing.domain.principal import Principal
from billing.domain.usage import CallUsage, ChatMessage, ChatUsage
from billing.ports import Clock, UsageSource
from billing.usecases.usage_rows import (
    CALL,
    CHAT,
    SMS_CHAT,
    Pricing,
    draft_row,
    priced_chat_row,
    source_of,
)

log = logging.getLogger("billing.usage_sync")

ACTOR = "usage_sync"
USAGE_SYNCED = "BILLING_USAGE_SYNCED"
DEFAULT_TIME_ZONE = "America/Toronto"
#: Incremental syncs start this long before the high-water mark, so records
#: that end (and so get listed) up to this long after they start are caught.
#: SMS conversations can stay open for hours; a day covers them (listing is
#: cheap: messages are fetched only for new or changed chats).
DEFAULT_OVERLAP = timedelta(hours=24)
BATCH_SIZE = 1000

Progress = Callable[[str, int], None]
FetchMessages = Callable[[list[str]], dict[str, list[ChatMessage]]]
Timer = Callable[[], float]


@dataclass(frozen=True)
class Unattributed:
    """Records of agents mapped to no customer: how many, their USD cost, which agents."""

    count: int = 0
    cost_usd: Decimal = Decimal(0)
    agent_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class SyncResult:
    """What one sync did. ``skipped``: SMS chats whose messages Retell no longer has."""

    fetched: int
    inserted: int
    updated: int
    unchanged: int
    drift: int
    drift_ids: tuple[str, ...]
    skipped: int
    unattributed: Unattributed
    duration_seconds: float
    start: datetime
    end: datetime
    period: Period | None = None


@dataclass
class _Tally:
    """Counts accumulated batch by batch."""

    fetched: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    drift_ids: list[str] = field(default_factory=list)
    unattributed: dict[str, tuple[int, Decimal]] = field(default_factory=dict)

    def settle(self, row: usage_sql.LedgerRow, pricing: Pricing) -> None:
        """Count ``row`` (as the ledger now holds it) as unattributed if it is."""
        if row.agent_id not in pricing.mapped_agents:
            count, cost = self.unattributed.get(row.agent_id, (0, Decimal(0)))
            row_cost = row.retell_cost_usd_cents / 100 + row.twilio_cost_usd
            self.unattributed[row.agent_id] = (count + 1, cost + row_cost)

    def result(self, seconds: float, start: datetime, end: datetime) -> SyncResult:
        counts = self.unattributed.values()
        return SyncResult(
            fetched=self.fetched, inserted=self.inserted, updated=self.updated,
            unchanged=self.unchanged, drift=len(self.drift_ids),
            drift_ids=tuple(self.drift_ids), skipped=self.skipped,
            unattributed=Unattributed(sum(c for c, _ in counts),
                                      sum((v for _, v in counts), Decimal(0)),
                                      tuple(sorted(self.unattributed))),
            duration_seconds=round(seconds, 3), start=start, end=end,
        )


def sync_window(start: datetime, end: datetime, *, db: Database, source: UsageSource,
                batch_size: int = BATCH_SIZE, progress: Progress | None = None,
                default_time_zone: str = DEFAULT_TIME_ZONE,
                timer: Timer = time.perf_counter) -> SyncResult:
    """Sync the calls and chats that started in ``[start, end)`` (aware UTC)."""
    began = timer()
    pricing = _load_pricing(db, default_time_zone)
    tally = _Tally()
    for kind in (CALL, CHAT):
        _sync_source(kind, start, end, db=db, source=source, pricing=pricing, tally=tally,
                     batch_size=batch_size, progress=progress)
    return tally.result(timer() - began, start, end)


def sync_period(period_for: Callable[[date], Period], *, db: Database, source: UsageSource,
                clock: Clock, actor: Principal | None, progress: Progress | None = None,
                default_time_zone: str = DEFAULT_TIME_ZONE) -> SyncResult:
    """Sync a billing period of local days and audit ``BILLING_USAGE_SYNCED``.

    ``period_for`` turns today (local to the billing time zone) into the period,
    e.g. ``PeriodIn.to_period``; ``actor`` None is the system (CLI, timer).
    """
    zone = _zone(db, default_time_zone)
    period = period_for(local_today(clock.now(), zone))
    start, end = period.utc_bounds(zone)
    result = sync_window(start, end, db=db, source=source, progress=progress,
                         default_time_zone=zone)
    with db.system_session(ACTOR) as conn:
        record_audit(conn, actor=actor, action=USAGE_SYNCED, resource_type="usage_records",
                     details={"period_start": period.start, "period_end": period.end,
                              "fetched": result.fetched, "inserted": result.inserted,
                              "updated": result.updated, "unchanged": result.unchanged,
                              "drift": result.drift,
                              "unattributed": result.unattributed.count})
    return replace(result, period=period)


def sync_incremental(*, db: Database, source: UsageSource, clock: Clock,
                     overlap: timedelta = DEFAULT_OVERLAP, batch_size: int = BATCH_SIZE,
                     progress: Progress | None = None,
                     default_time_zone: str = DEFAULT_TIME_ZONE,
                     timer: Timer = time.perf_counter) -> SyncResult:
    """Sync each source from its high-water mark (minus ``overlap``) to now.

    A source without a mark starts at the beginning of the previous month. The
    mark moves to now only once that source's window is stored completely.
    """
    began, now = timer(), clock.now()
    pricing = _load_pricing(db, default_time_zone)
    tally, earliest = _Tally(), now
    for kind in (CALL, CHAT):
        with db.system_session(ACTOR) as conn:
            mark = usage_sql.read_cursor(conn, kind)
        start = mark - overlap if mark else _backfill_start(now, pricing)
        _sync_source(kind, start, now, db=db, source=source, pricing=pricing, tally=tally,
                     batch_size=batch_size, progress=progress)
        with db.system_session(ACTOR) as conn:
            usage_sql.advance_cursor(conn, kind, now)
        earliest = min(earliest, start)
    return tally.result(timer() - began, earliest, now)


def store_records(records: list[CallUsage | ChatUsage], *, db: Database,
                  fetch_messages: FetchMessages,
                  default_time_zone: str = DEFAULT_TIME_ZONE) -> SyncResult:
    """Store records that arrived by other means (a webhook) exactly as a sync would."""
    began = time.perf_counter()
    tally = _Tally()
    _store_batch(records, db=db, pricing=_load_pricing(db, default_time_zone),
                 fetch_messages=fetch_messages, tally=tally)
    moments = [record.started_at for record in records]
    return tally.result(time.perf_counter() - began, min(moments), max(moments))


def _load_pricing(db: Database, default_time_zone: str) -> Pricing:
    with db.system_session(ACTOR) as conn:
        return Pricing(cards=tuple(usage_sql.load_rate_cards(conn)),
                       zone=ZoneInfo(usage_sql.billing_zone(conn) or default_time_zone),
                       mapped_agents=usage_sql.mapped_agent_ids(conn))


def _zone(db: Database, default_time_zone: str) -> str:
    with db.system_session(ACTOR) as conn:
        return usage_sql.billing_zone(conn) or default_time_zone


def _backfill_start(now: datetime, pricing: Pricing) -> datetime:
    zone = pricing.zone.key
    return previous_month(local_today(now, zone)).utc_bounds(zone)[0]


def _sync_source(kind: str, start: datetime, end: datetime, *, db: Database,
                 source: UsageSource, pricing: Pricing, tally: _Tally, batch_size: int,
                 progress: Progress | None) -> None:
    records = source.list_calls(start, end) if kind == CALL else source.list_chats(start, end)
    done = 0
    for batch in _batches(records, batch_size):
        _store_batch(batch, db=db, pricing=pricing, fetch_messages=source.get_chats_messages,
                     tally=tally)
        done += len(batch)
        if progress is not None:
            progress(kind, done)


def _batches(records: Iterable, size: int) -> Iterator[list]:
    iterator = iter(records)
    while batch := list(islice(iterator, size)):
        yield batch


def _store_batch(records: list[CallUsage | ChatUsage], *, db: Database, pricing: Pricing,
                 fetch_messages: FetchMessages, tally: _Tally) -> None:
    """Cost, compare and write one batch of records of one source."""
    drafts = {row.external_id: (record, row) for record in records
              for row in [draft_row(record, pricing)]}
    with db.system_session(ACTOR) as conn:
        stored = usage_sql.stored_rows(conn, source_of(records[0]), list(drafts))
    tally.fetched += len(drafts)
    to_write, to_price = [], []
    for external_id, (record, draft) in drafts.items():
        known = stored.get(external_id)
        if known is not None and _same(draft, known.row):
            tally.unchanged += 1
            tally.settle(known.row, pricing)
        elif known is not None and known.billed:
            tally.drift_ids.append(external_id)
            tally.settle(known.row, pricing)
        elif isinstance(record, ChatUsage) and draft.record_type == SMS_CHAT:
            to_price.append(record)
        else:
            to_write.append(draft)
    to_write += _priced_chats(to_price, pricing, fetch_messages, tally)
    _write(to_write, stored, db=db, pricing=pricing, tally=tally)


def _same(draft: usage_sql.LedgerRow, stored: usage_sql.LedgerRow) -> bool:
    """Equal, but for an SMS chat's message counts (not known before fetching)."""
    if draft.record_type == SMS_CHAT:
        draft = replace(draft, message_count=stored.message_count,
                        sms_segments=stored.sms_segments, twilio_cost_usd=stored.twilio_cost_usd)
    return draft == stored


def _priced_chats(chats: list[ChatUsage], pricing: Pricing, fetch_messages: FetchMessages,
                  tally: _Tally) -> list[usage_sql.LedgerRow]:
    """Rows of new or changed SMS chats, from their fetched messages."""
    if not chats:
        return []
    messages = fetch_messages([chat.chat_id for chat in chats])
    rows = []
    for chat in chats:
        if chat.chat_id in messages:
            rows.append(priced_chat_row(chat, pricing, messages[chat.chat_id]))
        else:
            tally.skipped += 1
            log.warning("sms chat skipped: messages unavailable", extra={"chat_id": chat.chat_id})
    return rows


def _write(rows: list[usage_sql.LedgerRow], stored: dict[str, usage_sql.StoredRow], *,
           db: Database, pricing: Pricing, tally: _Tally) -> None:
    """Upsert ``rows``; a row an invoice billed meanwhile is left alone, as drift."""
    if not rows:
        return
    with db.system_session(ACTOR) as conn:
        outcome = usage_sql.upsert_rows(conn, rows)
    for row in rows:
        if row.external_id in outcome.inserted:
            tally.inserted += 1
        elif row.external_id in outcome.updated:
            tally.updated += 1
        else:
            tally.drift_ids.append(row.external_id)
            known = stored.get(row.external_id)
            row = known.row if known is not None else row
        tally.settle(row, pricing)
