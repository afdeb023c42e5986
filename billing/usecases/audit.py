"""Reading the audit log (``GET /api/billing/audit``), newest first."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field

from billing.adapters.postgres.audit_sql import AuditFilters, list_audit
from billing.domain.api_types import MAX_PAGE, MAX_PAGE_SIZE, ActorType, ApiDate, Severity
from billing.domain.errors import ValidationFailed
from billing.domain.principal import Principal


class AuditQuery(BaseModel):
    """Filters (dates are inclusive, in the billing time zone) and paging."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    action: str | None = Field(default=None, pattern=r"^BILLING_[A-Z_]{1,60}$")
    actor: UUID | None = None
    from_: ApiDate | None = Field(default=None, alias="from")
    to: ApiDate | None = None
    page: int = Field(default=1, ge=1, le=MAX_PAGE)
    page_size: int = Field(default=50, ge=1, le=MAX_PAGE_SIZE)


class AuditEntry(BaseModel):
    """One audit entry (details hold allow-listed keys only)."""

    id: int
    occurred_at: datetime
    actor_type: ActorType
    actor_id: str | None
    action: str
    severity: Severity
    resource_type: str | None
    resource_id: str | None
    details: dict[str, Any]


class AuditPage(BaseModel):
    """One page of entries and the total matching the filters."""

    items: list[AuditEntry]
    total: int
    page: int
    page_size: int


def _local_midnight(day: date, time_zone: str) -> datetime:
    return datetime.combine(day, time(0), tzinfo=ZoneInfo(time_zone))


def list_audit_entries(query: AuditQuery, *, principal: Principal, deps: Any) -> AuditPage:
    """Entries matching the filters, read through RLS as the caller."""
    if query.from_ and query.to and query.to < query.from_:
        raise ValidationFailed("The date range is invalid.", code="invalid_date_range", errors=[
            {"field": "to", "message": "End date must be after start date."}])
    zone = deps.settings.billing_time_zone
    filters = AuditFilters(
        action=query.action, actor_id=str(query.actor) if query.actor else None,
        occurred_from=_local_midnight(query.from_, zone) if query.from_ else None,
        occurred_to=_local_midnight(query.to + timedelta(days=1), zone) if query.to else None)
    with deps.db.user_session(principal.rls_claims) as conn:
        rows, total = list_audit(conn, filters, query.page, query.page_size)
    return AuditPage(items=[AuditEntry.model_validate(r) for r in rows], total=total,
                     page=query.page, page_size=query.page_size)
