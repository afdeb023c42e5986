"""SQL for the organisation's single billing_settings row."""
from __future__ import annotations

from typing import Any

from billing.adapters.postgres.sessions import Connection


def load_settings(conn: Connection) -> dict[str, Any]:
    """The organisation's settings row (created by the migration)."""
    row = conn.execute("select * from billing_settings where id").fetchone()
    if row is None:
        raise LookupError("billing_settings has no row; run the migrations")
    return row
