"""The invoice history: filtered pages with totals, one invoice in detail with its
timeline, the PDF link, and the CSV export (formula-safe, audited)."""
from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Annotated, Any, Literal
from uuid import UUID
from zoneinfo import ZoneInfo

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from billing.adapters.postgres import invoice_history_sql as sql
from billing.adapters.postgres import invoices_sql, usage_totals_sql
from billing.adapters.postgres.audit_sql import record_audit
from billing.adapters.postgres.sessions import Connection
from billing.domain.api_types import MAX_PAGE, MAX_PAGE_SIZE, ApiDate, CleanStr
from billing.domain.csv_safe import write_csv
from billing.domain.errors import InvalidState, NotFound
from billing.domain.invoice import ACTIONS, Status
from billing.domain.principal import Principal
from billing.usecases.invoice_actions import available_actions
from billing.usecases.invoice_runs import load_org, reader_for

EXPORTED = "BILLING_INVOICES_EXPORTED"
TENTH = Decimal("0.1")


def _split(value: Any) -> Any:
    """``draft,sent`` (or a list) → a list of statuses; ``all`` means no filter."""
    parts = value.split(",") if isinstance(value, str) else value or []
    return [p.strip() for p in parts if p.strip() and p.strip() != "all"]


class InvoiceFilterQuery(BaseModel):
    """History filters: statuses (comma-separated), customer, local creation days,
    billing period overlap, amount range (CAD), search (invoice number or customer)."""

    model_config = ConfigDict(extra="ignore")

    status: Annotated[list[Status], BeforeValidator(_split)] = []
    customer_id: UUID | None = None
    created_from: ApiDate | None = None
    created_to: ApiDate | None = None
    period_from: ApiDate | None = None
    period_to: ApiDate | None = None
    amount_min: Decimal | None = Field(default=None, ge=0, max_digits=14, decimal_places=2)
    amount_max: Decimal | None = Field(default=None, ge=0, max_digits=14, decimal_places=2)
    search: CleanStr | None = Field(default=None, max_length=200)
    sort: Literal["created", "customer", "total", "status"] = "created"
    order: Literal["asc", "desc"] = "desc"

    @model_validator(mode="after")
    def _ranges(self) -> InvoiceFilterQuery:
        for low, high in (("created_from", "created_to"), ("period_from", "period_to"),
                          ("amount_min", "amount_max")):
            lo, hi = getattr(self, low), getattr(self, high)
            if lo is not None and hi is not None and hi < lo:
                raise ValueError(f"{high} must not be before {low}")
        return self

    def to_filters(self, tz: str | None) -> sql.InvoiceFilters:
        """The SQL filters; creation days are local days in ``tz`` (needed if given)."""
        return sql.InvoiceFilters(
            statuses=tuple(s.value for s in self.status),
            customer_id=str(self.customer_id) if self.customer_id else None,
            created_from=_local_midnight(self.created_from, tz),
            created_to=_local_midnight(self.created_to + timedelta(days=1), tz)
            if self.created_to else None,
            period_from=self.period_from, period_to=self.period_to,
            amount_min=self.amount_min, amount_max=self.amount_max,
            search=self.search.strip() if self.search else None,
            sort=self.sort, order=self.order)

    @property
    def needs_time_zone(self) -> bool:
        return self.created_from is not None or self.created_to is not None


class InvoiceListQuery(InvoiceFilterQuery):
    """``GET /api/billing/invoices``: filters plus paging."""

    page: int = Field(default=1, ge=1, le=MAX_PAGE)
    page_size: int = Field(default=50, ge=1, le=MAX_PAGE_SIZE)


def _local_midnight(day: date | None, tz: str | None) -> datetime | None:
    if day is None:
        return None
    return datetime.combine(day, time.min, ZoneInfo(tz or "UTC")).astimezone(UTC)


def summary(row: dict[str, Any]) -> dict[str, Any]:
    """An invoice row with the actions it allows now."""
    return {**row, "actions": available_actions(row)}


def list_invoices(deps: Any, principal: Principal, query: InvoiceListQuery) -> dict[str, Any]:
    """One page of matching invoices, the count and total of all matches, the page's sum."""
    session = reader_for(deps, principal)
    tz = load_org(deps, session).tz if query.needs_time_zone else None
    filters = query.to_filters(tz)
    with session() as conn:
        totals = sql.summarize(conn, filters)
        rows = sql.list_invoices(conn, filters, limit=query.page_size,
                                 offset=(query.page - 1) * query.page_size)
    return {"items": [summary(r) for r in rows], "total": totals["count"],
            "page": query.page, "page_size": query.page_size,
            "page_total_cad": sum((r["total_amount_cad"] for r in rows), Decimal("0.00")),
            "total_cad": totals["total_amount_cad"]}


def get_invoice(deps: Any, principal: Principal, invoice_id: str) -> dict[str, Any]:
    """The invoice with its customer, usage, costs, lines, FX, rate cards and timeline."""
    session = reader_for(deps, principal)
    tz = load_org(deps, session).tz
    with session() as conn:
        row = _load(conn, invoice_id)
        records = usage_totals_sql.invoice_usage(conn, invoice_id)["records"]
        entries = sql.audit_entries(conn, invoice_id)
    rate_card = row["rate_card"] or {}
    return {**summary(row), "usage_records": records, "line_items": row["line_items"],
            "fx": {"rate": row["fx_rate"], "date": row["fx_rate_date"],
                   "source": row["fx_source"]},
            "rate_cards": rate_card.get("cards", []), "stripe_error": row["stripe_error"],
            "timeline": timeline(row, entries, tz)}


