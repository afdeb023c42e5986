"""Every BillingError subclass has an HTTP status and a stable code."""
from __future__ import annotations

import json

import pytest

from billing.domain import errors as E
from functions._http import STATUS_BY_ERROR, problem, status_for


def all_subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from all_subclasses(sub)


def test_every_error_class_in_the_errors_module_is_mapped_explicitly():
    for cls in vars(E).values():
        if isinstance(cls, type) and issubclass(cls, E.BillingError):
            assert cls in STATUS_BY_ERROR, cls.__name__


@pytest.mark.parametrize("cls", list(all_subclasses(E.BillingError)), ids=lambda c: c.__name__)
def test_every_subclass_anywhere_maps_to_a_4xx_or_5xx_with_a_code(cls):
    exc = cls.__new__(cls)
    E.BillingError.__init__(exc, "detail")
    assert 400 <= status_for(exc) < 600
    assert cls.code and cls.code == cls.code.lower()


def test_problem_json_carries_code_fields_extra_and_retry_after():
    exc = E.RateLimited("Slow down.", retry_after=42, code="mfa_locked",
                        errors=[{"field": "code", "message": "m"}], extra={"hint": "h"})
    resp = problem(exc, "abc")
    body = json.loads(resp.get_body())
    assert resp.status_code == 429
    assert resp.headers["Retry-After"] == "42"
    assert resp.mimetype == "application/problem+json"
    assert body == {"type": "https://carexps.com/problems/mfa_locked", "title": "Too many requests",
                    "status": 429, "detail": "Slow down.", "instance": "urn:invocation:abc",
                    "code": "mfa_locked", "errors": [{"field": "body.code", "message": "m"}],
                    "hint": "h", "retry_after_s": 42}


@pytest.mark.parametrize(("exc", "status"), [
    (E.ValidationFailed("x"), 422), (E.Unauthenticated("x"), 401), (E.Forbidden("x"), 403),
    (E.MfaRequired("x"), 403), (E.MfaVerificationRequired("x"), 403), (E.NotFound("x"), 404),
    (E.Conflict("x"), 409), (E.InvalidState("x"), 409), (E.UpstreamUnavailable("x"), 503),
    (E.PaymentProviderError("x"), 502),
])
def test_design_status_table(exc, status):
    assert status_for(exc) == status
