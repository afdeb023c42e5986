"""SQL for the usage report: per-customer and unattributed usage sums over a
range of local days, from the exact usage rollups (see ``dashboard_sql``)."""
from __future__ import annotations

from typing import Any

from billing.adapters.postgres.dashboard_sql import USAGE_SUMS, rollup_rows
from billing.adapters.postgres.sessions import Connection
from billing.domain.periods import Period


def customer_usage(conn: Connection, period: Period) -> list[dict[str, Any]]:
    """Every customer (by name) with its details, markup and usage sums in ``period``."""
    with_rollup, params = rollup_rows([period])
    return conn.execute(
        f"{with_rollup} select c.id::text as customer_id, c.customer_name, c.customer_email,"
        f" c.stripe_customer_id, c.markup_percentage, {USAGE_SUMS}"
        " from billing_customers c"
        " left join billing_customer_agents a on a.billing_customer_id = c.id"
        " left join r on r.agent_id = a.agent_id"
        " group by c.id order by lower(c.customer_name), c.id",
        params,
    ).fetchall()


def unattributed_usage(conn: Connection, period: Period) -> dict[str, Any]:
    """Usage sums in ``period`` of agents that map to no customer (or of no agent)."""
    with_rollup, params = rollup_rows([period])
    return conn.execute(
        f"{with_rollup} select {USAGE_SUMS} from r where not exists ("
        "   select 1 from billing_customer_agents a where a.agent_id = r.agent_id)",
        params,
    ).fetchone()
