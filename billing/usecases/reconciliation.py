"""Reconciliation with Stripe: one use case behind ``billing reconcile``,
``POST /api/billing/reconciliation-runs`` and the daily pass of the hourly timer.

A run lists every Stripe invoice created since a local day (``GET
/v1/invoices`` with ``created[gte]``, 100 per page, following ``has_more``),
reads the invoice rows of the same window, and compares them
(``billing.domain.reconciliation`` says what each finding means). A row of
the window that the listing lacks is retrieved on its own before it is called
missing; a linked customer the customer listing lacks is retrieved before its
link is called broken. With ``repair``, the repairable findings are repaired
(``reconciliation_repairs``). The run and its findings are stored, and the
run is audited; no transaction stays open while Stripe is called.

``since`` defaults to the earlier of 35 days ago and the day the oldest unpaid
invoice was created, so every invoice that can still change is looked at.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from billing.adapters.postgres import reconciliation_sql as sql
from billing.adapters.postgres.audit_sql import record_audit
from billing.domain import reconciliation as rules
from billing.domain.errors import BillingError, NotFound, ValidationFailed
from billing.domain.principal import Principal
from billing.ports import PaymentGateway, StripeInvoice
from billing.usecases.invoice_runs import load_org
from billing.usecases.invoice_saga import Session
from billing.usecases.rate_limits import MUTATIONS, check_rate
from billing.usecases.reconciliation_repairs import repair_all

RUN = "BILLING_RECONCILIATION_RUN"
ACTOR = "reconciliation"
DEFAULT_DAYS = 35


@dataclass(frozen=True)
class ReconcileOptions:
    """``since``: a local day (None: the default window); ``trigger``: api | cli | daily."""

    since: date | None = None
    repair: bool = False
    trigger: str = "cli"


@dataclass
class _Checked:
    """What the comparison found, and the Stripe invoices it was made from."""

    findings: list[rules.Finding] = field(default_factory=list)
    stripe: dict[str, StripeInvoice] = field(default_factory=dict)
    totals: dict[str, int] = field(default_factory=dict)


def writer(deps: Any) -> Session:
    """A run's transactions: always ``service_role`` (``authenticated`` only reads runs
    and invoices); an admin's run is audited as that admin."""
    return lambda: deps.db.system_session(ACTOR)


def reader(deps: Any, principal: Principal | None) -> Session:
    """Transactions that only read: RLS as the admin, or service_role for the system."""
    if principal is not None:
        return lambda: deps.db.user_session(principal.rls_claims)
    return writer(deps)


def start_run(deps: Any, principal: Principal, options: ReconcileOptions) -> dict[str, Any]:
    """A run an admin asked for (counts against their mutation rate limit)."""
    check_rate(deps, principal, MUTATIONS)
    return reconcile(deps, principal, options)


def reconcile(deps: Any, principal: Principal | None, options: ReconcileOptions
              ) -> dict[str, Any]:
    """Run one reconciliation; returns the stored run with its findings.

    A Stripe failure ends the run as ``failed`` (recorded and audited) and is raised."""
    session = writer(deps)
    org = load_org(deps, session)
    if options.since is not None and options.since > org.today:
        raise ValidationFailed("since must not be after today (billing time zone).",
                               code="invalid_since",
                               errors=[{"field": "since", "message": "Must not be in the future"}])
    since = options.since or default_since(session, org.today, org.tz)
    start = datetime.combine(since, time.min, ZoneInfo(org.tz))
    payments: PaymentGateway = deps.payments()  # not configured: no run is stored
    with session() as conn:
        run_id = sql.insert_run(conn, trigger=options.trigger, since=since,
                                repair=options.repair,
                                created_by=principal.user_id if principal else None)
    try:
        checked = _check(payments, session, start)
        repairs = (repair_all(payments, session, principal, run_id, checked.findings,
                              checked.stripe) if options.repair else [None] * len(checked.findings))
    except BillingError as exc:
        _finish(session, principal, run_id, options, "failed", {}, [], error_code=exc.code)
        raise
    return _finish(session, principal, run_id, options, "completed", checked.totals,
                   list(zip(checked.findings, repairs, strict=True)))


def default_since(session: Session, today: date, tz: str) -> date:
    """The earlier of ``DEFAULT_DAYS`` ago and the creation day of the oldest unpaid invoice."""
    with session() as conn:
        oldest = sql.oldest_unpaid_created(conn)
    window = today - timedelta(days=DEFAULT_DAYS)
    return min(window, oldest.astimezone(ZoneInfo(tz)).date()) if oldest else window


def _check(payments: PaymentGateway, session: Session, start: datetime) -> _Checked:
    stripe = {si.id: si for si in payments.invoices_created_since(start)}
    named = [i for si in stripe.values() if _is_uuid(i := si.metadata.get(rules.METADATA_KEY))]
    with session() as conn:
        rows = sql.invoice_rows(conn, created_from=start, stripe_ids=list(stripe),
                                invoice_ids=named)
        late = conn.execute("select now() - %s as at", [rules.STUCK_AFTER]).fetchone()["at"]
        stuck = sql.stuck_rows(conn, late)
        customers = sql.linked_customers(conn)
    checked = _Checked(stripe=stripe)
    checked.findings += _compare_invoices(payments, stripe, rows, start)
    checked.findings += [rules.stuck(row) for row in stuck]
    checked.findings += _broken_links(payments, customers)
    checked.totals = {"stripe_invoices": len(stripe), "invoices_checked": len(rows),
                      "customers_checked": len(customers)}
    return checked


