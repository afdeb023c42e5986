"""Every malformed webhook the abuse review found answers 4xx over real HTTP: a
correctly signed body of the wrong shape is 400 ``invalid_event``, recorded once
(id, type, reason; never the body), with no traceback and nothing else written."""
from __future__ import annotations

import copy
import json
import time

import pytest

from tests.fixtures.webhooks import retell_webhook_settings, tracebacks
from tests.integration.test_usage_sync import ended

NOW = int(time.time())
STRIPE_EVENT = {"id": "evt_regression", "object": "event", "type": "invoice.paid",
                "created": NOW, "livemode": False,
                "data": {"object": {"id": "in_regression", "object": "invoice"}}}
RAW = "__raw__"


def deep(levels: int = 100_000) -> str:
    return "[" * levels + "]" * levels


def with_raw(event: dict, raw: str) -> bytes:
    """JSON of ``event`` with the placeholder string replaced by raw JSON text."""
    return json.dumps(event).replace(json.dumps(RAW), raw).encode()


def stripe_case(path: tuple[str, ...], value=None, *, drop: bool = False) -> dict:
    event = copy.deepcopy(STRIPE_EVENT)
    holder = event
    for key in path[:-1]:
        holder = holder[key]
    if drop:
        del holder[path[-1]]
    else:
        holder[path[-1]] = value
    return event


STRIPE_CASES = {
    "object_id_is_a_number": stripe_case(("data", "object", "id"), 42),
    "object_id_is_an_object": stripe_case(("data", "object", "id"), {"id": "in_1"}),
    "object_id_has_a_nul": stripe_case(("data", "object", "id"), "in_1\u0000x"),
    "object_id_has_a_lone_surrogate": stripe_case(("data", "object", "id"), "in_1\ud800"),
    "object_is_a_string": stripe_case(("data", "object"), "in_1"),
    "data_missing": stripe_case(("data",), drop=True),
    "type_missing": stripe_case(("type",), drop=True),
    "id_missing": stripe_case(("id",), drop=True),
    "event_id_is_an_integer": stripe_case(("id",), 1234567),
    "event_id_over_250_characters": stripe_case(("id",), "evt_" + "a" * 251),
    "body_is_a_list": [],
    "deep_nesting": with_raw(stripe_case(("data", "object", "metadata"), RAW), deep()),
    "created_out_of_range": stripe_case(("created",), 10**30),
    "invoice_event_names_no_invoice": stripe_case(("data", "object", "id"), "cus_1"),
}


@pytest.mark.parametrize("case", sorted(STRIPE_CASES))
def test_a_malformed_stripe_event_is_400_recorded_once_and_writes_nothing_else(
        stripe_hook, table_counts, admin_conn, caplog, case):
    before = table_counts()

    first, again = stripe_hook(STRIPE_CASES[case]), stripe_hook(STRIPE_CASES[case])

    assert [r.status_code for r in (first, again)] == [400, 400]
    assert first.json()["code"] == "invalid_event" and first.json()["reason"]
    after = table_counts()
    assert after == {**before, "billing_webhook_rejections": before[
        "billing_webhook_rejections"] + 1, "rejected_deliveries": before["rejected_deliveries"] + 2}
    source, reason = admin_conn.execute(
        "select source, reason from billing_webhook_rejections").fetchone()
    assert source == "stripe" and reason == first.json()["reason"]
    assert tracebacks(caplog.records) == []


def test_the_rejection_keeps_the_printable_id_and_type_but_never_the_body(stripe_hook,
                                                                          admin_conn):
    stripe_hook(STRIPE_CASES["event_id_over_250_characters"])
    stripe_hook(STRIPE_CASES["object_id_has_a_nul"])
    rows = admin_conn.execute("select event_id, event_type, reason, deliveries from"
                              " billing_webhook_rejections order by id").fetchall()
    assert rows[0][:2] == ("evt_" + "a" * 96, "invoice.paid")
    assert rows[0][2] == "id: String should have at most 254 characters"
    assert rows[1][:2] == ("evt_regression", "invoice.paid")
    assert rows[1][2].startswith("data.object.id:")
    columns = {c[0] for c in admin_conn.execute(
        "select column_name from information_schema.columns"
        " where table_name = 'billing_webhook_rejections'").fetchall()}
    assert not columns & {"body", "payload", "raw"}


