"""Reconciliation over real HTTP and from the command line: a Super User starts a
run (audited as them), runs are listed latest first, one run shows its findings,
the dashboard carries the latest run's counts, and `billing reconcile --json`
prints the same run."""
from __future__ import annotations

import json
import uuid
from datetime import date

import pytest

from billing.bootstrap import Deps
from billing.domain.periods import Period
from billing.usecases import batch_runner
from billing.usecases.invoicing import GenerateOptions
from tests.e2e.test_cli_invoicing import run_billing

URL = "/api/billing/reconciliation-runs"
OCTOBER = Period(date(2026, 10, 1), date(2026, 10, 31))


@pytest.fixture
def api_deps(world_deps) -> Deps:
    return world_deps


@pytest.fixture
def paid_in_stripe_only(world, world_deps, stripe_standin) -> str:
    """Beta's October invoice, sent, then paid with the webhook missed; our id."""
    batch = batch_runner.generate(world_deps, world.principal, OCTOBER,
                                  [world.customers["beta"]], GenerateOptions(mode="send"))
    item = batch["items"][0]
    stripe_standin.mark_paid(item["stripe_invoice_id"], webhook=False)
    return item["invoice_id"]


def test_a_super_user_reconciles_and_repairs(api, admin_headers, admin_persona,
                                             paid_in_stripe_only, admin_conn):
    reported = api.post(URL, json={}, headers=admin_headers)
    assert reported.status_code == 201, reported.text
    assert reported.json()["counts"]["status_behind"] == 1
    assert reported.json()["trigger"] == "api"

    repaired = api.post(URL, json={"repair": True}, headers=admin_headers).json()
    (finding,) = repaired["findings"]
    assert (finding["kind"], finding["invoice_id"], finding["repaired"]) == (
        "status_behind", paid_in_stripe_only, True)

    runs = api.get(URL, headers=admin_headers).json()
    assert [r["id"] for r in runs["items"]] == [repaired["id"], reported.json()["id"]]
    assert runs["total"] == 2 and "findings" not in runs["items"][0]
    one = api.get(f"{URL}/{repaired['id']}", headers=admin_headers).json()
    assert one["findings"] == repaired["findings"]
    actors = admin_conn.execute(
        "select actor_id::text, action from billing_audit_log where action like"
        " 'BILLING_RECONCILIATION_%%' order by id").fetchall()
    assert actors == [(admin_persona.user_id, "BILLING_RECONCILIATION_RUN"),
                      (admin_persona.user_id, "BILLING_RECONCILIATION_REPAIRED"),
                      (admin_persona.user_id, "BILLING_RECONCILIATION_RUN")]


def test_the_dashboard_shows_the_latest_runs_counts(api, admin_headers, paid_in_stripe_only):
    assert api.get("/api/billing/dashboard", headers=admin_headers).json()[
        "reconciliation"] is None
    run = api.post(URL, json={}, headers=admin_headers).json()

    latest = api.get("/api/billing/dashboard", headers=admin_headers).json()["reconciliation"]

    assert (latest["id"], latest["findings_total"]) == (run["id"], 1)
    assert latest["counts"]["status_behind"] == 1


def test_bad_input_is_a_problem(api, admin_headers):
    future = api.post(URL, json={"since": "2030-01-01"}, headers=admin_headers)
    assert (future.status_code, future.json()["code"]) == (422, "invalid_since")
    unknown = api.post(URL, json={"fix": True}, headers=admin_headers)
    assert unknown.status_code == 422
    missing = api.get(f"{URL}/{uuid.uuid4()}", headers=admin_headers)
    assert (missing.status_code, missing.json()["code"]) == (
        404, "reconciliation_run_not_found")
    assert api.get(f"{URL}/not-a-uuid", headers=admin_headers).status_code == 404


def test_billing_reconcile_json_on_the_command_line(paid_in_stripe_only, db_url,
                                                    stripe_standin, admin_conn):
    out = run_billing(["reconcile", "--json"], db_url, stripe_standin)
    assert out.returncode == 0, out.stderr
    run = json.loads(out.stdout)
    assert (run["trigger"], run["counts"]["status_behind"]) == ("cli", 1)

    text = run_billing(["reconcile", "--repair"], db_url, stripe_standin)
    assert text.returncode == 0, text.stderr
    assert "[status_behind]" in text.stdout and "repaired (status_sent_to_paid)" in text.stdout
    status = admin_conn.execute("select invoice_status from invoice_records where id = %s",
                                [paid_in_stripe_only]).fetchone()[0]
    assert status == "paid"
