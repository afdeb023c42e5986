"""The hourly timer's work, step by step: the incremental usage sync, the
overdue sweep, automatic monthly invoices (only once the usage sync succeeded,
or when there is no Retell to sync from), the daily pass (reconciliation with
Stripe and payment reminders, once per local day) and sending queued
notifications.

A step that fails with a ``BillingError`` (Retell or the database unavailable)
is logged and reported in ``HourlyRun.failures``; the following steps still run.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from billing.usecases.auto_invoicing import AutoInvoiceOutcome, run_auto_invoicing
from billing.usecases.daily_pass import DailyPass, run_daily_pass
from billing.usecases.notifications import DrainResult, drain_outbox
from billing.usecases.overdue import mark_overdue_invoices
from billing.usecases.steps import run_step
from billing.usecases.usage_sync import SyncResult, sync_incremental

log = logging.getLogger("billing.hourly")
T = TypeVar("T")


@dataclass
class HourlyRun:
    """What one hourly run did; ``failures`` maps a step to its error code."""

    usage: SyncResult | None = None
    overdue: list[str] | None = None
    auto_invoice: AutoInvoiceOutcome | None = None
    daily: DailyPass | None = None
    notifications: DrainResult | None = None
    failures: dict[str, str] = field(default_factory=dict)


def run_hourly(deps: Any, *, enqueue: Callable[[str], None]) -> HourlyRun:
    """Run every hourly step with the process dependencies; a due month's invoice
    batch goes to ``enqueue`` (the ``invoice-batches`` queue)."""
    run = HourlyRun()
    run.usage = _step(run, "usage_sync", lambda: sync_incremental(
        db=deps.db, source=deps.usage_source, clock=deps.clock,
        default_time_zone=deps.settings.billing_time_zone))
    usage_ready = run.failures.get("usage_sync") in (None, "retell_not_configured")
    run.overdue = _step(run, "overdue_sweep", lambda: mark_overdue_invoices(deps))
    run.auto_invoice = _step(run, "auto_invoicing", lambda: run_auto_invoicing(
        deps, enqueue=enqueue, usage_ready=usage_ready))
    run.daily = _step(run, "daily_pass", lambda: run_daily_pass(deps))
    if run.daily and run.daily.failures:
        run.failures["daily_pass"] = next(iter(run.daily.failures.values()))
    run.notifications = _step(run, "notifications", lambda: drain_outbox(deps))
    return run


def _step(run: HourlyRun, name: str, work: Callable[[], T]) -> T | None:
    """Run one step; on a BillingError log it, record its code and carry on."""
    return run_step(run.failures, name, work, log)
