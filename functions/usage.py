"""Usage ledger endpoints: sync a billing period's Retell usage on demand."""
from __future__ import annotations

from datetime import date

import azure.functions as func
from pydantic import BaseModel, ConfigDict, Field

from billing.domain.api_types import Usd
from functions._http import Call, endpoint
from functions._models import PeriodIn

bp = func.Blueprint()


class UsageSyncIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    period: PeriodIn = Field(default_factory=PeriodIn)


class UnattributedOut(BaseModel):
    """Usage of Retell agents mapped to no customer: stored, not billed."""

    count: int
    cost_usd: Usd
    agent_ids: list[str]


class UsageSyncOut(BaseModel):
    """Counts of one sync; ``drift_ids`` are billed records Retell now reports differently."""

    period_start: date
    period_end: date
    fetched: int
    inserted: int
    updated: int
    unchanged: int
    drift: int
    drift_ids: list[str]
    skipped: int
    unattributed: UnattributedOut
    duration_seconds: float


@endpoint(bp, "POST", "billing/usage/sync", summary="Sync a period's Retell usage into the ledger",
          gate="admin", body=UsageSyncIn, response=UsageSyncOut, tag="usage",
          errors=(503,))
def sync_usage(call: Call) -> UsageSyncOut:
    from billing.usecases.usage_sync import sync_period

    deps = call.deps
    result = sync_period(call.body.period.to_period, db=deps.db, source=deps.usage_source,
                         clock=deps.clock, actor=call.principal,
                         default_time_zone=deps.settings.billing_time_zone)
    gone = result.unattributed
    return UsageSyncOut(
        period_start=result.period.start, period_end=result.period.end,
        fetched=result.fetched, inserted=result.inserted, updated=result.updated,
        unchanged=result.unchanged, drift=result.drift, drift_ids=list(result.drift_ids),
        skipped=result.skipped,
        unattributed=UnattributedOut(count=gone.count, cost_usd=gone.cost_usd,
                                     agent_ids=list(gone.agent_ids)),
        duration_seconds=result.duration_seconds,
    )
