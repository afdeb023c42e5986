"""Business customers: list, read, create, update, delete, export, agent mapping.

Every use case runs in the caller's ``user_session`` (RLS applies as well as
the gate) and every change is audited in the same transaction. Mutations and
exports are rate-limited per user.

Stripe: a customer created with ``create_stripe_customer`` (the default) is
saved first, then its Stripe customer is created (one per customer, ever: the
idempotency key is our id). A Stripe failure never loses the row: it stays
``pending`` with ``stripe_last_error`` and ``sync_stripe`` retries it. A Stripe
id given by hand is checked against Stripe; later changes of name, e-mail,
phone or address are pushed to Stripe.
"""
from __future__ import annotations

import uuid
from typing import Any

from billing.adapters.postgres import customers_sql as sql
from billing.adapters.postgres.audit_sql import record_audit
from billing.adapters.postgres.sessions import Connection
from billing.domain import audit
from billing.domain.csv_safe import write_csv
from billing.domain.customers import (
    AgentMapping,
    AgentMappingIn,
    Customer,
    CustomerCreate,
    CustomerFilters,
    CustomerListQuery,
    CustomerPage,
    CustomerPatch,
    MovedAgent,
)
from billing.domain.errors import BillingError, Conflict, NotFound
from billing.domain.principal import Principal
from billing.usecases import stripe_customers as stripe
from billing.usecases.rate_limits import EXPORTS, MUTATIONS, check_rate

EXPORT_COLUMNS = (
    ("customer_name", "Customer Name"), ("customer_email", "Email"),
    ("billing_contact_name", "Billing Contact"), ("phone_number", "Phone"),
    ("billing_address", "Billing Address"), ("tax_id", "Tax ID"),
    ("stripe_customer_id", "Stripe Customer ID"), ("stripe_link_status", "Stripe Status"),
    ("markup_percentage", "Markup %"), ("auto_invoice_enabled", "Auto-Invoice"),
    ("unpaid_invoice_count", "Unpaid Invoices"), ("created_at", "Created"),
)


def _customer_id(raw: str) -> str:
    try:
        return str(uuid.UUID(raw))
    except (ValueError, TypeError, AttributeError):
        raise _not_found() from None


def _not_found() -> NotFound:
    return NotFound("Customer not found.", code="customer_not_found")


def _load(conn: Connection, customer_id: str, *, lock: bool = False) -> Customer:
    row = sql.get_customer(conn, customer_id, lock=lock)
    if row is None:
        raise _not_found()
    return Customer.model_validate(row)


def list_customers(query: CustomerListQuery, *, principal: Principal, deps: Any) -> CustomerPage:
    """One page of customers matching the search and filters, with the total."""
    with deps.db.user_session(principal.rls_claims) as conn:
        rows, total = sql.list_customers(conn, query, limit=query.page_size,
                                         offset=(query.page - 1) * query.page_size)
    return CustomerPage(items=[Customer.model_validate(r) for r in rows], total=total,
                        page=query.page, page_size=query.page_size)


def get_customer(customer_id: str, *, principal: Principal, deps: Any) -> Customer:
    """One customer (404 ``customer_not_found`` if absent)."""
    with deps.db.user_session(principal.rls_claims) as conn:
        return _load(conn, _customer_id(customer_id))


def _link_status(cmd: CustomerCreate) -> str:
    if cmd.stripe_customer_id:
        return "linked"
    return "pending" if cmd.create_stripe_customer else "none"


def create_customer(cmd: CustomerCreate, *, principal: Principal, deps: Any) -> Customer:
    """Save a new customer (409 ``duplicate_customer`` on a known e-mail), then link Stripe."""
    check_rate(deps, principal, MUTATIONS)
    if cmd.stripe_customer_id:
        stripe.verify_stripe_customer(deps.payments(), cmd.stripe_customer_id)
    with deps.db.user_session(principal.rls_claims) as conn:
        new_id = sql.insert_customer(conn, cmd.columns(set(type(cmd).model_fields)),
                                     created_by=principal.user_id,
                                     stripe_link_status=_link_status(cmd))
        customer = _load(conn, new_id)
        record_audit(conn, actor=principal, action=audit.CUSTOMER_CREATED,
                     resource_type="billing_customer", resource_id=new_id,
                     details={"customer_id": new_id, "customer_name": customer.customer_name,
                              "status": customer.stripe_link_status})
    if customer.stripe_link_status == "pending":
        return sync_stripe(new_id, principal=principal, deps=deps, raise_errors=False)
    return customer


def update_customer(customer_id: str, patch: CustomerPatch, *, principal: Principal,
                    deps: Any) -> Customer:
    """Change the fields sent; the others stay as they are."""
    check_rate(deps, principal, MUTATIONS)
    cid = _customer_id(customer_id)
    with deps.db.user_session(principal.rls_claims) as conn:
        _load(conn, cid, lock=True)
        changes = patch.columns()
        if changes.get("stripe_customer_id"):
            stripe.verify_stripe_customer(deps.payments(), changes["stripe_customer_id"])
        if "stripe_customer_id" in changes:
            changes["stripe_link_status"] = "linked" if changes["stripe_customer_id"] else "none"
        sql.update_customer(conn, cid, changes)
        customer = _load(conn, cid)
        record_audit(conn, actor=principal, action=audit.CUSTOMER_UPDATED,
                     resource_type="billing_customer", resource_id=cid,
                     details={"customer_id": cid, "customer_name": customer.customer_name,
                              "fields": sorted(patch.columns())})
    if customer.stripe_customer_id and stripe.STRIPE_FIELDS & set(changes):
        return sync_stripe(cid, principal=principal, deps=deps, raise_errors=False)
    return customer


