"""The billing audit log, for billing admins."""
from __future__ import annotations

import azure.functions as func

from billing.usecases.audit import AuditPage, AuditQuery, list_audit_entries
from functions._http import Call, endpoint

bp = func.Blueprint()


@endpoint(bp, "GET", "billing/audit", summary="Audit log entries, newest first",
          query=AuditQuery, response=AuditPage, tag="audit")
def get_audit(call: Call) -> AuditPage:
    return list_audit_entries(call.query, principal=call.principal, deps=call.deps)
