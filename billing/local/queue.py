"""Storage queues in-process, as the Functions host runs them (`billing serve`, the demo
and the tests).

Messages written through a function's queue output binding are delivered to the
queue-trigger function registered for that queue — the same user function the
host calls in Azure. As host.json says: one message at a time per worker
(``batchSize`` 1); a function that raises gets its message back after the
visibility timeout (shortened here), and a message delivered
``maxDequeueCount`` times goes to ``<queue>-poison``.
"""
from __future__ import annotations

import json
import logging
import queue
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import azure.functions.queue as azf_queue

log = logging.getLogger("billing.local.queue")
HOST_JSON = Path(__file__).resolve().parents[2] / "host.json"


@dataclass
class LocalOut:
    """A ``func.Out[str]`` for one invocation: the value it was given, if any."""

    value: str | None = None

    def set(self, value: str) -> None:
        self.value = value

    def get(self) -> str | None:
        return self.value


def queue_settings(path: Path = HOST_JSON) -> dict[str, Any]:
    """host.json's ``extensions.queues`` (batchSize, maxDequeueCount, visibilityTimeout)."""
    return json.loads(path.read_text())["extensions"]["queues"]


def queue_triggers(functions: list[Any]) -> dict[str, Callable[..., Any]]:
    """Queue name → the user function its queue trigger calls."""
    found = {}
    for function in functions:
        for binding in function.get_bindings():
            if binding.type == "queueTrigger":
                found[binding.queue_name] = function.get_user_function()
    return found


def queue_output(function: Any) -> str | None:
    """The queue a function writes to through an output binding named ``outbox``."""
    return next((b.queue_name for b in function.get_bindings()
                 if b.type == "queue" and b.name == "outbox"), None)


class LocalQueues:
    """In-process queues feeding registered queue-trigger functions on worker threads."""

    def __init__(self, triggers: dict[str, Callable[..., Any]], *, workers: int = 1,
                 retry_delay: float = 0.2, settings: dict[str, Any] | None = None) -> None:
        config = settings or queue_settings()
        self.max_dequeue = int(config["maxDequeueCount"])
        self._triggers, self._retry_delay = triggers, retry_delay
        self._pending: queue.Queue[tuple[str, str, int] | None] = queue.Queue()
        self._threads = [threading.Thread(target=self._work, daemon=True, name=f"queue-{n}")
                         for n in range(workers)]
        self._timers: list[threading.Timer] = []
        self.unhandled: list[tuple[str, str]] = []

    def start(self) -> LocalQueues:
        for thread in self._threads:
            thread.start()
        return self

    def send(self, queue_name: str, body: str, dequeue_count: int = 0) -> None:
        """Put a message on a queue (what an output binding does when the function ends)."""
        self._pending.put((queue_name, body, dequeue_count))

    def join(self) -> None:
        """Wait until every message sent so far (and its retries) was handled."""
        self._pending.join()

    def stop(self) -> None:
        for timer in self._timers:
            timer.cancel()
        for _thread in self._threads:
            self._pending.put(None)
        for thread in self._threads:
            thread.join(5)

    def _work(self) -> None:
        while (item := self._pending.get()) is not None:
            if not self._deliver(*item):
                self._pending.task_done()
        self._pending.task_done()

    def _deliver(self, queue_name: str, body: str, dequeued: int) -> bool:
        """Run the queue's function once; True if the message comes back later (it
        stays counted as unfinished until then, so ``join`` waits for the retry)."""
        trigger = self._triggers.get(queue_name)
        if trigger is None:
            self.unhandled.append((queue_name, body))
            return False
        count = dequeued + 1
        message = azf_queue.QueueMessage(id=str(uuid.uuid4()), body=body.encode(),
                                         dequeue_count=count)
        try:
            trigger(message)
        except Exception:
            log.exception("queue function failed", extra={"queue": queue_name,
                                                          "dequeue_count": count})
            if count >= self.max_dequeue:
                self.send(f"{queue_name}-poison", body)
                return False
            self._retry_later(queue_name, body, count)
            return True
        return False

    def _retry_later(self, queue_name: str, body: str, count: int) -> None:
        """The message becomes visible again after the (local) visibility timeout."""
        def again() -> None:
            self.send(queue_name, body, count)
            self._pending.task_done()

        timer = threading.Timer(self._retry_delay, again)
        timer.daemon = True
        self._timers.append(timer)
        timer.start()
