"""The migration runner behind ``billing migrate``.

Applies ``infra/supabase/local/*.sql`` (only when asked: local runs and tests),
then ``infra/supabase/migrations/*.sql`` in name order, each file in its own
transaction, recording its name and SHA-256 in ``billing_schema_migrations``.
A file that changed after it was applied is refused; re-running is a no-op.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import psycopg

from billing.domain.errors import BillingError

ROOT = Path(__file__).resolve().parents[3] / "infra" / "supabase"
LOCAL_DIR = ROOT / "local"
MIGRATIONS_DIR = ROOT / "migrations"
_LOCK_KEY = 0x62696C6C  # one runner at a time


class MigrationChanged(BillingError):
    """An applied migration file no longer matches what was applied."""

    code = "migration_changed"
    title = "Applied migration changed"


@dataclass(frozen=True)
class MigrationResult:
    applied: tuple[str, ...]
    skipped: tuple[str, ...]


def migration_files(
    *, local: bool, migrations_dir: Path = MIGRATIONS_DIR, local_dir: Path = LOCAL_DIR
) -> list[tuple[str, Path]]:
    """The files to apply, in order, named as recorded (``local/x.sql`` or ``x.sql``)."""
    files: list[tuple[str, Path]] = []
    if local:
        files += [(f"local/{p.name}", p) for p in sorted(local_dir.glob("*.sql"))]
    files += [(p.name, p) for p in sorted(migrations_dir.glob("*.sql"))]
    return files


def migrate(
    database_url: str, *, local: bool = False, migrations_dir: Path = MIGRATIONS_DIR
) -> MigrationResult:
    """Apply every pending migration; refuse if an applied file changed."""
    applied: list[str] = []
    skipped: list[str] = []
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("select pg_advisory_lock(%s)", [_LOCK_KEY])
        try:
            conn.execute(
                "create table if not exists public.billing_schema_migrations ("
                " name text primary key, sha256 text not null,"
                " applied_at timestamptz not null default now())"
            )
            done = dict(conn.execute("select name, sha256 from billing_schema_migrations"))
            for name, path in migration_files(local=local, migrations_dir=migrations_dir):
                sql = path.read_bytes()
                digest = hashlib.sha256(sql).hexdigest()
                if name in done:
                    if done[name] != digest:
                        raise MigrationChanged(
                            f"Migration {name} was changed after it was applied "
                            f"(recorded sha256 {done[name][:12]}…, file {digest[:12]}…). "
                            "Add a new migration instead of editing an applied one."
                        )
                    skipped.append(name)
                    continue
                with conn.transaction():
                    conn.execute(sql.decode("utf-8"))
                    conn.execute(
                        "insert into billing_schema_migrations (name, sha256) values (%s, %s)",
                        [name, digest],
                    )
                applied.append(name)
        finally:
            conn.execute("select pg_advisory_unlock(%s)", [_LOCK_KEY])
    return MigrationResult(tuple(applied), tuple(skipped))
