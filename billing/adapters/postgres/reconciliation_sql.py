"""SQL for reconciliation: the rows to compare, runs and their findings."""
from __future__ import annotations

from dataclasses import asdict
from datetime import date, datetime
from typing import Any

from psycopg.types.json import Jsonb

from billing.adapters.postgres.sessions import Connection
from billing.domain.reconciliation import Finding

_ROW = ("select i.id::text as id, i.billing_customer_id::text as billing_customer_id,"
        " i.stripe_invoice_id, i.stripe_customer_id, i.invoice_number, i.invoice_status,"
        " i.stripe_state, i.stripe_error, i.total_amount_cad, i.line_items, i.sent_at,"
        " i.created_at, i.updated_at, i.batch_id::text as batch_id, c.customer_name"
        " from invoice_records i join billing_customers c on c.id = i.billing_customer_id")
RUN_COLUMNS = ("id::text as id, trigger, since, repair, status, started_at, finished_at,"
               " stripe_invoices, invoices_checked, customers_checked, findings_total,"
               " repaired_total, counts, error_code, created_by::text as created_by")


def invoice_rows(conn: Connection, *, created_from: datetime, stripe_ids: list[str],
                 invoice_ids: list[str]) -> list[dict[str, Any]]:
    """Rows created since ``created_from``, or named by a Stripe id or our id."""
    return conn.execute(
        _ROW + " where i.created_at >= %s or i.stripe_invoice_id = any(%s)"
        " or i.id = any(%s::uuid[])", [created_from, stripe_ids, invoice_ids]).fetchall()


def stuck_rows(conn: Connection, older_than: datetime) -> list[dict[str, Any]]:
    """Rows (not cancelled) whose Stripe step has not completed since ``older_than``."""
    return conn.execute(
        _ROW + " where i.stripe_state <> 'complete' and i.invoice_status <> 'cancelled'"
        " and i.updated_at < %s order by i.updated_at", [older_than]).fetchall()


def linked_customers(conn: Connection) -> list[dict[str, Any]]:
    """Billing customers linked to a Stripe customer."""
    return conn.execute(
        "select id::text as id, customer_name, stripe_customer_id from billing_customers"
        " where stripe_customer_id is not null order by customer_name, id").fetchall()


def oldest_unpaid_created(conn: Connection) -> datetime | None:
    """When the oldest invoice that is neither paid nor cancelled was created."""
    return conn.execute("select min(created_at) as oldest from invoice_records"
                        " where invoice_status not in ('paid', 'cancelled')"
                        ).fetchone()["oldest"]


def insert_run(conn: Connection, *, trigger: str, since: date, repair: bool,
               created_by: str | None) -> str:
    """Start a run; returns its id."""
    return conn.execute(
        "insert into billing_reconciliation_runs (trigger, since, repair, created_by)"
        " values (%s, %s, %s, %s) returning id::text as id",
        [trigger, since, repair, created_by]).fetchone()["id"]


def finish_run(conn: Connection, run_id: str, *, status: str, totals: dict[str, Any],
               counts: dict[str, int], error_code: str | None = None) -> None:
    """Record how the run ended, its totals and its counts per kind."""
    conn.execute(
        "update billing_reconciliation_runs set status = %(status)s, finished_at = now(),"
        " stripe_invoices = %(stripe_invoices)s, invoices_checked = %(invoices_checked)s,"
        " customers_checked = %(customers_checked)s, findings_total = %(findings_total)s,"
        " repaired_total = %(repaired_total)s, counts = %(counts)s, error_code = %(error)s"
        " where id = %(id)s",
        {"status": status, "counts": Jsonb(counts), "error": error_code, "id": run_id,
         **totals})


def insert_findings(conn: Connection, run_id: str,
                    findings: list[tuple[Finding, str | None]]) -> None:
    """Store the run's findings, each with the repair done (None: not repaired)."""
    with conn.cursor() as cur:
        cur.executemany(
            "insert into billing_reconciliation_findings (run_id, kind, invoice_id,"
            " billing_customer_id, stripe_invoice_id, stripe_customer_id, our_status,"
            " stripe_status, our_total_cents, stripe_total_cents, detail, repairable,"
            " repaired, repair_action) values (%(run_id)s, %(kind)s, %(invoice_id)s,"
            " %(billing_customer_id)s, %(stripe_invoice_id)s, %(stripe_customer_id)s,"
            " %(our_status)s, %(stripe_status)s, %(our_total_cents)s, %(stripe_total_cents)s,"
            " %(detail)s, %(repairable)s, %(repaired)s, %(repair_action)s)",
            [{**asdict(f), "kind": f.kind.value, "run_id": run_id, "repaired": action is not None,
              "repair_action": action} for f, action in findings])


def list_runs(conn: Connection, *, limit: int, offset: int) -> tuple[list[dict[str, Any]], int]:
    """A page of runs, latest first, and how many there are."""
    total = conn.execute("select count(*) as n from billing_reconciliation_runs"
                         ).fetchone()["n"]
    rows = conn.execute(f"select {RUN_COLUMNS} from billing_reconciliation_runs"
                        " order by started_at desc, id limit %s offset %s",
                        [limit, offset]).fetchall()
    return rows, total


def get_run(conn: Connection, run_id: str) -> dict[str, Any] | None:
    """One run, or None."""
    return conn.execute(f"select {RUN_COLUMNS} from billing_reconciliation_runs"
                        " where id = %s", [run_id]).fetchone()


def latest_finished_run(conn: Connection) -> dict[str, Any] | None:
    """The latest run that completed (the dashboard shows its counts)."""
    return conn.execute(f"select {RUN_COLUMNS} from billing_reconciliation_runs"
                        " where status = 'completed' order by started_at desc limit 1"
                        ).fetchone()


def findings_of(conn: Connection, run_id: str) -> list[dict[str, Any]]:
    """A run's findings, by kind."""
    return conn.execute(
        "select id, kind, invoice_id::text as invoice_id,"
        " billing_customer_id::text as billing_customer_id, stripe_invoice_id,"
        " stripe_customer_id, our_status, stripe_status, our_total_cents, stripe_total_cents,"
        " detail, repairable, repaired, repair_action from billing_reconciliation_findings"
        " where run_id = %s order by kind, id", [run_id]).fetchall()
