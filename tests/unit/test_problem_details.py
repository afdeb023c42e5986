"""Problem details per RFC 9457: ``status`` is the HTTP status whatever an error carries,
every code and extension member used anywhere is documented in ``Problem``."""
from __future__ import annotations

import ast
import json
from pathlib import Path

from billing.domain import errors as E
from functions._http import problem
from functions._problems import ERROR_CODES, Problem
from tests.unit.test_technical_examples import codes_in_source

ROOT = Path(__file__).resolve().parents[2]


def body_of(resp) -> dict:
    return json.loads(resp.get_body())


def test_an_invoice_status_never_replaces_the_http_status():
    exc = E.InvalidState("Cannot mark a draft paid.", code="invalid_invoice_state",
                         extra={"status": "draft", "invoice_status": "draft", "code": "x"})
    body = body_of(problem(exc, "i1"))
    assert (body["status"], body["code"], body["invoice_status"]) == (
        409, "invalid_invoice_state", "draft")


def test_a_429_carries_its_wait_in_the_body_and_the_header():
    resp = problem(E.RateLimited("Slow down.", retry_after=7), "i2")
    assert (resp.headers["Retry-After"], body_of(resp)["retry_after_s"]) == ("7", 7)


def test_a_401_asks_for_a_bearer_token():
    resp = problem(E.Unauthenticated("Sign in."), "i3")
    assert resp.headers["WWW-Authenticate"].startswith("Bearer")


def test_field_paths_say_where_the_field_is():
    exc = E.ValidationFailed("Bad.", errors=[{"field": "period.end", "message": "m"},
                                             {"field": "query.page", "message": "m"}])
    fields = [e["field"] for e in body_of(problem(exc, "i4", where="body"))["errors"]]
    assert fields == ["body.period.end", "query.page"]


def test_every_code_the_source_answers_with_is_in_the_code_enum():
    assert sorted(codes_in_source() - set(ERROR_CODES)) == []


LOG_CALLS = {"debug", "info", "warning", "error", "exception", "critical", "log"}


def _dict_keys(node: ast.AST | None) -> set[str]:
    if isinstance(node, ast.Call) and node.args:  # dict(NAME) or dict({...})
        node = node.args[0]
    if isinstance(node, ast.Dict):
        return {k.value for k in node.keys if isinstance(k, ast.Constant)}
    return set()


def _extra_keys(tree: ast.AST) -> set[str]:
    constants: dict[str, set[str]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if isinstance(target, ast.Name):
                    constants.setdefault(target.id, set()).update(_dict_keys(node.value))
    keys: set[str] = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr in LOG_CALLS:
            continue
        if isinstance(func, ast.Attribute) and func.attr == "update" \
                and getattr(func.value, "id", "") == "extra":
            keys |= {k.arg for k in node.keywords if k.arg}
        for kw in node.keywords:
            if kw.arg == "extra":
                keys |= _dict_keys(kw.value)
                if isinstance(kw.value, ast.Name):
                    keys |= constants.get(kw.value.id, set())
                if isinstance(kw.value, ast.Call) and kw.value.args \
                        and isinstance(kw.value.args[0], ast.Name):
                    keys |= constants.get(kw.value.args[0].id, set())
    return keys


def extra_members_in_source() -> set[str]:
    """Keys of every ``extra=`` given to an error in billing/ and functions/."""
    keys: set[str] = set()
    for folder in ("billing", "functions"):
        for path in (ROOT / folder).rglob("*.py"):
            keys |= _extra_keys(ast.parse(path.read_text(encoding="utf-8")))
    return keys


def test_every_extension_member_given_anywhere_is_documented():
    documented = {f.alias or name for name, f in Problem.model_fields.items()}
    found = extra_members_in_source()
    assert {"existing_invoices", "attempts_remaining", "verify", "returnUrl"} <= found
    assert sorted(found - documented) == []


def test_an_undocumented_member_is_still_sent_but_never_breaks_the_response():
    body = body_of(problem(E.Conflict("x", extra={"surprise": 1}), "i5"))
    assert (body["status"], body["surprise"]) == (409, 1)
