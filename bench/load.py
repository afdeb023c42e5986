"""Load without loss: 2,000 mixed requests from 20 concurrent clients against `billing serve`.

Run from the repository root:  .venv/bin/python -m bench.load [--clients N] [--total N]

Starts a throwaway PostgreSQL cluster and the Stripe and Retell stand-ins, sends
and pays twenty October invoices through Stripe, then serves the app on loopback
and sends the mix of ``bench.load_mix`` (admin reads and exports, invalid tokens,
Stripe and Retell webhooks with duplicates and malformed ones). Prints requests
per second and p50/p95/max latency per kind, then runs the no-loss checks: no
5xx, each webhook applied exactly once, denials aggregated as specified.
The same mix runs in ``make test`` as ``tests/e2e/test_load.py``.
"""
from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):  # `python bench/X.py`: the repository root is importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import argparse
import logging
from datetime import UTC, date, datetime
from decimal import Decimal

import psycopg

from bench.builders import bench_settings, verified_super_user
from bench.load_client import fire, report
from bench.load_mix import MixSize, build_mix, check_run
from billing.adapters.clock import SystemClock
from billing.adapters.postgres.migrations import migrate
from billing.adapters.postgres.sessions import Database
from billing.adapters.retell import RetellClient
from billing.adapters.secrets import encrypt
from billing.adapters.stripe_gateway import StripeGateway
from billing.bootstrap import Deps, use_deps
from billing.domain.periods import Period
from billing.domain.usage import ms_from_utc
from billing.local.cluster import LocalCluster
from billing.local.server import serve_in_thread
from billing.usecases import batch_runner
from billing.usecases.invoicing import GenerateOptions
from standins.retell import RetellStandin
from standins.stripe import StripeStandin

OCTOBER = Period(date(2026, 10, 1), date(2026, 10, 31))
CUSTOMERS = 20
KEY = "sk_test_CareXPSLoad"
SECRET = "whsec_CareXPSLoadBenchmark"  # noqa: S105 (the stand-in's test secret)


def seed(url: str, keyring) -> list[str]:
    """The webhook secret, a notification address and twenty customers with October usage."""
    with psycopg.connect(url) as conn:
        conn.execute("update billing_settings set stripe_webhook_secret_encrypted = %s,"
                     " notification_email = 'billing@carexps.example'",
                     [encrypt(SECRET, keyring)])
        ids = []
        for n in range(CUSTOMERS):
            ids.append(conn.execute(
                "insert into billing_customers (customer_name, customer_email) values (%s, %s)"
                " returning id::text", [f"Load Clinic {n:02d}", f"billing{n}@clinic.example"]
            ).fetchone()[0])
            conn.execute("insert into billing_customer_agents values (%s, %s)",
                         [f"agent_load_{n}", ids[-1]])
            conn.execute(
                "insert into usage_records (source, external_id, agent_id, started_at,"
                " sms_segments, twilio_cost_usd, retell_cost_usd_cents)"
                " values ('retell_chat', %s, %s, %s, 5, 0.0415, 3.5)",
                [f"chat_load_{n}", f"agent_load_{n}", datetime(2026, 10, 10, 15, tzinfo=UTC)])
    return ids


def run(clients: int, size: MixSize) -> None:
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    logging.getLogger("billing.webhooks").setLevel(logging.ERROR)  # the malformed ones, on purpose
    with LocalCluster() as cluster, StripeStandin() as stripe, RetellStandin() as retell:
        migrate(cluster.url, local=True)
        settings = bench_settings(cluster.url, fx_fixed_usd_cad=Decimal("1.37"),
                                  retell_api_key=retell.api_key, retell_base_url=retell.base_url)
        gateway = StripeGateway(KEY, stripe.base_url)
        deps = Deps(settings=settings, db=Database(cluster.url), clock=SystemClock(),
                    payments_factory=lambda: gateway,
                    retell_client=RetellClient(retell.api_key, retell.base_url))
        admin = verified_super_user(deps)
        batch = batch_runner.generate(deps, None, OCTOBER, seed(cluster.url, deps.keyring),
                                      GenerateOptions(mode="send"))
        stripe_ids = [i["stripe_invoice_id"] for i in batch["items"]]
        for stripe_id in stripe_ids:
            stripe.mark_paid(stripe_id)
        mix = build_mix(size, admin_headers=[admin.headers], stripe_events=stripe.events(),
                        stripe_secret=SECRET, retell_standin=retell,
                        retell_at_ms=ms_from_utc(deps.clock.now()))
        server, _thread = serve_in_thread(0)
        try:
            with use_deps(deps):
                outcomes, seconds = fire(f"http://127.0.0.1:{server.server_port}", mix, clients)
        finally:
            server.shutdown()
            server.server_close()
        print(report(outcomes, seconds, clients))
        with psycopg.connect(cluster.url) as conn:
            check_run(outcomes, conn, stripe_ids=stripe_ids, retell_standin=retell,
                      denials_per_minute=settings.billing_denials_per_minute)
        print("check: OK — no 5xx, each webhook applied once, denials aggregated")
        deps.db.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--total", type=int, default=2000)
    args = parser.parse_args()
    # One admin here: at most 20 exports a minute per user.
    run(args.clients, MixSize(total=args.total, exports=18))
