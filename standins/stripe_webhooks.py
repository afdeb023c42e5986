"""Webhook endpoints, events and signed deliveries.

Each delivery is an HTTP POST of the event JSON with ``Stripe-Signature:
t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`` — Stripe's scheme, so
``stripe.Webhook.construct_event`` verifies it. Events are recorded before the
API response leaves; in ``auto`` mode a worker delivers them in order once it
has; in ``queued`` mode they wait for ``flush`` (in another order, or twice).
"""
from __future__ import annotations

import hashlib
import hmac
import json
import queue
import threading
import time
from dataclasses import asdict, dataclass, field
from typing import Any

import httpx

from standins.stripe_state import random_token

MODES = ("auto", "queued")


def sign(payload: bytes, secret: str, timestamp: int) -> str:
    """The ``Stripe-Signature`` header value for ``payload``."""
    signed = f"{timestamp}.".encode() + payload
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


@dataclass
class Endpoint:
    url: str
    secret: str
    enabled_events: list[str] = field(default_factory=lambda: ["*"])
    id: str = field(default_factory=lambda: "we_" + random_token(24))

    def wants(self, event_type: str) -> bool:
        return "*" in self.enabled_events or event_type in self.enabled_events


class Webhooks:
    def __init__(self, timeout: float = 10.0) -> None:
        self._lock = threading.Lock()
        self._http = httpx.Client(timeout=timeout)
        self._queue: queue.Queue[str | None] = queue.Queue()
        # Recorded events are queued at once (so ``drain`` waits for them) but held
        # until ``release``: a webhook never arrives before its API response.
        self._gates: dict[str, threading.Event] = {}
        self.reset()
        self._worker = threading.Thread(target=self._run, name="stripe-standin-webhooks", daemon=True)
        self._worker.start()

    def reset(self) -> None:
        self.drain()
        with self._lock:
            self.endpoints: list[Endpoint] = []
            self.events: dict[str, dict[str, Any]] = {}
            self.deliveries: list[dict[str, Any]] = []
            self.pending: list[str] = []
            self.mode = "auto"

    def of_type(self, event_type: str | None = None) -> list[dict[str, Any]]:
        """Recorded events, oldest first, optionally of one type."""
        with self._lock:
            return [e for e in self.events.values() if event_type in (None, e["type"])]

    def register(self, url: str, secret: str, enabled_events: list[str] | None = None) -> dict[str, Any]:
        endpoint = Endpoint(url, secret, enabled_events or ["*"])
        with self._lock:
            self.endpoints.append(endpoint)
        return asdict(endpoint)

    def set_mode(self, mode: str) -> None:
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}")
        with self._lock:
            self.mode = mode

    def record(self, events: list[dict[str, Any]]) -> list[str]:
        """Keep one request's events; the ids to ``release`` once its response is out."""
        with self._lock:
            for event in events:
                event["pending_webhooks"] = sum(e.wants(event["type"]) for e in self.endpoints)
                self.events[event["id"]] = event
            ids = [e["id"] for e in events]
            if self.mode == "queued":
                self.pending.extend(ids)
                return []
            for event_id in ids:
                self._gates[event_id] = threading.Event()
        for event_id in ids:
            self._queue.put(event_id)
        return ids

    def release(self, event_ids: list[str]) -> None:
        """Let the worker deliver recorded events (their API response is out)."""
        with self._lock:
            gates = [self._gates.pop(event_id, None) for event_id in event_ids]
        for gate in gates:
            if gate is not None:
                gate.set()

    def flush(self, order: list[str] | None = None, duplicate: bool = False) -> list[dict[str, Any]]:
        """Deliver queued events now: all in order, or just ``order``'s ids in that order."""
        with self._lock:
            chosen = list(order) if order is not None else list(self.pending)
            unknown = [i for i in chosen if i not in self.pending]
            if unknown:
                raise KeyError(f"not queued: {', '.join(unknown)}")
            self.pending = [i for i in self.pending if i not in chosen]
        made = []
        for event_id in chosen:
            made += self.deliver(event_id, times=2 if duplicate else 1)
        return made

    def deliver(self, event_id: str, times: int = 1) -> list[dict[str, Any]]:
        """Send one event to every endpoint that wants it, ``times`` times (resend, duplicate)."""
        with self._lock:
            event = self.events[event_id]
            targets = [e for e in self.endpoints if e.wants(event["type"])]
        payload = json.dumps(event, indent=2).encode()
        return [self._send(event, payload, target) for _ in range(times) for target in targets]

    def _send(self, event: dict[str, Any], payload: bytes, endpoint: Endpoint) -> dict[str, Any]:
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "Stripe-Signature": sign(payload, endpoint.secret, int(time.time())),
            "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
        }
        record: dict[str, Any] = {
            "event_id": event["id"], "type": event["type"], "endpoint_id": endpoint.id,
            "url": endpoint.url, "status": None, "error": None,
        }
        try:
            record["status"] = self._http.post(endpoint.url, content=payload, headers=headers).status_code
        except httpx.HTTPError as exc:
            record["error"] = type(exc).__name__
        with self._lock:
            self.deliveries.append(record)
        return record

    def drain(self, timeout: float = 10.0) -> bool:
        """Wait until the worker has delivered everything handed to it."""
        done = self._queue.all_tasks_done
        with done:
            return done.wait_for(lambda: self._queue.unfinished_tasks == 0, timeout)

    def _run(self) -> None:
        while (event_id := self._queue.get()) is not None:
            try:
                with self._lock:
                    gate = self._gates.get(event_id)
                if gate is not None:
                    gate.wait(timeout=10)
                self.deliver(event_id)
            finally:
                self._queue.task_done()
        self._queue.task_done()

    def stop(self) -> None:
        self._queue.put(None)
        self._worker.join(timeout=5)
        self._http.close()
