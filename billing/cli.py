"""The `billing` command: migrate, serve, demo and the operator commands."""
from __future__ import annotations

import argparse
import os
import signal
import sys
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime

from billing.domain.errors import BillingError

Command = Callable[[argparse.Namespace], int]


def cmd_migrate(args: argparse.Namespace) -> int:
    from billing.adapters.postgres.migrations import migrate

    url = args.database_url or os.environ.get("DATABASE_URL")
    if not url:
        print("billing migrate: no database. Pass --database-url or set DATABASE_URL.",
              file=sys.stderr)
        return 2
    result = migrate(url, local=args.local)
    for name in result.applied:
        print(f"applied {name}")
    print(f"{len(result.applied)} applied, {len(result.skipped)} already applied")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    import importlib

    server = importlib.import_module("functions._local_server").make_local_server(args.port)
    print(f"Billing API on http://127.0.0.1:{server.server_port}/api/billing (Ctrl-C stops)",
          flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


def cmd_serve_local(args: argparse.Namespace) -> int:
    """`make serve`: a throwaway database with the demo organisation and last month's
    usage, the stand-ins, a seeded Super User; then `billing serve`."""
    from contextlib import ExitStack

    from billing.bootstrap import get_deps
    from billing.demo_steps import seed_local_organisation
    from billing.dev_identity import prepare_dev_identity
    from billing.devenv import local_database, standin_settings, start_standins
    from billing.domain.periods import local_today, previous_month

    throwaway = not os.environ.get("DATABASE_URL")
    with ExitStack() as stack:
        url = stack.enter_context(local_database())
        os.environ["DATABASE_URL"] = url
        period = previous_month(local_today(datetime.now(UTC), "America/Toronto"))
        if throwaway:
            parts = start_standins(stack, period.start.strftime("%Y-%m"))
            for name, value in standin_settings(parts).items():
                os.environ.setdefault(name.upper(), value)
        print(prepare_dev_identity(url, port=args.port, seed=throwaway), flush=True)
        if throwaway:
            print(seed_local_organisation(get_deps(), period), flush=True)
        return cmd_serve(args)


def cmd_dev_token(args: argparse.Namespace) -> int:
    from billing.config import get_settings
    from billing.dev_identity import dev_token

    print(dev_token(args.user_id, get_settings(), ttl=args.ttl))
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from billing.demo import run_demo

    return run_demo(json_output=args.json)


def cmd_sync_usage(args: argparse.Namespace) -> int:
    from billing.bootstrap import get_deps
    from billing.domain.periods import Period
    from billing.usecases.usage_sync import sync_period

    deps, period = get_deps(), Period(args.start, args.end)
    result = sync_period(
        lambda _today: period, db=deps.db, source=deps.usage_source, clock=deps.clock,
        actor=None, default_time_zone=deps.settings.billing_time_zone,
        progress=lambda source, done: print(f"{source}: {done} records", flush=True))
    print(f"{period.label()}: {result.fetched} fetched, {result.inserted} inserted,"
          f" {result.updated} updated, {result.unchanged} unchanged, {result.drift} drift,"
          f" {result.skipped} skipped in {result.duration_seconds:.1f} s")
    if result.drift:
        print("drift (billed, left as is): " + ", ".join(result.drift_ids))
    gone = result.unattributed
    if gone.count:
        print(f"unattributed: {gone.count} records, {gone.cost_usd:.2f} USD,"
              f" agents {', '.join(gone.agent_ids)}")
    return 0


def cmd_rotate_encryption_key(args: argparse.Namespace) -> int:
    from billing.bootstrap import get_deps
    from billing.usecases.settings import rotate_encryption_key

    result = rotate_encryption_key(get_deps())
    print(f"re-encrypted {result.re_encrypted} stored secret(s) with key {result.key_id};"
          f" {result.already_current} already used it")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand."""
    parser = argparse.ArgumentParser(prog="billing", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("migrate", help="apply database migrations")
    p.add_argument("--local", action="store_true",
                   help="also apply infra/supabase/local (local runs and tests only)")
    p.add_argument("--database-url", help="defaults to DATABASE_URL")
    p.set_defaults(func=cmd_migrate)

    p = sub.add_parser("sync-usage", help="sync Retell usage of local days into the ledger")
    p.add_argument("--start", type=date.fromisoformat, required=True, help="YYYY-MM-DD")
    p.add_argument("--end", type=date.fromisoformat, required=True,
                   help="YYYY-MM-DD, inclusive")
    p.set_defaults(func=cmd_sync_usage)

    p = sub.add_parser("rotate-encryption-key",
                       help="re-encrypt every stored secret with BILLING_ENCRYPTION_KEY")
    p.set_defaults(func=cmd_rotate_encryption_key)

    p = sub.add_parser("serve", help="serve the HTTP API on 127.0.0.1")
    p.add_argument("--port", type=int, default=7071)
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("serve-local", help="`make serve`: local database, data, stand-ins, API")
    p.add_argument("--port", type=int, default=7071)
    p.set_defaults(func=cmd_serve_local)

    p = sub.add_parser("dev-token", help="a local HS256 bearer token (BILLING_AUTH_JWT_SECRET)")
    p.add_argument("--user-id", required=True, help="the CareXPS user id (UUID)")
    p.add_argument("--ttl", type=int, default=12 * 3600, help="seconds (default 12 h)")
    p.set_defaults(func=cmd_dev_token)

    from billing.cli_invoicing import add_commands

    add_commands(sub)

    p = sub.add_parser("demo", help="the whole product on local parts")
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    p.set_defaults(func=cmd_demo)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `billing` console script and `python -m billing`."""
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except BillingError as exc:
        print(f"billing {args.command}: {exc.detail} [{exc.code}]", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
