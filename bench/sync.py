"""Records per second of the usage sync: Retell stand-in over HTTP → PostgreSQL ledger.

10,000 ended calls and 10,000 ended chats (SMS and API; each SMS chat's
messages fetched with bounded concurrency) synced into a throwaway local
cluster. The stand-in serves from its own process. Three runs:

1. over HTTP into an empty ledger (all inserts), with the time spent waiting
   on the stand-in shown apart;
2. the same window again (all unchanged: no message fetches, no writes);
3. the same records replayed from memory into a fresh database: costing and
   ledger writes alone, without any HTTP.

Run from the repository root:  .venv/bin/python -m bench.sync [--calls N] [--chats N]
"""
from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):  # `python bench/X.py`: the repository root is importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import argparse
import multiprocessing
import time
from collections.abc import Iterator
from datetime import date

import psycopg

from billing.adapters.postgres.migrations import migrate
from billing.adapters.postgres.sessions import Database
from billing.adapters.retell import RetellClient
from billing.domain.periods import month_of
from billing.local.cluster import LocalCluster
from billing.usecases.usage_sync import sync_window
from standins.retell import RetellStandin
from standins.retell_seed import AGENTS, Seed

MONTH = date(2025, 3, 1)
START, END = month_of(MONTH).utc_bounds("America/Toronto")


def standin_with(calls: int, chats: int) -> RetellStandin:
    """A stand-in holding exactly ``calls`` ended calls and ``chats`` ended chats."""
    call_agents = sum(agent.calls for agent in AGENTS)
    chat_agents = sum(agent.chats for agent in AGENTS)
    standin = RetellStandin(MONTH.strftime("%Y-%m"),
                            calls_per_agent=calls * 3 // 2 // call_agents + 1,
                            chats_per_agent=chats * 3 // 2 // chat_agents + 1)
    standin.seed = Seed(
        calls=[c for c in standin.seed.calls if c["call_status"] == "ended"][:calls],
        chats=[c for c in standin.seed.chats if c["chat_status"] == "ended"][:chats])
    standin.reset()
    return standin


def serve(calls: int, chats: int, pipe) -> None:
    """Child process: serve the stand-in, send its URL and key, stop when told."""
    standin = standin_with(calls, chats).start()
    pipe.send((standin.base_url, standin.api_key))
    pipe.recv()
    standin.stop()


class Timed:
    """A usage source that adds up the time spent waiting on the wrapped one."""

    def __init__(self, source) -> None:
        self.source, self.seconds, self.fetches = source, 0.0, 0

    def list_calls(self, start, end, agent_ids=None) -> Iterator:
        return self._timed(self.source.list_calls(start, end, agent_ids))

    def list_chats(self, start, end, agent_ids=None) -> Iterator:
        return self._timed(self.source.list_chats(start, end, agent_ids))

    def get_chats_messages(self, chat_ids):
        began = time.perf_counter()
        answer = self.source.get_chats_messages(chat_ids)
        self.seconds += time.perf_counter() - began
        self.fetches += len(answer)
        return answer

    def _timed(self, records: Iterator) -> Iterator:
        while True:
            began = time.perf_counter()
            record = next(records, None)
            self.seconds += time.perf_counter() - began
            if record is None:
                return
            yield record


class Replay:
    """The records and messages of a source, served again from memory."""

    def __init__(self, source) -> None:
        self.calls = list(source.list_calls(START, END))
        self.chats = list(source.list_chats(START, END))
        self.messages = source.get_chats_messages(
            [c.chat_id for c in self.chats if c.chat_type == "sms_chat"])

    def list_calls(self, start, end, agent_ids=None):
        return iter(self.calls)

    def list_chats(self, start, end, agent_ids=None):
        return iter(self.chats)

    def get_chats_messages(self, chat_ids):
        return {chat_id: self.messages[chat_id] for chat_id in chat_ids}


def run(label: str, url: str, source) -> None:
    """One sync of the month; prints records, seconds and records per second."""
    db = Database(url, max_size=2)
    try:
        began = time.perf_counter()
        result = sync_window(START, END, db=db, source=source)
        seconds = time.perf_counter() - began
    finally:
        db.close()
    waited = f", {source.seconds:.2f} s waiting on Retell, {source.fetches} message fetches" \
        if isinstance(source, Timed) else ""
    print(f"{label:<30} {result.fetched:>6} records {seconds:7.2f} s"
          f" {result.fetched / seconds:7.0f} records/s  (inserted {result.inserted},"
          f" unchanged {result.unchanged}{waited})", flush=True)


def fresh_database(cluster: LocalCluster, name: str) -> str:
    with psycopg.connect(cluster.url, autocommit=True) as conn:
        conn.execute(f"create database {name}")
    migrate(cluster.url_for(name), local=True)
    return cluster.url_for(name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=10_000)
    parser.add_argument("--chats", type=int, default=10_000)
    args = parser.parse_args()
    pipe, child_pipe = multiprocessing.Pipe()
    child = multiprocessing.Process(target=serve, args=(args.calls, args.chats, child_pipe))
    child.start()
    base_url, api_key = pipe.recv()
    client = RetellClient(api_key, base_url)
    try:
        with LocalCluster() as cluster:
            url = fresh_database(cluster, "bench_http")
            run("over HTTP, empty ledger", url, Timed(client))
            run("over HTTP, again (no-op)", url, Timed(client))
            run("from memory, empty ledger", fresh_database(cluster, "bench_memory"),
                Replay(client))
    finally:
        client.close()
        pipe.send("stop")
        child.join()


if __name__ == "__main__":
    main()
