"""The ``/v1`` request pipeline: faults, API key, route, idempotency, parameters, handler.

Every API request is logged (method, path, params, idempotency key, status,
fault, replayed) for tests to assert on.
"""
from __future__ import annotations

import base64
import contextlib
import json
import re
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from standins import (
    stripe_customers,
    stripe_invoice_actions,
    stripe_invoice_lines,
    stripe_invoiceitems,
    stripe_invoices,
)
from standins.stripe_errors import (
    ApiError,
    api_error,
    invalid_api_key,
    no_api_key,
    rate_limited,
    unrecognized_url,
)
from standins.stripe_faults import AFTER, BEFORE, Fault, Faults
from standins.stripe_forms import parse_form, validate
from standins.stripe_idempotency import IdempotencyStore, Stored
from standins.stripe_state import API_VERSION, Ctx, Route, StripeState, random_token

ROUTES: list[Route] = [
    *stripe_customers.ROUTES, *stripe_invoices.ROUTES,
    *stripe_invoice_actions.ROUTES, *stripe_invoiceitems.ROUTES, *stripe_invoice_lines.ROUTES,
]
LOG_SIZE = 10_000
_KEY = re.compile(r"(sk|rk)_(test|live)_[0-9A-Za-z]+")


@dataclass
class Request:
    method: str
    path: str
    query: str
    headers: Mapping[str, str]
    body: bytes = b""


@dataclass
class Reply:
    """An answer; ``drop`` closes the connection instead; ``events`` go out once it is sent."""

    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    drop: bool = False
    events: list[dict[str, Any]] = field(default_factory=list)


def json_reply(status: int, body: Any, headers: dict[str, str] | None = None) -> Reply:
    encoded = json.dumps(body).encode()  # compact: the C encoder (a page of 100 is large)
    return Reply(status, encoded, {"Content-Type": "application/json", **(headers or {})})


def error_reply(error: ApiError, request_id: str) -> Reply:
    return json_reply(error.status, error.body(), {"Request-Id": request_id, **error.headers})


class StripeApi:
    def __init__(
        self, state: StripeState, faults: Faults, base_url: Callable[[], str],
        valid_keys: set[str] | None = None,
    ) -> None:
        self.state, self.faults, self._base_url = state, faults, base_url
        self.idempotency = IdempotencyStore()
        self._default_keys = self.valid_keys = valid_keys
        self._log: deque[dict[str, Any]] = deque(maxlen=LOG_SIZE)
        self._log_lock = threading.Lock()
        self._routes = [(re.compile(r.pattern), r) for r in ROUTES]

    def reset(self) -> None:
        self.idempotency.reset()
        self.valid_keys = self._default_keys
        with self._log_lock:
            self._log.clear()

    def log(self) -> list[dict[str, Any]]:
        with self._log_lock:
            return [dict(entry) for entry in self._log]

    def handle(self, req: Request) -> Reply:
        key = req.headers.get("Idempotency-Key") if req.method == "POST" else None
        entry: dict[str, Any] = {
            "method": req.method, "path": req.path, "params": None, "idempotency_key": key,
            "status": None, "fault": None, "replayed": False, "request_id": "req_" + random_token(14),
        }
        reply = self._handle(req, entry)
        entry["status"] = None if reply.drop else reply.status
        reply.headers.setdefault("Request-Id", entry["request_id"])
        reply.headers["Stripe-Version"] = req.headers.get("Stripe-Version") or API_VERSION
        with self._log_lock:
            self._log.append(entry)
        return reply

    def _handle(self, req: Request, entry: dict[str, Any]) -> Reply:
        before = self.faults.take(req.method, req.path, BEFORE)
        if before is not None:
            entry["fault"] = before.kind
            with contextlib.suppress(ApiError):
                entry["params"] = _params(req)
            if before.kind != "delay":
                return _fault_reply(before, entry["request_id"])
            time.sleep(before.delay_ms / 1000)
        try:
            reply = self._run(req, entry)
        except ApiError as error:
            return error_reply(error, entry["request_id"])
        after = self.faults.take(req.method, req.path, AFTER)
        if after is None:
            return reply
        entry["fault"] = after.kind
        lost = Reply(drop=True) if after.kind == "drop_after" else error_reply(api_error(), entry["request_id"])
        lost.events = reply.events
        return lost

    def _run(self, req: Request, entry: dict[str, Any]) -> Reply:
        livemode = self._authenticate(req.headers.get("Authorization"))
        route, args = self._route(req.method, req.path)
        params = entry["params"] = _params(req)
        key = entry["idempotency_key"]
        ctx = Ctx(
            self.state, livemode, self._base_url(), entry["request_id"], idempotency_key=key,
            api_version=req.headers.get("Stripe-Version") or API_VERSION,
        )
        if not key:
            return self._execute(ctx, route, args, params)[0]
        endpoint = f"{req.method} {req.path}"
        stored = self.idempotency.begin(livemode, key, endpoint, params)
        if stored is not None:
            entry["replayed"] = True
            replay = {**stored.headers, "Idempotent-Replayed": "true", "Original-Request": stored.request_id}
            return Reply(stored.status, stored.body, replay)
        result = None
        try:
            reply, keep = self._execute(ctx, route, args, params)
            if keep:
                kept = {k: v for k, v in reply.headers.items() if k != "Request-Id"}
                result = Stored(endpoint, params, reply.status, reply.body, ctx.request_id, kept)
            return reply
        finally:
            self.idempotency.finish(livemode, key, result)

    def _execute(self, ctx: Ctx, route: Route, args: tuple[str, ...], params: dict[str, Any]) -> tuple[Reply, bool]:
        """Run the handler; the flag says whether an idempotency key keeps the answer."""
        try:
            checked = validate(params, route.schema, route.required)
            with self.state.lock:
                reply = json_reply(200, route.handler(ctx, checked, *args))
        except ApiError as error:
            return error_reply(error, ctx.request_id), error.stored
        reply.events = ctx.events
        return reply, True

    def _authenticate(self, header: str | None) -> bool:
        """Check the key (Bearer, or Basic with the key as user); True for a live key."""
        if not header:
            raise no_api_key()
        scheme, _, credentials = header.partition(" ")
        key = credentials.strip()
        if scheme.lower() == "basic":
            key = base64.b64decode(key + "==").decode(errors="replace").partition(":")[0]
        elif scheme.lower() != "bearer":
            raise invalid_api_key(key)
        if not _KEY.fullmatch(key) or (self.valid_keys is not None and key not in self.valid_keys):
            raise invalid_api_key(key)
        return key.split("_")[1] == "live"

    def _route(self, method: str, path: str) -> tuple[Route, tuple[str, ...]]:
        for pattern, route in self._routes:
            match = pattern.fullmatch(path)
            if match and route.method == method:
                return route, match.groups()
        raise unrecognized_url(method, path)


def _params(req: Request) -> dict[str, Any]:
    return parse_form(req.body.decode() if req.method == "POST" else req.query)


def _fault_reply(fault: Fault, request_id: str) -> Reply:
    if fault.kind == "drop":
        return Reply(drop=True)
    error = rate_limited(fault.retry_after) if fault.kind == "rate_limit" else api_error()
    return error_reply(error, request_id)
