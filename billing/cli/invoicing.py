"""`billing preview` and `billing invoice`: the API's invoicing options from a shell,
run as the system actor (service_role) against DATABASE_URL and the stored Stripe key."""
from __future__ import annotations

import argparse
import json
import threading
import time
from collections.abc import Callable
from datetime import date
from typing import Any

from billing.cli.progress import ProgressBar
from billing.domain.periods import Period, Preset, require_complete, resolve_period

#: Batch statuses after which nothing more happens until someone retries.
FINISHED = frozenset({"completed", "completed_with_errors", "failed"})


def _period_for(args: argparse.Namespace) -> Callable[[date], Period]:
    """--start and --end, else last month (local to the billing time zone); one of the
    two alone is refused (``invalid_date_range``), never completed by a guess."""
    require_complete(Preset.PREVIOUS_MONTH, args.start, args.end)
    return lambda today: resolve_period(Preset.PREVIOUS_MONTH, today, args.start, args.end)


def _customer_ids(args: argparse.Namespace, deps: Any) -> list[str] | None:
    """--customer ids, or every auto-invoice customer, or None (all customers)."""
    if args.customer:
        return args.customer
    if getattr(args, "auto_invoice_customers", False):
        with deps.db.system_session("cli") as conn:
            rows = conn.execute("select id::text from billing_customers"
                                " where auto_invoice_enabled order by customer_name")
            return [r["id"] for r in rows]
    return None


def cmd_preview(args: argparse.Namespace) -> int:
    """Print the preview of a period (all customers, or --customer ...)."""
    from billing.bootstrap import get_deps
    from billing.usecases.invoice_runs import run_preview

    deps = get_deps()
    result = run_preview(deps, None, _period_for(args), _customer_ids(args, deps))
    if args.json:
        print(json.dumps(result, indent=2, default=str))
        return 0
    period = result["period"]
    print(f"{period['start']} to {period['end']}  FX {result['fx']['rate']}"
          f" ({result['fx']['source']})")
    for row in result["customers"]:
        flag = " (invoiced)" if row["existing_invoice"] else ""
        print(f"  {row['customer_name']:<32} {row['usage']['chats']:>6} chats"
              f" {row['usage']['calls']:>6} calls  total {row['total_cad']:>10} CAD{flag}")
    print(f"  {'Total':<32} {result['summary']['total_cad']:>38} CAD")
    for warning in result["warnings"]:
        print(f"warning [{warning['code']}]: {warning['message']}")
    return 0


def cmd_invoice(args: argparse.Namespace) -> int:
    """Generate a batch with the API's options, waiting for it with a progress bar;
    exits 1 if any item failed or the batch failed."""
    from billing.bootstrap import get_deps
    from billing.usecases import invoice_runs
    from billing.usecases.invoice_runs import load_org, session_for
    from billing.usecases.invoicing import GenerateOptions

    deps = get_deps()
    period = _period_for(args)(load_org(deps, session_for(deps, None)).today)
    ids = _customer_ids(args, deps)
    if not ids:
        print("billing invoice: name customers with --customer or --auto-invoice-customers")
        return 2
    options = GenerateOptions(
        mode=args.mode, due_in_days=args.due_days,
        auto_create_stripe_customers=not args.no_auto_create_stripe_customers,
        skip_missing_stripe_customers=args.skip_missing_stripe_customers,
        allow_duplicate=args.allow_duplicate, include_zero_usage=args.include_zero_usage)
    print(f"Invoicing {len(ids)} customer(s) for {period.label()} ({args.mode})...", flush=True)
    batch = invoice_runs.start_generation(deps, None, period, ids, options)
    batch = run_and_watch(deps, batch["id"], ProgressBar())
    for item in batch["items"]:
        detail = item["invoice_number"] or item["reason"] or item["error_message"] or ""
        print(f"  [{item['status']:>9}] {item['customer_name']:<32}"
              f" {item['total_amount_cad'] or '':>10} {detail}")
    print(f"batch {batch['id']}: {batch['succeeded']} invoiced, {batch['skipped']} skipped,"
          f" {batch['failed']} failed; total {batch['total_cad']} CAD")
    return 1 if batch["failed"] or batch["status"] == "failed" else 0


def run_and_watch(deps: Any, batch_id: str, bar: ProgressBar,
                  start: Callable[[str], None] | None = None, poll: float = 0.25
                  ) -> dict[str, Any]:
    """Run the batch (``start``: hand it to a queue; default: the queue function's work on
    a thread of this process) and show its progress until it has finished."""
    from billing.usecases.batch_runner import process_batch
    from billing.usecases.invoicing import batch_view

    errors: list[BaseException] = []
    if start is None:
        def work() -> None:
            try:
                process_batch(deps, batch_id)
            except BaseException as exc:  # reported after the bar, not lost in the thread
                errors.append(exc)
        runner = threading.Thread(target=work, daemon=True)
        runner.start()
    else:
        start(batch_id)
    while True:
        with deps.db.system_session("cli") as conn:
            view = batch_view(conn, batch_id)
        bar.update("  invoicing", view["processed"], view["total"])
        if view["status"] in FINISHED or errors:
            bar.done()
            if errors:
                raise errors[0]
            return view
        time.sleep(poll)


def add_commands(sub: Any) -> None:
    """Register `preview` and `invoice` on the `billing` parser."""
    for name, func, text in (("preview", cmd_preview, "preview invoices for a period"),
                             ("invoice", cmd_invoice, "generate invoices (a batch)")):
        p = sub.add_parser(name, help=text)
        p.add_argument("--start", type=date.fromisoformat, help="YYYY-MM-DD (default: last month)")
        p.add_argument("--end", type=date.fromisoformat, help="YYYY-MM-DD, inclusive")
        p.add_argument("--customer", action="append", help="billing customer id (repeatable)")
        p.set_defaults(func=func)
        if name == "preview":
            p.add_argument("--json", action="store_true")
            continue
        p.add_argument("--auto-invoice-customers", action="store_true",
                       help="every customer with auto-invoice on")
        p.add_argument("--mode", choices=["draft", "finalize", "send"], default="draft")
        p.add_argument("--due-days", type=int, default=30, choices=range(0, 366),
                       metavar="0..365")
        p.add_argument("--no-auto-create-stripe-customers", action="store_true")
        p.add_argument("--skip-missing-stripe-customers", action="store_true")
        p.add_argument("--allow-duplicate", action="store_true")
        p.add_argument("--include-zero-usage", action="store_true")
