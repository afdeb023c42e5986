"""Retell AI usage source over plain httpx.

Why httpx and not ``retell-sdk``: the SDK's list methods have changed endpoint
and shape across versions (``/v2/list-calls`` bare lists before 5.36), its
pydantic models would hold transcripts, phone numbers and recording URLs in
our process, and its built-in retry (two attempts) cannot honour our backoff
and concurrency budget. Here we read only the fields the ledger needs, retry
429/5xx/connection errors with jittered exponential backoff honouring
``Retry-After``, and fetch chats with a bounded thread pool.

Nothing here logs a request or response body: only method, path, status and
attempt number.
"""
from __future__ import annotations

import hashlib
import hmac
import logging
import random
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any

import httpx

from billing.domain.errors import NotFound, Unauthenticated, UpstreamUnavailable, ValidationFailed
from billing.domain.usage import (
    FINAL_CALL_STATUSES,
    SMS_MESSAGE_ROLES,
    CallUsage,
    ChatMessage,
    ChatUsage,
    billable_call,
    cents,
    ms_from_utc,
    utc_from_ms,
)
from billing.domain.webhook_signatures import parse_retell_signature, within_tolerance

log = logging.getLogger(__name__)

SIGNATURE_TOLERANCE_MS = 5 * 60 * 1000
#: Webhook event → payload key holding the record (``chat`` is unconfirmed).
WEBHOOK_RECORD_KEYS = {
    "call_ended": "call", "call_analyzed": "call",
    "chat_ended": "chat", "chat_analyzed": "chat",
}
_IGNORED_EVENTS = frozenset({"call_started", "chat_started"})
_MAX_BACKOFF_S = 30.0


