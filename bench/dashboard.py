"""Dashboard, usage report and invoice preview latency at a million usage records.

Run from the repository root:  .venv/bin/python -m bench.dashboard [--records N] [--explain]

Starts a throwaway PostgreSQL cluster, applies the migrations, loads 200
customers (1-3 agents each, plus unmapped agents), N usage records (default
1,000,000) spread over the last 12 months with COPY, and a year of invoices;
then times requests over real loopback HTTP through the function handlers with
a verified Super User's token (the access gate included): the dashboard, the
usage report for the previous month, and the invoice preview of every customer
for the previous month (the use case itself while its route is not served).
Prints p50/p95/max. Target: dashboard p95 < 300 ms.
``--explain`` prints the EXPLAIN ANALYZE plan of every dashboard query.
"""
from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):  # `python bench/X.py`: the repository root is importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import argparse
import io
import logging
import random
import statistics
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import psycopg

from bench.builders import bench_settings, verified_super_user
from billing.adapters.clock import SystemClock
from billing.adapters.postgres.migrations import migrate
from billing.adapters.postgres.sessions import Database
from billing.bootstrap import Deps, use_deps
from billing.domain.periods import local_today, previous_month
from billing.local.cluster import LocalCluster
from billing.local.server import serve_in_thread
from billing.usecases.dashboard import build_dashboard

CUSTOMERS = 200
UNMAPPED_AGENTS = 10
FX = Decimal("1.3650")
TZ = "America/Toronto"
USAGE_COLUMNS = ("source", "external_id", "agent_id", "started_at", "message_count",
                 "sms_segments", "billed_minutes", "duration_seconds", "twilio_cost_usd",
                 "retell_cost_usd_cents")


def load_customers(conn: psycopg.Connection, rnd: random.Random) -> tuple[list[str], list[str]]:
    """200 customers with 1-3 agents each; returns (customer ids, every agent id)."""
    ids, agents = [], []
    for n in range(CUSTOMERS):
        customer_id = conn.execute(
            "insert into billing_customers (customer_name, customer_email, markup_percentage,"
            " stripe_customer_id) values (%s, %s, %s, %s) returning id::text",
            [f"Clinic {n:03d}", f"billing{n}@clinic.test", Decimal(rnd.randint(0, 3000)) / 100,
             f"cus_bench{n:03d}"]).fetchone()[0]
        ids.append(customer_id)
        for k in range(rnd.randint(1, 3)):
            agents.append(f"agent_{n:03d}_{k}")
            conn.execute("insert into billing_customer_agents (agent_id, billing_customer_id)"
                         " values (%s, %s)", [agents[-1], customer_id])
    return ids, agents + [f"agent_unmapped_{k}" for k in range(UNMAPPED_AGENTS)]


def usage_lines(count: int, agents: list[str], now: datetime, rnd: random.Random):
    """Tab-separated usage rows over the 365 days before ``now``, in chunks."""
    span = 365 * 86400
    chunk = io.StringIO()
    for i in range(count):
        started = now - timedelta(seconds=rnd.randrange(span))
        if rnd.random() < 0.6:
            segments = rnd.randint(1, 40)
            row = ("retell_chat", f"chat_{i}", rnd.choice(agents), started.isoformat(),
                   rnd.randint(2, 20), segments, 0, 0, f"{segments * 0.0083:.6f}",
                   f"{rnd.randint(0, 500_000) / 10_000:.4f}")
        else:
            minutes = rnd.randint(1, 30)
            row = ("retell_call", f"call_{i}", rnd.choice(agents), started.isoformat(), 0, 0,
                   minutes, minutes * 60 - rnd.randint(0, 59), f"{minutes * 0.022:.6f}",
                   f"{rnd.randint(0, 3_000_000) / 10_000:.4f}")
        chunk.write("\t".join(map(str, row)) + "\n")
        if chunk.tell() > 8_000_000:
            yield chunk.getvalue()
            chunk = io.StringIO()
    yield chunk.getvalue()


def load_usage(conn: psycopg.Connection, count: int, agents: list[str], now: datetime,
               rnd: random.Random) -> None:
    """COPY ``count`` usage records (the rollup triggers run once, at the end of COPY)."""
    with conn.cursor().copy(f"copy usage_records ({', '.join(USAGE_COLUMNS)}) from stdin") as cp:
        for text in usage_lines(count, agents, now, rnd):
            cp.write(text)


