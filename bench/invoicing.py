"""200 customers invoiced in send mode against the Stripe stand-in, at Stripe's
test-mode limit (25 requests/s) and at the live-mode limit (100 requests/s).

The customers are already linked to Stripe (their Stripe customers are made
before the clock starts), so each invoice costs three requests: create the
draft, add its lines in one ``add_lines``, send (which finalizes). For each rate
it prints the time to queue the batch (what ``POST /invoice-batches`` does
before answering 202), the time the queue function took to run it, the Stripe
requests per invoice, the bound the rate limit sets (requests / rate) and how
close the run came to it, and checks one Stripe invoice per customer and no
duplicate. Targets at 25/s: at most 3.1 requests per invoice and 27 s (1.15 ×
the 24 s bound for 200 customers).

Run from the repository root:  .venv/bin/python -m bench.invoicing [--customers N]
"""
from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):  # `python bench/X.py`: the repository root is importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import argparse
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import psycopg

from billing.adapters.clock import ManualClock
from billing.adapters.postgres.migrations import migrate
from billing.adapters.stripe_gateway import StripeGateway
from billing.bootstrap import Deps, build_deps
from billing.config import Settings
from billing.domain.periods import Period
from billing.local.cluster import LocalCluster
from billing.usecases import batch_runner, invoice_runs
from billing.usecases.invoicing import GenerateOptions
from standins.stripe import StripeStandin

PERIOD = Period(date(2026, 10, 1), date(2026, 10, 31))
KEY = "sk_test_CareXPSBench"
RATES = (25.0, 100.0)
TARGET_REQUESTS_PER_INVOICE = 3.1
TARGET_BOUND_FACTOR = 1.15


def seed(url: str, customers: int) -> list[str]:
    """Customers with one agent each and a few SMS and voice records in October."""
    ids = [str(uuid.uuid4()) for _ in range(customers)]
    start = datetime(2026, 10, 2, 14, tzinfo=UTC)
    with psycopg.connect(url) as conn, conn.cursor() as cur:
        cur.executemany(
            "insert into billing_customers (id, customer_name, customer_email,"
            " markup_percentage) values (%s, %s, %s, %s)",
            [(cid, f"Clinic {i:03d}", f"billing{i}@clinic.example", Decimal(i % 4 * 5))
             for i, cid in enumerate(ids)])
        cur.executemany("insert into billing_customer_agents values (%s, %s)",
                        [(f"agent_{i}", cid) for i, cid in enumerate(ids)])
        cur.executemany(
            "insert into usage_records (source, external_id, agent_id, started_at,"
            " sms_segments, billed_minutes, twilio_cost_usd, retell_cost_usd_cents)"
            " values (%s, %s, %s, %s, %s, %s, %s, %s)",
            [(source, f"{source}_{i}_{n}", f"agent_{i}", start + timedelta(days=n),
              7 if source == "retell_chat" else 0, 3 if source == "retell_call" else 0,
              Decimal("0.0581") if source == "retell_chat" else Decimal("0.066"),
              Decimal("12.5") + n)
             for i in range(customers) for n in range(5)
             for source in ("retell_chat", "retell_call")])
    return ids


def link_to_stripe(url: str, gateway: StripeGateway, ids: list[str]) -> None:
    """Give every customer its Stripe customer (before the clock starts)."""
    with psycopg.connect(url) as conn:
        for n, cid in enumerate(ids):
            made = gateway.create_customer(f"Clinic {n:03d}", None, None, None,
                                           {"carexps_customer_id": cid},
                                           idempotency_key=f"bench-customer-{cid}")
            conn.execute("update billing_customers set stripe_customer_id = %s,"
                          " stripe_link_status = 'linked' where id = %s", [made.id, cid])


def run(customers: int, rate: float) -> bool:
    """One run at ``rate`` requests/s on a fresh database and stand-in; True if it met
    its checks (and, at the test-mode rate, the targets)."""
    with LocalCluster() as cluster, StripeStandin() as stripe:
        migrate(cluster.url, local=True)
        ids = seed(cluster.url, customers)
        settings = Settings(database_url=cluster.url, fx_fixed_usd_cad=Decimal("1.37"))
        base = build_deps(settings, clock=ManualClock(datetime(2026, 11, 15, tzinfo=UTC)))
        gateway = StripeGateway(KEY, stripe.base_url, requests_per_second=rate)
        link_to_stripe(cluster.url, gateway, ids)
        deps = Deps(settings=settings, db=base.db, clock=base.clock,
                    payments_factory=lambda: gateway)
        before = len(stripe.requests())
        began = time.perf_counter()
        queued = invoice_runs.start_generation(deps, None, PERIOD, ids,
                                               GenerateOptions(mode="send"))
        queued_in = time.perf_counter() - began
        batch = batch_runner.process_batch(deps, queued["id"])
        seconds = time.perf_counter() - began - queued_in
        ok = report(stripe, cluster.url, batch, seconds, queued_in, customers, rate, before)
        deps.db.close()
        return ok


def report(stripe: StripeStandin, url: str, batch: dict, seconds: float, queued_in: float,
           customers: int, rate: float, before: int) -> bool:
    requests = stripe.requests()[before:]
    created = [r for r in requests if r["method"] == "POST" and r["path"] == "/v1/invoices"]
    per_invoice = len(requests) / customers
    bound = len(requests) / rate
    with psycopg.connect(url) as conn:
        rows, distinct = conn.execute(
            "select count(*), count(distinct stripe_invoice_id) from invoice_records"
            " where invoice_status = 'sent'").fetchone()
    print(f"--- {customers} customers at {rate:g} requests/s "
          f"({'test' if rate < 100 else 'live'}-mode limit)")
    print(f"batch                    {batch['status']}: {batch['succeeded']} invoiced, "
          f"{batch['failed']} failed")
    print(f"queued (the POST's work) {queued_in:.2f} s")
    print(f"seconds                  {seconds:.1f} (rate-limit bound {bound:.1f} s, "
          f"{seconds / bound:.2f} x)")
    print(f"Stripe requests          {len(requests)} ({per_invoice:.2f} per invoice)")
    print(f"requests per second      {len(requests) / seconds:.1f}")
    print(f"invoices sent            {rows}, distinct Stripe invoices {distinct}, "
          f"duplicates {rows - distinct + len(created) - customers}")
    ok = rows == distinct == customers == len(created)
    if rate < 100:
        ok = ok and per_invoice <= TARGET_REQUESTS_PER_INVOICE and \
            seconds <= TARGET_BOUND_FACTOR * customers * 3 / rate
    print("check                    " + ("OK" if ok else "FAILED"))
    return ok


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--customers", type=int, default=200)
    parsed = parser.parse_args()
    results = [run(parsed.customers, rate) for rate in RATES]
    if not all(results):
        raise SystemExit(1)
