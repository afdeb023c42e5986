"""The migration runner: ordered, recorded, idempotent, refuses changed files."""
from __future__ import annotations

import shutil

import psycopg
import pytest

from billing.adapters.postgres.migrations import (
    MIGRATIONS_DIR,
    MigrationChanged,
    migrate,
    migration_files,
)


def test_every_migration_is_recorded_with_its_sha256(db_url):
    with psycopg.connect(db_url) as conn:
        recorded = dict(conn.execute("select name, sha256 from billing_private.billing_schema_migrations"))
    names = [name for name, _ in migration_files(local=True)]
    assert sorted(recorded) == sorted(names)
    assert all(len(digest) == 64 for digest in recorded.values())


def test_rerunning_is_a_no_op(db_url):
    result = migrate(db_url, local=True)
    assert result.applied == ()
    assert len(result.skipped) == len(migration_files(local=True))


def test_a_changed_applied_file_is_refused(db_url, tmp_path):
    copy = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS_DIR, copy)
    first = sorted(copy.glob("*.sql"))[0]
    first.write_text(first.read_text() + "\n-- edited after it was applied\n")
    with pytest.raises(MigrationChanged, match=first.name):
        migrate(db_url, local=True, migrations_dir=copy)


def test_a_new_file_is_applied_once(db_url, tmp_path):
    copy = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS_DIR, copy)
    (copy / "99999999999999_extra.sql").write_text("create table extra_probe (id int);")
    assert migrate(db_url, local=True, migrations_dir=copy).applied == (
        "99999999999999_extra.sql",)
    assert migrate(db_url, local=True, migrations_dir=copy).applied == ()


def test_a_failing_migration_leaves_nothing_behind(db_url, tmp_path):
    copy = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS_DIR, copy)
    (copy / "99999999999999_broken.sql").write_text(
        "create table half_done (id int); select 1/0;")
    with pytest.raises(psycopg.errors.DivisionByZero):
        migrate(db_url, local=True, migrations_dir=copy)
    with psycopg.connect(db_url) as conn:
        assert conn.execute("select to_regclass('half_done')").fetchone()[0] is None
        assert conn.execute("select count(*) from billing_private.billing_schema_migrations"
                            " where name like '%broken%'").fetchone()[0] == 0


def test_a_tracking_table_left_in_public_by_earlier_versions_is_moved(db_url):
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute("alter table billing_private.billing_schema_migrations set schema public")
    assert migrate(db_url, local=True).applied == ()
    with psycopg.connect(db_url) as conn:
        assert conn.execute("select to_regclass('public.billing_schema_migrations')"
                            ).fetchone()[0] is None
        assert conn.execute("select count(*) from billing_private.billing_schema_migrations"
                            ).fetchone()[0] == len(migration_files(local=True))
