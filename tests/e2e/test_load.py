"""Load without loss: 2,000 mixed requests from 20 concurrent clients against the
served app — admin reads and CSV exports, requests with invalid tokens, signed
Stripe and Retell webhooks (each delivered more than once, some malformed) — answer
without a 5xx, apply every valid webhook exactly once, and leave the audit rows
as specified. Prints the figures (``-s``)."""
from __future__ import annotations

import json
import random
import time
from collections import Counter, defaultdict
from datetime import UTC, date, datetime

import pytest

from bench.load import Request, fire, report
from billing.adapters.clock import SystemClock
from billing.bootstrap import Deps
from billing.domain.periods import Period
from billing.domain.usage import ms_from_utc
from billing.usecases import invoice_runs
from billing.usecases.invoicing import GenerateOptions
from standins.stripe_webhooks import sign
from tests.fixtures.auth import auth_settings
from tests.fixtures.webhooks import RETELL_URL, STRIPE_SECRET, STRIPE_URL
from tests.fixtures.world import FX, add_customer, add_usage, map_agent

TOTAL, CLIENTS = 2000, 20
READS, EXPORTS, INVALID_TOKENS, MALFORMED = 450, 90, 360, 20
OCTOBER = Period(date(2026, 10, 1), date(2026, 10, 31))
READ_PATHS = ["/api/billing/customers", "/api/billing/invoices", "/api/billing/dashboard",
              "/api/billing/audit", "/api/billing/settings"]
EXPORT_PATHS = ["/api/billing/customers/export.csv", "/api/billing/invoices/export.csv",
                "/api/billing/reports/usage.csv"]


@pytest.fixture
def api_deps(db, db_url, stripe_gateway, retell_standin, retell_client) -> Deps:
    """The real clock: RLS checks today's MFA verification against the database's."""
    return Deps(settings=auth_settings(db_url, fx_fixed_usd_cad=FX,
                                       retell_api_key=retell_standin.api_key,
                                       retell_base_url=retell_standin.base_url),
                db=db, clock=SystemClock(), payments_factory=lambda: stripe_gateway,
                retell_client=retell_client)


@pytest.fixture
def invoiced(api_deps, world, admin_conn, stripe_standin, stripe_hook) -> list[str]:
    """Twenty customers' October invoices sent through Stripe and then paid there;
    their Stripe ids. The events wait in the stand-in (no endpoint registered)."""
    admin_conn.execute("update billing_settings set notification_email = 'billing@carexps.test'")
    for n in range(17):
        customer = add_customer(admin_conn, f"Load Clinic {n:02d}")
        map_agent(admin_conn, f"agent_load_{n}", customer)
        add_usage(admin_conn, f"agent_load_{n}", datetime(2026, 10, 10 + n % 15, 15, tzinfo=UTC),
                  segments=3 + n, twilio_usd="0.0249", retell_cents="3.5")
        world.customers[f"load{n}"] = customer
    batch = invoice_runs.generate(api_deps, world.principal, OCTOBER,
                                  list(world.customers.values()), GenerateOptions(mode="send"))
    stripe_ids = [i["stripe_invoice_id"] for i in batch["items"] if i.get("stripe_invoice_id")]
    for stripe_id in stripe_ids:
        stripe_standin.mark_paid(stripe_id)
    return stripe_ids


