"""The load mix and its no-loss checks, shared by ``bench.load`` and ``tests/e2e/test_load.py``.

The mix: admin reads and CSV exports, requests with invalid tokens, every seeded
Retell call and chat delivered twice, and signed Stripe events of paid invoices
delivered at least once (the rest of the budget as random repeats) plus a few
correctly signed malformed ones. The checks, after the run: no 5xx; reads and
exports 200; each Stripe event recorded once and applied by exactly one delivery,
every invoice paid with one audit row and one notification; each billed Retell
record inserted by exactly one delivery and stored once; invalid tokens counted
in at most one aggregated row per minute (never above the limit), the rest 429.
"""
from __future__ import annotations

import json
import random
import time
from collections import Counter
from dataclasses import dataclass

from bench.load_client import Outcome, Request
from billing.domain.usage import FINAL_CALL_STATUSES
from standins.stripe_webhooks import sign

STRIPE_URL = "/api/billing/stripe/webhook"
RETELL_URL = "/api/billing/retell/webhook"
READ_PATHS = ["/api/billing/customers", "/api/billing/invoices", "/api/billing/dashboard",
              "/api/billing/audit", "/api/billing/settings"]
EXPORT_PATHS = ["/api/billing/customers/export.csv", "/api/billing/invoices/export.csv",
                "/api/billing/reports/usage.csv"]
BAD_HEADERS = [{}, {"Authorization": "Bearer not-a-token"}, {"Authorization": "Basic eA=="}]


@dataclass(frozen=True)
class MixSize:
    """How many requests of each kind (Stripe deliveries fill up to ``total``)."""

    total: int = 2000
    reads: int = 450
    exports: int = 90
    invalid_tokens: int = 360
    malformed: int = 20


