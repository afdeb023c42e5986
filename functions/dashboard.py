"""The billing dashboard."""
from __future__ import annotations

import azure.functions as func

from billing.usecases.dashboard import Dashboard, build_dashboard
from functions._http import Call, endpoint

bp = func.Blueprint()


@endpoint(bp, "GET", "billing/dashboard", summary="Billing dashboard: month to date, previous "
          "month, trend, customers, pending and recent invoices, six-month cost trends",
          response=Dashboard, tag="dashboard")
def dashboard(call: Call) -> Dashboard:
    deps = call.deps
    with deps.db.user_session(call.principal.rls_claims) as conn:
        return build_dashboard(conn, fx=deps.fx, now=deps.clock.now(),
                               default_time_zone=deps.settings.billing_time_zone)