def load_invoices(conn: psycopg.Connection, customers: list[str], today: date,
                  rnd: random.Random) -> None:
    """Eleven months of invoices per customer: paid, except the last month's."""
    month = previous_month(today)
    rows = []
    for age in range(11):
        for customer in customers:
            status = "paid" if age else rnd.choice(["draft", "finalized", "sent", "overdue"])
            total = Decimal(rnd.randint(1_000, 500_000)) / 100
            rows.append((customer, month.start, month.end, total, total, status,
                         datetime.combine(month.end + timedelta(days=1), datetime.min.time(),
                                          UTC) + timedelta(minutes=rnd.randint(0, 600))))
        month = previous_month(month.start)
    conn.cursor().executemany(
        "insert into invoice_records (billing_customer_id, billing_period_start,"
        " billing_period_end, subtotal_cad, total_amount_cad, invoice_status, created_at,"
        " total_chats, total_sms_segments) values (%s, %s, %s, %s, %s, %s, %s, 100, 1000)",
        rows)


class ExplainingConnection:
    """Runs EXPLAIN ANALYZE before each query it is given, and keeps the plans."""

    def __init__(self, conn: Any) -> None:
        self.conn = conn
        self.plans: list[str] = []

    def execute(self, query: str, params: Any = None) -> Any:
        if " from " in query:
            rows = self.conn.execute("explain (analyze, buffers) " + query, params).fetchall()
            self.plans.append("\n".join(row["QUERY PLAN"] for row in rows))
        return self.conn.execute(query, params)


def explain_dashboard(deps: Deps, user_id: str) -> None:
    """Print the plan of every query the dashboard runs."""
    with deps.db.user_session({"sub": user_id}) as conn:
        explaining = ExplainingConnection(conn)
        build_dashboard(explaining, fx=deps.fx, now=deps.clock.now(), default_time_zone=TZ)
    for plan in explaining.plans:
        print(plan, end="\n\n")


def timed(label: str, count: int, call: Callable[[], Any]) -> None:
    """Time ``count`` calls after two warm-ups; print p50/p95/max in ms."""
    samples = []
    for i in range(count + 2):
        started = time.perf_counter()
        result = call()
        if i >= 2:
            samples.append((time.perf_counter() - started) * 1000)
        if isinstance(result, httpx.Response):
            result.raise_for_status()
    samples.sort()
    p95 = samples[max(0, round(0.95 * len(samples)) - 1)]
    print(f"{label:<48} n={count:<3} p50={statistics.median(samples):7.1f} ms"
          f"  p95={p95:7.1f} ms  max={samples[-1]:7.1f} ms")


def time_preview(client: httpx.Client, period: dict) -> None:
    """The invoice preview of every customer, over HTTP."""
    request = lambda: client.post("/api/billing/invoices/preview",  # noqa: E731
                                  json={"period": period})
    response = request()
    if response.status_code != 200:
        raise SystemExit(f"preview failed: {response.status_code} {response.text[:300]}")
    timed("POST /api/billing/invoices/preview (200, 1 mo)", 15, request)


def run(records: int, explain: bool, seed: int = 20261127) -> None:
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    rnd = random.Random(seed)
    with LocalCluster() as cluster:
        with psycopg.connect(cluster.url, autocommit=True) as conn:
            conn.execute("create database bench")
        url = cluster.url_for("bench")
        migrate(url, local=True)
        deps = Deps(settings=bench_settings(url, fx_fixed_usd_cad=FX), db=Database(url),
                    clock=SystemClock())
        now = deps.clock.now()
        with psycopg.connect(url, autocommit=True) as conn:
            customers, agents = load_customers(conn, rnd)
            started = time.perf_counter()
            load_usage(conn, records, agents, now, rnd)
            print(f"loaded {records:,} usage records with COPY (rollup included) in "
                  f"{time.perf_counter() - started:.1f} s")
            load_invoices(conn, customers, local_today(now, TZ), rnd)
            conn.execute("vacuum analyze")
            daily, monthly = conn.execute(
                "select (select count(*) from billing_usage_daily),"
                " (select count(*) from billing_usage_monthly)").fetchone()
            print(f"{len(customers)} customers, {len(agents)} agents; rollup rows:"
                  f" {daily:,} daily, {monthly:,} monthly")
        persona = verified_super_user(deps)
        if explain:
            explain_dashboard(deps, persona.user_id)
        month = previous_month(local_today(now, TZ))
        period = {"start": month.start.isoformat(), "end": month.end.isoformat()}
        server, thread = serve_in_thread(0)
        try:
            with use_deps(deps), httpx.Client(base_url=f"http://127.0.0.1:{server.server_port}",
                                              headers=persona.headers, timeout=60) as client:
                timed("GET /api/billing/dashboard", 50,
                      lambda: client.get("/api/billing/dashboard"))
                timed("GET /api/billing/reports/usage.csv (1 month)", 15,
                      lambda: client.get("/api/billing/reports/usage.csv", params=period))
                time_preview(client, period)
        finally:
            server.shutdown()
            server.server_close()
            thread.join(5)
            deps.db.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--explain", action="store_true")
    args = parser.parse_args()
    run(args.records, args.explain)


if __name__ == "__main__":
    main()
