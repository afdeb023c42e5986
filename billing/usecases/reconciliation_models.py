"""How a reconciliation run is shown: the API's response models, also printed by
``billing reconcile --json``."""
from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from billing.domain.api_types import MAX_PAGE, MAX_PAGE_SIZE, ApiDate
from billing.domain.reconciliation import FindingKind


class FindingCounts(BaseModel):
    """Findings per kind."""

    status_behind: int = 0
    amount_mismatch: int = 0
    orphan_in_stripe: int = 0
    missing_in_stripe: int = 0
    stuck: int = 0
    customer_link_broken: int = 0


class FindingView(BaseModel):
    """One discrepancy; totals in integer cents (CAD) as Stripe counts them."""

    id: int
    kind: FindingKind
    invoice_id: str | None
    billing_customer_id: str | None
    stripe_invoice_id: str | None
    stripe_customer_id: str | None
    our_status: str | None
    stripe_status: str | None
    our_total_cents: int | None
    stripe_total_cents: int | None
    detail: str
    repairable: bool
    repaired: bool
    repair_action: str | None


class RunSummary(BaseModel):
    """A run without its findings: when, what window, how it ended, counts per kind."""

    id: str
    trigger: Literal["api", "cli", "daily"]
    since: date
    repair: bool
    status: Literal["running", "completed", "failed"]
    started_at: datetime
    finished_at: datetime | None
    stripe_invoices: int
    invoices_checked: int
    customers_checked: int
    findings_total: int
    repaired_total: int
    counts: FindingCounts
    error_code: str | None
    created_by: str | None


class RunDetail(RunSummary):
    """A run with every finding."""

    findings: list[FindingView]


class RunPage(BaseModel):
    """Runs, latest first."""

    items: list[RunSummary]
    total: int
    page: int
    page_size: int


class LatestReconciliation(BaseModel):
    """The dashboard's view of the latest completed run."""

    id: str
    started_at: datetime
    finished_at: datetime | None
    since: date
    repair: bool
    findings_total: int
    repaired_total: int
    counts: FindingCounts


class RunRequest(BaseModel):
    """``POST /api/billing/reconciliation-runs``: the local day to look back to (default:
    35 days, or further back to the oldest unpaid invoice) and whether to repair."""

    model_config = ConfigDict(extra="forbid")

    since: ApiDate | None = None
    repair: bool = False


class RunListQuery(BaseModel):
    """``GET /api/billing/reconciliation-runs``: paging."""

    model_config = ConfigDict(extra="ignore")

    page: int = Field(default=1, ge=1, le=MAX_PAGE)
    page_size: int = Field(default=50, ge=1, le=MAX_PAGE_SIZE)
