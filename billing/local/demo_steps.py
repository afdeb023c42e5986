"""The demo's steps, each the same code path production uses."""
from __future__ import annotations

import logging
import secrets
import time
from contextlib import ExitStack
from typing import Any

from billing.bootstrap import Deps, use_deps
from billing.cli.progress import ProgressBar
from billing.domain.periods import Period
from billing.local.server import local_queues, serve_in_thread

WEBHOOK_PATH = "/api/billing/stripe/webhook"


def sealed_stripe_settings(deps: Deps, api_key: str) -> tuple[dict[str, str], str]:
    """The settings columns of a saved Stripe key and a new webhook signing secret
    (encrypted as the settings page stores them), and that secret."""
    from billing.adapters.secrets import encrypt
    from billing.domain.settings import key_hint

    webhook_secret = f"whsec_{secrets.token_hex(16)}"
    return {"stripe_api_key_encrypted": encrypt(api_key, deps.keyring),
            "stripe_api_key_hint": key_hint(api_key),
            "stripe_webhook_secret_encrypted": encrypt(webhook_secret, deps.keyring)}, \
        webhook_secret


def sync_usage(deps: Deps, period: Period, bar: ProgressBar) -> Any:
    """`billing sync-usage` for the period (the Retell stand-in's seeded month)."""
    from billing.usecases.usage_sync import sync_period

    return sync_period(lambda _today: period, db=deps.db, source=deps.usage_source,
                       clock=deps.clock, actor=None,
                       progress=lambda kind, done: bar.update(f"  {kind}", done),
                       default_time_zone=deps.settings.billing_time_zone)


def invoice_month(deps: Deps, bar: ProgressBar, stack: ExitStack) -> dict[str, Any]:
    """The hourly timer's automatic invoicing (last month, send mode, system actor): its
    batch goes on the ``invoice-batches`` queue, run in-process by the app's queue
    function, and is watched until it has finished."""
    from billing.cli.invoicing import run_and_watch
    from billing.usecases.auto_invoicing import run_auto_invoicing
    from functions._queues import BATCH_QUEUE

    stack.enter_context(use_deps(deps))  # the queue function's get_deps()
    queues = local_queues()
    stack.callback(queues.stop)
    queued: list[str] = []
    outcome = run_auto_invoicing(deps, enqueue=queued.append)
    if outcome.batch_id is None:
        raise RuntimeError(f"the monthly run did not invoice: {outcome.status}")
    return run_and_watch(deps, outcome.batch_id, bar,
                         start=lambda batch_id: queues.send(BATCH_QUEUE, queued.pop()))


def pay_some(deps: Deps, stripe: Any, webhook_secret: str, stack: ExitStack,
             count: int = 2) -> list[str]:
    """The largest ``count`` sent invoices are paid in Stripe; its signed webhooks reach
    the app served on loopback, which marks them paid."""
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no request lines in the summary
    server, _thread = serve_in_thread(0)
    stack.callback(server.server_close)
    stack.callback(server.shutdown)
    stack.enter_context(use_deps(deps))
    stripe.register_webhook(f"http://127.0.0.1:{server.server_port}{WEBHOOK_PATH}",
                            webhook_secret)
    with deps.db.system_session("demo") as conn:
        rows = conn.execute(
            "select id::text, stripe_invoice_id from invoice_records where invoice_status ="
            " 'sent' order by total_amount_cad desc limit %s", [count]).fetchall()
    for row in rows:
        stripe.mark_paid(row["stripe_invoice_id"])
    _wait_until_paid(deps, [row["id"] for row in rows])
    return [row["id"] for row in rows]


def tamper_and_reconcile(deps: Deps, stripe: Any) -> dict[str, Any]:
    """Stripe and our records drift apart: a payment whose webhook is lost, and a stray
    draft carrying one of our invoice ids. Reconciliation finds both, then repairs them
    (the status forward, the draft deleted); the counts of both runs are returned."""
    from billing.usecases.reconciliation import ReconcileOptions, reconcile

    with deps.db.system_session("demo") as conn:
        sent, paid = (conn.execute(
            "select id::text, stripe_invoice_id, stripe_customer_id from invoice_records"
            " where invoice_status = %s order by total_amount_cad limit 1", [status]).fetchone()
            for status in ("sent", "paid"))
    stripe.mark_paid(sent["stripe_invoice_id"], webhook=False)
    deps.payments().create_invoice(
        paid["stripe_customer_id"], days_until_due=30, description="Stray copy", footer=None,
        metadata={"carexps_invoice_id": paid["id"]}, idempotency_key=secrets.token_hex(16))
    found = reconcile(deps, None, ReconcileOptions(trigger="cli"))
    repaired = reconcile(deps, None, ReconcileOptions(repair=True, trigger="cli"))
    return {"found": {k: n for k, n in found["counts"].items() if n},
            "repaired": repaired["repaired_total"], "run_id": repaired["id"]}


def _wait_until_paid(deps: Deps, ids: list[str], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with deps.db.system_session("demo") as conn:
            paid = conn.execute("select count(*) as n from invoice_records where id = any(%s)"
                                " and invoice_status = 'paid'", [ids]).fetchone()["n"]
        if paid == len(ids):
            return
        time.sleep(0.2)
    raise RuntimeError("Stripe's payment webhooks did not arrive in time")


def seed_local_organisation(deps: Deps, period: Period) -> str:
    """`make serve`: the demo organisation with last month's usage, ready to invoice."""
    from billing.local.demo_data import seed_organisation

    with deps.db.system_session("serve-local") as conn:
        seed_organisation(conn)
    result = sync_usage(deps, period, ProgressBar(enabled=False))
    return (f"Demo organisation seeded; {result.inserted} usage records for "
            f"{period.label()} synced from the Retell stand-in.")
