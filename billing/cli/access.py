"""`billing check-access --user-id ID`: would this CareXPS user pass the access gate?

Database only (no TOTP code): role, MFA flags, whether the stored MFA secret reads
with ``BILLING_MFA_SECRET_FORMAT`` and the configured keys, and the gate's outcome
now and after today's code. Exit status 0 when the user would pass after entering
today's code, 1 otherwise. Never prints the secret.
"""
from __future__ import annotations

import argparse
import json
import uuid
from typing import Any


def _line(label: str, value: Any) -> str:
    return f"{label:<28} {value}"


def cmd_check_access(args: argparse.Namespace) -> int:
    """Print one user's standing at the gate."""
    from billing.bootstrap import get_deps
    from billing.usecases.access_check import check_access

    try:
        user_id = str(uuid.UUID(args.user_id))
    except ValueError:
        print(f"billing check-access: {args.user_id!r} is not a user id (a UUID)")
        return 2
    report = check_access(user_id, deps=get_deps())
    if args.json:
        print(json.dumps(report.model_dump(mode="json"), indent=2))
        return 0 if report.passes_after_todays_code else 1
    if not report.found:
        print(f"user {user_id}: no user_settings row — not a CareXPS user here")
        return 1
    print("\n".join([
        _line("user", report.user_id),
        _line("role", report.role),
        _line("MFA enabled / set up", f"{report.mfa_enabled} / {report.mfa_setup_completed}"),
        _line(f"secret ({report.secret_format})",
              "readable" if report.secret_readable else f"NOT readable: {report.secret_problem}"),
        _line("verified until", report.verified_until or "not verified today"),
        _line("locked until", report.locked_until or "-"),
        _line("passes the gate now", report.passes_gate_now
              if report.passes_gate_now else f"no ({report.refusal_now})"),
        _line("passes after today's code", report.passes_after_todays_code
              if report.passes_after_todays_code else f"no ({report.refusal_after_code})"),
    ]))
    return 0 if report.passes_after_todays_code else 1


def add_commands(sub: Any) -> None:
    """Register `check-access` on the `billing` parser."""
    p = sub.add_parser("check-access",
                       help="would a user pass the access gate? (database only, no code)")
    p.add_argument("--user-id", required=True,
                   help="the CareXPS user id (user_settings.user_id; the Entra object id)")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.set_defaults(func=cmd_check_access)
