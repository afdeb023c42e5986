"""`billing demo`: the product end to end on local parts."""
from __future__ import annotations

import json

import psycopg

from billing.devenv import local_database


def run_demo(*, json_output: bool = False) -> int:
    """Start the local parts, run the demo, print a summary; stop everything."""
    with local_database(echo=not json_output) as url, psycopg.connect(url) as conn:
        tables = [r[0] for r in conn.execute(
            "select tablename from pg_tables where schemaname = 'public' order by 1")]
    summary = {"tables": tables}
    if json_output:
        print(json.dumps(summary, indent=2))
    else:
        print("Tables: " + ", ".join(tables))
    return 0
