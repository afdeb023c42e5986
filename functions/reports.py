"""Reports: the usage report as CSV ("Export Report")."""
from __future__ import annotations

import azure.functions as func

from billing.usecases import reports
from functions._http import Call, endpoint
from functions._models import PeriodIn

bp = func.Blueprint()


@endpoint(bp, "GET", "billing/reports/usage.csv", summary="Usage report for a period as CSV: "
          "one row per customer, unattributed usage and totals", query=PeriodIn,
          media_type="text/csv", tag="reports")
def usage_report_csv(call: Call) -> func.HttpResponse:
    report = reports.usage_report(call.deps, call.principal, call.query.to_period)
    return func.HttpResponse(
        report.content, status_code=200, mimetype="text/csv", charset="utf-8",
        headers={"Content-Disposition": f'attachment; filename="{report.filename}"',
                 "Cache-Control": "no-store"})
