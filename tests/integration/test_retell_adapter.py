"""RetellClient against the Retell stand-in: paging, windows, retries, concurrency."""
from __future__ import annotations

import logging
import math
from decimal import Decimal

import httpx
import pytest

from billing.adapters.retell import RetellClient
from billing.domain.errors import UpstreamUnavailable
from billing.domain.usage import ChatMessage, utc_from_ms
from standins.retell_seed import FAKE_PHONE_MIDDLE, month_bounds_ms
from tests.fixtures.retell import RETELL_SEED_MONTH, billed_seed_record

LO_MS, HI_MS = month_bounds_ms(RETELL_SEED_MONTH)
START, END = utc_from_ms(LO_MS), utc_from_ms(HI_MS)


def seeded_ended(records: list[dict], kind: str, agents: set[str] | None = None) -> set[str]:
    return {
        r[f"{kind}_id"] for r in records
        if billed_seed_record(r, kind) and LO_MS <= r["start_timestamp"] < HI_MS
        and (agents is None or r["agent_id"] in agents)
    }


def client_for(standin, sleeps: list[float], **options) -> RetellClient:
    return RetellClient(standin.api_key, standin.base_url, sleep=sleeps.append, **options)


def list_requests(standin, path: str = "/v3/list-calls"):
    return [r for r in standin.requests if r.path == path]


def test_every_ended_call_of_the_month_is_listed_once_across_many_pages(retell_standin):
    client = client_for(retell_standin, [], page_size=7)
    calls = list(client.list_calls(START, END))

    ids = [c.call_id for c in calls]
    assert len(ids) == len(set(ids))
    assert set(ids) == seeded_ended(retell_standin.seed.calls, "call")
    assert [c.started_at for c in calls] == sorted(c.started_at for c in calls)
    pages = list_requests(retell_standin)
    assert len(pages) >= math.ceil(len(ids) / 7) > 10
    assert all(p.body.get("pagination_key") for p in pages[1:])


def test_the_list_request_asks_for_ended_records_in_the_window_oldest_first(retell_client,
                                                                           retell_standin):
    list(retell_client.list_calls(START, END))

    body = list_requests(retell_standin)[0].body
    assert body["filter_criteria"] == {
        "start_timestamp": {"op": "bt", "type": "range", "value": [LO_MS, HI_MS]},
        "call_status": {"op": "in", "type": "enum", "value": ["ended", "error", "not_connected"]},
    }
    assert (body["limit"], body["sort_order"]) == (1000, "ascending")


def test_the_window_is_half_open_although_retell_range_includes_both_ends(retell_client,
                                                                        retell_standin):
    edges = {ms: retell_standin.add_call(start=ms)["call_id"]
             for ms in (LO_MS - 1, HI_MS - 1, HI_MS)}
    server_page = retell_standin.store.list("call", {"limit": 1000, "filter_criteria": {
        "start_timestamp": {"op": "bt", "type": "range", "value": [LO_MS, HI_MS]}}})

    ids = {c.call_id for c in retell_client.list_calls(START, END)}

    assert edges[HI_MS] in {item["call_id"] for item in server_page["items"]}
    assert edges[HI_MS - 1] in ids
    assert edges[HI_MS] not in ids and edges[LO_MS - 1] not in ids


def test_ongoing_calls_and_unbilled_failures_are_left_out_charged_failures_kept(
        retell_client, retell_standin):
    statuses = {c["call_status"] for c in retell_standin.seed.calls}
    calls = list(retell_client.list_calls(START, END))

    assert {"ongoing", "error", "not_connected"} <= statuses
    assert {c.status for c in calls} == {"ended", "error"}  # not_connected: never charged
    assert all(c.combined_cost_cents > 0 for c in calls if c.status == "error")


def test_records_retell_returns_despite_the_filters_are_still_dropped():
    def answer(request: httpx.Request) -> httpx.Response:
        items = [
            {"call_id": "c_ok", "agent_id": "a1", "call_status": "ended", "start_timestamp": LO_MS},
            {"call_id": "c_live", "agent_id": "a1", "call_status": "ongoing",
             "start_timestamp": LO_MS},
            {"call_id": "c_other", "agent_id": "a2", "call_status": "ended",
             "start_timestamp": LO_MS},
            {"call_id": "c_broken", "agent_id": "a1", "call_status": "ended"},
        ]
        return httpx.Response(200, json={"items": items, "has_more": False})

    client = RetellClient("key", transport=httpx.MockTransport(answer))

    assert [c.call_id for c in client.list_calls(START, END, agent_ids=["a1"])] == ["c_ok"]


def test_agent_filter_is_sent_and_respected(retell_client, retell_standin):
    calls = list(retell_client.list_calls(START, END, agent_ids=["agent_laval_voice"]))

    assert {c.call_id for c in calls} == seeded_ended(
        retell_standin.seed.calls, "call", {"agent_laval_voice"})
    body = list_requests(retell_standin)[0].body
    assert body["filter_criteria"]["agent"] == [{"agent_id": "agent_laval_voice"}]


def test_costs_become_exact_decimals_and_a_missing_cost_is_none(retell_client, retell_standin):
    priced = retell_standin.add_call(start=LO_MS + 5, duration_ms=61_000,
                                     call_cost={"combined_cost": 12.345, "product_costs": []})
    unpriced = retell_standin.add_call(start=LO_MS + 6)
    del unpriced["call_cost"]
    retell_standin.store.put("call", unpriced)

    calls = {c.call_id: c for c in retell_client.list_calls(START, END)}

    assert calls[priced["call_id"]].combined_cost_cents == Decimal("12.345")
    assert calls[priced["call_id"]].duration_ms == 61_000
    assert calls[priced["call_id"]].started_at == utc_from_ms(LO_MS + 5)
    assert calls[unpriced["call_id"]].combined_cost_cents is None


