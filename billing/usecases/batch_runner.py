"""Run an invoice batch: the work of the ``invoice-batches`` queue function.

The HTTP call (or the monthly timer, or a retry) creates or reopens the batch
as ``queued`` and puts its id on the queue; this runs it, in the background,
one runner at a time: the runner leases the batch row (renewed after each item)
so a duplicate message or a concurrent retry never processes the same items
twice, and a runner that died leaves a lease that runs out, so the message's
next delivery resumes the batch (pending and failed items, same idempotency
keys). An error stops the run with the batch queued again and the error kept;
the queue delivers the message again, and after the fifth delivery the message
goes to the poison queue, whose handler (``give_up``) marks the batch
``failed`` with the reason.

Work runs as the system (service_role); the audit names the person who asked
for the batch, if one did.
"""
from __future__ import annotations

import logging
import uuid
from datetime import timedelta
from typing import Any

from billing.adapters.postgres import automation_sql, batches_sql
from billing.adapters.postgres.audit_sql import record_audit
from billing.domain.errors import BillingError
from billing.domain.money import FxRate
from billing.domain.periods import Period
from billing.domain.principal import Principal
from billing.usecases import invoice_runs, notifications
from billing.usecases.invoicing import GenerateOptions, batch_view, process_items

log = logging.getLogger("billing.batch_runner")
ACTOR = "invoice_batches"
#: How long a runner may go without finishing an item before another may take over.
LEASE = timedelta(minutes=5)
#: Deliveries of one message before it goes to the poison queue (host.json).
MAX_DEQUEUE_COUNT = 5
COMPLETED = "BILLING_INVOICE_BATCH_COMPLETED"
FAILED = "BILLING_INVOICE_BATCH_FAILED"


def process_batch(deps: Any, batch_id: str) -> dict[str, Any] | None:
    """Run the batch's pending and failed items unless another runner holds it or it
    is finished; returns the batch view (None when there was nothing to run)."""
    runner = str(uuid.uuid4())
    with deps.db.system_session(ACTOR) as conn:
        batch = batches_sql.get_batch(conn, batch_id)
        if batch is None or not batches_sql.claim_runner(conn, batch_id, runner,
                                                         deps.clock.now(), LEASE):
            return None
    try:
        return _run(deps, batch, runner)
    except Exception as exc:
        reason = f"{exc.code}: {exc.detail}" if isinstance(exc, BillingError) \
            else "internal_error: an unexpected error stopped the batch"
        log.exception("invoice batch stopped", extra={"batch_id": batch_id})
        with deps.db.system_session(ACTOR) as conn:
            batches_sql.release_after_error(conn, batch_id, runner, reason)
        raise


def give_up(deps: Any, batch_id: str) -> bool:
    """The poison-queue handler: the batch's message failed every delivery, so the
    batch is marked ``failed`` with the reason; False if it had finished after all."""
    with deps.db.system_session(ACTOR) as conn:
        batch = batches_sql.get_batch(conn, batch_id)
        if batch is None:
            return False
        reason = (f"The batch could not be run after {MAX_DEQUEUE_COUNT} attempts; last error: "
                  f"{batch['last_error'] or 'the worker stopped without reporting one'}. "
                  "Retry the batch once the cause is fixed.")
        if not batches_sql.mark_failed(conn, batch_id, reason):
            return False
        record_audit(conn, actor=_requester(batch), action=FAILED, resource_type="invoice_batch",
                     resource_id=batch_id, details={"batch_id": batch_id, "status": "failed",
                                                    "reason": reason[:200]})
        automation_sql.finish_run_of_batch(conn, batch_id, status=None,
                                           finished_at=deps.clock.now())
    return True


def generate(deps: Any, principal: Principal | None, period: Period, customer_ids: list[str],
             options: GenerateOptions) -> dict[str, Any]:
    """Create a batch and run it to the end in this process (scripts, benchmarks, tests);
    returns the batch view."""
    view = invoice_runs.start_generation(deps, principal, period, customer_ids, options)
    return process_batch(deps, view["id"]) or view


def retry(deps: Any, principal: Principal | None, batch_id: str) -> dict[str, Any]:
    """Reopen a batch and run its failed and pending items in this process."""
    invoice_runs.request_retry(deps, principal, batch_id)
    return process_batch(deps, batch_id) or invoice_runs.get_batch(deps, principal, batch_id)


def _run(deps: Any, batch: dict[str, Any], runner: str) -> dict[str, Any]:
    batch_id, actor = batch["id"], _requester(batch)
    session = invoice_runs.session_for(deps, None)
    org = invoice_runs.load_org(deps, session)
    ctx = invoice_runs.saga_context(deps, None, org, actor=actor)
    with session() as conn:
        fx = _batch_fx(deps, conn, batch, org.today)

    def heartbeat() -> None:
        with session() as conn:
            batches_sql.renew_lease(conn, batch_id, runner, deps.clock.now() + LEASE)

    process_items(ctx, batch_id, fx, org.tz, heartbeat)
    with session() as conn:
        status = batches_sql.finish_batch(conn, batch_id, runner)
        view = batch_view(conn, batch_id)
        record_audit(conn, actor=actor, action=COMPLETED, resource_type="invoice_batch",
                     resource_id=batch_id, details={
                         "batch_id": batch_id, "status": status, "mode": batch["mode"],
                         "period_start": batch["period_start"],
                         "period_end": batch["period_end"], "processed": view["processed"],
                         "failed": view["failed"], "skipped": view["skipped"],
                         "total_cad": view["total_cad"]})
        notifications.queue_batch_summary(conn, view)
        automation_sql.finish_run_of_batch(conn, batch_id, status=status,
                                           finished_at=deps.clock.now())
    _send_summary(deps, batch_id)
    return view


def _send_summary(deps: Any, batch_id: str) -> None:
    """Send the batch summary (and anything else queued) now rather than at the next
    hourly run; a mail failure leaves it queued for that run."""
    try:
        notifications.drain_outbox(deps)
    except BillingError as exc:
        log.warning("notifications left for the hourly run",
                    extra={"batch_id": batch_id, "code": exc.code})


def _batch_fx(deps: Any, conn: Any, batch: dict[str, Any], today: Any) -> FxRate:
    """The rate the batch's invoices already use (a resumed batch keeps it), else the
    rate for the period's last day (or today, if the period has not ended)."""
    row = conn.execute("select fx_rate, fx_rate_date, fx_source from invoice_records"
                       " where batch_id = %s limit 1", [batch["id"]]).fetchone()
    if row is not None:
        return FxRate(row["fx_rate"], row["fx_rate_date"], row["fx_source"])
    return deps.fx.rate_for(conn, min(batch["period_end"], today))


def _requester(batch: dict[str, Any]) -> Principal | None:
    """Who asked for the batch (for the audit trail and ``created_by``), or the system."""
    if batch["created_by"] is None:
        return None
    return Principal(user_id=str(batch["created_by"]), role="Super User")