def _compare_invoices(payments: PaymentGateway, stripe: dict[str, StripeInvoice],
                      rows: list[dict[str, Any]], start: datetime) -> list[rules.Finding]:
    by_stripe_id = {row["stripe_invoice_id"]: row for row in rows if row["stripe_invoice_id"]}
    by_id = {row["id"]: row for row in rows}
    found: list[rules.Finding] = []
    for si in stripe.values():
        row = by_stripe_id.get(si.id)
        orphan = rules.orphan(si, row or by_id.get(si.metadata.get(rules.METADATA_KEY, "")))
        if orphan is not None:
            found.append(orphan)
        elif row is not None and row["stripe_state"] == "complete":
            found += rules.compare(row, si)
    for row in rows:
        unlisted = row["stripe_invoice_id"] and row["stripe_invoice_id"] not in stripe
        if unlisted and row["created_at"] >= start and row["invoice_status"] != "cancelled":
            found += _retrieved(payments, stripe, row)
    return found


def _retrieved(payments: PaymentGateway, stripe: dict[str, StripeInvoice],
               row: dict[str, Any]) -> list[rules.Finding]:
    """A row the listing lacks: missing if Stripe does not know its invoice."""
    try:
        si = payments.retrieve_invoice(row["stripe_invoice_id"])
    except NotFound:
        return [rules.missing(row)]
    stripe[si.id] = si
    return rules.compare(row, si) if row["stripe_state"] == "complete" else []


def _broken_links(payments: PaymentGateway,
                  customers: list[dict[str, Any]]) -> list[rules.Finding]:
    if not customers:
        return []
    listed = {customer.id for customer in payments.all_customers()}
    broken = []
    for customer in customers:
        if customer["stripe_customer_id"] in listed:
            continue
        try:
            payments.retrieve_customer(customer["stripe_customer_id"])
        except NotFound:
            broken.append(rules.link_broken(customer))
    return broken


def _is_uuid(value: str | None) -> bool:
    try:
        return value is not None and str(uuid.UUID(value)) == value
    except ValueError:
        return False


def _finish(session: Session, principal: Principal | None, run_id: str,
            options: ReconcileOptions, status: str, totals: dict[str, int],
            findings: list[tuple[rules.Finding, str | None]], *,
            error_code: str | None = None) -> dict[str, Any]:
    counts = rules.counts([f for f, _ in findings])
    repaired = sum(1 for _, action in findings if action is not None)
    with session() as conn:
        sql.insert_findings(conn, run_id, findings)
        sql.finish_run(conn, run_id, status=status, counts=counts, error_code=error_code,
                       totals={"stripe_invoices": 0, "invoices_checked": 0,
                               "customers_checked": 0, **totals,
                               "findings_total": len(findings), "repaired_total": repaired})
        record_audit(conn, actor=principal, action=RUN, resource_type="reconciliation_run",
                     resource_id=run_id, details={
                         "run_id": run_id, "trigger": options.trigger, "repair": options.repair,
                         "status": status, "counts": counts, "count": len(findings),
                         "repaired": repaired, "error_code": error_code})
        return run_view(conn, run_id)


def run_view(conn: Any, run_id: str) -> dict[str, Any]:
    """A stored run with its findings (404 ``reconciliation_run_not_found``)."""
    run = sql.get_run(conn, run_id)
    if run is None:
        raise NotFound("Reconciliation run not found.", code="reconciliation_run_not_found")
    return {**run, "findings": sql.findings_of(conn, run_id)}


def get_run(deps: Any, principal: Principal | None, run_id: str) -> dict[str, Any]:
    """One run with its findings."""
    with reader(deps, principal)() as conn:
        return run_view(conn, run_id)


def list_runs(deps: Any, principal: Principal | None, *, page: int, page_size: int
              ) -> dict[str, Any]:
    """A page of runs, latest first (without their findings)."""
    with reader(deps, principal)() as conn:
        rows, total = sql.list_runs(conn, limit=page_size, offset=(page - 1) * page_size)
    return {"items": rows, "total": total, "page": page, "page_size": page_size}


def latest_counts(conn: Any) -> dict[str, Any] | None:
    """The latest completed run's counts, for the dashboard (None: no run yet)."""
    run = sql.latest_finished_run(conn)
    if run is None:
        return None
    keys = ("id", "started_at", "finished_at", "since", "repair", "findings_total",
            "repaired_total", "counts")
    return {key: run[key] for key in keys}


def describe(run: dict[str, Any]) -> str:
    """A run as text: its totals, counts per kind, then each finding."""
    head = (f"Reconciliation {run['id']} since {run['since']} ({run['status']}): "
            f"{run['stripe_invoices']} Stripe invoice(s), {run['invoices_checked']} of ours, "
            f"{run['customers_checked']} linked customer(s); {run['findings_total']} finding(s),"
            f" {run['repaired_total']} repaired")
    counts = "  " + ", ".join(f"{kind}: {n}" for kind, n in run["counts"].items())
    found = [f"  [{f['kind']}] {f['stripe_invoice_id'] or f['stripe_customer_id'] or '-'}"
             f" {f['detail']}" + (f" -> repaired ({f['repair_action']})" if f["repaired"]
                                  else "") for f in run["findings"]]
    return "\n".join([head, counts, *found])