_STATUS_EVENTS = (
    ("created_at", "created", "Invoice created"),
    ("finalized_at", "finalized", "Invoice finalized in Stripe"),
    ("sent_at", "sent", "Invoice sent"),
    ("paid_at", "paid", "Payment received"),
    ("cancelled_at", "cancelled", "Invoice cancelled"),
)


def timeline(row: dict[str, Any], entries: list[dict[str, Any]], tz: str) -> list[dict]:
    """Status milestones from the invoice's timestamps and its audit entries, by time."""
    events = [{"at": row[column], "kind": "status", "event": event, "label": label}
              for column, event, label in _STATUS_EVENTS if row[column]]
    if row["invoice_status"] == Status.OVERDUE and row["due_date"]:
        events.append({"at": _local_midnight(row["due_date"] + timedelta(days=1), tz),
                       "kind": "status", "event": "overdue", "label": "Payment overdue"})
    events += [{"at": e["occurred_at"], "kind": "audit", "event": e["action"],
                "label": e["action"].removeprefix("BILLING_").replace("_", " ").capitalize(),
                "actor_type": e["actor_type"], "actor_id": e["actor_id"],
                "details": e["details"]} for e in entries]
    return sorted(events, key=lambda e: (e["at"], e["kind"] == "audit"))


def pdf_url(deps: Any, principal: Principal, invoice_id: str) -> str:
    """Stripe's PDF of the invoice (it exists once the invoice is finalized)."""
    with reader_for(deps, principal)() as conn:
        row = _load(conn, invoice_id)
    status = Status(row["invoice_status"])
    if row["stripe_invoice_pdf_url"] and status in ACTIONS["pdf"]:
        return row["stripe_invoice_pdf_url"]
    if status is Status.CANCELLED:
        reason = "This invoice was cancelled, so there is no PDF to download."
    else:
        reason = ("Stripe creates the PDF when the invoice is finalized; this invoice is "
                  "still a draft. Send it (or finalize it) first.")
    raise InvalidState(reason, code="invoice_pdf_unavailable",
                       extra={"invoice_status": row["invoice_status"]})


EXPORT_COLUMNS = (
    ("invoice_ref", "Invoice Number"), ("created_day", "Date Created"),
    ("customer_name", "Customer Name"), ("customer_email", "Customer Email"),
    ("billing_period_start", "Billing Period Start"),
    ("billing_period_end", "Billing Period End"), ("total_chats", "Total Chats"),
    ("total_calls", "Total Calls"), ("total_sms_segments", "SMS Segments"),
    ("call_minutes", "Call Minutes"), ("twilio_sms_cost_cad", "Twilio SMS Cost (CAD)"),
    ("twilio_voice_cost_cad", "Twilio Voice Cost (CAD)"),
    ("retell_ai_chat_cost_cad", "Retell AI Chat Cost (CAD)"),
    ("retell_ai_voice_cost_cad", "Retell AI Voice Cost (CAD)"),
    ("subtotal_cad", "Subtotal (CAD)"), ("markup_amount_cad", "Markup Amount (CAD)"),
    ("total_amount_cad", "Total Amount (CAD)"), ("invoice_status", "Status"),
    ("due_date", "Due Date"), ("sent_day", "Sent Date"), ("paid_day", "Paid Date"),
    ("stripe_invoice_url", "Stripe Invoice URL"),
)


def export_invoices(deps: Any, principal: Principal, query: InvoiceFilterQuery) -> bytes:
    """The filtered invoices as formula-safe CSV with the spec's columns (audited)."""
    session = reader_for(deps, principal)
    tz = load_org(deps, session).tz
    with session() as conn:
        rows = sql.list_invoices(conn, query.to_filters(tz))
        record_audit(conn, actor=principal, action=EXPORTED, resource_type="invoice",
                     details={"format": "csv", "rows": len(rows),
                              "filters": query.model_dump(mode="json", exclude_defaults=True)})
    return write_csv((_export_row(r, tz) for r in rows), EXPORT_COLUMNS)


def _export_row(row: dict[str, Any], tz: str) -> dict[str, Any]:
    def day(moment: datetime | None) -> date | None:
        return moment.astimezone(ZoneInfo(tz)).date() if moment else None

    return {**row, "invoice_ref": row["invoice_number"] or row["stripe_invoice_id"] or row["id"],
            "created_day": day(row["created_at"]), "sent_day": day(row["sent_at"]),
            "paid_day": day(row["paid_at"]),
            "call_minutes": row["total_call_minutes"].quantize(TENTH, ROUND_HALF_UP)}


def _load(conn: Connection, invoice_id: str) -> dict[str, Any]:
    row = invoices_sql.get_invoice(conn, invoice_id)
    if row is None:
        raise NotFound("Invoice not found.", code="invoice_not_found")
    return row
