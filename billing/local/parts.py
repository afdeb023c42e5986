"""Local parts for `make demo`, `make serve` and benchmarks: a database
(throwaway cluster unless DATABASE_URL is set), migrated, and the loopback
stand-ins for Retell, Stripe and the Bank of Canada; all stopped at the end."""
from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import Any

from billing.adapters.postgres.migrations import migrate
from billing.local.cluster import LocalCluster

LOCAL_STRIPE_KEY = "sk_test_CareXPSLocal4242"


@contextmanager
def local_database(*, echo: bool = True) -> Iterator[str]:
    """Yield a migrated database URL: DATABASE_URL if set, else a throwaway cluster."""
    with ExitStack() as stack:
        url = os.environ.get("DATABASE_URL")
        if url:
            result = migrate(url, local=False)
        else:
            cluster = stack.enter_context(LocalCluster())
            url = cluster.url
            result = migrate(url, local=True)
            if echo:
                print(f"Local PostgreSQL {cluster.bindir.parent.name} on 127.0.0.1:{cluster.port}")
        if echo:
            for name in result.applied:
                print(f"  applied {name}")
        yield url


def start_standins(stack: ExitStack, month: str) -> dict[str, Any]:
    """Start the Retell (seeded with ``month``), Stripe and Bank of Canada stand-ins;
    each is stopped when ``stack`` closes."""
    from standins.boc import BocStandin
    from standins.retell import RetellStandin
    from standins.stripe import StripeStandin

    parts = {"retell": RetellStandin(month=month, seed=2026), "stripe": StripeStandin(),
             "boc": BocStandin()}
    for part in parts.values():
        part.start()
        stack.callback(part.stop)
    return parts


def standin_settings(parts: dict[str, Any]) -> dict[str, str]:
    """Settings (field names; upper-case them for the environment) that point the app
    at the stand-ins."""
    return {
        "retell_api_key": parts["retell"].api_key, "retell_base_url": parts["retell"].base_url,
        "boc_valet_url": parts["boc"].base_url, "stripe_api_base": parts["stripe"].base_url,
        "stripe_secret_key": LOCAL_STRIPE_KEY,
    }
