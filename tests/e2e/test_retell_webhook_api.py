"""POST /api/billing/retell/webhook over real HTTP: signatures, events, one row per record."""
from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta

import pytest

from billing.adapters.clock import ManualClock
from billing.bootstrap import Deps
from billing.domain.pricing import DEFAULT_RATE_CARD, cents_from_vendor, cost_chat
from billing.domain.usage import ms_from_utc
from billing.usecases.usage_sync import sync_window
from tests.fixtures.auth import auth_settings
from tests.fixtures.db import follow_clock
from tests.integration.test_usage_sync import END, START, ended, ledger

ROUTE = "/api/billing/retell/webhook"
NOW = datetime(2025, 4, 2, 9, 30, tzinfo=UTC)


@pytest.fixture
def api_settings(db_url, retell_standin):
    return auth_settings(db_url, retell_api_key=retell_standin.api_key,
                         retell_base_url=retell_standin.base_url)


@pytest.fixture
def api_clock():
    return ManualClock(NOW)


@pytest.fixture
def api_deps(db, api_settings, api_clock, retell_client):
    follow_clock(db, api_clock)
    return Deps(settings=api_settings, db=db, clock=api_clock, retell_client=retell_client)


def post(api, standin, body: bytes, *, at: datetime = NOW, key: str | None = None):
    """POST ``body`` signed as Retell signs at ``at`` (with ``key``: another API key)."""
    stamp = str(ms_from_utc(at)).encode()
    digest = hmac.new((key or standin.api_key).encode(), body + stamp, hashlib.sha256)
    return api.post(ROUTE, content=body, headers={
        "x-retell-signature": f"v={stamp.decode()},d={digest.hexdigest()}",
        "content-type": "application/json"})


def test_a_retried_and_listed_call_makes_one_row(api, retell_standin, retell_client, db,
                                                 admin_conn):
    call = ended(retell_standin.seed.calls, "call")[5]
    body = retell_standin.webhook_payload("call_ended", call["call_id"])

    first, retry = post(api, retell_standin, body), post(api, retell_standin, body)
    analyzed = post(api, retell_standin,
                    retell_standin.webhook_payload("call_analyzed", call["call_id"]))
    listed = sync_window(START, END, db=db, source=retell_client)

    assert [r.json()["outcome"] for r in (first, retry, analyzed)] == [
        "inserted", "unchanged", "unchanged"]
    assert first.json()["event"] == "call_ended"
    assert listed.inserted == listed.fetched - 1 and listed.unchanged == 1
    count = admin_conn.execute("select count(*) from usage_records where external_id = %s",
                               [call["call_id"]]).fetchone()[0]
    assert count == 1


@pytest.mark.parametrize("forgery", ["missing", "other_key", "stale", "future", "tampered"])
def test_a_bad_or_missing_signature_is_401_and_nothing_is_written(api, retell_standin,
                                                                   admin_conn, forgery):
    call = ended(retell_standin.seed.calls, "call")[5]
    body = retell_standin.webhook_payload("call_ended", call["call_id"])
    if forgery == "missing":
        resp = api.post(ROUTE, content=body)
    elif forgery == "tampered":
        signature = retell_standin.sign_webhook(body, ts_ms=ms_from_utc(NOW))
        resp = api.post(ROUTE, content=body.replace(b'"ended"', b'"ENDED"'),
                        headers={"x-retell-signature": signature})
    else:
        shift = {"stale": -6, "future": 6, "other_key": 0}[forgery]
        resp = post(api, retell_standin, body, at=NOW + timedelta(minutes=shift),
                    key="key_someone_else" if forgery == "other_key" else None)

    assert resp.status_code == 401
    assert resp.json()["code"] == "invalid_signature"
    assert ledger(admin_conn) == {}


@pytest.mark.parametrize("event", ["call_started", "chat_started", "transcript_updated"])
def test_other_events_are_acknowledged_with_204(api, retell_standin, admin_conn, event):
    call = ended(retell_standin.seed.calls, "call")[5]
    body = json.dumps({"event": event, "call": call}).encode()

    resp = post(api, retell_standin, body)

    assert resp.status_code == 204 and ledger(admin_conn) == {}


def sms_chat(standin) -> dict:
    return next(c for c in ended(standin.seed.chats, "chat")
                if c["chat_type"] == "sms_chat" and len(c["message_with_tool_calls"]) > 2)


def engine_segments(chat: dict) -> int:
    messages = [(m["role"], m.get("content")) for m in chat["message_with_tool_calls"]]
    return cost_chat(messages, cents_from_vendor((chat.get("chat_cost") or {})
                                                 .get("combined_cost")), DEFAULT_RATE_CARD).segments


def test_an_sms_chat_is_counted_from_the_messages_in_the_payload(api, retell_standin,
                                                                 admin_conn):
    chat = sms_chat(retell_standin)

    resp = post(api, retell_standin, retell_standin.webhook_payload("chat_ended", chat["chat_id"]))

    assert resp.json() == {"event": "chat_ended", "outcome": "inserted"}
    assert ledger(admin_conn)[chat["chat_id"]]["sms_segments"] == engine_segments(chat)
    assert not [r for r in retell_standin.requests if r.path.startswith("/get-chat/")]


def test_an_sms_chat_without_messages_in_the_payload_has_them_fetched(api, retell_standin,
                                                                      admin_conn):
    chat = sms_chat(retell_standin)
    bare = {k: v for k, v in chat.items() if k != "message_with_tool_calls"}

    resp = post(api, retell_standin, json.dumps({"event": "chat_analyzed", "chat": bare}).encode())

    assert resp.json()["outcome"] == "inserted"
    assert ledger(admin_conn)[chat["chat_id"]]["sms_segments"] == engine_segments(chat)
    assert [r.path for r in retell_standin.requests] == [f"/get-chat/{chat['chat_id']}"]


def test_a_signed_body_that_is_not_a_retell_event_is_400_invalid_event(api, retell_standin,
                                                                      admin_conn):
    resp = post(api, retell_standin, b'{"event": "call_ended", "call": "nope"}')

    assert (resp.status_code, resp.json()["code"]) == (400, "invalid_event")
    assert ledger(admin_conn) == {}
