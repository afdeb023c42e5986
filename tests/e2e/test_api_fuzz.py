"""Schemathesis against the served OpenAPI document: every operation, valid and
invalid input, as a verified Super User over real HTTP. No input may answer a
server error, and every response must match its documented schema.

``BILLING_FUZZ_EXAMPLES`` sets the examples per operation and mode (default 6,
bounded for `make test`; `make fuzz` runs many more).
"""
from __future__ import annotations

import os
import time
from collections import Counter

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import response_schema_conformance

from billing.adapters.secrets import encrypt
from billing.bootstrap import Deps
from tests.fixtures.auth import auth_settings
from tests.fixtures.world import FX

EXAMPLES = int(os.environ.get("BILLING_FUZZ_EXAMPLES", "6"))
CHECKS = [not_a_server_error, response_schema_conformance]
#: Verifying MFA with fuzzed codes locks the account out: it runs last.
LAST = ("/api/billing/mfa/verify",)
WEBHOOK_SECRET = "whsec_fuzzSigningSecret0123456789"


@pytest.fixture
def api_deps(db, db_url, api_clock, stripe_gateway, retell_standin, world) -> Deps:
    """The world's organisation, the Stripe and Retell stand-ins, a fixed FX rate, the
    real clock (the database checks today's MFA verification by its own clock)."""
    settings = auth_settings(db_url, fx_fixed_usd_cad=FX, retell_api_key=retell_standin.api_key,
                             retell_base_url=retell_standin.base_url)
    return Deps(settings=settings, db=db, clock=api_clock,
                payments_factory=lambda: stripe_gateway)


def fresh_start(conn, deps: Deps) -> None:
    """Before each operation: no rate-limit counts, and a Stripe webhook secret (fuzzed
    settings may have cleared it)."""
    conn.execute("delete from billing_rate_limit_events")
    conn.execute("update billing_settings set stripe_webhook_secret_encrypted = %s",
                 [encrypt(WEBHOOK_SECRET, deps.keyring)])


def run_operation(operation, base_url: str, headers: dict[str, str], mode: GenerationMode,
                  statuses: Counter | None = None) -> str | None:
    """Fuzz one operation in one mode; the failure report, or None (``statuses`` counts
    the answers)."""
    @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
              phases=[Phase.explicit, Phase.generate],
              suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy(generation_mode=mode))
    def fuzz(case):
        response = case.call_and_validate(base_url=base_url, headers=headers, checks=CHECKS,
                                          timeout=30)
        if statuses is not None:
            statuses[response.status_code] += 1

    try:
        fuzz()
    except Unsatisfiable:  # nothing to send that breaks the schema (no input at all)
        return None
    except (Exception, BaseExceptionGroup) as exc:  # schemathesis' FailureGroup and the rest
        return f"{mode.value} {operation.label}: {str(exc)[:1500]}"
    return None


@pytest.mark.slow
def test_no_input_gives_a_server_error_or_an_undocumented_response(api, admin_headers, api_deps,
                                                                   admin_conn):
    base_url = str(api.base_url)
    schema = schemathesis.openapi.from_url(f"{base_url}/api/billing/openapi.json")
    operations = sorted((r.ok() for r in schema.get_all_operations()),
                        key=lambda op: op.path in LAST)
    started, failures, statuses = time.perf_counter(), [], Counter()
    for op in operations:
        fresh_start(admin_conn, api_deps)
        failures += [report for mode in GenerationMode
                     if (report := run_operation(op, base_url, admin_headers, mode, statuses))]
    print(f"fuzzed {len(operations)} operations x {len(GenerationMode)} modes x {EXAMPLES}"
          f" examples in {time.perf_counter() - started:.1f} s: {sum(statuses.values())}"
          f" requests, statuses {dict(sorted(statuses.items()))}")
    assert not [s for s in statuses if s >= 500]
    assert statuses[200] > len(operations)  # the token works: most operations succeed
    assert failures == [], "\n\n".join(failures)


def test_the_fuzzer_reports_a_response_that_breaks_its_schema(api, admin_headers):
    base_url = str(api.base_url)
    doc = api.get("/api/billing/openapi.json").json()
    doc["components"]["schemas"]["Health"]["properties"]["status"] = {"type": "integer"}
    operation = schemathesis.openapi.from_dict(doc)["/api/billing/health"]["GET"]
    report = run_operation(operation, base_url, admin_headers, GenerationMode.POSITIVE)
    assert report is not None and "Response violates schema" in report
