"""SQL for refused webhook events: one row per distinct body, never the body."""
from __future__ import annotations

from billing.adapters.postgres.sessions import Connection


def record_rejection(conn: Connection, *, source: str, body_sha256: str,
                     event_id: str | None, event_type: str | None, reason: str) -> None:
    """Record a refused event, or count one more delivery of the same body."""
    conn.execute(
        "insert into billing_webhook_rejections (source, body_sha256, event_id, event_type,"
        " reason) values (%s, %s, %s, %s, %s)"
        " on conflict (source, body_sha256) do update"
        " set deliveries = billing_webhook_rejections.deliveries + 1, last_seen_at = now()",
        [source, body_sha256, event_id, event_type, reason])
