"""Records, filters and cursor paging of the Retell stand-in.

Behaves like Retell's v3 list endpoints for what we use: ``filter_criteria``
(``agent`` entries ORed; number filters ``eq ne gt ge lt le`` and the ``bt``
range, inclusive at both ends here; ``in`` enums), ``limit`` 1..1000 (default
50), ``sort_order`` by ``start_timestamp`` (default descending) and an opaque
``pagination_key``. Chat list items omit ``transcript`` and
``message_with_tool_calls`` as Retell's do; ``/get-chat`` returns them.
"""
from __future__ import annotations

import base64
import copy
import json
import threading
from dataclasses import dataclass
from typing import Any

_OPS = {
    "eq": lambda a, b: a == b, "ne": lambda a, b: a != b,
    "gt": lambda a, b: a > b, "ge": lambda a, b: a >= b,
    "lt": lambda a, b: a < b, "le": lambda a, b: a <= b,
}
_FILTERS = {
    "call": {"agent", "start_timestamp", "end_timestamp", "duration_ms", "call_status",
             "call_type", "disconnection_reason"},
    "chat": {"agent", "start_timestamp", "end_timestamp", "duration_ms", "chat_status",
             "chat_type", "disconnection_reason"},
}
_LIST_OMITS = {"call": (), "chat": ("transcript", "message_with_tool_calls")}


@dataclass(frozen=True)
class RecordedRequest:
    """One request the stand-in received (tests inspect ``body``)."""

    method: str
    path: str
    body: Any
    authorized: bool


class BadRequest(Exception):
    """The request would be refused by Retell with a 400."""


class RetellStore:
    """Thread-safe calls and chats, keyed by id."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._records: dict[str, dict[str, dict]] = {"call": {}, "chat": {}}

    def replace(self, calls: list[dict], chats: list[dict]) -> None:
        with self._lock:
            self._records = {
                "call": {c["call_id"]: copy.deepcopy(c) for c in calls},
                "chat": {c["chat_id"]: copy.deepcopy(c) for c in chats},
            }

    def put(self, kind: str, record: dict) -> None:
        with self._lock:
            self._records[kind][record[f"{kind}_id"]] = copy.deepcopy(record)

    def get(self, kind: str, record_id: str) -> dict | None:
        with self._lock:
            record = self._records[kind].get(record_id)
            return copy.deepcopy(record) if record else None

    def list(self, kind: str, body: dict[str, Any]) -> dict[str, Any]:
        """One page of a ``/v3/list-*`` answer."""
        limit = body.get("limit", 50)
        if not isinstance(limit, int) or not 1 <= limit <= 1000:
            raise BadRequest("limit must be an integer between 1 and 1000")
        descending = body.get("sort_order", "descending") == "descending"
        criteria = body.get("filter_criteria") or {}
        unknown = set(criteria) - _FILTERS[kind]
        if unknown:
            raise BadRequest(f"unsupported filter_criteria: {sorted(unknown)}")
        with self._lock:
            matching = [r for r in self._records[kind].values() if _matches(r, criteria, kind)]
        matching.sort(key=lambda r: _sort_key(r, kind), reverse=descending)
        if body.get("pagination_key"):
            after = _decode_key(body["pagination_key"])
            matching = [r for r in matching if (_sort_key(r, kind) < after if descending
                                               else _sort_key(r, kind) > after)]
        page = matching[:limit]
        answer: dict[str, Any] = {"items": [_list_item(r, kind) for r in page],
                                  "has_more": len(matching) > limit}
        if page:
            answer["pagination_key"] = _encode_key(_sort_key(page[-1], kind))
        return answer


def _list_item(record: dict, kind: str) -> dict:
    return {k: copy.deepcopy(v) for k, v in record.items() if k not in _LIST_OMITS[kind]}


def _sort_key(record: dict, kind: str) -> tuple[int, str]:
    return record.get("start_timestamp") or 0, record[f"{kind}_id"]


def _encode_key(key: tuple[int, str]) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(key)).encode()).decode()


def _decode_key(token: Any) -> tuple[int, str]:
    try:
        stamp, record_id = json.loads(base64.urlsafe_b64decode(str(token).encode()))
        return int(stamp), str(record_id)
    except (ValueError, TypeError) as exc:
        raise BadRequest("invalid pagination_key") from exc


def _matches(record: dict, criteria: dict[str, Any], kind: str) -> bool:
    for name, rule in criteria.items():
        if name == "agent":
            if not any(record.get("agent_id") == a.get("agent_id") for a in rule or []):
                return False
        elif not _rule_holds(record.get(name), rule):
            return False
    return True


def _rule_holds(value: Any, rule: Any) -> bool:
    if not isinstance(rule, dict) or "op" not in rule:
        raise BadRequest("a filter needs op, type and value")
    op, expected = rule["op"], rule.get("value")
    if op == "in":
        return value in (expected or [])
    if op == "bt":
        if not isinstance(expected, list) or len(expected) != 2:
            raise BadRequest("a range filter needs [lower_bound, upper_bound]")
        return value is not None and expected[0] <= value <= expected[1]
    if op in _OPS:
        return value is not None and _OPS[op](value, expected)
    raise BadRequest(f"unsupported filter op: {op}")
