"""`billing demo --json` end to end, checked against the Retell stand-in's seed."""
from __future__ import annotations

import csv
import json
import math
import os
import subprocess
import sys
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from billing.domain.periods import local_today, previous_month
from billing.local.demo_data import CUSTOMERS, UNMAPPED_AGENT
from standins.retell_seed import build_month
from tests.fixtures.retell import billed_seed_record


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo")
    run = subprocess.run([sys.executable, "-m", "billing", "demo", "--json"], cwd=out,
                         capture_output=True, text=True, timeout=600,
                         env={**os.environ, "PYTHONPATH": str(_repo())})
    assert run.returncode == 0, run.stderr[-3000:]
    return json.loads(run.stdout), out


def _repo() -> Path:
    return Path(__file__).resolve().parents[2]


def expected_usage() -> dict[str, dict[str, int]]:
    period = previous_month(local_today(datetime.now(UTC), "America/Toronto"))
    seed = build_month(period.start.strftime("%Y-%m"), 2026)
    by_agent = {agent: name for name, _, _, _, agents in CUSTOMERS for agent in agents}
    figures = {name: {"chats": 0, "calls": 0, "minutes": 0} for name, *_ in CUSTOMERS}
    for call in seed.calls:
        name = by_agent.get(call["agent_id"])
        if name and billed_seed_record(call, "call"):
            figures[name]["calls"] += 1
            if call["call_type"] == "phone_call":  # web calls have no Twilio minutes
                figures[name]["minutes"] += math.ceil(call["duration_ms"] / 60000)
    for chat in seed.chats:
        name = by_agent.get(chat["agent_id"])
        if name and chat["chat_status"] == "ended":
            figures[name]["chats"] += 1
    return figures


def test_demo_invoices_the_seeded_usage_and_agrees_with_stripe(demo):
    summary, _ = demo
    assert summary["mismatches"] == []
    expected = expected_usage()
    invoiced = {c["customer_name"]: c for c in summary["customers"] if c["invoice_status"]}
    for name, figures in expected.items():
        if figures["chats"] + figures["calls"] == 0:
            assert name not in invoiced
            continue
        row = invoiced[name]
        assert (row["total_chats"], row["total_calls"]) == (figures["chats"], figures["calls"])
        assert Decimal(row["total_call_minutes"]) == figures["minutes"]
        assert row["invoice_status"] in {"sent", "paid"}
        assert row["invoice_number"]
    # two paid through their webhooks, one whose webhook was lost (repaired by reconciliation)
    assert sum(1 for c in invoiced.values() if c["invoice_status"] == "paid") == 3
    total = sum(Decimal(c["total_amount_cad"]) for c in invoiced.values())
    assert Decimal(summary["total_invoiced_cad"]) == total


def test_demo_reconciles_a_lost_payment_webhook_and_a_stray_draft(demo):
    summary, _ = demo
    assert summary["reconciliation"]["found"] == {"status_behind": 1, "orphan_in_stripe": 1}
    assert summary["reconciliation"]["repaired"] == 2


def test_demo_reports_the_unmapped_agent_and_the_fx_used(demo):
    summary, _ = demo
    assert [u["agent_id"] for u in summary["unattributed"]] == [UNMAPPED_AGENT]
    assert summary["fx"]["source"] == "bank_of_canada"
    assert summary["usage_sync"]["unattributed_records"] > 0


def test_demo_writes_the_two_csv_files(demo):
    summary, out = demo
    with open(out / "out" / "usage_report.csv", encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
    names = [r["Customer"] for r in rows]
    assert names[-2:] == ["Unattributed usage", "Total"]
    assert sorted(names[:-2]) == sorted(name for name, *_ in CUSTOMERS)
    total = Decimal(rows[-1]["Total (CAD)"])
    assert total == sum(Decimal(r["Total (CAD)"]) for r in rows[:-1])
    with open(out / "out" / "invoice_history.csv", encoding="utf-8-sig") as f:
        history = list(csv.DictReader(f))
    assert len(history) == sum(1 for c in summary["customers"] if c["invoice_status"])