class RetellClient:
    """Reads ended calls and chats, and chat messages, from the Retell API."""

    def __init__(
        self,
        api_key: str,
        base_url: str = "https://api.retellai.com",
        *,
        transport: httpx.BaseTransport | None = None,
        max_concurrency: int = 8,
        max_retries: int = 5,
        sleep: Callable[[float], None] = time.sleep,
        timeout: float = 30.0,
        page_size: int = 1000,
    ) -> None:
        self._http = httpx.Client(
            base_url=base_url,
            headers={"Authorization": f"Bearer {api_key}"},
            transport=transport,
            timeout=timeout,
            limits=httpx.Limits(max_connections=max_concurrency),
        )
        self._max_concurrency = max_concurrency
        self._max_retries = max_retries
        self._sleep = sleep
        self._page_size = page_size

    def close(self) -> None:
        self._http.close()

    def list_calls(
        self, start: datetime, end: datetime, agent_ids: Iterable[str] | None = None
    ) -> Iterator[CallUsage]:
        """Billable calls that started in ``[start, end)``, oldest first: ended ones, and
        those Retell charged that ended otherwise (``billable_call``)."""
        return self._list("/v3/list-calls", "call_status", FINAL_CALL_STATUSES, _call_from,
                          billable_call, start, end, agent_ids)

    def list_chats(
        self, start: datetime, end: datetime, agent_ids: Iterable[str] | None = None
    ) -> Iterator[ChatUsage]:
        """Ended chats of every type that started in ``[start, end)``, oldest first."""
        return self._list("/v3/list-chats", "chat_status", ("ended",), _chat_from,
                          lambda chat: chat.status == "ended", start, end, agent_ids)

    def get_chat_messages(self, chat_id: str) -> list[ChatMessage]:
        """The text messages of one chat; raises NotFound if Retell has no such chat."""
        chat = self._request("GET", f"/get-chat/{chat_id}")
        return messages_from(chat.get("message_with_tool_calls"))

    def get_chats_messages(self, chat_ids: Iterable[str]) -> dict[str, list[ChatMessage]]:
        """Messages of many chats, fetched concurrently; vanished chats are left out."""
        def fetch(chat_id: str) -> tuple[str, list[ChatMessage] | None]:
            try:
                return chat_id, self.get_chat_messages(chat_id)
            except NotFound:
                log.warning("retell chat vanished", extra={"chat_id": chat_id})
                return chat_id, None

        with ThreadPoolExecutor(max_workers=self._max_concurrency) as pool:
            results = pool.map(fetch, list(dict.fromkeys(chat_ids)))
            return {cid: msgs for cid, msgs in results if msgs is not None}

    def _list(self, path, status_key, statuses, parse, keep, start, end,
              agent_ids) -> Iterator[Any]:
        """Page through a list endpoint (asking for ``statuses``); keep the records
        ``keep`` accepts, of the agents, in the window."""
        agents = None if agent_ids is None else frozenset(agent_ids)
        body = _list_body(start, end, agents, status_key, statuses)
        for item in self._paged(path, body):
            record = parse(item)
            if record is None or not keep(record):
                continue
            if start <= record.started_at < end and (agents is None or record.agent_id in agents):
                yield record

    def _paged(self, path: str, body: dict[str, Any]) -> Iterator[dict[str, Any]]:
        page = {**body, "limit": self._page_size, "sort_order": "ascending"}
        while True:
            data = self._request("POST", path, json=page)
            yield from data.get("items") or []
            key = data.get("pagination_key")
            if not data.get("has_more") or not key or key == page.get("pagination_key"):
                return
            page = {**page, "pagination_key": key}

    def _request(self, method: str, path: str, json: Any = None) -> dict[str, Any]:
        for attempt in range(self._max_retries + 1):
            delay = self._attempt(method, path, json, attempt)
            if isinstance(delay, dict):
                return delay
            if attempt == self._max_retries:
                break
            self._sleep(delay)
        raise UpstreamUnavailable(
            "Retell is unavailable; try again later.",
            code="retell_unavailable",
            retry_after=max(1, round(delay)),
        )

    def _attempt(self, method: str, path: str, json: Any, attempt: int) -> dict | float:
        """One try: the decoded body, or how long to wait before the next try."""
        try:
            response = self._http.request(method, path, json=json)
        except httpx.TransportError as exc:
            log.warning("retell transport error", extra=_ctx(method, path, attempt, type(exc).__name__))
            return _backoff(attempt)
        status = response.status_code
        if status == 429 or status >= 500:
            log.warning("retell retryable status", extra=_ctx(method, path, attempt, status))
            retry_after = _retry_after(response)
            return _backoff(attempt) if retry_after is None else retry_after
        if status in (401, 403):
            raise UpstreamUnavailable(
                "Retell refused the API key.", code="retell_auth_failed", retry_after=300
            )
        if status == 404:
            raise NotFound("Retell record not found.", code="retell_not_found")
        if status >= 400:
            raise UpstreamUnavailable(
                f"Retell rejected the request ({status}).", code="retell_rejected_request"
            )
        try:
            body = response.json()
        except ValueError:
            log.warning("retell sent invalid JSON", extra=_ctx(method, path, attempt, status))
            return _backoff(attempt)
        if not isinstance(body, dict):
            raise UpstreamUnavailable(
                "Retell answered in an unexpected shape.", code="retell_unexpected_response"
            )
        return body


def _ctx(method: str, path: str, attempt: int, outcome: object) -> dict[str, Any]:
    return {"method": method, "path": path, "attempt": attempt, "outcome": outcome}


def _backoff(attempt: int) -> float:
    """Full-jitter exponential backoff: 0.5 s, 1 s, 2 s ... capped, times [0.5, 1)."""
    return min(_MAX_BACKOFF_S, 0.5 * 2**attempt) * (0.5 + random.random() / 2)


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After", "")
    try:
        return min(_MAX_BACKOFF_S * 2, max(0.0, float(value)))
    except ValueError:
        return None


def _list_body(
    start: datetime, end: datetime, agent_ids: frozenset[str] | None, status_key: str,
    statuses: tuple[str, ...],
) -> dict[str, Any]:
    criteria: dict[str, Any] = {
        "start_timestamp": {"op": "bt", "type": "range", "value": [ms_from_utc(start), ms_from_utc(end)]},
        status_key: {"op": "in", "type": "enum", "value": list(statuses)},
    }
    if agent_ids is not None:
        criteria["agent"] = [{"agent_id": agent_id} for agent_id in sorted(agent_ids)]
    return {"filter_criteria": criteria}


