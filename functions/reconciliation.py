"""Reconciliation with Stripe: start a run (Super User, audited), list runs, one run."""
from __future__ import annotations

import azure.functions as func

from billing.usecases import reconciliation as use
from billing.usecases.reconciliation_models import (
    RunDetail,
    RunListQuery,
    RunPage,
    RunRequest,
)
from functions._http import Call, endpoint, uuid_param

bp = func.Blueprint()
BASE = "billing/reconciliation-runs"


@endpoint(bp, "POST", BASE, body=RunRequest, response=RunDetail, status=201,
          tag="reconciliation", errors=(429, 502, 503), summary="Reconcile our invoices with Stripe now (optionally "
          "repairing statuses forward and deleting orphan drafts); returns the stored run")
def create_reconciliation_run(call: Call) -> RunDetail:
    body: RunRequest = call.body
    run = use.start_run(call.deps, call.principal,
                        use.ReconcileOptions(since=body.since, repair=body.repair, trigger="api"))
    return RunDetail.model_validate(run)


@endpoint(bp, "GET", BASE, query=RunListQuery, response=RunPage, tag="reconciliation",
          summary="Reconciliation runs, latest first, with their counts per finding kind")
def list_reconciliation_runs(call: Call) -> RunPage:
    query: RunListQuery = call.query
    return RunPage.model_validate(use.list_runs(call.deps, call.principal, page=query.page,
                                                page_size=query.page_size))


@endpoint(bp, "GET", BASE + "/{run_id}", response=RunDetail, tag="reconciliation",
          summary="One reconciliation run with every finding and the repairs made")
def get_reconciliation_run(call: Call) -> RunDetail:
    return RunDetail.model_validate(
        use.get_run(call.deps, call.principal, uuid_param(call.params["run_id"])))
