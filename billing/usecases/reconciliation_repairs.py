"""What ``--repair`` may change, and nothing else.

* ``status_behind``: Stripe's invoice is applied to the (locked) row through
  ``apply_stripe_invoice`` — the mapping the Stripe webhook uses — so the status
  only moves forward, a void releases the usage, and a payment queues the
  "payment received" notification exactly as a delivered ``invoice.paid`` would.
* ``orphan_in_stripe`` while a draft: the draft is deleted in Stripe.

Amounts are never repaired: which side is right (a dashboard edit, a rate
changed after the fact, our bug) needs a person. Every repair is audited on
the invoice (so it shows on its timeline) with the run that made it.
"""
from __future__ import annotations

import contextlib
from typing import Any

from billing.adapters.postgres import invoices_sql
from billing.adapters.postgres.audit_sql import record_audit
from billing.domain.errors import NotFound
from billing.domain.invoice import Status
from billing.domain.principal import Principal
from billing.domain.reconciliation import Finding, FindingKind
from billing.ports import PaymentGateway, StripeInvoice
from billing.usecases.invoice_actions import apply_stripe_invoice
from billing.usecases.invoice_saga import Session
from billing.usecases.notifications import queue_payment_received

REPAIRED = "BILLING_RECONCILIATION_REPAIRED"


def repair_all(payments: PaymentGateway, session: Session, principal: Principal | None,
               run_id: str, findings: list[Finding], stripe: dict[str, StripeInvoice]
               ) -> list[str | None]:
    """Repair what may be repaired; for each finding, the repair done (None: none)."""
    done: list[str | None] = []
    for finding in findings:
        action = None
        if finding.repairable and finding.kind is FindingKind.STATUS_BEHIND:
            action = _move_forward(session, principal, run_id, finding,
                                   stripe[finding.stripe_invoice_id])
        elif finding.repairable and finding.kind is FindingKind.ORPHAN_IN_STRIPE:
            action = _delete_orphan(payments, session, principal, run_id, finding)
        done.append(action)
    return done


def _move_forward(session: Session, principal: Principal | None, run_id: str,
                  finding: Finding, si: StripeInvoice) -> str | None:
    with session() as conn:
        row = invoices_sql.get_invoice(conn, finding.invoice_id, for_update=True)
        updated = apply_stripe_invoice(conn, row, si)
        if updated["invoice_status"] == row["invoice_status"]:
            return None  # a webhook or a person got there first
        if updated["invoice_status"] == Status.PAID:
            queue_payment_received(conn, updated)
        record_audit(conn, actor=principal, action=REPAIRED, resource_type="invoice",
                     resource_id=row["id"], details={
                         "run_id": run_id, "kind": finding.kind.value,
                         "invoice_id": row["id"], "invoice_number": updated["invoice_number"],
                         "stripe_invoice_id": si.id, "customer_name": row["customer_name"],
                         "total_cad": row["total_amount_cad"],
                         "from_status": row["invoice_status"],
                         "to_status": updated["invoice_status"]})
    return f"status_{row['invoice_status']}_to_{updated['invoice_status']}"


def _delete_orphan(payments: PaymentGateway, session: Session, principal: Principal | None,
                   run_id: str, finding: Finding) -> str:
    with contextlib.suppress(NotFound):  # deleted meanwhile: the repair holds
        payments.delete_invoice(finding.stripe_invoice_id)
    with session() as conn:
        record_audit(conn, actor=principal, action=REPAIRED, resource_type="invoice",
                     resource_id=finding.invoice_id, details=_orphan_details(run_id, finding))
    return "draft_deleted"


def _orphan_details(run_id: str, finding: Finding) -> dict[str, Any]:
    return {"run_id": run_id, "kind": finding.kind.value, "invoice_id": finding.invoice_id,
            "stripe_invoice_id": finding.stripe_invoice_id,
            "stripe_customer_id": finding.stripe_customer_id,
            "stripe_action": "draft_deleted"}
