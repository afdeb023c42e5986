"""Concurrent clients for the load benchmark: send requests, time the answers, report.

``fire`` sends a list of requests from ``clients`` threads (one keep-alive
httpx client each) and records every answer's status and latency; ``report``
prints the count per kind and status and p50/p95/max latency, overall and per
kind. The mix and its checks: ``bench.load_mix``; the benchmark: ``bench.load``.
"""
from __future__ import annotations

import queue
import statistics
import threading
import time
from collections import Counter
from dataclasses import dataclass, field

import httpx


@dataclass(frozen=True)
class Request:
    """One request of the mix; ``kind`` groups it in the report and the checks."""

    kind: str
    method: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)
    content: bytes | None = None
    key: str | None = None  # what the checks need to know (event id, record id, ...)


@dataclass(frozen=True)
class Outcome:
    """The answer to one request and how long it took."""

    request: Request
    status: int
    millis: float
    body: bytes


def fire(base_url: str, requests: list[Request], clients: int = 20,
         timeout: float = 60.0) -> tuple[list[Outcome], float]:
    """Send ``requests`` from ``clients`` concurrent clients; (outcomes, wall seconds)."""
    todo: queue.Queue[Request] = queue.Queue()
    for request in requests:
        todo.put(request)
    outcomes: list[Outcome] = []
    lock = threading.Lock()

    def worker() -> None:
        with httpx.Client(base_url=base_url, timeout=timeout) as client:
            while True:
                try:
                    request = todo.get_nowait()
                except queue.Empty:
                    return
                started = time.perf_counter()
                resp = client.request(request.method, request.path, headers=request.headers,
                                      content=request.content)
                done = Outcome(request, resp.status_code,
                               (time.perf_counter() - started) * 1000, resp.content)
                with lock:
                    outcomes.append(done)

    started = time.perf_counter()
    threads = [threading.Thread(target=worker, name=f"load-{n}") for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes, time.perf_counter() - started


def percentile(samples: list[float], pct: float) -> float:
    """The nearest-rank percentile of ``samples``."""
    ordered = sorted(samples)
    return ordered[max(0, round(pct / 100 * len(ordered)) - 1)]


def _line(label: str, samples: list[float]) -> str:
    return (f"{label:<22} n={len(samples):<5} p50={statistics.median(samples):7.1f} ms"
            f"  p95={percentile(samples, 95):7.1f} ms  max={max(samples):7.1f} ms")


def report(outcomes: list[Outcome], seconds: float, clients: int) -> str:
    """Counts per kind and status, and latency figures, as printable text."""
    lines = [f"{len(outcomes)} requests from {clients} clients in {seconds:.1f} s"
             f" ({len(outcomes) / seconds:.0f} req/s)",
             _line("all", [o.millis for o in outcomes])]
    for kind in sorted({o.request.kind for o in outcomes}):
        mine = [o for o in outcomes if o.request.kind == kind]
        statuses = Counter(o.status for o in mine)
        lines.append(_line(kind, [o.millis for o in mine]) + "  statuses "
                     + ", ".join(f"{s}x{n}" for s, n in sorted(statuses.items())))
    return "\n".join(lines)
