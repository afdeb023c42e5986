"""`billing migrate` and `billing rotate-encryption-key`: the database and its secrets."""
from __future__ import annotations

import argparse
import os
import sys
from typing import Any


def cmd_migrate(args: argparse.Namespace) -> int:
    """Apply the migrations that are not applied yet."""
    from billing.adapters.postgres.migrations import migrate

    url = args.database_url or os.environ.get("DATABASE_URL")
    if not url:
        print("billing migrate: no database. Pass --database-url or set DATABASE_URL.",
              file=sys.stderr)
        return 2
    if args.check:
        return _check(url)
    result = migrate(url, local=args.local,
                     former_default_privileges=args.former_default_privileges)
    for name in result.applied:
        print(f"applied {name}")
    print(f"{len(result.applied)} applied, {len(result.skipped)} already applied")
    return 0


def _check(url: str) -> int:
    """Report what the database would still expose, its version and user_settings."""
    from billing.adapters.postgres.platform_check import check_platform

    report = check_platform(url)
    print(f"PostgreSQL {report.server_version}")
    for line in report.problems:
        print(f"PROBLEM  {line}")
    for line in report.warnings:
        print(f"warning  {line}")
    print("ok: nothing exposed" if report.ok else f"{len(report.problems)} problem(s)")
    return 0 if report.ok else 1


def cmd_rotate_encryption_key(args: argparse.Namespace) -> int:
    """Re-encrypt every stored secret with the current key."""
    from billing.bootstrap import get_deps
    from billing.usecases.settings import rotate_encryption_key

    result = rotate_encryption_key(get_deps())
    print(f"re-encrypted {result.re_encrypted} stored secret(s) with key {result.key_id};"
          f" {result.already_current} already used it")
    return 0


def add_commands(sub: Any) -> None:
    """Register `migrate` and `rotate-encryption-key` on the `billing` parser."""
    p = sub.add_parser("migrate", help="apply database migrations")
    p.add_argument("--local", action="store_true",
                   help="also apply infra/supabase/local (local runs and tests only)")
    p.add_argument("--former-default-privileges", action="store_true",
                   help="with --local: reproduce Supabase's former default grants to"
                        " anon/authenticated first (privilege tests)")
    p.add_argument("--check", action="store_true",
                   help="change nothing; report exposed billing objects, default privileges,"
                        " the PostgreSQL version and user_settings columns")
    p.add_argument("--database-url", help="defaults to DATABASE_URL")
    p.set_defaults(func=cmd_migrate)

    p = sub.add_parser("rotate-encryption-key",
                       help="re-encrypt every stored secret with BILLING_ENCRYPTION_KEY")
    p.set_defaults(func=cmd_rotate_encryption_key)
