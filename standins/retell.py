"""Loopback stand-in for the Retell AI API (never deployed).

Endpoints, with Retell's JSON shapes and Bearer API-key auth (401 otherwise):
``POST /v3/list-calls``, ``POST /v3/list-chats`` (see ``retell_store``) and
``GET /get-chat/{chat_id}``, served by ``retell_handler``. Seeded with
``retell_seed.build_month``.

Test controls: ``inject_fault`` (the next N requests, optionally only those
whose path starts with a prefix, get a status such as 429 "Account rate
limited" with an optional Retry-After, or a dropped connection),
``set_latency``, ``add_call`` / ``add_chat``, ``sign_webhook`` /
``send_webhook``, the ``requests`` log and ``max_in_flight`` (the most
requests served at once). The same controls exist over HTTP for other
processes: ``POST /__standin/fault``, ``/__standin/webhook``, ``/__standin/reset``.

Run: ``python -m standins.retell --port 8081 --seed-month 2025-03``.
"""
from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import random
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from http.server import ThreadingHTTPServer
from typing import Any

import httpx

from standins._serve import serve_until_interrupted
from standins.retell_handler import RetellHandler
from standins.retell_seed import AGENTS_BY_ID, Agent, build_month, call_record, chat_record
from standins.retell_store import RecordedRequest, RetellStore

DEFAULT_API_KEY = "key_standin_retell"
WEBHOOK_EVENTS = {"call_started", "call_ended", "call_analyzed",
                  "chat_started", "chat_ended", "chat_analyzed"}


@dataclass
class _Fault:
    status: int
    count: int
    path: str | None
    retry_after: int | None
    drop: bool


@dataclass
class _Traffic:
    lock: threading.Lock = field(default_factory=threading.Lock)
    in_flight: int = 0
    max_in_flight: int = 0


class RetellStandin:
    """A running Retell stand-in; ``start()`` it, ``stop()`` it, ``reset()`` between tests."""

    def __init__(self, month: str = "2025-03", seed: int = 7, *, api_key: str = DEFAULT_API_KEY,
                 calls_per_agent: int = 40, chats_per_agent: int = 60,
                 host: str = "127.0.0.1", port: int = 0) -> None:
        self.month, self.api_key = month, api_key
        self.seed = build_month(month, seed, calls_per_agent=calls_per_agent,
                                chats_per_agent=chats_per_agent)
        self.store = RetellStore()
        self.requests: list[RecordedRequest] = []
        self._faults: list[_Fault] = []
        self._latency: tuple[float, str | None] = (0.0, None)
        self._traffic = _Traffic()
        self._rng = random.Random(seed)
        self._server = ThreadingHTTPServer((host, port), RetellHandler)
        self._server.daemon_threads = True
        self._server.block_on_close = False
        self._server.standin = self  # type: ignore[attr-defined]
        self.reset()

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def max_in_flight(self) -> int:
        return self._traffic.max_in_flight

    def start(self) -> RetellStandin:
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> RetellStandin:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def reset(self) -> None:
        """Back to the seeded month: no faults, no latency, empty request log."""
        self.store.replace(self.seed.calls, self.seed.chats)
        self.requests.clear()
        self._faults.clear()
        self._latency = (0.0, None)
        self._traffic = _Traffic()

    def inject_fault(self, status: int = 429, count: int = 1, path: str | None = None, *,
                     retry_after: int | None = None, drop: bool = False) -> None:
        """The next ``count`` requests (under ``path`` if given) fail this way."""
        self._faults.append(_Fault(status, count, path, retry_after, drop))

    def set_latency(self, seconds: float, path: str | None = None) -> None:
        self._latency = (seconds, path)

    def add_call(self, agent_id: str = "agent_acme_voice", start: datetime | int | None = None,
                 duration_ms: int = 60_000, status: str = "ended", **fields: Any) -> dict:
        """Store a call built like the seed's; ``fields`` override Retell keys."""
        record = call_record(self._rng, _agent(agent_id), self._start_ms(start), duration_ms,
                             status)
        record.update(fields)
        self.store.put("call", record)
        return record

    def add_chat(self, agent_id: str = "agent_acme_sms", start: datetime | int | None = None,
                 status: str = "ended", chat_type: str = "sms_chat", **fields: Any) -> dict:
        """Store a chat built like the seed's; ``fields`` override Retell keys."""
        record = chat_record(self._rng, _agent(agent_id), self._start_ms(start), status,
                             chat_type)
        record.update(fields)
        self.store.put("chat", record)
        return record

    def sign_webhook(self, body: bytes, ts_ms: int | None = None) -> str:
        """The ``x-retell-signature`` value Retell would send with ``body``."""
        stamp = str(int(time.time() * 1000) if ts_ms is None else ts_ms)
        digest = hmac.new(self.api_key.encode(), body + stamp.encode(), hashlib.sha256)
        return f"v={stamp},d={digest.hexdigest()}"

    def webhook_payload(self, event: str, record_id: str) -> bytes:
        if event not in WEBHOOK_EVENTS:
            raise ValueError(f"unknown Retell webhook event: {event}")
        kind = event.split("_", 1)[0]
        record = self.store.get(kind, record_id)
        if record is None:
            raise KeyError(record_id)
        return json.dumps({"event": event, kind: record}).encode()

    def send_webhook(self, url: str, event: str, record_id: str) -> int:
        """POST a signed webhook for a stored record, as Retell does; the status code."""
        body = self.webhook_payload(event, record_id)
        headers = {"content-type": "application/json",
                   "x-retell-signature": self.sign_webhook(body)}
        return httpx.post(url, content=body, headers=headers, timeout=10).status_code

    def _start_ms(self, start: datetime | int | None) -> int:
        if start is None:
            return min(c["start_timestamp"] for c in self.seed.calls + self.seed.chats)
        return start if isinstance(start, int) else int(start.timestamp() * 1000)

    def take_fault(self, path: str) -> _Fault | None:
        with self._traffic.lock:
            for fault in self._faults:
                if fault.count > 0 and (fault.path is None or path.startswith(fault.path)):
                    fault.count -= 1
                    return fault
        return None

    def begin_request(self, request: RecordedRequest) -> None:
        """Log a request, count it in flight, and apply any latency."""
        self.requests.append(request)
        with self._traffic.lock:
            self._traffic.in_flight += 1
            self._traffic.max_in_flight = max(self._traffic.max_in_flight,
                                              self._traffic.in_flight)
        seconds, prefix = self._latency
        if seconds and (prefix is None or request.path.startswith(prefix)):
            time.sleep(seconds)

    def end_request(self) -> None:
        with self._traffic.lock:
            self._traffic.in_flight -= 1


def _agent(agent_id: str) -> Agent:
    return AGENTS_BY_ID.get(agent_id) or Agent(agent_id, "Test Clinic", "en", True, True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Retell AI API stand-in on loopback")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--seed-month", default=datetime.now().strftime("%Y-%m"))
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--api-key", default=DEFAULT_API_KEY)
    parser.add_argument("--calls-per-agent", type=int, default=40)
    parser.add_argument("--chats-per-agent", type=int, default=60)
    args = parser.parse_args(argv)
    standin = RetellStandin(args.seed_month, args.seed, api_key=args.api_key, port=args.port,
                            calls_per_agent=args.calls_per_agent,
                            chats_per_agent=args.chats_per_agent).start()
    serve_until_interrupted(standin,
                            f"Retell stand-in on {standin.base_url} (month {args.seed_month})")


if __name__ == "__main__":
    main()
