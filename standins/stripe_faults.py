"""Fault injection: the next N matching API requests misbehave.

Kinds acting before the request is handled: ``rate_limit`` (429 with
Retry-After), ``server_error`` (500), ``drop`` (connection closed, no answer),
``delay`` (answer normally after ``delay_ms``). Kinds acting after the side
effect and the idempotency record: ``drop_after`` and ``error_after`` (500) —
the lost response a retry with the same key must recover from.
"""
from __future__ import annotations

import re
import threading
from dataclasses import asdict, dataclass
from typing import Any

BEFORE = ("rate_limit", "server_error", "drop", "delay")
AFTER = ("drop_after", "error_after")


@dataclass
class Fault:
    kind: str
    times: int = 1
    path: str | None = None
    method: str | None = None
    delay_ms: int = 0
    retry_after: int = 1

    def __post_init__(self) -> None:
        if self.kind not in BEFORE + AFTER:
            raise ValueError(f"unknown fault kind {self.kind!r}; one of {BEFORE + AFTER}")
        if self.times < 1:
            raise ValueError("times must be at least 1")
        if self.path is not None:
            re.compile(self.path)
        self.method = self.method.upper() if self.method else None

    def matches(self, method: str, path: str) -> bool:
        if self.method and self.method != method:
            return False
        return self.path is None or re.search(self.path, path) is not None


class Faults:
    """Armed faults, consumed in the order they were added."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._armed: list[Fault] = []

    def add(self, **spec: Any) -> Fault:
        fault = Fault(**spec)
        with self._lock:
            self._armed.append(fault)
        return fault

    def take(self, method: str, path: str, kinds: tuple[str, ...]) -> Fault | None:
        """Consume one use of the first armed fault of ``kinds`` matching the request."""
        with self._lock:
            for fault in self._armed:
                if fault.kind in kinds and fault.matches(method, path):
                    fault.times -= 1
                    if fault.times == 0:
                        self._armed.remove(fault)
                    return fault
        return None

    def clear(self) -> None:
        with self._lock:
            self._armed.clear()

    def armed(self) -> list[dict[str, Any]]:
        with self._lock:
            return [asdict(f) for f in self._armed]
