"""Retell webhooks: signature verification and payload parsing."""
from __future__ import annotations

import json
import threading
import time
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from billing.adapters.retell import SIGNATURE_TOLERANCE_MS, parse_webhook, verify_webhook
from billing.domain.errors import Unauthenticated, ValidationFailed
from billing.domain.usage import CallUsage, ChatMessage, ChatUsage

NOW_MS = 1_741_000_000_000


@pytest.fixture
def signed(retell_standin):
    """A call_ended body and its signature made at NOW_MS."""
    call_id = retell_standin.seed.calls[0]["call_id"]
    body = retell_standin.webhook_payload("call_ended", call_id)
    return body, retell_standin.sign_webhook(body, ts_ms=NOW_MS)


def test_a_correctly_signed_webhook_is_accepted(signed, retell_standin):
    body, signature = signed

    verify_webhook(body, signature, retell_standin.api_key, NOW_MS)


def test_a_signature_at_the_edge_of_the_tolerance_is_still_accepted(signed, retell_standin):
    body, signature = signed

    verify_webhook(body, signature, retell_standin.api_key, NOW_MS + SIGNATURE_TOLERANCE_MS)


@pytest.mark.parametrize("now_ms", [NOW_MS + SIGNATURE_TOLERANCE_MS + 1,
                                    NOW_MS - SIGNATURE_TOLERANCE_MS - 1])
def test_an_expired_or_future_signature_is_refused(signed, retell_standin, now_ms):
    body, signature = signed

    with pytest.raises(Unauthenticated) as raised:
        verify_webhook(body, signature, retell_standin.api_key, now_ms)
    assert raised.value.code == "invalid_signature"


def test_a_tampered_body_is_refused(signed, retell_standin):
    body, signature = signed

    with pytest.raises(Unauthenticated):
        verify_webhook(body.replace(b"ended", b"ENDED"), signature, retell_standin.api_key,
                       NOW_MS)


def test_a_signature_made_with_another_key_is_refused(signed):
    body, signature = signed

    with pytest.raises(Unauthenticated):
        verify_webhook(body, signature, "key_someone_else", NOW_MS)


@pytest.mark.parametrize("header", [None, "", "v=abc,d=00ff", "d=00ff,v=1741000000000",
                                    f"v={NOW_MS}", f"v={NOW_MS},d=not-hex"])
def test_a_missing_or_malformed_signature_is_refused(retell_standin, header):
    with pytest.raises(Unauthenticated) as raised:
        verify_webhook(b"{}", header, retell_standin.api_key, NOW_MS)
    assert raised.value.code == "invalid_signature"


def test_call_ended_gives_the_call_usage(retell_standin):
    call = retell_standin.add_call(duration_ms=61_000, call_cost={"combined_cost": 7.1187})
    payload = json.loads(retell_standin.webhook_payload("call_ended", call["call_id"]))

    event, usage, messages = parse_webhook(payload)

    assert event == "call_ended" and messages is None
    assert isinstance(usage, CallUsage)
    assert (usage.call_id, usage.duration_ms) == (call["call_id"], 61_000)
    assert usage.combined_cost_cents == Decimal("7.1187")


def test_chat_analyzed_gives_the_chat_usage_and_only_its_text_messages(retell_standin):
    chat = retell_standin.add_chat(message_with_tool_calls=[
        {"role": "agent", "content": "Bonjour Zoé, rappel pour demain."},
        {"role": "tool_call_result", "tool_call_id": "t", "content": "{}"},
        {"role": "user", "content": "Oui"},
    ])
    payload = json.loads(retell_standin.webhook_payload("chat_analyzed", chat["chat_id"]))

    event, usage, messages = parse_webhook(payload)

    assert event == "chat_analyzed"
    assert isinstance(usage, ChatUsage) and usage.chat_id == chat["chat_id"]
    assert messages == [ChatMessage("agent", "Bonjour Zoé, rappel pour demain."),
                        ChatMessage("user", "Oui")]


def test_a_chat_payload_without_messages_says_so_with_none(retell_standin):
    chat = retell_standin.add_chat()
    del chat["message_with_tool_calls"]

    _, usage, messages = parse_webhook({"event": "chat_ended", "chat": chat})

    assert usage.chat_id == chat["chat_id"] and messages is None


def test_started_events_carry_nothing_to_bill(retell_standin):
    call = retell_standin.seed.calls[0]

    assert parse_webhook({"event": "call_started", "call": call}) == ("call_started", None, None)


@pytest.mark.parametrize("payload", [
    {}, {"event": "call_ended"}, {"event": "call_ended", "chat": {}},
    {"event": "call_ended", "call": {"call_id": "c1"}}, {"event": "phone_number_updated"},
])
def test_unsupported_or_incomplete_payloads_are_refused(payload):
    with pytest.raises(ValidationFailed) as raised:
        parse_webhook(payload)
    assert raised.value.code == "invalid_webhook_payload"


def test_the_standin_delivers_a_webhook_the_product_can_verify(retell_standin):
    received: dict = {}

    class Receiver(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            received["body"] = self.rfile.read(int(self.headers["Content-Length"]))
            received["signature"] = self.headers["x-retell-signature"]
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args) -> None:
            """Quiet."""

    server = HTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.handle_request, daemon=True).start()
    chat_id = retell_standin.seed.chats[3]["chat_id"]

    status = retell_standin.send_webhook(
        f"http://127.0.0.1:{server.server_port}/webhook", "chat_ended", chat_id)
    server.server_close()

    assert status == 204
    verify_webhook(received["body"], received["signature"], retell_standin.api_key,
                   int(time.time() * 1000))
    assert parse_webhook(json.loads(received["body"]))[1].chat_id == chat_id