def _call_from(item: dict[str, Any]) -> CallUsage | None:
    """The billing facts of a Retell call object; None if it lacks its keys."""
    try:
        start_ms, end_ms = item["start_timestamp"], item.get("end_timestamp")
        duration = item.get("duration_ms")
        if duration is None:
            duration = end_ms - start_ms if end_ms is not None else 0
        return CallUsage(
            call_id=item["call_id"],
            agent_id=item["agent_id"],
            call_type=item.get("call_type") or "phone_call",
            status=item.get("call_status") or "unknown",
            started_at=utc_from_ms(start_ms),
            ended_at=utc_from_ms(end_ms) if end_ms is not None else None,
            duration_ms=int(duration),
            combined_cost_cents=cents((item.get("call_cost") or {}).get("combined_cost")),
        )
    except (KeyError, TypeError, ValueError):
        log.warning("retell call skipped: incomplete", extra={"call_id": item.get("call_id")})
        return None


def _chat_from(item: dict[str, Any]) -> ChatUsage | None:
    """The billing facts of a Retell chat object; None if it lacks its keys."""
    try:
        end_ms = item.get("end_timestamp")
        return ChatUsage(
            chat_id=item["chat_id"],
            agent_id=item["agent_id"],
            chat_type=item.get("chat_type") or "api_chat",
            status=item.get("chat_status") or "unknown",
            started_at=utc_from_ms(item["start_timestamp"]),
            ended_at=utc_from_ms(end_ms) if end_ms is not None else None,
            combined_cost_cents=cents((item.get("chat_cost") or {}).get("combined_cost")),
        )
    except (KeyError, TypeError, ValueError):
        log.warning("retell chat skipped: incomplete", extra={"chat_id": item.get("chat_id")})
        return None


def messages_from(entries: Any) -> list[ChatMessage]:
    """Keep role and content of text messages; tool calls and transitions are dropped."""
    return [
        ChatMessage(role=entry["role"], content=str(entry.get("content") or ""))
        for entry in entries or []
        if isinstance(entry, dict) and entry.get("role") in SMS_MESSAGE_ROLES
    ]


def verify_webhook(raw_body: bytes, signature_header: str | None, api_key: str, now_ms: int) -> None:
    """Check ``x-retell-signature: v=<ms>,d=<hex HMAC-SHA256(api key, body + ms)>``."""
    parsed = parse_retell_signature(signature_header)
    if parsed is None:
        raise Unauthenticated("Missing or malformed webhook signature.", code="invalid_signature")
    stamp, digest = parsed
    if not within_tolerance(int(stamp), now_ms, SIGNATURE_TOLERANCE_MS):
        raise Unauthenticated("Webhook signature is too old or too new.", code="invalid_signature")
    expected = hmac.new(api_key.encode(), raw_body + stamp.encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, digest):
        raise Unauthenticated("Webhook signature does not match.", code="invalid_signature")


def parse_webhook(
    payload: dict[str, Any],
) -> tuple[str, CallUsage | ChatUsage | None, list[ChatMessage] | None]:
    """(event, usage record, chat messages) of a Retell webhook payload."""
    event = payload.get("event") if isinstance(payload, dict) else None
    if event in _IGNORED_EVENTS:
        return event, None, None
    record = payload.get(WEBHOOK_RECORD_KEYS.get(event, "")) if event else None
    if not isinstance(record, dict):
        raise ValidationFailed("Unsupported Retell webhook payload.", code="invalid_webhook_payload")
    if WEBHOOK_RECORD_KEYS[event] == "call":
        usage: CallUsage | ChatUsage | None = _call_from(record)
        messages = None
    else:
        usage = _chat_from(record)
        entries = record.get("message_with_tool_calls")
        messages = None if entries is None else messages_from(entries)
    if usage is None:
        raise ValidationFailed("Incomplete Retell webhook record.", code="invalid_webhook_payload")
    return event, usage, messages