def sync_stripe(customer_id: str, *, principal: Principal, deps: Any,
                raise_errors: bool = True) -> Customer:
    """Create the Stripe customer if missing, else push the details; record the outcome.

    A failure is saved on the customer (``pending`` + ``stripe_last_error``) and, unless
    ``raise_errors`` is false, raised to the caller (502/503 with Stripe's message).
    """
    cid = _customer_id(customer_id)
    with deps.db.user_session(principal.rls_claims) as conn:
        row = sql.get_customer(conn, cid)
    if row is None:
        raise _not_found()
    try:
        stripe_id = stripe.push_to_stripe(deps.payments(), row)
    except BillingError as exc:
        with deps.db.user_session(principal.rls_claims) as conn:
            stripe.mark_link_failed(conn, cid, f"{exc.code}: {exc.detail}")
            record_audit(conn, actor=principal, action=audit.CUSTOMER_STRIPE_FAILED,
                         resource_type="billing_customer", resource_id=cid,
                         details={"customer_id": cid, "error_code": exc.code})
        if raise_errors:
            raise
    else:
        with deps.db.user_session(principal.rls_claims) as conn:
            stripe.link_stripe_customer(conn, cid, stripe_id)
            record_audit(conn, actor=principal, action=audit.CUSTOMER_STRIPE_LINKED,
                         resource_type="billing_customer", resource_id=cid,
                         details={"customer_id": cid, "stripe_customer_id": stripe_id})
    return get_customer(cid, principal=principal, deps=deps)


def delete_customer(customer_id: str, *, principal: Principal, deps: Any) -> None:
    """Delete a customer, refused (409) while it has unpaid invoices."""
    check_rate(deps, principal, MUTATIONS)
    cid = _customer_id(customer_id)
    with deps.db.user_session(principal.rls_claims) as conn:
        customer = _load(conn, cid, lock=True)
        unpaid = sql.unpaid_invoices(conn, cid)
        if unpaid:
            raise Conflict(
                f"{customer.customer_name} has {len(unpaid)} unpaid invoice(s); "
                "cancel or settle them before deleting the customer.",
                code="customer_has_unpaid_invoices",
                extra={"invoices": [_invoice_summary(row) for row in unpaid]})
        sql.delete_customer(conn, cid)
        record_audit(conn, actor=principal, action=audit.CUSTOMER_DELETED,
                     resource_type="billing_customer", resource_id=cid,
                     details={"customer_id": cid, "customer_name": customer.customer_name})


def _invoice_summary(row: dict[str, Any]) -> dict[str, Any]:
    return {"id": row["id"], "invoice_number": row["invoice_number"],
            "invoice_status": row["invoice_status"],
            "billing_period_start": row["billing_period_start"].isoformat(),
            "billing_period_end": row["billing_period_end"].isoformat(),
            "total_amount_cad": str(row["total_amount_cad"])}


def export_customers(filters: CustomerFilters, *, principal: Principal, deps: Any) -> bytes:
    """The filtered customer list as formula-safe CSV (audited, rate-limited)."""
    check_rate(deps, principal, EXPORTS)
    with deps.db.user_session(principal.rls_claims) as conn:
        rows, total = sql.list_customers(conn, filters, limit=None)
        used = sorted(k for k in ("search", "auto_invoice")
                      if getattr(filters, k) not in (None, ""))
        record_audit(conn, actor=principal, action=audit.CUSTOMERS_EXPORTED,
                     details={"rows": total, "format": "csv", "filters": used})
    return write_csv(rows, EXPORT_COLUMNS)


def get_agents(customer_id: str, *, principal: Principal, deps: Any) -> AgentMapping:
    """The Retell agents whose usage is billed to this customer."""
    customer = get_customer(customer_id, principal=principal, deps=deps)
    return AgentMapping(customer_id=customer.id, agent_ids=customer.agent_ids)


def set_agents(customer_id: str, cmd: AgentMappingIn, *, principal: Principal,
               deps: Any) -> AgentMapping:
    """Make ``cmd.agent_ids`` the customer's agents; agents may move from other customers."""
    check_rate(deps, principal, MUTATIONS)
    cid = _customer_id(customer_id)
    agent_ids = sorted(set(cmd.agent_ids))
    with deps.db.user_session(principal.rls_claims) as conn:
        _load(conn, cid, lock=True)
        moved = [MovedAgent.model_validate(r) for r in sql.agents_elsewhere(conn, cid, agent_ids)]
        sql.replace_agents(conn, cid, agent_ids)
        record_audit(conn, actor=principal, action=audit.AGENTS_MAPPED,
                     resource_type="billing_customer", resource_id=cid,
                     details={"customer_id": cid, "agent_ids": agent_ids,
                              "moved_from": sorted({m.customer_id for m in moved})})
    return AgentMapping(customer_id=cid, agent_ids=agent_ids, moved_from=moved)
