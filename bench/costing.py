"""Seconds to cost 100,000 chats (~12 messages each) and 100,000 calls from memory.

Run from the repository root:  .venv/bin/python -m bench.costing [--chats N] [--calls N]
Message texts are unique (no caching can help); the target is < 10 s for the chats.
"""
from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):  # `python bench/X.py`: the repository root is importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import argparse
import os
import random
import time
from collections.abc import Callable
from decimal import Decimal
from typing import TypeVar

from bench.segments import corpus, loop_calibration
from billing.domain.pricing import DEFAULT_RATE_CARD, cost_call, cost_chat

T = TypeVar("T")
_NOT_SMS = ("tool_call_invocation", "tool_call_result", "node_transition")


def chats(count: int, seed: int = 11) -> list[tuple[list[tuple[str, str]], Decimal]]:
    """Synthetic chats: ~12 messages (agent and user SMS, a tool call) and a Retell cost."""
    rng = random.Random(seed)
    texts = iter(corpus(count * 12, seed=seed))
    result = []
    for _ in range(count):
        messages = [("agent" if turn % 2 == 0 else "user", next(texts))
                    for turn in range(rng.randint(9, 13))]
        messages.insert(rng.randrange(len(messages)), (rng.choice(_NOT_SMS), "{}"))
        result.append((messages, Decimal(rng.randint(0, 50_000)) / 1000))
    return result


def calls(count: int, seed: int = 13) -> list[tuple[Decimal, Decimal | None]]:
    """Synthetic calls: durations to the millisecond, Retell cost in cents (rarely missing)."""
    rng = random.Random(seed)
    return [(Decimal(rng.randint(0, 1_800_000)) / 1000,
             None if rng.random() < 0.01 else Decimal(rng.randint(0, 90_000)) / 1000)
            for _ in range(count)]


def timed(work: Callable[[], T]) -> tuple[T, float, float]:
    """The result of ``work``, its wall-clock seconds and its CPU seconds."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = work()
    return result, time.perf_counter() - wall, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chats", type=int, default=100_000)
    parser.add_argument("--calls", type=int, default=100_000)
    args = parser.parse_args()
    chat_data, call_data = chats(args.chats), calls(args.calls)
    messages = sum(len(m) for m, _ in chat_data)
    card = DEFAULT_RATE_CARD

    chat_costs, chat_wall, chat_cpu = timed(lambda: [cost_chat(m, c, card) for m, c in chat_data])
    call_costs, call_wall, call_cpu = timed(lambda: [cost_call(s, c, card) for s, c in call_data])

    sms = sum(c.message_count for c in chat_costs)
    segments = sum(c.segments for c in chat_costs)
    minutes = sum(c.billed_minutes for c in call_costs)
    print(f"{len(chat_data)} chats ({messages} messages, {sms} of them SMS, {segments} segments): "
          f"{chat_wall:.2f} s wall, {chat_cpu:.2f} s CPU "
          f"({len(chat_data) / chat_cpu:,.0f} chats per CPU second)")
    print(f"{len(call_data)} calls ({minutes} billed minutes): "
          f"{call_wall:.2f} s wall, {call_cpu:.2f} s CPU "
          f"({len(call_data) / call_cpu:,.0f} calls per CPU second)")
    print(f"loop calibration: {loop_calibration():.1f} ns per empty iteration; "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")


if __name__ == "__main__":
    main()
