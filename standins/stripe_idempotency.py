"""``Idempotency-Key``: the first result is kept and replayed; misuse is refused.

Keys are scoped to the mode (test/live). Same key + same endpoint + same
parameters replays the stored status and body; anything else with that key is
an ``idempotency_error``; a key still being executed answers 409.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from standins.stripe_errors import ApiError, idempotency_in_use, idempotency_mismatch

MAX_KEY_LENGTH = 255


@dataclass
class Stored:
    """What a key produced: replayed verbatim to later requests with the same key."""

    endpoint: str
    params: dict[str, Any]
    status: int = 0
    body: bytes = b""
    request_id: str = ""
    headers: dict[str, str] = field(default_factory=dict)


class IdempotencyStore:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self._records: dict[tuple[bool, str], Stored] = {}
            self._running: set[tuple[bool, str]] = set()

    def begin(self, livemode: bool, key: str, endpoint: str, params: dict[str, Any]) -> Stored | None:
        """The stored result to replay, or None after reserving the key for this request."""
        if len(key) > MAX_KEY_LENGTH:
            raise ApiError(
                400, f"Idempotency-Key must be at most {MAX_KEY_LENGTH} characters.", stored=False
            )
        scope = (livemode, key)
        with self._lock:
            if scope in self._running:
                raise idempotency_in_use()
            stored = self._records.get(scope)
            if stored is None:
                self._running.add(scope)
                return None
        if stored.endpoint != endpoint or stored.params != params:
            raise idempotency_mismatch(key, stored.endpoint, endpoint)
        return stored

    def finish(self, livemode: bool, key: str, result: Stored | None) -> None:
        """Keep ``result`` for ``key`` (None: nothing to keep) and release the key."""
        with self._lock:
            self._running.discard((livemode, key))
            if result is not None:
                self._records[(livemode, key)] = result
