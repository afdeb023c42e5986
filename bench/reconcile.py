"""Reconciling 10,000 invoices against the Stripe stand-in.

Seeds the stand-in (through its own API pipeline, in process, for speed) and
our database with the same invoices — 100 customers, one invoice each per
"month", most open, some paid, a few drafts — then makes 20 of them paid in
Stripe with the webhook missed. Times one reconciliation with repairs and
prints the seconds, the Stripe requests by kind (≈ 100 list pages for 10,000
invoices) and the findings; a second run must find nothing to repair.

Run from the repository root:  .venv/bin/python -m bench.reconcile [--invoices N]
"""
from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):  # `python bench/X.py`: the repository root is importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import argparse
import json
import time
import uuid
from datetime import UTC, datetime
from decimal import Decimal
from urllib.parse import urlencode

import psycopg
from psycopg.types.json import Jsonb

from billing.adapters.clock import ManualClock
from billing.adapters.postgres.migrations import migrate
from billing.adapters.stripe_gateway import StripeGateway
from billing.bootstrap import Deps, build_deps
from billing.config import Settings
from billing.domain.periods import local_today
from billing.local.cluster import LocalCluster
from billing.usecases.reconciliation import ReconcileOptions, reconcile
from standins.stripe_api import Request
from standins.stripe_server import start_in_thread, stop

KEY = "sk_test_CareXPSBench"
CUSTOMERS = 100
PAID_UNSEEN = 20


class InProcessStripe:
    """The stand-in's API pipeline called directly: the same code as over HTTP."""

    def __init__(self, app) -> None:
        self.api = app.api

    def call(self, method: str, path: str, params: dict | None = None) -> dict:
        form = urlencode(params or {})
        reply = self.api.handle(Request(method, path, form if method == "GET" else "",
                                        {"Authorization": f"Bearer {KEY}"},
                                        form.encode() if method == "POST" else b""))
        assert reply.status == 200, reply.body
        return json.loads(reply.body)


def seed(stripe: InProcessStripe, url: str, invoices: int) -> None:
    """The same invoices in Stripe and in invoice_records (Stripe first, like the saga)."""
    rows, customers = [], []
    for c in range(CUSTOMERS):
        customer = stripe.call("POST", "/v1/customers", {"name": f"Clinic {c:03d}"})
        customers.append((str(uuid.uuid4()), f"Clinic {c:03d}", customer["id"]))
    for n in range(invoices):
        our_id, (customer_id, _, stripe_customer) = str(uuid.uuid4()), customers[n % CUSTOMERS]
        status = "draft" if n % 50 == 0 else ("paid" if n % 3 == 0 else "sent")
        cents = [1200 + n % 700, 345]
        invoice = stripe.call("POST", "/v1/invoices", {
            "customer": stripe_customer, "collection_method": "send_invoice",
            "days_until_due": 30, "currency": "cad", "metadata[carexps_invoice_id]": our_id})
        for amount in cents:
            stripe.call("POST", "/v1/invoiceitems", {"customer": stripe_customer,
                        "invoice": invoice["id"], "amount": amount, "currency": "cad"})
        if status != "draft":
            stripe.call("POST", f"/v1/invoices/{invoice['id']}/send")
        if status == "paid":
            stripe.call("POST", f"/v1/invoices/{invoice['id']}/pay", {"paid_out_of_band": "true"})
        rows.append((our_id, customer_id, invoice["id"], stripe_customer, n, status,
                     Decimal(sum(cents)) / 100, cents))
    _insert(url, customers, rows)