@pytest.mark.parametrize("shift", [-400, 400])
def test_a_stripe_signature_beyond_the_tolerance_either_way_is_refused(
        stripe_hook, table_counts, shift):
    before = table_counts()
    resp = stripe_hook(STRIPE_EVENT, timestamp=int(time.time()) + shift)
    assert (resp.status_code, resp.json()["code"]) == (400, "invalid_signature")
    assert table_counts() == before


def test_a_4301_digit_stripe_timestamp_is_an_invalid_signature(stripe_hook, caplog):
    resp = stripe_hook(STRIPE_EVENT, header="t=" + "1" * 4301 + ",v1=" + "0" * 64)
    assert (resp.status_code, resp.json()["code"]) == (400, "invalid_signature")
    assert tracebacks(caplog.records) == []


# Retell ----------------------------------------------------------------------

@pytest.fixture
def api_settings(db_url, retell_standin):
    return retell_webhook_settings(db_url, retell_standin)


@pytest.fixture
def call_event(retell_standin) -> dict:
    call = ended(retell_standin.seed.calls, "call")[5]
    return json.loads(retell_standin.webhook_payload("call_ended", call["call_id"]))


def retell_case(event: dict, key: str, value) -> bytes:
    changed = copy.deepcopy(event)
    if key == "combined_cost":
        changed["call"].setdefault("call_cost", {})["combined_cost"] = value
    else:
        changed["call"][key] = value
    if value in ("1e20", "1e309", "1e30"):  # as number literals, not strings
        return json.dumps(changed).replace(json.dumps(value), value).encode()
    return json.dumps(changed).encode()


RETELL_CASES = {
    "start_timestamp_1e20": ("start_timestamp", "1e20"),
    "duration_ms_1e309": ("duration_ms", "1e309"),
    "combined_cost_is_text": ("combined_cost", "abc"),
    "combined_cost_1e30": ("combined_cost", "1e30"),
    "call_id_is_an_object": ("call_id", {"id": "c1"}),
    "call_id_is_a_number": ("call_id", 12345),
    "agent_id_is_a_list": ("agent_id", ["agent_acme_voice"]),
    "agent_id_has_a_nul": ("agent_id", "agent\u0000x"),
    "deep_nesting": ("metadata", RAW),
    "ends_before_it_starts": ("end_timestamp", 946_684_800_000),
}


@pytest.mark.parametrize("case", sorted(RETELL_CASES))
def test_a_malformed_retell_event_is_400_recorded_once_and_writes_nothing_else(
        retell_hook, call_event, table_counts, caplog, case):
    key, value = RETELL_CASES[case]
    body = retell_case(call_event, key, value)
    if value == RAW:
        body = body.replace(json.dumps(RAW).encode(), deep().encode())
    before = table_counts()

    first, again = retell_hook(body), retell_hook(body)

    assert [r.status_code for r in (first, again)] == [400, 400], first.text
    assert first.json()["code"] == "invalid_event"
    assert table_counts() == {**before, "billing_webhook_rejections": before[
        "billing_webhook_rejections"] + 1, "rejected_deliveries": before["rejected_deliveries"] + 2}
    assert tracebacks(caplog.records) == []


def test_a_4301_digit_retell_timestamp_is_401_without_a_traceback(retell_hook, call_event,
                                                                  table_counts, caplog):
    before = table_counts()
    resp = retell_hook(call_event, header="v=" + "1" * 4301 + ",d=00")
    assert (resp.status_code, resp.json()["code"]) == (401, "invalid_signature")
    assert table_counts() == before and tracebacks(caplog.records) == []
