"""Automatic monthly invoicing, run by the hourly timer.

Once the billing day and hour (``auto_invoice_day_of_month``,
``auto_invoice_time``) have arrived in the billing time zone, the previous
month is invoiced for every customer with ``auto_invoice_enabled`` — sent if
``auto_send_invoices``, else left as drafts — as the system. A billing moment
missed while the app was down is caught up once, by the next hourly run; one
that passed before automation was switched on is not, nor is a month older
than one automation already invoiced (after the billing day was moved).

Exactly once per customer and month: the month's run row (primary key, taken
under an advisory lock) is created once, and a lease says which instance works
on it; beneath that, the per-customer lock and the one-invoice-per-period index
of invoicing. A run that stopped (crash, Stripe failures) is finished by a later
hourly run: its failed and pending items are queued again with the same
idempotency keys, never started over. The batch itself runs in the
``invoice-batches`` queue function (``batch_runner``), which finishes the run.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from billing.adapters.postgres import automation_sql, batches_sql
from billing.adapters.postgres.audit_sql import record_audit
from billing.adapters.postgres.sessions import Connection
from billing.adapters.postgres.settings_sql import load_settings
from billing.domain.errors import BillingError, Conflict
from billing.domain.periods import Period, previous_month
from billing.usecases import invoice_runs
from billing.usecases.invoicing import GenerateOptions

STARTED = "BILLING_AUTO_INVOICE_STARTED"
RESUMED = "BILLING_AUTO_INVOICE_RESUMED"
ACTOR = invoice_runs.SYSTEM_ACTOR
#: How long an instance may work on a month before another may take over (the
#: hourly timer fires every 60 minutes, so a crashed run is finished next hour).
LEASE = timedelta(minutes=50)
#: Hourly runs that may retry a month's failed items before it needs a person.
MAX_ATTEMPTS = 24


@dataclass(frozen=True)
class AutoInvoiceOutcome:
    """What the hourly run did about automatic invoices.

    ``status``: disabled | not_due | waiting_for_usage_sync | done (the month's
    run is finished or out of attempts, or a later month was invoiced) | busy
    (another instance or runner holds it) | queued (this run put the month's
    batch on the queue; the queue function runs it and records how it ended).
    """

    status: str
    period: Period | None = None
    batch_id: str | None = None


def billing_moment(year: int, month: int, day: int, time_text: str, tz: str) -> datetime:
    """The billing day and hour of a month in the billing zone, as UTC. An hour that
    a DST change skips falls an hour later; a repeated hour counts at its first pass."""
    local = datetime(year, month, day, int(time_text[:2]), tzinfo=ZoneInfo(tz))
    return local.astimezone(UTC)


def due_period(now: datetime, tz: str, day: int, time_text: str,
               enabled_at: datetime | None) -> tuple[Period, datetime] | None:
    """The month to invoice at ``now`` and the billing moment that made it due: the
    latest billing moment that has arrived, if automation was on by then."""
    local = now.astimezone(ZoneInfo(tz))
    moment = billing_moment(local.year, local.month, day, time_text, tz)
    if now < moment:
        before = local.replace(day=1) - timedelta(days=1)
        moment = billing_moment(before.year, before.month, day, time_text, tz)
    if enabled_at is not None and moment < enabled_at:
        return None
    return previous_month(moment.astimezone(ZoneInfo(tz)).date()), moment


def run_auto_invoicing(deps: Any, *, enqueue: Callable[[str], None],
                       usage_ready: bool = True) -> AutoInvoiceOutcome:
    """Queue the due month's batch (``enqueue``: the ``invoice-batches`` queue) if it is
    this instance's to do; ``usage_ready`` False (the usage sync just failed) postpones
    a due month to a later hourly run."""
    with deps.db.system_session(ACTOR) as conn:
        settings = load_settings(conn)
    if not settings["auto_invoice_enabled"]:
        return AutoInvoiceOutcome("disabled")
    now = deps.clock.now()
    due = due_period(now, settings["billing_time_zone"], settings["auto_invoice_day_of_month"],
                     settings["auto_invoice_time"], settings["auto_invoice_enabled_at"])
    if due is None:
        return AutoInvoiceOutcome("not_due")
    period, moment = due
    with deps.db.system_session(ACTOR) as conn:
        claim = _claim(conn, settings, period, moment, now, usage_ready)
    if claim.batch_id is None:
        return AutoInvoiceOutcome(claim.status, period)
    return _queue(deps, claim.batch_id, period, enqueue, reopen=claim.status == "resumed")


@dataclass(frozen=True)
class _Claim:
    """``claimed`` (a new batch) or ``resumed`` with the batch this instance now holds,
    or why it holds none."""

    status: str
    batch_id: str | None = None


def _claim(conn: Connection, settings: dict[str, Any], period: Period, moment: datetime,
           now: datetime, usage_ready: bool) -> _Claim:
    automation_sql.lock_month(conn, period.start)
    run = automation_sql.get_run(conn, period.start)
    latest = automation_sql.latest_period_start(conn)
    if (run is not None and run["status"] == "completed") or (latest and latest > period.start):
        return _Claim("done")  # finished, or a later month was invoiced already
    if not usage_ready:
        return _Claim("waiting_for_usage_sync")
    if run is None:
        return _Claim("claimed", _start(conn, settings, period, moment, now))
    claimed = automation_sql.claim_run(conn, period.start, now=now, lease_until=now + LEASE,
                                       max_attempts=MAX_ATTEMPTS)
    if claimed is None:
        return _Claim("busy" if run["lease_until"] and run["lease_until"] > now else "done")
    record_audit(conn, actor=None, action=RESUMED, resource_type="invoice_batch",
                 resource_id=claimed["batch_id"], details={
                     "batch_id": claimed["batch_id"], "period_start": period.start,
                     "period_end": period.end, "attempt": claimed["attempts"]})
    return _Claim("resumed", claimed["batch_id"])


def _start(conn: Connection, settings: dict[str, Any], period: Period, moment: datetime,
           now: datetime) -> str:
    """Create the month's batch and its run row (leased to this instance)."""
    customer_ids = automation_sql.customers_to_invoice(conn, period)
    options = GenerateOptions(mode="send" if settings["auto_send_invoices"] else "draft",
                              due_in_days=settings["default_due_date_days"],
                              auto_create_stripe_customers=True)
    batch_id = batches_sql.create_batch(
        conn, start=period.start, end=period.end, mode=options.mode, options=asdict(options),
        customer_ids=customer_ids, actor_type="system", created_by=None)
    automation_sql.insert_run(conn, period, batch_id, scheduled_for=moment, started_at=now,
                              lease_until=now + LEASE)
    record_audit(conn, actor=None, action=STARTED, resource_type="invoice_batch",
                 resource_id=batch_id, details={
                     "batch_id": batch_id, "period_start": period.start,
                     "period_end": period.end, "mode": options.mode,
                     "count": len(customer_ids), "due_in_days": options.due_in_days})
    return batch_id


def _queue(deps: Any, batch_id: str, period: Period, enqueue: Callable[[str], None],
           *, reopen: bool) -> AutoInvoiceOutcome:
    """Put the month's batch on the queue (a resumed one is reopened first: its failed
    and pending items, same idempotency keys); ``busy`` while a runner holds it. Stripe
    not configured fails here, releasing the month for a later hourly run."""
    try:
        deps.payments()
    except BillingError:
        with deps.db.system_session(ACTOR) as conn:
            automation_sql.finish_run(conn, period.start, status=None,
                                      finished_at=deps.clock.now())
        raise
    if reopen:
        try:
            invoice_runs.request_retry(deps, None, batch_id)
        except Conflict:
            return AutoInvoiceOutcome("busy", period, batch_id)
    enqueue(batch_id)
    return AutoInvoiceOutcome("queued", period, batch_id)
