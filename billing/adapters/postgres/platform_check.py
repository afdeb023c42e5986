"""``billing migrate --check``: is this database a platform the backend can run on safely?

Read-only. Reports the PostgreSQL version (15 or later: ``unique nulls not
distinct``, ``security_invoker`` views), every billing object the API roles can
use beyond what the API needs (``privileges.exposures``), default privileges
that would grant future objects to ``anon``/``authenticated``, and whether
CareXPS's ``user_settings`` has the columns and types this backend reads.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import psycopg
from psycopg.rows import dict_row

from billing.adapters.postgres import privileges
from billing.adapters.postgres.sessions import Connection

MIN_SERVER_VERSION = 150000
#: user_settings column -> the types accepted for it.
USER_SETTINGS_COLUMNS = {
    "user_id": {"uuid"},
    "role": {"text", "character varying"},
    "fresh_mfa_enabled": {"boolean"},
    "fresh_mfa_setup_completed": {"boolean"},
    "fresh_mfa_secret": {"text", "character varying"},
}


@dataclass
class PlatformReport:
    """Findings: ``problems`` fail the check, ``warnings`` are worth knowing."""

    server_version: str
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def check_platform(database_url: str) -> PlatformReport:
    """Inspect the database at ``database_url`` (no changes)."""
    with psycopg.connect(database_url, row_factory=dict_row, prepare_threshold=None) as conn:
        version = conn.execute("select current_setting('server_version') as v,"
                               " current_setting('server_version_num')::int as n").fetchone()
        report = PlatformReport(server_version=version["v"])
        if version["n"] < MIN_SERVER_VERSION:
            report.problems.append(f"PostgreSQL {version['v']}: 15 or later is required")
        report.problems += [f"user_settings: {p}" for p in user_settings_problems(conn)]
        report.problems += _exposures(conn)
        report.warnings += [f"{w} (billing migrations revoke it on what they create)"
                            for w in privileges.default_acl_exposures(conn)]
        if conn.execute("select to_regclass('public.billing_schema_migrations') as t"
                        ).fetchone()["t"] is not None:
            report.warnings.append("billing_schema_migrations is still in public:"
                                   " `billing migrate` moves it to billing_private")
        conn.rollback()
    return report


def _exposures(conn: Connection) -> list[str]:
    roles = conn.execute("select count(*) as n from pg_roles"
                         " where rolname in ('anon', 'authenticated')").fetchone()
    if roles["n"] != 2:
        return ["the roles anon and authenticated do not exist (not a Supabase database?)"]
    return [f"exposed: {e}" for e in privileges.exposures(conn)]


def user_settings_problems(conn: Connection) -> list[str]:
    """Missing columns or unexpected types in public.user_settings."""
    rows = conn.execute(
        "select column_name, data_type from information_schema.columns"
        " where table_schema = 'public' and table_name = 'user_settings'").fetchall()
    if not rows:
        return ["the table public.user_settings does not exist"]
    found = {r["column_name"]: r["data_type"] for r in rows}
    problems = []
    for column, types in USER_SETTINGS_COLUMNS.items():
        if column not in found:
            problems.append(f"column {column} is missing")
        elif found[column] not in types:
            problems.append(f"column {column} is {found[column]},"
                            f" expected {' or '.join(sorted(types))}")
    return problems