def stripe_requests(events: list[dict], count: int, secret: str, malformed: int,
                    rnd: random.Random) -> list[Request]:
    """``count`` signed deliveries: each event once, then random repeats, and
    ``malformed`` signed bodies that are not events (each sent twice)."""
    bodies = [(e["id"], json.dumps(e).encode()) for e in events]
    picks = bodies + [rnd.choice(bodies) for _ in range(count - malformed - len(bodies))]
    bad = [(f"bad{n}", json.dumps({"id": n, "type": "invoice.paid"}).encode())
           for n in range(malformed // 2)] * 2
    now = int(time.time())
    return [Request("stripe_malformed" if key.startswith("bad") else "stripe_webhook", "POST",
                    STRIPE_URL, {"Stripe-Signature": sign(body, secret, now)}, body, key)
            for key, body in picks + bad]


def retell_requests(standin, at_ms: int) -> list[Request]:
    """Every seeded call and chat delivered twice (``*_ended``), signed at ``at_ms``."""
    out = []
    for kind, records in (("call", standin.seed.calls), ("chat", standin.seed.chats)):
        for record in records:
            body = standin.webhook_payload(f"{kind}_ended", record[f"{kind}_id"])
            request = Request("retell_webhook", "POST", RETELL_URL,
                              {"x-retell-signature": standin.sign_webhook(body, ts_ms=at_ms)},
                              body, record[f"{kind}_id"])
            out += [request, request]
    return out


def build_mix(size: MixSize, *, admin_headers: list[dict[str, str]], stripe_events: list[dict],
              stripe_secret: str, retell_standin, retell_at_ms: int,
              seed: int = 17) -> list[Request]:
    """The whole mix, shuffled (duplicates land on different clients at once)."""
    rnd = random.Random(seed)
    mix = [Request("read", "GET", rnd.choice(READ_PATHS), rnd.choice(admin_headers))
           for _ in range(size.reads)]
    mix += [Request("export", "GET", EXPORT_PATHS[n % 3], admin_headers[n % len(admin_headers)])
            for n in range(size.exports)]
    mix += [Request("invalid_token", "GET", rnd.choice(READ_PATHS), rnd.choice(BAD_HEADERS))
            for _ in range(size.invalid_tokens)]
    mix += retell_requests(retell_standin, retell_at_ms)
    mix += stripe_requests(stripe_events, size.total - len(mix), stripe_secret,
                           size.malformed, rnd)
    rnd.shuffle(mix)
    return mix


def check_run(outcomes: list[Outcome], conn, *, stripe_ids: list[str], retell_standin,
              denials_per_minute: int) -> None:
    """Every no-loss check (AssertionError naming the first that fails)."""
    kinds: dict[str, list[Outcome]] = {}
    for outcome in outcomes:
        kinds.setdefault(outcome.request.kind, []).append(outcome)
    assert [o for o in outcomes if o.status >= 500] == [], "a 5xx answer"
    assert {o.status for o in kinds["read"] + kinds["export"]} == {200}
    assert {o.status for o in kinds["stripe_malformed"]} == {400}
    check_stripe(kinds["stripe_webhook"], conn, stripe_ids)
    check_retell(kinds["retell_webhook"], conn, retell_standin)
    check_denials(kinds["invalid_token"], conn, denials_per_minute)


def check_stripe(outcomes: list[Outcome], conn, stripe_ids: list[str]) -> None:
    """Each event recorded once and applied by one delivery; every invoice paid once."""
    assert {o.status for o in outcomes} == {200}
    recorded = {r[0] for r in conn.execute("select event_id from billing_stripe_events")}
    assert recorded == {o.request.key for o in outcomes}
    first = Counter(o.request.key for o in outcomes if json.loads(o.body)["outcome"] != "replay")
    assert set(first.values()) == {1}, "an event was applied more than once"
    statuses = conn.execute(
        "select invoice_status, count(*) from invoice_records where stripe_invoice_id = any(%s)"
        " group by 1", [stripe_ids]).fetchall()
    assert [tuple(r) for r in statuses] == [("paid", len(stripe_ids))]
    paid, notices = conn.execute(
        "select (select count(*) from billing_audit_log where action = 'BILLING_INVOICE_PAID'),"
        " (select count(*) from billing_notification_outbox where kind = 'payment_received')"
    ).fetchone()
    assert paid == notices == len(stripe_ids)


def _billed_call(record: dict) -> bool:
    """``billing.domain.usage.billable_call`` on a raw Retell call: ended, or charged."""
    charged = (record.get("call_cost") or {}).get("combined_cost") or 0
    return record["call_status"] == "ended" or (
        record["call_status"] in FINAL_CALL_STATUSES and charged > 0)


def check_retell(outcomes: list[Outcome], conn, standin) -> None:
    """Each billed record (ended chats; calls ended or charged) inserted by exactly one
    delivery and stored once."""
    assert {o.status for o in outcomes} <= {200, 204}
    inserted = Counter(o.request.key for o in outcomes
                       if o.status == 200 and json.loads(o.body)["outcome"] == "inserted")
    ended = {r["call_id"] for r in standin.seed.calls if _billed_call(r)} | {
        r["chat_id"] for r in standin.seed.chats if r["chat_status"] == "ended"}
    assert set(inserted) == ended and set(inserted.values()) == {1}
    rows = conn.execute("select count(*), count(distinct external_id) from usage_records"
                        " where external_id = any(%s)", [list(ended)]).fetchone()
    assert tuple(rows) == (len(ended), len(ended))


def check_denials(outcomes: list[Outcome], conn, per_minute: int) -> None:
    """Invalid tokens: one aggregated row per minute (one source, one reason), none over
    the limit, counting exactly the 401s; the rest 429; no per-request rows."""
    statuses = Counter(o.status for o in outcomes)
    assert set(statuses) <= {401, 429} and statuses[429] > 0
    counts = [r[0]["count"] for r in conn.execute(
        "select details from billing_audit_log where aggregate_key is not null")]
    assert 1 <= len(counts) <= 3 and max(counts) <= per_minute
    assert sum(counts) == statuses[401]
    single = conn.execute("select count(*) from billing_audit_log where action ="
                          " 'BILLING_ACCESS_DENIED' and aggregate_key is null").fetchone()[0]
    assert single == 0
