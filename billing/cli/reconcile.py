"""`billing reconcile`: compare our invoices with Stripe, as the system actor, and
optionally repair what may be repaired (statuses forward, orphan drafts deleted)."""
from __future__ import annotations

import argparse
from datetime import date
from typing import Any


def cmd_reconcile(args: argparse.Namespace) -> int:
    """Run one reconciliation and print it (text, or the API's JSON with --json)."""
    from billing.bootstrap import get_deps
    from billing.usecases.reconciliation import ReconcileOptions, describe, reconcile
    from billing.usecases.reconciliation_models import RunDetail

    run = reconcile(get_deps(), None, ReconcileOptions(since=args.since, repair=args.repair,
                                                       trigger="cli"))
    print(RunDetail.model_validate(run).model_dump_json(indent=2) if args.json
          else describe(run))
    return 0


def add_commands(sub: Any) -> None:
    """Register `reconcile` on the `billing` parser."""
    p = sub.add_parser("reconcile", help="compare our invoices with Stripe's (and repair)")
    p.add_argument("--since", type=date.fromisoformat,
                   help="YYYY-MM-DD, a local day (default: 35 days ago, or the day the oldest"
                        " unpaid invoice was created if earlier)")
    p.add_argument("--repair", action="store_true",
                   help="move statuses forward to Stripe's and delete orphan drafts;"
                        " amounts are never changed")
    p.add_argument("--json", action="store_true", help="print the run as JSON")
    p.set_defaults(func=cmd_reconcile)
