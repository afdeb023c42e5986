"""Load without loss: 2,000 mixed requests from 20 concurrent clients against the
served app — admin reads and CSV exports, requests with invalid tokens, signed
Stripe and Retell webhooks (each delivered more than once, some malformed) — answer
without a 5xx, apply every valid webhook exactly once, and leave the audit rows
as specified (``bench.load_mix``). Prints the figures (``-s``)."""
from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from bench.load_client import fire, report
from bench.load_mix import MixSize, build_mix, check_run
from billing.adapters.clock import SystemClock
from billing.bootstrap import Deps
from billing.domain.periods import Period
from billing.domain.usage import ms_from_utc
from billing.usecases import batch_runner
from billing.usecases.invoicing import GenerateOptions
from tests.fixtures.auth import auth_settings
from tests.fixtures.webhooks import STRIPE_SECRET
from tests.fixtures.world import FX, add_customer, add_usage, map_agent

CLIENTS = 20
OCTOBER = Period(date(2026, 10, 1), date(2026, 10, 31))


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
    batch = batch_runner.generate(api_deps, world.principal, OCTOBER,
                                  list(world.customers.values()), GenerateOptions(mode="send"))
    stripe_ids = [i["stripe_invoice_id"] for i in batch["items"] if i.get("stripe_invoice_id")]
    for stripe_id in stripe_ids:
        stripe_standin.mark_paid(stripe_id)
    return stripe_ids


def test_2000_mixed_requests_from_20_clients_lose_nothing_and_apply_each_webhook_once(
        api, api_deps, personas, invoiced, stripe_standin, retell_standin, admin_conn,
        capsys):
    admins = [personas.create("verified").headers for _ in range(8)]
    mix = build_mix(MixSize(), admin_headers=admins, stripe_events=stripe_standin.events(),
                    stripe_secret=STRIPE_SECRET, retell_standin=retell_standin,
                    retell_at_ms=ms_from_utc(api_deps.clock.now()))
    assert len(mix) == MixSize().total

    outcomes, seconds = fire(str(api.base_url), mix, CLIENTS)

    with capsys.disabled():
        print("\n" + report(outcomes, seconds, CLIENTS))
    assert len(outcomes) == len(mix)
    check_run(outcomes, admin_conn, stripe_ids=invoiced, retell_standin=retell_standin,
              denials_per_minute=api_deps.settings.billing_denials_per_minute)
