"""Per-customer usage totals over the ledger (SQL aggregates, USD at full precision)."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from billing.adapters.postgres.sessions import Connection
from billing.domain.money import UsageTotals

_SUMS = """
  count(*) filter (where u.source = 'retell_chat') as chats,
  count(*) filter (where u.source = 'retell_call') as calls,
  coalesce(sum(u.sms_segments), 0) as sms_segments,
  coalesce(sum(u.billed_minutes), 0) as call_minutes,
  coalesce(sum(u.twilio_cost_usd) filter (where u.source = 'retell_chat'), 0) as twilio_sms_usd,
  coalesce(sum(u.twilio_cost_usd) filter (where u.source = 'retell_call'), 0) as twilio_voice_usd,
  coalesce(sum(u.retell_cost_usd_cents) filter (where u.source = 'retell_chat'), 0) / 100
    as retell_chat_usd,
  coalesce(sum(u.retell_cost_usd_cents) filter (where u.source = 'retell_call'), 0) / 100
    as retell_voice_usd,
  coalesce(bool_or(u.cost_missing), false) as cost_missing,
  count(*) as records
"""


def totals_from_row(row: dict[str, Any]) -> UsageTotals:
    """A UsageTotals from an aggregate row (columns named as in ``_SUMS``)."""
    return UsageTotals(
        twilio_sms_usd=row["twilio_sms_usd"], twilio_voice_usd=row["twilio_voice_usd"],
        retell_chat_usd=row["retell_chat_usd"], retell_voice_usd=row["retell_voice_usd"],
        chats=row["chats"], calls=row["calls"], sms_segments=row["sms_segments"],
        call_minutes=row["call_minutes"],
    )


def customer_usage(conn: Connection, lo: datetime, hi: datetime,
                   customer_ids: list[str] | None = None) -> dict[str, dict[str, Any]]:
    """Aggregate rows per customer for usage started in [lo, hi) (billed or not)."""
    rows = conn.execute(
        f"select a.billing_customer_id::text as customer_id, {_SUMS},"
        " count(*) filter (where u.invoice_id is null) as unbilled_records"
        " from usage_records u join billing_customer_agents a on a.agent_id = u.agent_id"
        " where u.started_at >= %(lo)s and u.started_at < %(hi)s"
        " and (%(ids)s::uuid[] is null or a.billing_customer_id = any(%(ids)s::uuid[]))"
        " group by a.billing_customer_id",
        {"lo": lo, "hi": hi, "ids": customer_ids},
    ).fetchall()
    return {row["customer_id"]: row for row in rows}


def unattributed_usage(conn: Connection, lo: datetime, hi: datetime) -> list[dict[str, Any]]:
    """Aggregate rows per agent that maps to no customer, for usage in [lo, hi)."""
    return conn.execute(
        f"select u.agent_id, {_SUMS} from usage_records u"
        " where u.started_at >= %(lo)s and u.started_at < %(hi)s and not exists ("
        "   select 1 from billing_customer_agents a where a.agent_id = u.agent_id)"
        " group by u.agent_id order by u.agent_id",
        {"lo": lo, "hi": hi},
    ).fetchall()


def claim_usage(conn: Connection, invoice_id: str, customer_id: str, lo: datetime,
                hi: datetime) -> dict[str, Any]:
    """Link the customer's unbilled usage in [lo, hi) to the invoice; return its totals."""
    conn.execute(
        "update usage_records u set invoice_id = %(inv)s from billing_customer_agents a"
        " where a.agent_id = u.agent_id and a.billing_customer_id = %(cust)s"
        " and u.started_at >= %(lo)s and u.started_at < %(hi)s and u.invoice_id is null",
        {"inv": invoice_id, "cust": customer_id, "lo": lo, "hi": hi},
    )
    return invoice_usage(conn, invoice_id)


def invoice_usage(conn: Connection, invoice_id: str) -> dict[str, Any]:
    """The aggregate row of the usage billed by one invoice."""
    return conn.execute(
        f"select {_SUMS} from usage_records u where u.invoice_id = %s", [invoice_id]
    ).fetchone()


def release_usage(conn: Connection, invoice_id: str) -> int:
    """Unlink the usage of a cancelled invoice so it can be billed again."""
    return conn.execute(
        "update usage_records set invoice_id = null where invoice_id = %s", [invoice_id]
    ).rowcount


def rate_cards_used(conn: Connection, invoice_id: str) -> list[dict[str, Any]]:
    """The rate cards behind an invoice's usage (stored with the invoice)."""
    return conn.execute(
        "select c.id::text, c.effective_from, c.usd_per_segment, c.usd_per_minute,"
        " c.prompt_segments, c.segment_rules from billing_rate_cards c"
        " where c.id in (select distinct rate_card_id from usage_records where invoice_id = %s)"
        " order by c.effective_from", [invoice_id],
    ).fetchall()
