"""Fuzzing the Stripe webhook over real HTTP with correctly signed bodies: arbitrary
JSON and mutations of the stand-in's real invoice events never answer 500, log a
traceback or write partially."""
from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given

from billing.bootstrap import Deps
from billing.domain.periods import Period
from billing.usecases import batch_runner
from billing.usecases.invoicing import GenerateOptions
from tests.e2e.fuzzing import FUZZ, bodies, check
from tests.fixtures.auth import auth_settings
from tests.fixtures.world import FX


@pytest.fixture
def api_deps(db, db_url, world_clock, stripe_gateway) -> Deps:
    return Deps(settings=auth_settings(db_url, fx_fixed_usd_cad=FX), db=db, clock=world_clock,
                payments_factory=lambda: stripe_gateway)


@pytest.fixture
def stripe_events(api_deps, world, stripe_standin, stripe_gateway) -> list[dict]:
    """Real events of two October invoices, sent; one then paid, the other voided."""
    october = Period(date(2026, 10, 1), date(2026, 10, 31))
    stripe_ids = []
    for name in ("acme", "beta"):
        batch = batch_runner.generate(api_deps, world.principal, october,
                                      [world.customers[name]], GenerateOptions(mode="send"))
        stripe_ids.append(batch["items"][0]["stripe_invoice_id"])
    stripe_standin.mark_paid(stripe_ids[0])
    stripe_gateway.void_invoice(stripe_ids[1], idempotency_key="fuzz-void")
    return stripe_standin.events()


def test_signed_arbitrary_or_mutated_stripe_events_never_fail_or_write_partially(
        stripe_hook, stripe_events, table_counts, caplog):
    assert {e["type"] for e in stripe_events} >= {"invoice.sent", "invoice.paid",
                                                   "invoice.voided"}

    @FUZZ
    @given(body=bodies(stripe_events))
    def run(body):
        check(stripe_hook, body, table_counts, caplog)
    run()
