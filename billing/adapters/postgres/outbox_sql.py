"""SQL for the notification outbox: queue once, claim one due row, record the outcome."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from billing.adapters.postgres.sessions import Connection


def enqueue(conn: Connection, *, kind: str, dedupe_key: str, recipient: str, subject: str,
            body: str) -> bool:
    """Queue a message; False if one with the same ``dedupe_key`` was queued before."""
    return conn.execute(
        "insert into billing_notification_outbox (kind, dedupe_key, recipient, subject, body)"
        " values (%s, %s, %s, %s, %s) on conflict (dedupe_key) do nothing",
        [kind, dedupe_key, recipient, subject, body]).rowcount == 1


def claim_next(conn: Connection, now: datetime) -> dict[str, Any] | None:
    """The oldest due pending message, locked for this transaction; rows another
    sender holds are skipped, never waited for."""
    return conn.execute(
        "select id, kind, recipient, subject, body, attempts from billing_notification_outbox"
        " where status = 'pending' and (next_attempt_at is null or next_attempt_at <= %s)"
        " order by next_attempt_at nulls first, id limit 1 for update skip locked",
        [now]).fetchone()


def mark_sent(conn: Connection, message_id: int, at: datetime) -> None:
    """The message was accepted by the mail server: never to be sent again."""
    conn.execute("update billing_notification_outbox set status = 'sent', sent_at = %s,"
                 " attempts = attempts + 1, last_error = null where id = %s", [at, message_id])


def mark_unsent(conn: Connection, message_id: int, *, error: str,
                next_attempt_at: datetime | None) -> None:
    """Count a failed attempt: try again at ``next_attempt_at``, or never (None)."""
    conn.execute(
        "update billing_notification_outbox set attempts = attempts + 1, last_error = %s,"
        " next_attempt_at = coalesce(%s, next_attempt_at),"
        " status = case when %s::timestamptz is null then 'failed' else 'pending' end"
        " where id = %s", [error[:500], next_attempt_at, next_attempt_at, message_id])


def counts(conn: Connection) -> dict[str, int]:
    """Messages per status."""
    rows = conn.execute("select status, count(*) as n from billing_notification_outbox"
                        " group by status").fetchall()
    return {row["status"]: row["n"] for row in rows}
