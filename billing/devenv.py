"""Local parts for `make demo`, `make serve` and benchmarks: a database
(throwaway cluster unless DATABASE_URL is set), migrated, stopped at the end."""
from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager

from billing.adapters.postgres.local_cluster import LocalCluster
from billing.adapters.postgres.migrations import migrate


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
