"""`billing demo`: the whole product on local parts.

A throwaway PostgreSQL, the Retell, Stripe and Bank of Canada stand-ins, a
seeded CareXPS organisation, a usage sync for last month, the monthly
auto-invoicing run in send mode, customers paying through Stripe (signed
webhooks into our app), a payment whose webhook is lost and a stray Stripe
draft found and repaired by reconciliation, then a summary, CSVs under ``out/`` and a check that
every stored total equals Stripe's. Everything started is stopped, also on Ctrl-C.
"""
from __future__ import annotations

import json
import secrets
from base64 import b64encode
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from billing.adapters.clock import SystemClock
from billing.bootstrap import Deps, build_deps
from billing.cli.progress import ProgressBar
from billing.config import Settings
from billing.domain.periods import local_today, previous_month
from billing.local.demo_data import seed_organisation
from billing.local.demo_output import print_summary, summary_of, write_csvs
from billing.local.demo_steps import (
    invoice_month,
    pay_some,
    sealed_stripe_settings,
    sync_usage,
    tamper_and_reconcile,
)
from billing.local.parts import (
    LOCAL_STRIPE_KEY,
    local_database,
    standin_settings,
    start_standins,
)

TIME_ZONE = "America/Toronto"
OUT_DIR = Path("out")


def _settings(url: str, parts: dict[str, Any]) -> Settings:
    """Settings for the stand-ins; the Stripe key goes into the settings row instead."""
    values = {**standin_settings(parts), "stripe_secret_key": None}
    return Settings(database_url=url, billing_time_zone=TIME_ZONE,
                    billing_encryption_key=b64encode(secrets.token_bytes(32)).decode(),
                    **values)


def run_demo(*, json_output: bool = False, out_dir: Path = OUT_DIR) -> int:
    """Run the demo; returns the exit code (1 if a stored total differs from Stripe's)."""
    bar = ProgressBar(enabled=not json_output)
    clock = SystemClock()
    period = previous_month(local_today(clock.now(), TIME_ZONE))
    with ExitStack() as stack:
        bar.step("Starting PostgreSQL and the Retell, Stripe and Bank of Canada stand-ins")
        url = stack.enter_context(local_database(echo=False))
        parts = start_standins(stack, period.start.strftime("%Y-%m"))
        deps = build_deps(_settings(url, parts), clock=clock)
        stack.callback(deps.db.close)
        sealed, webhook_secret = sealed_stripe_settings(deps, LOCAL_STRIPE_KEY)
        with deps.db.system_session("demo") as conn:
            seed_organisation(conn, sealed=sealed)
        result = _run(deps, parts, period, bar, stack, webhook_secret)
        bar.done()
        summary = summary_of(deps, period, result)
        summary["csv"] = write_csvs(deps, period, out_dir)
    if json_output:
        print(json.dumps(summary, indent=2, default=str))
    else:
        print_summary(summary)
    return 0 if not summary["mismatches"] else 1


def _run(deps: Deps, parts: dict[str, Any], period: Any, bar: ProgressBar,
         stack: ExitStack, webhook_secret: str) -> dict[str, Any]:
    bar.step(f"Syncing Retell usage for {period.label()}")
    synced = sync_usage(deps, period, bar)
    bar.step("Running the monthly auto-invoicing (send mode)")
    batch = invoice_month(deps, bar, stack)
    bar.step("Customers paying: Stripe webhooks into the app")
    paid = pay_some(deps, parts["stripe"], webhook_secret, stack)
    bar.step("A lost payment webhook and a stray Stripe draft: reconciling with Stripe")
    reconciled = tamper_and_reconcile(deps, parts["stripe"])
    return {"sync": synced, "batch": batch, "paid": paid, "reconciliation": reconciled}
