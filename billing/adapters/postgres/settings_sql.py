"""SQL for the organisation's single billing_settings row, and for the
encrypted secrets a key rotation re-encrypts."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from psycopg import sql

from billing.adapters.postgres.sessions import Connection
from billing.domain.errors import MfaVerificationRequired

#: Every column holding a value sealed by ``billing.adapters.secrets``:
#: (table, key column, encrypted column).
ENCRYPTED_COLUMNS = (
    ("billing_settings", "id", "stripe_api_key_encrypted"),
    ("billing_settings", "id", "stripe_webhook_secret_encrypted"),
    ("user_settings", "user_id", "fresh_mfa_secret"),
)


def load_settings(conn: Connection, *, lock: bool = False) -> dict[str, Any]:
    """The organisation's settings row (created by the migration). Row Level Security
    hides it from a session the database does not hold for an admin verified today."""
    row = conn.execute("select * from billing_settings where id"
                       + (" for update" if lock else "")).fetchone()
    if row is None:
        raise MfaVerificationRequired(
            "The database does not see a verification of today's MFA code for this session:"
            " verify MFA again.")
    return row


def update_settings(conn: Connection, changes: dict[str, Any], *,
                    updated_by: str | None) -> None:
    """Set the given columns of the settings row (and who changed it)."""
    values = {**changes, "updated_by": updated_by}
    assignments = sql.SQL(", ").join(
        sql.SQL("{} = {}").format(sql.Identifier(name), sql.Placeholder(name)) for name in values)
    conn.execute(sql.SQL("update billing_settings set {} where id").format(assignments), values)


@dataclass(frozen=True)
class SealedValue:
    """One stored encrypted value and where it lives."""

    table: str
    key_column: str
    column: str
    key: Any
    token: str


def sealed_values(conn: Connection) -> list[SealedValue]:
    """Every stored encrypted value, rows locked for update."""
    found = []
    for table, key_column, column in ENCRYPTED_COLUMNS:
        query = sql.SQL("select {k} as key, {c} as token from {t} where {c} is not null"
                        " for update").format(k=sql.Identifier(key_column),
                                              c=sql.Identifier(column),
                                              t=sql.Identifier(table))
        found += [SealedValue(table, key_column, column, row["key"], row["token"])
                  for row in conn.execute(query)]
    return found


def replace_sealed(conn: Connection, value: SealedValue, token: str) -> None:
    """Store ``token`` in place of ``value``."""
    conn.execute(sql.SQL("update {t} set {c} = %s where {k} = %s").format(
        t=sql.Identifier(value.table), c=sql.Identifier(value.column),
        k=sql.Identifier(value.key_column)), [token, value.key])
