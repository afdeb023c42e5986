"""Fuzzing the Retell webhook over real HTTP with correctly signed bodies: arbitrary
JSON and mutations of the stand-in's real call and chat events never answer 500,
log a traceback or write partially."""
from __future__ import annotations

import json

import pytest
from hypothesis import given

from tests.e2e.fuzzing import FUZZ, bodies, check
from tests.fixtures.webhooks import retell_webhook_settings
from tests.integration.test_usage_sync import ended


@pytest.fixture
def api_settings(db_url, retell_standin):
    return retell_webhook_settings(db_url, retell_standin)


@pytest.fixture
def retell_events(retell_standin) -> list[dict]:
    """call_ended/analyzed and chat_ended/analyzed of three calls and three chats."""
    calls = ended(retell_standin.seed.calls, "call")[:3]
    chats = ended(retell_standin.seed.chats, "chat")[:3]
    return [json.loads(retell_standin.webhook_payload(event, record[f"{kind}_id"]))
            for kind, records in (("call", calls), ("chat", chats))
            for record in records for event in (f"{kind}_ended", f"{kind}_analyzed")]


def test_signed_arbitrary_or_mutated_retell_events_never_fail_or_write_partially(
        retell_hook, retell_events, table_counts, caplog):
    @FUZZ
    @given(body=bodies(retell_events))
    def run(body):
        check(retell_hook, body, table_counts, caplog)
    run()