def stripe_requests(events: list[dict], count: int, rnd: random.Random) -> list[Request]:
    """``count`` signed deliveries: every event at least once, then random repeats;
    ``MALFORMED`` of them correctly signed but not an event we can read."""
    bodies = [(e["id"], json.dumps(e).encode()) for e in events]
    picks = bodies + [rnd.choice(bodies) for _ in range(count - MALFORMED - len(bodies))]
    malformed = [(f"bad{n}", json.dumps({"id": n, "type": "invoice.paid"}).encode())
                 for n in range(MALFORMED // 2)] * 2
    return [Request("stripe_webhook" if not key.startswith("bad") else "stripe_malformed",
                    "POST", STRIPE_URL, {"Stripe-Signature": sign(body, STRIPE_SECRET,
                                                                  int(time.time()))},
                    body, key) for key, body in picks + malformed]


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


def admin_requests(admins, rnd: random.Random) -> list[Request]:
    reads = [Request("read", "GET", rnd.choice(READ_PATHS), rnd.choice(admins).headers)
             for _ in range(READS)]
    exports = [Request("export", "GET", EXPORT_PATHS[n % 3], admins[n % len(admins)].headers)
               for n in range(EXPORTS)]
    return reads + exports


def invalid_token_requests(rnd: random.Random) -> list[Request]:
    headers = [{}, {"Authorization": "Bearer not-a-token"}, {"Authorization": "Basic eA=="}]
    return [Request("invalid_token", "GET", rnd.choice(READ_PATHS), rnd.choice(headers))
            for _ in range(INVALID_TOKENS)]


def test_2000_mixed_requests_from_20_clients_lose_nothing_and_apply_each_webhook_once(
        api, api_deps, personas, invoiced, stripe_standin, retell_standin, admin_conn,
        capsys):
    rnd = random.Random(17)
    admins = [personas.create("verified") for _ in range(8)]
    retell = retell_requests(retell_standin, ms_from_utc(api_deps.clock.now()))
    mix = admin_requests(admins, rnd) + invalid_token_requests(rnd) + retell
    mix += stripe_requests(stripe_standin.events(), TOTAL - len(mix), rnd)
    rnd.shuffle(mix)
    assert len(mix) == TOTAL

    outcomes, seconds = fire(str(api.base_url), mix, CLIENTS)

    with capsys.disabled():
        print("\n" + report(outcomes, seconds, CLIENTS))
    by_kind = defaultdict(list)
    for outcome in outcomes:
        by_kind[outcome.request.kind].append(outcome)
    assert len(outcomes) == TOTAL
    assert [o for o in outcomes if o.status >= 500] == []
    assert {o.status for o in by_kind["read"] + by_kind["export"]} == {200}
    assert {o.status for o in by_kind["stripe_malformed"]} == {400}
    check_stripe_applied_once(by_kind["stripe_webhook"], invoiced, admin_conn)
    check_retell_applied_once(by_kind["retell_webhook"], retell_standin, admin_conn)
    check_audit(by_kind["invalid_token"], admin_conn)


def check_stripe_applied_once(outcomes, stripe_ids, admin_conn) -> None:
    assert {o.status for o in outcomes} == {200}
    delivered = {o.request.key for o in outcomes}
    recorded = admin_conn.execute("select event_id, count(*) over () from billing_stripe_events"
                                  ).fetchall()
    assert {r[0] for r in recorded} == delivered
    first = Counter(o.request.key for o in outcomes
                    if json.loads(o.body)["outcome"] != "replay")
    assert set(first.values()) == {1}, "an event was applied more than once"
    statuses = admin_conn.execute(
        "select invoice_status, count(*) from invoice_records where stripe_invoice_id = any(%s)"
        " group by 1", [stripe_ids]).fetchall()
    assert statuses == [("paid", len(stripe_ids))]
    paid_audit, notices = admin_conn.execute(
        "select (select count(*) from billing_audit_log where action = 'BILLING_INVOICE_PAID'),"
        " (select count(*) from billing_notification_outbox where kind = 'payment_received')"
    ).fetchone()
    assert paid_audit == notices == len(stripe_ids)


def check_retell_applied_once(outcomes, standin, admin_conn) -> None:
    assert {o.status for o in outcomes} <= {200, 204}
    inserted = Counter(o.request.key for o in outcomes
                       if o.status == 200 and json.loads(o.body)["outcome"] == "inserted")
    ended = {r["call_id"] for r in standin.seed.calls if r["call_status"] == "ended"} | {
        r["chat_id"] for r in standin.seed.chats if r["chat_status"] == "ended"}
    assert set(inserted) == ended and set(inserted.values()) == {1}
    rows = admin_conn.execute("select count(*), count(distinct external_id) from usage_records"
                              " where external_id = any(%s)", [list(ended)]).fetchone()
    assert rows == (len(ended), len(ended))


def check_audit(invalid, admin_conn) -> None:
    """Invalid tokens: counted in one row per minute (one source, one reason), at most
    the limit each; the rest refused with 429 and written nowhere."""
    statuses = Counter(o.status for o in invalid)
    assert set(statuses) <= {401, 429} and statuses[429] > 0
    counts = [r[0]["count"] for r in admin_conn.execute(
        "select details from billing_audit_log where aggregate_key is not null").fetchall()]
    assert 1 <= len(counts) <= 3 and max(counts) <= 30
    assert sum(counts) == statuses[401]
    identified = admin_conn.execute(
        "select count(*) from billing_audit_log where action = 'BILLING_ACCESS_DENIED'"
        " and aggregate_key is null").fetchone()[0]
    assert identified == 0
