"""The psycopg 3 pool and the two kinds of transaction the app runs.

``user_session(claims)`` runs one transaction as ``authenticated`` with
``request.jwt.claims`` set, exactly as PostgREST does, so RLS applies.
``system_session(actor)`` runs one transaction as ``service_role`` for the
timer and webhooks, and records the actor for the audit log.

Connections never prepare statements (``prepare_threshold=None``): a transaction
pooler (Supavisor on 6543, PgBouncer in transaction mode) may run the next
transaction on another server connection, where a prepared statement would not
exist. Everything else the sessions rely on is transaction-scoped (``set local``,
``set_config(..., true)``, ``pg_advisory_xact_lock``).
"""
from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool

from billing.domain.errors import UpstreamUnavailable

Connection = psycopg.Connection[dict[str, Any]]


class Database:
    """A connection pool that hands out RLS-scoped transactions."""

    def __init__(self, url: str, *, min_size: int = 1, max_size: int = 10) -> None:
        self.url = url
        self.pool = ConnectionPool(
            url,
            min_size=min_size,
            max_size=max_size,
            open=False,
            kwargs={"row_factory": dict_row, "autocommit": False, "prepare_threshold": None},
            name="billing",
        )
        self._opened = False

    def _open(self) -> None:
        if not self._opened:
            self.pool.open(wait=False)
            self._opened = True

    @contextmanager
    def _transaction(self) -> Iterator[Connection]:
        self._open()
        try:
            with self.pool.connection(timeout=15) as conn, conn.transaction():
                yield conn
        except psycopg.OperationalError as exc:
            raise UpstreamUnavailable(
                "The billing database is unavailable. Please try again shortly.",
                code="database_unavailable",
            ) from exc

    @contextmanager
    def user_session(self, claims: dict[str, Any]) -> Iterator[Connection]:
        """One transaction as ``authenticated`` with the caller's JWT claims."""
        with self._transaction() as conn:
            conn.execute(
                "select set_config('request.jwt.claims', %s, true)",
                [json.dumps({**claims, "role": "authenticated"})],
            )
            conn.execute("set local role authenticated")
            yield conn

    @contextmanager
    def system_session(self, actor: str) -> Iterator[Connection]:
        """One transaction as ``service_role`` on behalf of a system actor."""
        with self._transaction() as conn:
            conn.execute("select set_config('billing.actor', %s, true)", [actor])
            conn.execute("set local role service_role")
            yield conn

    def close(self) -> None:
        """Close the pool (tests, CLI exit)."""
        if self._opened:
            self.pool.close()
            self._opened = False
