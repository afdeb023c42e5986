"""What reconciliation with Stripe can find, decided from facts alone (no I/O).

Our invoice rows and Stripe's invoices are compared one by one:

* ``status_behind``: Stripe has moved on (paid, void, uncollectible, open after
  our draft) and our status would move forward — repairable, forward only;
* ``amount_mismatch``: Stripe's total or lines differ from ours — never repaired;
* ``orphan_in_stripe``: a Stripe invoice carrying our ``carexps_invoice_id``
  with no row, whose row points at another Stripe invoice, or whose row is
  cancelled while it is still live in Stripe — repairable only while it is a
  draft (it is deleted);
* ``missing_in_stripe``: a row whose Stripe invoice Stripe does not know (gone,
  or of another account or mode);
* ``stuck``: a row whose Stripe step has not completed for more than an hour;
* ``customer_link_broken``: a customer whose Stripe customer is deleted.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any

from billing.domain.invoice import Status, advance, from_stripe
from billing.ports import StripeInvoice

#: How long a Stripe step may stay pending, in progress or failed before it is stuck.
STUCK_AFTER = timedelta(hours=1)
METADATA_KEY = "carexps_invoice_id"


class FindingKind(StrEnum):
    STATUS_BEHIND = "status_behind"
    AMOUNT_MISMATCH = "amount_mismatch"
    ORPHAN_IN_STRIPE = "orphan_in_stripe"
    MISSING_IN_STRIPE = "missing_in_stripe"
    STUCK = "stuck"
    CUSTOMER_LINK_BROKEN = "customer_link_broken"


@dataclass(frozen=True)
class Finding:
    """One discrepancy; ``repairable`` says whether ``--repair`` may act on it."""

    kind: FindingKind
    detail: str
    invoice_id: str | None = None
    billing_customer_id: str | None = None
    stripe_invoice_id: str | None = None
    stripe_customer_id: str | None = None
    our_status: str | None = None
    stripe_status: str | None = None
    our_total_cents: int | None = None
    stripe_total_cents: int | None = None
    repairable: bool = False


def cents(amount: Decimal) -> int:
    """A CAD amount (2 decimals) in integer cents."""
    return int(amount * 100)


def _ids(row: Mapping[str, Any], si: StripeInvoice | None = None) -> dict[str, Any]:
    return {"invoice_id": row["id"], "billing_customer_id": row["billing_customer_id"],
            "stripe_invoice_id": si.id if si else row["stripe_invoice_id"],
            "stripe_customer_id": si.customer_id if si else row["stripe_customer_id"],
            "our_status": row["invoice_status"], "our_total_cents":
            cents(row["total_amount_cad"])}


def compare(row: Mapping[str, Any], si: StripeInvoice) -> list[Finding]:
    """Status and amounts of a row whose Stripe invoice was found (saga complete)."""
    found: list[Finding] = []
    ids = {**_ids(row, si), "stripe_status": si.status, "stripe_total_cents": si.total_cents}
    current = Status(row["invoice_status"])
    target = advance(current, from_stripe(si.status, sent=row["sent_at"] is not None))
    if target is not current:
        found.append(Finding(FindingKind.STATUS_BEHIND, repairable=True, **ids, detail=(
            f"Stripe reports the invoice as {si.status}; ours is {current.value} and "
            f"moves forward to {target.value}.")))
    ours = sorted(int(line["amount_cents"]) for line in row["line_items"])
    if current is not Status.CANCELLED and (
            ids["our_total_cents"] != si.total_cents or ours != sorted(si.line_cents)):
        found.append(Finding(FindingKind.AMOUNT_MISMATCH, **ids, detail=(
            f"Stripe's total is {si.total_cents} cents in {len(si.line_cents)} line(s); "
            f"ours is {ids['our_total_cents']} cents in {len(ours)} line(s).")))
    return found


#: Stripe statuses of an invoice a customer can still be asked to pay.
LIVE = frozenset({"draft", "open", "uncollectible"})


def orphan(si: StripeInvoice, row: Mapping[str, Any] | None) -> Finding | None:
    """A Stripe invoice made for one of our rows that the row does not own, or None.

    A row still waiting for its Stripe id (saga not finished) owns its invoice; a
    cancelled row owns none that is still live in Stripe."""
    wanted = si.metadata.get(METADATA_KEY)
    cancelled = row is not None and row["invoice_status"] == Status.CANCELLED
    if not wanted or (row is not None and row["stripe_invoice_id"] == si.id
                      and not (cancelled and si.status in LIVE)):
        return None
    if row is not None and row["stripe_invoice_id"] is None \
            and row["invoice_status"] != Status.CANCELLED:
        return None
    if row is None:
        why = "no invoice of ours has this id"
    elif cancelled:
        why = f"that invoice is cancelled while this one is {si.status} in Stripe"
    else:
        why = f"that invoice belongs to the Stripe invoice {row['stripe_invoice_id']}"
    return Finding(FindingKind.ORPHAN_IN_STRIPE, invoice_id=row["id"] if row else None,
                   billing_customer_id=row["billing_customer_id"] if row else None,
                   stripe_invoice_id=si.id, stripe_customer_id=si.customer_id,
                   our_status=row["invoice_status"] if row else None, stripe_status=si.status,
                   stripe_total_cents=si.total_cents, repairable=si.status == "draft",
                   detail=f"The Stripe invoice was made for invoice {wanted}, but {why}.")


def missing(row: Mapping[str, Any]) -> Finding:
    """A row whose recorded Stripe invoice Stripe does not know."""
    return Finding(FindingKind.MISSING_IN_STRIPE, **_ids(row), detail=(
        f"Stripe does not know the invoice {row['stripe_invoice_id']}: it was deleted, or it "
        "belongs to another Stripe account or mode (test/live)."))


def stuck(row: Mapping[str, Any]) -> Finding:
    """A row whose Stripe step has not completed for more than ``STUCK_AFTER``."""
    error = f" Last error: {row['stripe_error']}" if row["stripe_error"] else ""
    return Finding(FindingKind.STUCK, **_ids(row), detail=(
        f"The Stripe step is {row['stripe_state']} since {row['updated_at']:%Y-%m-%d %H:%M} "
        f"UTC.{error}")[:1000])


def link_broken(customer: Mapping[str, Any]) -> Finding:
    """A billing customer whose Stripe customer is deleted (or of another account/mode)."""
    return Finding(FindingKind.CUSTOMER_LINK_BROKEN, billing_customer_id=customer["id"],
                   stripe_customer_id=customer["stripe_customer_id"], detail=(
                       f"The Stripe customer {customer['stripe_customer_id']} of "
                       f"{customer['customer_name']} is deleted or not in this Stripe "
                       "account and mode."))


def counts(findings: list[Finding]) -> dict[str, int]:
    """Findings per kind, every kind present (0 when none)."""
    return {kind.value: sum(1 for f in findings if f.kind is kind) for kind in FindingKind}
