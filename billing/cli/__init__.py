"""The `billing` command: one module per command group, registered here. The local-run
commands (serve, serve-local, dev-token, demo) come from `billing.local`, which exists in a
checkout and not in the deploy package."""
from __future__ import annotations

import argparse
import importlib
import importlib.util
import signal
import sys
from collections.abc import Sequence

from billing.cli import access, audit, database, invoicing, reconcile, usage
from billing.domain.errors import BillingError

COMMAND_GROUPS = (database, usage, invoicing, access, audit, reconcile)
LOCAL_COMMANDS = "billing.local.commands"


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand."""
    parser = argparse.ArgumentParser(
        prog="billing", description="CareXPS Billing Admin: migrate, sync, invoice, serve.")
    sub = parser.add_subparsers(dest="command", required=True)
    groups = list(COMMAND_GROUPS)
    if importlib.util.find_spec("billing.local") is not None:
        groups.append(importlib.import_module(LOCAL_COMMANDS))
    for group in groups:
        group.add_commands(sub)
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
