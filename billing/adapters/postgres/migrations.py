"""The migration runner behind ``billing migrate``.

Applies ``infra/supabase/local/*.sql`` (only when asked: local runs and tests;
``former_default_privileges`` adds ``local/switches/former_default_privileges.sql``
right after the roles exist), then ``infra/supabase/migrations/*.sql`` in name
order, each file in its own transaction, recording its name and SHA-256 in
``billing_private.billing_schema_migrations``: a schema PostgREST does not
expose, with no privileges for anyone but its owner. A file that changed after
it was applied is refused; re-running is a no-op.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import psycopg

from billing.domain.errors import BillingError

ROOT = Path(__file__).resolve().parents[3] / "infra" / "supabase"
LOCAL_DIR = ROOT / "local"
FORMER_DEFAULTS = LOCAL_DIR / "switches" / "former_default_privileges.sql"
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


#: Created (or moved from ``public``, where earlier versions kept it) before anything runs.
_TRACKING_TABLE = """
create schema if not exists billing_private;
revoke all on schema billing_private from public;
do $$
begin
  if to_regclass('public.billing_schema_migrations') is not null
     and to_regclass('billing_private.billing_schema_migrations') is null then
    alter table public.billing_schema_migrations set schema billing_private;
  end if;
end
$$;
create table if not exists billing_private.billing_schema_migrations (
  name text primary key, sha256 text not null, applied_at timestamptz not null default now());
revoke all on billing_private.billing_schema_migrations from public;
do $$
declare
  api_role text;
begin
  foreach api_role in array array['anon', 'authenticated', 'service_role'] loop
    if exists (select 1 from pg_roles where rolname = api_role) then
      execute format('revoke all on schema billing_private from %I', api_role);
      execute format('revoke all on billing_private.billing_schema_migrations from %I',
                     api_role);
    end if;
  end loop;
end
$$;
"""


def migration_files(
    *, local: bool, migrations_dir: Path = MIGRATIONS_DIR, local_dir: Path = LOCAL_DIR,
    former_default_privileges: bool = False,
) -> list[tuple[str, Path]]:
    """The files to apply, in order, named as recorded (``local/x.sql`` or ``x.sql``)."""
    files: list[tuple[str, Path]] = []
    if local:
        files += [(f"local/{p.name}", p) for p in sorted(local_dir.glob("*.sql"))]
    if local and former_default_privileges:
        files.insert(1, ("local/switches/former_default_privileges.sql", FORMER_DEFAULTS))
    files += [(p.name, p) for p in sorted(migrations_dir.glob("*.sql"))]
    return files


def migrate(
    database_url: str, *, local: bool = False, migrations_dir: Path = MIGRATIONS_DIR,
    former_default_privileges: bool = False,
) -> MigrationResult:
    """Apply every pending migration; refuse if an applied file changed.

    ``former_default_privileges`` (with ``local``) reproduces a Supabase project that
    still has the former default grants to anon/authenticated (privilege tests).
    """
    applied: list[str] = []
    skipped: list[str] = []
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("select pg_advisory_lock(%s)", [_LOCK_KEY])
        try:
            conn.execute(_TRACKING_TABLE)
            done = dict(conn.execute(
                "select name, sha256 from billing_private.billing_schema_migrations"))
            for name, path in migration_files(
                    local=local, migrations_dir=migrations_dir,
                    former_default_privileges=former_default_privileges):
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
                        "insert into billing_private.billing_schema_migrations (name, sha256)"
                        " values (%s, %s)",
                        [name, digest],
                    )
                applied.append(name)
        finally:
            conn.execute("select pg_advisory_unlock(%s)", [_LOCK_KEY])
    return MigrationResult(tuple(applied), tuple(skipped))
