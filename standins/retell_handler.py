"""HTTP layer of the Retell stand-in: auth, faults, routes and JSON."""
from __future__ import annotations

import json
from http.server import BaseHTTPRequestHandler
from typing import Any, Protocol

from standins.retell_store import BadRequest, RecordedRequest, RetellStore


class RetellBackend(Protocol):
    """What the handler needs of the stand-in it serves (``RetellStandin``)."""

    api_key: str
    store: RetellStore

    def begin_request(self, request: RecordedRequest) -> None: ...
    def end_request(self) -> None: ...
    def take_fault(self, path: str) -> Any: ...
    def inject_fault(self, **kwargs: Any) -> None: ...
    def reset(self) -> None: ...
    def send_webhook(self, url: str, event: str, record_id: str) -> int: ...

_INVALID_JSON = object()


class RetellHandler(BaseHTTPRequestHandler):
    """Serves one connection for the ``RetellStandin`` set on its server."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server_version = "RetellStandin/1"
    timeout = 30

    def log_message(self, format: str, *args: Any) -> None:
        """Silent: the request log is ``RetellStandin.requests``."""

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    def _serve(self, method: str) -> None:
        standin: RetellBackend = self.server.standin  # type: ignore[attr-defined]
        body = self._read_json()
        if self.path.startswith("/__standin/"):
            return self._control(standin, body)
        authorized = self.headers.get("Authorization") == f"Bearer {standin.api_key}"
        standin.begin_request(RecordedRequest(method, self.path, body, authorized))
        try:
            fault = standin.take_fault(self.path)
            if fault and fault.drop:
                self.close_connection = True
            elif fault:
                headers = {"Retry-After": str(fault.retry_after)} if fault.retry_after else {}
                self._send(fault.status, _error(fault.status), headers)
            elif not authorized:
                self._send(401, {"status": "error", "message": "Invalid API key"})
            else:
                self._route(standin, method, body)
        finally:
            standin.end_request()

    def _route(self, standin: RetellBackend, method: str, body: Any) -> None:
        try:
            if body is _INVALID_JSON:
                raise BadRequest("request body is not valid JSON")
            if method == "POST" and self.path in ("/v3/list-calls", "/v3/list-chats"):
                kind = "call" if self.path.endswith("calls") else "chat"
                return self._send(200, standin.store.list(kind, body or {}))
            if method == "GET" and self.path.startswith("/get-chat/"):
                chat = standin.store.get("chat", self.path.removeprefix("/get-chat/"))
                return self._send(200, chat) if chat else self._send(404, _error(404))
            self._send(404, _error(404))
        except BadRequest as exc:
            self._send(400, {"status": "error", "message": str(exc)})

    def _control(self, standin: RetellBackend, body: Any) -> None:
        body = body or {}
        if self.path == "/__standin/fault":
            standin.inject_fault(**body)
        elif self.path == "/__standin/reset":
            standin.reset()
        elif self.path == "/__standin/webhook":
            return self._send(200, {"status": standin.send_webhook(**body)})
        else:
            return self._send(404, _error(404))
        self._send(200, {"ok": True})

    def _read_json(self) -> Any:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            return json.loads(raw) if raw else None
        except ValueError:
            return _INVALID_JSON

    def _send(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)


def _error(status: int) -> dict[str, str]:
    messages = {404: "Not found", 429: "Account rate limited"}
    return {"status": "error", "message": messages.get(status, "Internal server error")}
