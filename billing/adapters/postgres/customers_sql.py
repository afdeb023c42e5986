"""SQL for billing customers and their Retell agents (run in a user session: RLS applies).

Unique violations are translated here into the product's Conflict errors.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
from psycopg import sql

from billing.adapters.postgres.sessions import Connection
from billing.domain.customers import UNPAID_STATUSES, CustomerFilters
from billing.domain.errors import Conflict

_SELECT = """
select c.id::text as id, c.customer_name, c.customer_email, c.stripe_customer_id,
  c.stripe_link_status, c.stripe_last_error, c.markup_percentage, c.auto_invoice_enabled, c.billing_contact_name,
  c.billing_address, c.phone_number, c.tax_id, c.notes, c.created_at, c.updated_at,
  c.created_by::text as created_by,
  coalesce((select array_agg(a.agent_id order by a.agent_id) from billing_customer_agents a
            where a.billing_customer_id = c.id), '{}') as agent_ids,
  (select count(*) from invoice_records i where i.billing_customer_id = c.id
     and i.invoice_status = any(%(unpaid)s)) as unpaid_invoice_count
from billing_customers c
"""
_SORT = {"name": "lower(c.customer_name)", "email": "lower(c.customer_email)",
         "markup": "c.markup_percentage", "created": "c.created_at"}
_CONFLICTS = {
    "billing_customers_email_key": ("duplicate_customer",
                                    "A customer with this email already exists."),
    "billing_customers_stripe_customer_id_key": (
        "duplicate_stripe_customer", "Another customer already uses this Stripe customer ID."),
}


@contextmanager
def _unique_as_conflict() -> Iterator[None]:
    try:
        yield
    except psycopg.errors.UniqueViolation as exc:
        code, message = _CONFLICTS.get(exc.diag.constraint_name or "",
                                       ("conflict", "This record already exists."))
        raise Conflict(message, code=code) from None


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _where(filters: CustomerFilters) -> tuple[str, dict[str, Any]]:
    clauses, params = ["true"], {"unpaid": list(UNPAID_STATUSES)}
    if filters.search:
        clauses.append("(c.customer_name ilike %(like)s or c.customer_email ilike %(like)s)")
        params["like"] = _like(filters.search)
    if filters.auto_invoice is not None:
        clauses.append("c.auto_invoice_enabled = %(auto)s")
        params["auto"] = filters.auto_invoice
    return " and ".join(clauses), params


def list_customers(conn: Connection, filters: CustomerFilters, *, limit: int | None,
                   offset: int = 0) -> tuple[list[dict[str, Any]], int]:
    """Customers matching ``filters`` in the requested order, and the total count."""
    where, params = _where(filters)
    total = conn.execute(f"select count(*) as n from billing_customers c where {where}",
                         params).fetchone()["n"]
    order = f"{_SORT[filters.sort]} {filters.order}, c.id {filters.order}"
    rows = conn.execute(f"{_SELECT} where {where} order by {order} limit %(limit)s"
                        " offset %(offset)s", {**params, "limit": limit, "offset": offset})
    return rows.fetchall(), total


def get_customer(conn: Connection, customer_id: str, *, lock: bool = False
                 ) -> dict[str, Any] | None:
    """One customer, or None (absent or hidden by RLS)."""
    suffix = " for update of c" if lock else ""
    return conn.execute(f"{_SELECT} where c.id = %(id)s{suffix}",
                        {"unpaid": list(UNPAID_STATUSES), "id": customer_id}).fetchone()


def insert_customer(conn: Connection, columns: dict[str, Any], *, created_by: str,
                    stripe_link_status: str) -> str:
    """Insert a customer; returns its id. Conflict on a duplicate e-mail or Stripe id."""
    values = {**columns, "created_by": created_by, "stripe_link_status": stripe_link_status}
    query = sql.SQL("insert into billing_customers ({}) values ({}) returning id::text as id").format(
        sql.SQL(", ").join(map(sql.Identifier, values)),
        sql.SQL(", ").join(map(sql.Placeholder, values)))
    with _unique_as_conflict(), conn.transaction():
        return conn.execute(query, values).fetchone()["id"]


def update_customer(conn: Connection, customer_id: str, changes: dict[str, Any]) -> None:
    """Apply ``changes`` (column -> value). Conflict on a duplicate e-mail or Stripe id."""
    if not changes:
        return
    query = sql.SQL("update billing_customers set {} where id = {}").format(
        sql.SQL(", ").join(sql.SQL("{} = {}").format(sql.Identifier(k), sql.Placeholder(k))
                           for k in changes),
        sql.Placeholder("__id"))
    with _unique_as_conflict(), conn.transaction():
        conn.execute(query, {**changes, "__id": customer_id})


def delete_customer(conn: Connection, customer_id: str) -> None:
    """Delete a customer (its agent mappings go with it); refused (409
    ``customer_has_invoices``) once it has any invoice: those are billing records."""
    try:
        with conn.transaction():
            conn.execute("delete from billing_customers where id = %s", [customer_id])
    except psycopg.errors.ForeignKeyViolation:
        raise Conflict("Cannot delete: this customer has invoices, which are kept as billing"
                       " records. Turn its auto-invoicing off instead.",
                       code="customer_has_invoices") from None


def unpaid_invoices(conn: Connection, customer_id: str) -> list[dict[str, Any]]:
    """Invoices not yet paid or cancelled, oldest period first."""
    return conn.execute(
        "select id::text as id, invoice_number, invoice_status, billing_period_start,"
        " billing_period_end, total_amount_cad from invoice_records"
        " where billing_customer_id = %s and invoice_status = any(%s)"
        " order by billing_period_start, created_at",
        [customer_id, list(UNPAID_STATUSES)]).fetchall()


def agents_elsewhere(conn: Connection, customer_id: str, agent_ids: list[str]
                     ) -> list[dict[str, Any]]:
    """Which of ``agent_ids`` are mapped to another customer now (and to whom)."""
    return conn.execute(
        "select a.agent_id, c.id::text as customer_id, c.customer_name"
        " from billing_customer_agents a join billing_customers c on c.id = a.billing_customer_id"
        " where a.agent_id = any(%s) and a.billing_customer_id <> %s order by a.agent_id",
        [agent_ids, customer_id]).fetchall()


def replace_agents(conn: Connection, customer_id: str, agent_ids: list[str]) -> None:
    """Make ``agent_ids`` exactly the customer's agents (moving them from others)."""
    conn.execute("delete from billing_customer_agents where billing_customer_id = %s"
                 " and not (agent_id = any(%s))", [customer_id, agent_ids])
    conn.execute(
        "insert into billing_customer_agents (agent_id, billing_customer_id)"
        " select unnest(%s::text[]), %s on conflict (agent_id) do update"
        " set billing_customer_id = excluded.billing_customer_id, created_at = now()"
        " where billing_customer_agents.billing_customer_id <> excluded.billing_customer_id",
        [agent_ids, customer_id])
