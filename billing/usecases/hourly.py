"""The hourly timer's work, step by step: for now, the incremental usage sync.

A step that fails with a ``BillingError`` (Retell or the database unavailable)
is logged and reported in ``HourlyRun.failures``; the following steps still run.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from billing.domain.errors import BillingError
from billing.usecases.usage_sync import SyncResult, sync_incremental

log = logging.getLogger("billing.hourly")
T = TypeVar("T")


@dataclass
class HourlyRun:
    """What one hourly run did; ``failures`` maps a step to its error code."""

    usage: SyncResult | None = None
    failures: dict[str, str] = field(default_factory=dict)


def run_hourly(deps: Any) -> HourlyRun:
    """Run every hourly step with the process dependencies."""
    run = HourlyRun()
    run.usage = _step(run, "usage_sync", lambda: sync_incremental(
        db=deps.db, source=deps.usage_source, clock=deps.clock,
        default_time_zone=deps.settings.billing_time_zone))
    return run


def _step(run: HourlyRun, name: str, work: Callable[[], T]) -> T | None:
    """Run one step; on a BillingError log it, record its code and carry on."""
    try:
        return work()
    except BillingError as exc:
        log.error("hourly step failed", extra={"step": name, "code": exc.code})
        run.failures[name] = exc.code
        return None
