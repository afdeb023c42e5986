"""The append-only audit log: write one entry, read pages of entries."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from psycopg.types.json import Jsonb

from billing.adapters.postgres.sessions import Connection
from billing.domain.audit import ADMINISTRATIVE, SEVERITIES, audit_details
from billing.domain.principal import Principal


def record_audit(conn: Connection, *, actor: Principal | None, action: str,
                 resource_type: str | None = None, resource_id: str | None = None,
                 details: dict[str, Any] | None = None,
                 severity: str = ADMINISTRATIVE) -> None:
    """Append one entry. ``actor=None`` is the system; its session actor becomes ``source``."""
    if severity not in SEVERITIES:
        raise ValueError(f"unknown audit severity {severity!r}")
    payload = audit_details(details)
    if actor is None and "source" not in payload:
        row = conn.execute("select current_setting('billing.actor', true) as source").fetchone()
        if row and row["source"]:
            payload["source"] = row["source"]
    conn.execute(
        "insert into billing_audit_log (actor_type, actor_id, action, severity,"
        " resource_type, resource_id, details) values (%s, %s, %s, %s, %s, %s, %s)",
        ["system" if actor is None else "user", actor.user_id if actor else None, action,
         severity, resource_type, resource_id, Jsonb(payload)],
    )


@dataclass(frozen=True)
class AuditFilters:
    """Which entries to list; times are UTC instants, ``occurred_to`` exclusive."""

    action: str | None = None
    actor_id: str | None = None
    occurred_from: datetime | None = None
    occurred_to: datetime | None = None


def _where(filters: AuditFilters) -> tuple[str, list[Any]]:
    clauses, params = ["true"], []
    if filters.action:
        clauses.append("action = %s")
        params.append(filters.action)
    if filters.actor_id:
        clauses.append("actor_id = %s")
        params.append(filters.actor_id)
    if filters.occurred_from:
        clauses.append("occurred_at >= %s")
        params.append(filters.occurred_from)
    if filters.occurred_to:
        clauses.append("occurred_at < %s")
        params.append(filters.occurred_to)
    return " and ".join(clauses), params


def list_audit(conn: Connection, filters: AuditFilters, page: int,
               page_size: int) -> tuple[list[dict[str, Any]], int]:
    """One page of entries, newest first, and the total matching count."""
    where, params = _where(filters)
    total = conn.execute(f"select count(*) as n from billing_audit_log where {where}",
                         params).fetchone()["n"]
    rows = conn.execute(
        "select id, occurred_at, actor_type, actor_id::text as actor_id, action, severity,"
        f" resource_type, resource_id, details from billing_audit_log where {where}"
        " order by occurred_at desc, id desc limit %s offset %s",
        [*params, page_size, (page - 1) * page_size],
    ).fetchall()
    return rows, total