def test_chats_of_both_types_are_listed_with_missing_costs_as_none(retell_client, retell_standin):
    chats = list(retell_client.list_chats(START, END))

    assert {c.chat_id for c in chats} == seeded_ended(retell_standin.seed.chats, "chat")
    assert {c.chat_type for c in chats} == {"sms_chat", "api_chat"}
    assert any(c.combined_cost_cents is None for c in chats)
    assert all(isinstance(c.combined_cost_cents, Decimal) for c in chats
               if c.combined_cost_cents is not None)


def test_chat_messages_keep_only_role_and_text_of_sms_roles(retell_client, retell_standin):
    chat = retell_standin.add_chat(message_with_tool_calls=[
        {"role": "agent", "content": "Rappel : rendez-vous demain à 10 h 30 ☀️"},
        {"role": "tool_call_invocation", "tool_call_id": "t1", "name": "book", "arguments": "{}"},
        {"role": "tool_call_result", "tool_call_id": "t1", "content": '{"ok": true}'},
        {"role": "node_transition", "new_node_name": "done"},
        {"role": "state_transition", "new_state_name": "done"},
        {"role": "user", "content": "Oui 👍"},
        {"role": "sms", "content": "C"},
    ])

    assert retell_client.get_chat_messages(chat["chat_id"]) == [
        ChatMessage("agent", "Rappel : rendez-vous demain à 10 h 30 ☀️"),
        ChatMessage("user", "Oui 👍"),
        ChatMessage("sms", "C"),
    ]


def test_many_chats_are_fetched_concurrently_but_never_beyond_the_bound(retell_standin):
    ids = [c["chat_id"] for c in retell_standin.seed.chats[:24]]
    retell_standin.set_latency(0.05, "/get-chat/")
    client = client_for(retell_standin, [], max_concurrency=3)

    messages = client.get_chats_messages(ids)

    assert set(messages) == set(ids)
    assert all(messages[cid] for cid in ids)
    assert retell_standin.max_in_flight == 3


def test_a_chat_retell_no_longer_has_is_left_out(retell_client, retell_standin):
    known = retell_standin.seed.chats[0]["chat_id"]

    messages = retell_client.get_chats_messages([known, "chat_deleted_meanwhile"])

    assert list(messages) == [known]


def test_rate_limited_requests_wait_as_long_as_retry_after_says(retell_client, retell_standin,
                                                              retell_sleeps):
    retell_standin.inject_fault(429, count=2, retry_after=3)

    calls = list(retell_client.list_calls(START, END))

    assert calls
    assert retell_sleeps == [3.0, 3.0]


def test_without_retry_after_the_backoff_doubles_with_jitter(retell_client, retell_standin,
                                                           retell_sleeps):
    retell_standin.inject_fault(503, count=3)

    list(retell_client.list_chats(START, END))

    assert len(retell_sleeps) == 3
    for attempt, delay in enumerate(retell_sleeps):
        assert 0.25 * 2**attempt <= delay < 0.5 * 2**attempt


def test_a_failure_midway_through_paging_resumes_at_the_same_page(retell_standin):
    client = client_for(retell_standin, [], page_size=10)
    calls = client.list_calls(START, END)
    first = next(calls)
    retell_standin.inject_fault(429, count=1, path="/v3/list-calls")

    rest = list(calls)

    assert {first.call_id} | {c.call_id for c in rest} == seeded_ended(
        retell_standin.seed.calls, "call")


def test_dropped_connections_are_retried(retell_client, retell_standin, retell_sleeps):
    retell_standin.inject_fault(drop=True, count=2)

    assert list(retell_client.list_chats(START, END))
    assert len(retell_sleeps) == 2


def test_persistent_server_errors_end_in_upstream_unavailable(retell_standin):
    sleeps: list[float] = []
    retell_standin.inject_fault(500, count=100)
    client = client_for(retell_standin, sleeps, max_retries=3)

    with pytest.raises(UpstreamUnavailable) as raised:
        list(client.list_calls(START, END))

    assert raised.value.code == "retell_unavailable"
    assert len(sleeps) == 3
    assert len(list_requests(retell_standin)) == 4


def test_a_refused_api_key_fails_at_once_with_a_clear_code(retell_standin):
    sleeps: list[float] = []
    client = RetellClient("key_wrong", retell_standin.base_url, sleep=sleeps.append)

    with pytest.raises(UpstreamUnavailable) as raised:
        list(client.list_calls(START, END))

    assert raised.value.code == "retell_auth_failed"
    assert sleeps == []
    assert len(retell_standin.requests) == 1


def test_logs_never_carry_text_phone_numbers_or_names(retell_client, retell_standin, caplog):
    caplog.set_level(logging.DEBUG)
    retell_standin.inject_fault(429, count=1)
    chats = list(retell_client.list_chats(START, END))
    list(retell_client.list_calls(START, END))
    retell_client.get_chats_messages([c.chat_id for c in chats[:20]] + ["chat_gone"])

    logged = " ".join(f"{r.getMessage()} {r.__dict__}" for r in caplog.records)
    assert caplog.records
    assert FAKE_PHONE_MIDDLE not in logged
    for chat in retell_standin.seed.chats[:20]:
        assert chat["metadata"]["patient_name"] not in logged
        for message in chat["message_with_tool_calls"]:
            assert len(message.get("content", "")) < 4 or message["content"] not in logged


def test_a_chat_message_repr_never_shows_its_text():
    assert "secret appointment" not in repr(ChatMessage("user", "secret appointment"))
