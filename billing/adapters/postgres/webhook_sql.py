"""SQL for received Stripe webhook events: each event id is recorded once."""
from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from billing.adapters.postgres.sessions import Connection


def seen(conn: Connection, event_id: str) -> bool:
    """True if the event was recorded before (a redelivery)."""
    return conn.execute("select 1 from billing_stripe_events where event_id = %s",
                        [event_id]).fetchone() is not None


def record_event(conn: Connection, event: dict[str, Any], *, stripe_invoice_id: str | None,
                 outcome: str) -> bool:
    """Record the event; False if it was recorded already (a concurrent delivery of
    the same event waits here for the first to commit, then gets False)."""
    return conn.execute(
        "insert into billing_stripe_events (event_id, event_type, stripe_invoice_id,"
        " event_created, livemode, outcome) values (%s, %s, %s, %s, %s, %s)"
        " on conflict (event_id) do nothing",
        [event["id"], event["type"], stripe_invoice_id,
         datetime.fromtimestamp(event["created"], UTC), bool(event.get("livemode")), outcome],
    ).rowcount == 1


def set_outcome(conn: Connection, event_id: str, *, outcome: str,
                invoice_id: str | None) -> None:
    """What became of the event, and the invoice it concerned."""
    conn.execute("update billing_stripe_events set outcome = %s, invoice_id = %s"
                 " where event_id = %s", [outcome, invoice_id, event_id])
