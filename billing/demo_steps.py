"""The demo's steps, each the same code path production uses."""
from __future__ import annotations

from contextlib import ExitStack
from typing import Any

from billing.bootstrap import Deps
from billing.domain.periods import Period
from billing.progress import ProgressBar


def sync_usage(deps: Deps, period: Period, bar: ProgressBar) -> Any:
    """`billing sync-usage` for the period (the Retell stand-in's seeded month)."""
    from billing.usecases.usage_sync import sync_period

    counts: dict[str, int] = {}

    def progress(kind: str, done: int) -> None:
        counts[kind] = done
        bar.update(f"  {kind}", done)

    return sync_period(lambda _today: period, db=deps.db, source=deps.usage_source,
                       clock=deps.clock, actor=None, progress=progress,
                       default_time_zone=deps.settings.billing_time_zone)


def invoice_month(deps: Deps, period: Period, bar: ProgressBar) -> dict[str, Any]:
    """The monthly timer's invoicing (system actor, send mode, auto-invoice customers)."""
    from billing.demo_data import auto_invoice_customer_ids
    from billing.usecases import invoice_runs
    from billing.usecases.invoicing import GenerateOptions

    with deps.db.system_session("demo") as conn:
        ids = auto_invoice_customer_ids(conn)
        due = conn.execute("select default_due_date_days from billing_settings").fetchone()
    bar.update("  invoicing", 0, len(ids))
    batch = invoice_runs.generate(deps, None, period, ids, GenerateOptions(
        mode="send", due_in_days=due["default_due_date_days"]))
    bar.update("  invoicing", batch["processed"], len(ids))
    return batch


def pay_some(deps: Deps, stripe: Any, stack: ExitStack) -> list[str]:
    """Customers pay the first two sent invoices; Stripe tells the app by webhook."""
    from billing.usecases.invoice_actions import refresh_invoice

    with deps.db.system_session("demo") as conn:
        rows = conn.execute(
            "select id::text, stripe_invoice_id from invoice_records where invoice_status ="
            " 'sent' order by total_amount_cad desc limit 2").fetchall()
    for row in rows:
        stripe.mark_paid(row["stripe_invoice_id"])
        refresh_invoice(deps, None, row["id"])
    return [row["id"] for row in rows]


def seed_local_organisation(deps: Deps, period: Period) -> str:
    """`make serve`: the demo organisation with last month's usage, ready to invoice."""
    from billing.demo_data import seed_organisation

    with deps.db.system_session("serve-local") as conn:
        seed_organisation(conn)
    result = sync_usage(deps, period, ProgressBar(enabled=False))
    return (f"Demo organisation seeded; {result.inserted} usage records for "
            f"{period.label()} synced from the Retell stand-in.")