def _insert(url: str, customers: list[tuple], rows: list[tuple]) -> None:
    with psycopg.connect(url) as conn, conn.cursor() as cur:
        cur.executemany("insert into billing_customers (id, customer_name, customer_email,"
                        " stripe_customer_id, stripe_link_status) values"
                        " (%s, %s, %s || '@clinic.example', %s, 'linked')",
                        [(cid, name, cid, sid) for cid, name, sid in customers])
        cur.executemany(
            "insert into invoice_records (id, billing_customer_id, stripe_invoice_id,"
            " stripe_customer_id, billing_period_start, billing_period_end, supplementary,"
            " subtotal_cad, total_amount_cad, line_items, invoice_status, stripe_state,"
            " sent_at, paid_at) values (%s, %s, %s, %s, make_date(2020 + %s / 1200,"
            " 1 + %s / 100 %% 12, 1), make_date(2020 + %s / 1200, 1 + %s / 100 %% 12, 28),"
            " false, %s, %s, %s, %s, 'complete',"
            " case when %s = 'draft' then null else now() end,"
            " case when %s = 'paid' then now() else null end)",
            [(i, c, s, sc, n, n, n, n, total, total,
              Jsonb([{"key": f"l{k}", "amount_cents": a} for k, a in enumerate(cents)]),
              status, status, status)
             for i, c, s, sc, n, status, total, cents in rows])


def make_paid_unseen(stripe: InProcessStripe, url: str) -> None:
    """Pay some sent invoices in Stripe only, as if their webhooks were missed."""
    with psycopg.connect(url) as conn:
        ids = [r[0] for r in conn.execute(
            "select stripe_invoice_id from invoice_records where invoice_status = 'sent'"
            " order by id limit %s", [PAID_UNSEEN])]
    for stripe_id in ids:
        stripe.call("POST", f"/v1/invoices/{stripe_id}/pay", {"paid_out_of_band": "true"})


def run(invoices: int) -> None:
    server, thread = start_in_thread()
    try:
        with LocalCluster() as cluster:
            migrate(cluster.url, local=True)
            stripe = InProcessStripe(server.app)
            began = time.perf_counter()
            seed(stripe, cluster.url, invoices)
            make_paid_unseen(stripe, cluster.url)
            print(f"seeded                   {invoices} invoices, {CUSTOMERS} customers in "
                  f"{time.perf_counter() - began:.1f} s")
            settings = Settings(database_url=cluster.url, stripe_secret_key=KEY,
                                stripe_api_base=server.app.base_url)
            base = build_deps(settings, clock=ManualClock(datetime.now(UTC)))
            gateway = StripeGateway(KEY, server.app.base_url)
            deps = Deps(settings=settings, db=base.db, clock=base.clock,
                        payments_factory=lambda: gateway)
            measure(deps, server.app.api, invoices)
            deps.db.close()
    finally:
        stop(server, thread)


class ServingTime:
    """Seconds the stand-in spends answering (it shares this process and its GIL)."""

    def __init__(self, api) -> None:
        self.seconds, self._handle = 0.0, api.handle
        api.handle = self

    def __call__(self, request: Request):
        began = time.perf_counter()
        try:
            return self._handle(request)
        finally:
            self.seconds += time.perf_counter() - began


def measure(deps: Deps, api, invoices: int) -> None:
    since = local_today(deps.clock.now(), deps.settings.billing_time_zone)
    serving = ServingTime(api)
    for label in ("first run (repair)", "second run (repair)"):
        api.reset()  # an empty request log (it keeps the last 10,000)
        serving.seconds, began = 0.0, time.perf_counter()
        result = reconcile(deps, None, ReconcileOptions(since=since, repair=True))
        seconds = time.perf_counter() - began
        made = api.log()
        pages = sum(1 for r in made if r["method"] == "GET" and r["path"] == "/v1/invoices")
        print(f"{label:<25}{seconds:.1f} s ({serving.seconds:.1f} s of it the stand-in answering),"
              f" {len(made)} Stripe requests ({pages} invoice list pages of 100,"
              f" {len(made) - pages} others: customers, retrievals, repairs)")
        print(f"{'':<25}{result['stripe_invoices']} Stripe invoices, "
              f"{result['invoices_checked']} of ours, {result['findings_total']} findings, "
              f"{result['repaired_total']} repaired: "
              + ", ".join(f"{k} {v}" for k, v in result["counts"].items() if v))
    ok = result["findings_total"] == 0 and pages == -(-invoices // 100)
    print("check                    " + ("OK: every page of 100 read, nothing left to repair"
                                         if ok else "FAILED"))
    if not ok:
        raise SystemExit(1)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--invoices", type=int, default=10_000)
    run(parser.parse_args().invoices)
