"""Usage sync of a window: the Retell stand-in over HTTP into a real PostgreSQL ledger."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from billing.domain.errors import UpstreamUnavailable
from billing.domain.periods import Period
from billing.domain.pricing import DEFAULT_RATE_CARD, cents_from_vendor, cost_call, cost_chat
from billing.usecases.usage_sync import sync_window
from standins.retell_seed import UNMAPPED_AGENT_ID, month_bounds_ms
from tests.fixtures.retell import RETELL_SEED_MONTH, billed_seed_record

MARCH = Period(date(2025, 3, 1), date(2025, 3, 31))
START, END = MARCH.utc_bounds("America/Toronto")
LO_MS, HI_MS = month_bounds_ms(RETELL_SEED_MONTH)


def ended(records: list[dict], kind: str) -> list[dict]:
    """The stand-in records a sync of March must store."""
    return [r for r in records
            if billed_seed_record(r, kind) and LO_MS <= r["start_timestamp"] < HI_MS]


def ledger(conn) -> dict[str, dict]:
    """Every usage row by external id, as stored (updated_at included)."""
    rows = conn.execute("select * from usage_records order by id").fetchall()
    names = [c.name for c in conn.execute("select * from usage_records limit 0").description]
    return {row[names.index("external_id")]: dict(zip(names, row, strict=True)) for row in rows}


def sync(db, source, **options):
    return sync_window(START, END, db=db, source=source, **options)


def chat_fetches(standin) -> list[str]:
    return [r.path for r in standin.requests if r.path.startswith("/get-chat/")]


def test_two_syncs_of_the_same_window_give_the_same_rows(db, retell_client, retell_standin,
                                                         admin_conn):
    first = sync(db, retell_client)
    rows = ledger(admin_conn)
    retell_standin.requests.clear()

    second = sync(db, retell_client)

    expected = len(ended(retell_standin.seed.calls, "call")) + len(
        ended(retell_standin.seed.chats, "chat"))
    assert (first.fetched, first.inserted, first.updated, first.unchanged) == (
        expected, expected, 0, 0)
    assert (second.fetched, second.inserted, second.updated, second.unchanged) == (
        expected, 0, 0, expected)
    assert ledger(admin_conn) == rows
    assert chat_fetches(retell_standin) == []


def test_every_billed_record_of_the_window_is_stored_once(db, retell_client, retell_standin,
                                                          admin_conn):
    sync(db, retell_client)

    rows = ledger(admin_conn)
    calls = {r["call_id"] for r in ended(retell_standin.seed.calls, "call")}
    chats = {r["chat_id"] for r in ended(retell_standin.seed.chats, "chat")}
    assert {k for k, r in rows.items() if r["source"] == "retell_call"} == calls
    assert {k for k, r in rows.items() if r["source"] == "retell_chat"} == chats
    assert {r["status"] for r in rows.values()} == {"ended", "error"}


def test_costs_of_seeded_records_equal_the_cost_engine_on_the_raw_data(db, retell_client,
                                                                     retell_standin, admin_conn):
    sync(db, retell_client)
    rows = ledger(admin_conn)

    for raw in ended(retell_standin.seed.calls, "call"):
        row = rows[raw["call_id"]]
        telephone = raw["call_type"] == "phone_call" and raw["duration_ms"] > 0
        cost = cost_call(Decimal(raw["duration_ms"]) / 1000 if telephone else 0,
                         cents_from_vendor(raw["call_cost"].get("combined_cost")),
                         DEFAULT_RATE_CARD)
        assert (row["billed_minutes"], row["twilio_cost_usd"], row["cost_missing"]) == (
            cost.billed_minutes, cost.twilio_voice_usd, cost.cost_missing)
        assert row["retell_cost_usd_cents"] / 100 == cost.retell_usd
        assert row["record_type"] == raw["call_type"]
    for raw in ended(retell_standin.seed.chats, "chat"):
        row = rows[raw["chat_id"]]
        sms = raw["chat_type"] == "sms_chat"
        messages = [(m["role"], m.get("content")) for m in raw["message_with_tool_calls"]]
        cost = cost_chat(messages if sms else [],
                         cents_from_vendor((raw.get("chat_cost") or {}).get("combined_cost")),
                         DEFAULT_RATE_CARD)
        assert (row["sms_segments"], row["twilio_cost_usd"], row["message_count"]) == (
            (cost.segments, cost.twilio_sms_usd, cost.message_count) if sms else (0, 0, 0))
        assert row["retell_cost_usd_cents"] / 100 == cost.retell_usd
        assert (row["cost_missing"], row["record_type"]) == (cost.cost_missing, raw["chat_type"])


def test_api_chats_have_no_sms_but_keep_their_retell_cost(db, retell_client, retell_standin,
                                                         admin_conn):
    chat = retell_standin.add_chat(chat_type="api_chat", chat_cost={"combined_cost": 3.25})

    sync(db, retell_client)

    row = ledger(admin_conn)[chat["chat_id"]]
    assert (row["record_type"], row["sms_segments"], row["twilio_cost_usd"]) == ("api_chat", 0, 0)
    assert row["retell_cost_usd_cents"] == Decimal("3.25")
    assert f"/get-chat/{chat['chat_id']}" not in chat_fetches(retell_standin)


def test_a_sync_failing_after_its_first_batch_is_completed_by_running_it_again(
        db, retell_standin, retell_sleeps, admin_conn):
    from billing.adapters.retell import RetellClient

    client = RetellClient(retell_standin.api_key, retell_standin.base_url, page_size=20,
                          sleep=retell_sleeps.append, max_retries=2)

    def fail_after_first_batch(kind, done):
        retell_standin.inject_fault(500, count=1000, path="/v3/list-calls")

    with pytest.raises(UpstreamUnavailable):
        sync(db, client, batch_size=40, progress=fail_after_first_batch)
    assert len(ledger(admin_conn)) == 40
    retell_standin.reset()

    again = sync(db, client, batch_size=40)

    calls = {r["call_id"] for r in ended(retell_standin.seed.calls, "call")}
    chats = {r["chat_id"] for r in ended(retell_standin.seed.chats, "chat")}
    assert set(ledger(admin_conn)) == calls | chats
    assert (again.unchanged, again.inserted) == (40, len(calls) + len(chats) - 40)
    count = admin_conn.execute("select count(*), count(distinct external_id)"
                               " from usage_records").fetchone()
    assert count == (len(calls) + len(chats),) * 2


def test_a_batch_whose_chat_messages_cannot_be_fetched_is_not_written(db, retell_client,
                                                                     retell_standin, admin_conn):
    retell_standin.inject_fault(500, count=1000, path="/get-chat/")

    with pytest.raises(UpstreamUnavailable):
        sync(db, retell_client)

    assert {r["source"] for r in ledger(admin_conn).values()} == {"retell_call"}


def test_rate_limited_requests_are_retried_after_the_delay_retell_asks_for(
        db, retell_client, retell_standin, retell_sleeps, admin_conn):
    retell_standin.inject_fault(429, count=2, path="/v3/list-chats", retry_after=3)
    retell_standin.inject_fault(429, count=1, path="/get-chat/", retry_after=1)

    result = sync(db, retell_client)

    assert sorted(retell_sleeps) == [1, 3, 3]
    assert result.inserted == len(ended(retell_standin.seed.calls, "call")) + len(
        ended(retell_standin.seed.chats, "chat"))
    assert len(ledger(admin_conn)) == result.inserted


def test_a_changed_unbilled_call_is_updated(db, retell_client, retell_standin, admin_conn):
    call = ended(retell_standin.seed.calls, "call")[3]
    sync(db, retell_client)
    retell_standin.store.put("call", {**call, "duration_ms": 121_000,
                                      "call_cost": {"combined_cost": 20.5}})

    result = sync(db, retell_client)

    row = ledger(admin_conn)[call["call_id"]]
    assert (result.updated, result.drift) == (1, 0)
    assert (row["billed_minutes"], row["twilio_cost_usd"]) == (3, Decimal("0.066"))
    assert row["retell_cost_usd_cents"] == Decimal("20.5")


def test_a_changed_sms_chat_is_recounted_from_its_messages_only(db, retell_client,
                                                               retell_standin, admin_conn):
    chat = next(c for c in ended(retell_standin.seed.chats, "chat")
                if c["chat_type"] == "sms_chat")
    sync(db, retell_client)
    messages = [*chat["message_with_tool_calls"], {"role": "user", "content": "x" * 161}]
    retell_standin.store.put("chat", {**chat, "message_with_tool_calls": messages,
                                      "chat_cost": {"combined_cost": 99.0}})
    before = ledger(admin_conn)[chat["chat_id"]]
    retell_standin.requests.clear()

    result = sync(db, retell_client)

    row = ledger(admin_conn)[chat["chat_id"]]
    assert result.updated == 1
    assert chat_fetches(retell_standin) == [f"/get-chat/{chat['chat_id']}"]
    assert (row["message_count"], row["sms_segments"]) == (
        before["message_count"] + 1, before["sms_segments"] + 2)


def test_billed_records_are_never_changed_and_are_reported_as_drift(db, retell_client,
                                                                   retell_standin, admin_conn):
    call = ended(retell_standin.seed.calls, "call")[3]
    untouched = ended(retell_standin.seed.calls, "call")[4]
    sync(db, retell_client)
    invoice = bill(admin_conn, [call["call_id"], untouched["call_id"]])
    before = ledger(admin_conn)
    retell_standin.store.put("call", {**call, "duration_ms": 999_000})

    result = sync(db, retell_client)

    assert (result.drift, result.drift_ids, result.updated) == (1, (call["call_id"],), 0)
    assert ledger(admin_conn) == before
    assert before[call["call_id"]]["invoice_id"] == invoice


def test_unattributed_usage_is_stored_and_reported(db, retell_client, retell_standin,
                                                  admin_conn):
    customer = admin_conn.execute(
        "insert into billing_customers (customer_name, customer_email)"
        " values ('Acme Family Clinic', 'billing@acme.test') returning id").fetchone()[0]
    for agent in ("agent_acme_sms", "agent_acme_voice", "agent_laval_sms",
                  "agent_laval_voice", "agent_maple_frontdesk"):
        admin_conn.execute("insert into billing_customer_agents values (%s, %s)",
                           [agent, customer])

    result = sync(db, retell_client)

    rows = [r for r in ledger(admin_conn).values() if r["agent_id"] == UNMAPPED_AGENT_ID]
    assert result.unattributed.agent_ids == (UNMAPPED_AGENT_ID,)
    assert result.unattributed.count == len(rows) > 0
    assert result.unattributed.cost_usd == sum(
        r["retell_cost_usd_cents"] / 100 + r["twilio_cost_usd"] for r in rows)


def test_the_rate_card_in_force_on_the_local_start_day_prices_each_record(
        db, retell_client, retell_standin, admin_conn):
    sync(db, retell_client)
    card = admin_conn.execute(
        "insert into billing_rate_cards (effective_from, usd_per_segment, usd_per_minute,"
        " prompt_segments, segment_rules) values ('2025-03-15', 0.01, 0.03, 0, 'standard')"
        " returning id::text").fetchone()[0]
    first_local_day = retell_standin.add_call(start=1_742_011_200_000, duration_ms=61_000)

    result = sync(db, retell_client)

    rows = ledger(admin_conn).values()
    later = [r for r in rows if r["started_at"] >= START.replace(day=15, hour=4)]
    assert result.updated == len(later) - 1 and result.inserted == 1
    earlier = [r for r in rows if r["started_at"] < START.replace(day=15, hour=4)]
    default = admin_conn.execute("select id::text from billing_rate_cards"
                                 " where effective_from = '2000-01-01'").fetchone()[0]
    assert {str(r["rate_card_id"]) for r in later} == {card}
    assert {str(r["rate_card_id"]) for r in earlier} == {default}
    row = ledger(admin_conn)[first_local_day["call_id"]]
    assert (str(row["rate_card_id"]), row["twilio_cost_usd"]) == (card, Decimal("0.06"))


def bill(conn, external_ids: list[str]) -> str:
    """Mark rows as billed by a new invoice; its id."""
    customer = conn.execute(
        "insert into billing_customers (customer_name, customer_email)"
        " values ('Billed Clinic', 'billed@clinic.test') returning id").fetchone()[0]
    invoice = conn.execute(
        "insert into invoice_records (billing_customer_id, billing_period_start,"
        " billing_period_end, subtotal_cad, total_amount_cad)"
        " values (%s, '2025-03-01', '2025-03-31', 1, 1) returning id", [customer]).fetchone()[0]
    conn.execute("update usage_records set invoice_id = %s where external_id = any(%s)",
                 [invoice, external_ids])
    return invoice
