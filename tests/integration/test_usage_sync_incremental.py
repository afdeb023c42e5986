"""Incremental usage sync from the cursors, the hourly run, the CLI, and no PHI at rest."""
from __future__ import annotations

import json
import subprocess
from datetime import UTC, datetime, timedelta

import pytest

from billing.adapters.clock import ManualClock
from billing.bootstrap import Deps, use_deps
from billing.cli import main
from billing.config import Settings
from billing.domain.errors import UpstreamUnavailable
from billing.domain.usage import ms_from_utc
from billing.local.cluster import find_bindir
from billing.local.queue import LocalOut
from billing.usecases.usage_sync import DEFAULT_OVERLAP, sync_incremental
from billing.usecases.usage_webhook import ingest_webhook
from tests.fixtures.world import hourly_with_queue
from tests.integration.test_usage_sync import START, ended, ledger, sync

NOW = datetime(2025, 3, 20, 12, 0, tzinfo=UTC)
FEB_1_LOCAL = datetime(2025, 2, 1, 5, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(NOW)


def cursors(conn) -> dict[str, datetime]:
    return dict(conn.execute("select source, high_water_mark from usage_sync_cursors").fetchall())


def list_windows(standin, path: str) -> list[list[int]]:
    return [r.body["filter_criteria"]["start_timestamp"]["value"]
            for r in standin.requests if r.path == path]


def test_the_first_incremental_sync_backfills_from_the_previous_month(db, retell_client,
                                                                      retell_standin, clock,
                                                                      admin_conn):
    result = sync_incremental(db=db, source=retell_client, clock=clock)

    stored = ledger(admin_conn)
    assert (result.start, result.end) == (FEB_1_LOCAL, NOW)
    assert cursors(admin_conn) == {"retell_call": NOW, "retell_chat": NOW}
    assert result.inserted == len(stored) > 0
    assert max(r["started_at"] for r in stored.values()) < NOW
    assert list_windows(retell_standin, "/v3/list-calls") == [
        [ms_from_utc(FEB_1_LOCAL), ms_from_utc(NOW)]]


def test_the_next_sync_starts_at_the_cursor_minus_the_overlap(db, retell_client, retell_standin,
                                                              clock, admin_conn):
    sync_incremental(db=db, source=retell_client, clock=clock)
    late = retell_standin.add_call(start=NOW - timedelta(minutes=90), duration_ms=80 * 60_000)
    clock.advance(hours=1)
    retell_standin.requests.clear()

    result = sync_incremental(db=db, source=retell_client, clock=clock)

    assert list_windows(retell_standin, "/v3/list-chats") == [
        [ms_from_utc(NOW - DEFAULT_OVERLAP), ms_from_utc(clock.now())]]
    seeded = ended(retell_standin.seed.calls, "call") + ended(retell_standin.seed.chats, "chat")
    hour = [r for r in seeded
            if ms_from_utc(NOW) <= r["start_timestamp"] < ms_from_utc(clock.now())]
    assert result.inserted == 1 + len(hour) and late["call_id"] in ledger(admin_conn)
    assert result.fetched == result.inserted + result.unchanged
    assert cursors(admin_conn) == {"retell_call": clock.now(), "retell_chat": clock.now()}


def test_a_failed_incremental_sync_leaves_that_source_cursor_where_it_was(
        db, retell_client, retell_standin, clock, admin_conn):
    retell_standin.inject_fault(500, count=1000, path="/v3/list-chats")

    with pytest.raises(UpstreamUnavailable):
        sync_incremental(db=db, source=retell_client, clock=clock)
    assert cursors(admin_conn) == {"retell_call": NOW}
    retell_standin.reset()

    again = sync_incremental(db=db, source=retell_client, clock=clock)

    chats = {r["chat_id"] for r in ended(retell_standin.seed.chats, "chat")
             if r["start_timestamp"] < ms_from_utc(NOW)}
    assert chats <= set(ledger(admin_conn)) and again.inserted == len(chats)


def deps_for(db, clock, client=None, **settings) -> Deps:
    return Deps(settings=Settings(database_url=db.url, **settings), db=db, clock=clock,
                retell_client=client)


def test_the_hourly_run_syncs_usage_incrementally(db, retell_client, clock, admin_conn):
    run = hourly_with_queue(deps_for(db, clock, retell_client))

    assert run.failures == {} and run.usage.inserted == len(ledger(admin_conn)) > 0
    assert cursors(admin_conn) == {"retell_call": NOW, "retell_chat": NOW}


def test_the_hourly_timer_fires_at_minute_5_and_runs_the_hourly_steps(db, retell_client, clock,
                                                                     admin_conn):
    from functions import timers

    function = timers.bp._function_builders[0].build()
    bindings = {b.type: b for b in function.get_bindings()}
    trigger, outbox = bindings["timerTrigger"], bindings["queue"]

    with use_deps(deps_for(db, clock, retell_client)):
        function.get_user_function()(timer=None, outbox=LocalOut())

    assert (trigger.type, trigger.schedule, trigger.run_on_startup) == (
        "timerTrigger", "0 5 * * * *", False)
    assert outbox.get_dict_repr()["queueName"] == "invoice-batches"
    assert cursors(admin_conn) == {"retell_call": NOW, "retell_chat": NOW}


@pytest.mark.parametrize(("broken", "code"), [("retell_down", "retell_unavailable"),
                                              ("no_key", "retell_not_configured")])
def test_an_hourly_run_reports_a_failed_usage_sync_instead_of_raising(
        db, retell_client, retell_standin, clock, broken, code):
    retell_standin.inject_fault(503, count=1000)
    client = retell_client if broken == "retell_down" else None

    run = hourly_with_queue(deps_for(db, clock, client, retell_api_key=None))

    assert (run.usage, run.failures) == (None, {"usage_sync": code})


def test_the_cli_syncs_local_days_with_progress_and_audits_it(db, retell_client, clock,
                                                              admin_conn, capsys):
    with use_deps(deps_for(db, clock, retell_client)):
        code = main(["sync-usage", "--start", "2025-03-01", "--end", "2025-03-31"])

    out = capsys.readouterr().out
    total = len(ledger(admin_conn))
    assert code == 0
    assert "retell_call: " in out and "retell_chat: " in out
    assert f"2025-03-01 to 2025-03-31: {total} fetched, {total} inserted" in out
    assert "unattributed: " in out
    entry = admin_conn.execute("select actor_type, details from billing_audit_log"
                               " where action = 'BILLING_USAGE_SYNCED'").fetchone()
    assert entry[0] == "system"
    assert (entry[1]["inserted"], entry[1]["period_start"]) == (total, "2025-03-01")
    assert min(r["started_at"] for r in ledger(admin_conn).values()) >= START


def test_the_cli_refuses_an_end_before_the_start(db, retell_client, clock, capsys):
    with use_deps(deps_for(db, clock, retell_client)):
        code = main(["sync-usage", "--start", "2025-03-31", "--end", "2025-03-01"])

    assert code == 1
    assert "End date must be after start date" in capsys.readouterr().err


def phi_strings(standin) -> set[str]:
    """Message text, phone numbers, names, transcripts, summaries, recording URLs."""
    found: set[str] = set()
    for call in standin.seed.calls:
        found |= {call["to_number"], call["metadata"]["patient_name"]}
        found |= {call[k] for k in ("transcript", "recording_url") if k in call}
        found |= {call["call_analysis"]["call_summary"]} if "call_analysis" in call else set()
    for chat in standin.seed.chats:
        found |= {chat["metadata"]["patient_phone"], chat["metadata"]["patient_name"],
                  chat["transcript"]}
        found |= {m["content"] for m in chat["message_with_tool_calls"]
                  if m["role"] in ("agent", "user", "sms")}
        found |= {chat["chat_analysis"]["chat_summary"]} if "chat_analysis" in chat else set()
    return {text for text in found if len(text) >= 8}


def test_no_message_text_or_phone_number_reaches_the_database(db, retell_client, retell_standin,
                                                              clock, admin_conn):
    sync(db, retell_client)
    chat = ended(retell_standin.seed.chats, "chat")[0]
    body = retell_standin.webhook_payload("chat_ended", chat["chat_id"])
    clock.set(datetime.now(UTC))
    ingest_webhook(body, retell_standin.sign_webhook(body), api_key=retell_standin.api_key,
                   db=db, source=retell_client, clock=clock)
    assert json.loads(body)["chat"]["message_with_tool_calls"]

    dump = subprocess.run([str(find_bindir() / "pg_dump"), "--dbname", db.url],
                          capture_output=True, text=True, check=True).stdout

    assert chat["chat_id"] in dump and len(ledger(admin_conn)) > 300
    leaked = sorted(text for text in phi_strings(retell_standin) if text in dump)
    assert leaked == []
