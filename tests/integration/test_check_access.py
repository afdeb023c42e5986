"""`billing check-access --user-id ID`: one real account's standing at the gate,
from the database alone, before go-live."""
from __future__ import annotations

import json
import uuid

import pytest

from billing.bootstrap import use_deps
from billing.cli import main


def check(api_deps, capsys, user_id: str, *extra: str) -> tuple[int, str]:
    with use_deps(api_deps):
        status = main(["check-access", "--user-id", user_id, *extra])
    return status, capsys.readouterr().out


def report(api_deps, capsys, user_id: str) -> dict:
    status, out = check(api_deps, capsys, user_id, "--json")
    return {**json.loads(out), "exit": status}


def test_a_super_user_with_mfa_set_up_passes_after_todays_code(api_deps, personas, capsys):
    user = personas.create("super_user")
    found = report(api_deps, capsys, user.user_id)
    assert found["exit"] == 0
    assert (found["role"], found["mfa_enabled"], found["mfa_setup_completed"]) == (
        "Super User", True, True)
    assert (found["secret_format"], found["secret_readable"]) == ("billing-v1", True)
    assert (found["passes_gate_now"], found["refusal_now"]) == (
        False, "mfa_verification_required")
    assert found["passes_after_todays_code"] is True


def test_a_verified_admin_passes_now(api_deps, personas, capsys):
    assert report(api_deps, capsys, personas.create("verified").user_id)["passes_gate_now"]


@pytest.mark.parametrize(("kind", "refusal"), [
    ("staff", "forbidden_role"), ("su_mfa_not_set_up", "mfa_not_enabled")])
def test_who_cannot_pass_is_told_why(api_deps, personas, capsys, kind, refusal):
    found = report(api_deps, capsys, personas.create(kind).user_id)
    assert (found["passes_after_todays_code"], found["refusal_after_code"], found["exit"]) == (
        False, refusal, 1)


def test_a_secret_sealed_another_way_is_reported_unreadable(api_deps, personas, admin_conn,
                                                            capsys):
    user = personas.create("super_user")
    admin_conn.execute("update user_settings set fresh_mfa_secret = 'carexps:v3:Zm9v'"
                       " where user_id = %s", [user.user_id])
    found = report(api_deps, capsys, user.user_id)
    assert (found["secret_readable"], found["refusal_after_code"]) == (
        False, "mfa_secret_unreadable")
    assert "not an encrypted value" in found["secret_problem"]


def test_the_text_report_names_each_fact_and_never_the_secret(api_deps, personas, capsys):
    user = personas.create("super_user")
    status, out = check(api_deps, capsys, user.user_id)
    assert status == 0
    for label in ("role", "MFA enabled / set up", "secret (billing-v1)", "passes the gate now",
                  "passes after today's code"):
        assert label in out
    assert user.totp_secret not in out


def test_an_unknown_user_is_reported_as_such(api_deps, capsys):
    status, out = check(api_deps, capsys, str(uuid.uuid4()))
    assert status == 1 and "no user_settings row" in out
