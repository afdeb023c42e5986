"""`billing serve`, `serve-local`, `dev-token`, `demo` and `openapi`: the commands for local runs,
registered by `billing.cli` when this package is present (it is never deployed)."""
from __future__ import annotations

import argparse
import os
from datetime import UTC, datetime
from typing import Any


def cmd_serve(args: argparse.Namespace) -> int:
    """Serve the function app's HTTP routes on 127.0.0.1 until Ctrl-C."""
    from billing.local.server import make_local_server

    server = make_local_server(args.port)
    from billing.local.console import console_url

    print(f"Billing API on http://127.0.0.1:{server.server_port}/api/billing and the console on"
          f" {console_url(server.server_port)} (Ctrl-C stops)", flush=True)
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
    from billing.domain.periods import local_today, previous_month
    from billing.local.demo_steps import seed_local_organisation
    from billing.local.identity import prepare_dev_identity
    from billing.local.parts import local_database, standin_settings, start_standins

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
    """Print a local HS256 bearer token."""
    from billing.config import get_settings
    from billing.local.identity import dev_token

    print(dev_token(args.user_id, get_settings(), ttl=args.ttl))
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    """The whole product on local parts."""
    from billing.local.demo import run_demo

    return run_demo(json_output=args.json)


def cmd_openapi(args: argparse.Namespace) -> int:
    """Print the OpenAPI 3.1 document of the HTTP API (no server, no database)."""
    import json

    from billing.local.server import registered_functions
    from functions._openapi import openapi_document

    registered_functions()
    print(json.dumps(openapi_document(), indent=2 if args.indent else None))
    return 0


def add_commands(sub: Any) -> None:
    """Register the local-run commands on the `billing` parser."""
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

    p = sub.add_parser("openapi", help="print the API's OpenAPI 3.1 document (JSON)")
    p.add_argument("--indent", action="store_true", help="pretty-print")
    p.set_defaults(func=cmd_openapi)

    p = sub.add_parser("demo", help="the whole product on local parts")
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    p.set_defaults(func=cmd_demo)
