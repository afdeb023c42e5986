"""`billing audit prune --before DATE`: retention of the aggregated access-denial rows."""
from __future__ import annotations

import argparse
from datetime import date
from typing import Any


def cmd_audit_prune(args: argparse.Namespace) -> int:
    """Delete aggregated denial rows before the date; every other audit row stays."""
    from billing.bootstrap import get_deps
    from billing.usecases.access_denials import prune_denials

    deps = get_deps()
    deleted = prune_denials(deps, before=args.before)
    print(f"deleted {deleted} aggregated access-denial row(s) before {args.before}"
          f" ({deps.settings.billing_time_zone}); no other audit entry can be deleted")
    return 0


def add_commands(sub: Any) -> None:
    """Register `audit prune` on the `billing` parser."""
    audit = sub.add_parser("audit", help="audit log maintenance")
    actions = audit.add_subparsers(dest="audit_command", required=True)
    p = actions.add_parser(
        "prune", help="delete aggregated access-denial rows (without a valid token) before"
                      " a date; nothing else in the audit log can be deleted")
    p.add_argument("--before", required=True, type=date.fromisoformat, metavar="YYYY-MM-DD",
                   help="delete the rows of minutes before this date's midnight"
                        " (billing time zone)")
    p.set_defaults(func=cmd_audit_prune)
