"""`billing preview` and `billing invoice` as an operator runs them (subprocess)."""
from __future__ import annotations

import json
import os
import subprocess
import sys

from tests.fixtures.stripe import STANDIN_KEY


def run_billing(args, db_url, stripe_standin):
    env = {**os.environ, "DATABASE_URL": db_url, "STRIPE_SECRET_KEY": STANDIN_KEY,
           "STRIPE_API_BASE": stripe_standin.base_url, "FX_FIXED_USD_CAD": "1.37"}
    return subprocess.run([sys.executable, "-m", "billing", *args], capture_output=True,
                          text=True, env=env, timeout=120)


def test_invoice_then_preview_from_the_command_line(world, db_url, stripe_standin,
                                                    stripe_gateway):
    period = ["--start", "2026-10-01", "--end", "2026-10-31"]
    out = run_billing(["invoice", *period, "--customer", world.customers["beta"],
                       "--mode", "send"], db_url, stripe_standin)
    assert out.returncode == 0, out.stderr
    assert "1 invoiced, 0 skipped, 0 failed" in out.stdout
    preview = run_billing(["preview", *period, "--json"], db_url, stripe_standin)
    assert preview.returncode == 0, preview.stderr
    rows = {r["customer_name"]: r for r in json.loads(preview.stdout)["customers"]}
    existing = rows["Beta Medical"]["existing_invoice"]
    assert existing["invoice_status"] == "sent"
    stripe_id = stripe_gateway.list_invoices(
        stripe_gateway.list_customers(limit=10)[0].id)[0]
    assert stripe_id.total_cents == round(float(existing["total_amount_cad"]) * 100)


def test_a_failed_item_makes_the_command_exit_1(world, db_url, stripe_standin):
    out = run_billing(["invoice", "--start", "2026-10-01", "--end", "2026-10-31",
                       "--customer", world.customers["acme"],
                       "--no-auto-create-stripe-customers"], db_url, stripe_standin)
    assert out.returncode == 1
    assert "does not have a Stripe ID" in out.stdout


def test_a_start_without_an_end_is_refused_not_last_month(world, db_url, stripe_standin):
    out = run_billing(["preview", "--start", "2026-08-01"], db_url, stripe_standin)
    assert out.returncode == 1
    assert "[invalid_date_range]" in out.stderr
