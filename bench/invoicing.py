"""A batch of 200 customers invoiced in send mode against the Stripe stand-in.

Prints the seconds taken, the Stripe requests made, requests per second against
Stripe's test-mode limit of 25 per second (the gateway's client-side limiter
holds us under it), and checks there are exactly 200 invoices and no duplicate.

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
from billing.usecases import batch_runner
from billing.usecases.invoicing import GenerateOptions
from standins.stripe import StripeStandin

PERIOD = Period(date(2026, 10, 1), date(2026, 10, 31))
KEY = "sk_test_CareXPSBench"


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


def run(customers: int) -> None:
    with LocalCluster() as cluster, StripeStandin() as stripe:
        migrate(cluster.url, local=True)
        ids = seed(cluster.url, customers)
        settings = Settings(database_url=cluster.url, fx_fixed_usd_cad=Decimal("1.37"))
        base = build_deps(settings, clock=ManualClock(datetime(2026, 11, 15, tzinfo=UTC)))
        gateway = StripeGateway(KEY, stripe.base_url)
        deps = Deps(settings=settings, db=base.db, clock=base.clock,
                    payments_factory=lambda: gateway)
        began = time.perf_counter()
        batch = batch_runner.generate(deps, None, PERIOD, ids, GenerateOptions(mode="send"))
        seconds = time.perf_counter() - began
        report(stripe, cluster.url, batch, seconds, customers)
        deps.db.close()


def report(stripe: StripeStandin, url: str, batch: dict, seconds: float,
           customers: int) -> None:
    requests = stripe.requests()
    created = stripe.requests("POST", r"^/v1/invoices$")
    with psycopg.connect(url) as conn:
        rows, distinct = conn.execute(
            "select count(*), count(distinct stripe_invoice_id) from invoice_records"
            " where invoice_status = 'sent'").fetchone()
    print(f"customers                {customers}")
    print(f"batch                    {batch['status']}: {batch['succeeded']} invoiced, "
          f"{batch['failed']} failed")
    print(f"seconds                  {seconds:.1f}")
    print(f"Stripe requests          {len(requests)} ({len(requests) / customers:.1f} per invoice)")
    print(f"requests per second      {len(requests) / seconds:.1f} (test-mode limit 25)")
    print(f"invoice create requests  {len(created)}")
    print(f"invoices sent            {rows}, distinct Stripe invoices {distinct}")
    ok = rows == distinct == customers == len(created)
    print("check                    " + ("OK: one invoice per customer, no duplicates" if ok
                                         else "FAILED"))
    if not ok:
        raise SystemExit(1)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--customers", type=int, default=200)
    run(parser.parse_args().customers)
