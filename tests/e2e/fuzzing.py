"""Hypothesis strategies and the invariant check shared by the webhook fuzz tests."""
from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from tests.fixtures.webhooks import tracebacks

FUZZ = settings(max_examples=120, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])
SCALARS = (st.none() | st.booleans() | st.integers(-(2**70), 2**70)
           | st.floats(allow_nan=False, allow_infinity=False)
           | st.sampled_from(["", "in_1", "evt_1", "\u0000", "\ud800", "x" * 300, "call_ended",
                              "invoice.paid", "ended", "chat_ended"])
           | st.text(max_size=20))
#: Arbitrary JSON of bounded size (30 leaves) and depth.
JSON = st.recursive(SCALARS, lambda kids: st.lists(kids, max_size=4)
                    | st.dictionaries(st.text(max_size=12), kids, max_size=4), max_leaves=30)


def paths(doc: Any, prefix: tuple = ()) -> Iterator[tuple]:
    """Every path to a value inside ``doc`` (dict keys and list indexes)."""
    if isinstance(doc, dict):
        items = list(doc.items())
    elif isinstance(doc, list):
        items = list(enumerate(doc))
    else:
        items = []
    for key, value in items:
        yield (*prefix, key)
        yield from paths(value, (*prefix, key))


@st.composite
def mutated(draw, events: list[dict]) -> Any:
    """A real event with one to three values replaced, deleted or added."""
    doc = copy.deepcopy(draw(st.sampled_from(events)))
    for _ in range(draw(st.integers(1, 3))):
        found = list(paths(doc))
        if not found:
            break
        *parent_path, key = draw(st.sampled_from(found))
        parent = doc
        for step in parent_path:
            parent = parent[step]
        action = draw(st.sampled_from(["replace", "delete", "add"]))
        if action == "delete" and isinstance(parent, dict):
            del parent[key]
        elif action == "add" and isinstance(parent, dict):
            parent[draw(st.text(max_size=12))] = draw(JSON)
        else:
            parent[key] = draw(JSON)
    return doc


def bodies(events: list[dict]) -> st.SearchStrategy[Any]:
    """Arbitrary JSON, a mutated real event, or a real event as it is."""
    return st.one_of(JSON, mutated(events), st.sampled_from(events))


def check(post, body: Any, counts, caplog) -> None:
    """Post ``body`` twice (a redelivery): below 500, no traceback, and a refused
    body writes only its rejection record (one row, two deliveries)."""
    before = counts()
    raw = json.dumps(body).encode()
    statuses = [post(raw).status_code, post(raw).status_code]
    assert max(statuses) < 500, (statuses, raw[:300])
    assert tracebacks(caplog.records) == []
    after = counts()
    if statuses[0] >= 400:
        grown = {k for k in after if after[k] != before[k]}
        assert grown <= {"billing_webhook_rejections", "rejected_deliveries"}, grown
        assert after["rejected_deliveries"] - before["rejected_deliveries"] == 2
