"""`billing sync-usage`: pull Retell usage of local days into the ledger."""
from __future__ import annotations

import argparse
from datetime import date
from typing import Any


def cmd_sync_usage(args: argparse.Namespace) -> int:
    """Sync one period and print what changed, drift and unattributed usage."""
    from billing.bootstrap import get_deps
    from billing.domain.periods import Period
    from billing.usecases.usage_sync import sync_period

    deps, period = get_deps(), Period(args.start, args.end)
    result = sync_period(
        lambda _today: period, db=deps.db, source=deps.usage_source, clock=deps.clock,
        actor=None, default_time_zone=deps.settings.billing_time_zone,
        progress=lambda source, done: print(f"{source}: {done} records", flush=True))
    print(f"{period.label()}: {result.fetched} fetched, {result.inserted} inserted,"
          f" {result.updated} updated, {result.unchanged} unchanged, {result.drift} drift,"
          f" {result.skipped} skipped in {result.duration_seconds:.1f} s")
    if result.drift:
        print("drift (billed, left as is): " + ", ".join(result.drift_ids))
    gone = result.unattributed
    if gone.count:
        print(f"unattributed: {gone.count} records, {gone.cost_usd:.2f} USD,"
              f" agents {', '.join(gone.agent_ids)}")
    return 0


def add_commands(sub: Any) -> None:
    """Register `sync-usage` on the `billing` parser."""
    p = sub.add_parser("sync-usage", help="sync Retell usage of local days into the ledger")
    p.add_argument("--start", type=date.fromisoformat, required=True, help="YYYY-MM-DD")
    p.add_argument("--end", type=date.fromisoformat, required=True,
                   help="YYYY-MM-DD, inclusive")
    p.set_defaults(func=cmd_sync_usage)
