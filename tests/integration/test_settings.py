"""Which Stripe key the app uses: the saved one (opened in memory), else the
environment's, else a clear ``stripe_not_configured``; a test's
``payments_factory`` overrides them all."""
from __future__ import annotations

import pytest

from billing.adapters.clock import SystemClock
from billing.adapters.postgres.settings_sql import load_settings
from billing.bootstrap import Deps
from billing.domain.errors import MfaVerificationRequired, PaymentProviderError
from billing.domain.settings import SettingsUpdate
from billing.usecases import settings as uc
from tests.fixtures.auth import auth_settings
from tests.fixtures.db import create_user

SAVED_KEY = "sk_test_51SavedInTheSettings"
ENV_KEY = "sk_test_51FromTheEnvironment"


@pytest.fixture
def api_deps(db, db_url, stripe_standin) -> Deps:
    return Deps(settings=auth_settings(db_url, stripe_api_base=stripe_standin.base_url),
                db=db, clock=SystemClock())


def save_key(deps, principal, key=SAVED_KEY):
    uc.update_settings(SettingsUpdate.model_validate({"stripe": {"secret_key": key}}),
                       principal=principal, deps=deps)


def with_env_key(deps: Deps) -> Deps:
    deps.settings = deps.settings.model_copy(update={"stripe_secret_key": ENV_KEY})
    return deps


def test_payments_use_the_saved_key_before_the_environment_key(api_deps, admin_principal,
                                                               stripe_standin):
    save_key(with_env_key(api_deps), admin_principal)
    stripe_standin.restrict_api_keys([SAVED_KEY])
    assert api_deps.payments().list_customers() == []


def test_payments_fall_back_to_the_environment_key(api_deps, stripe_standin):
    stripe_standin.restrict_api_keys([ENV_KEY])
    assert with_env_key(api_deps).payments().list_customers() == []


def test_payments_without_any_key_are_refused_clearly(api_deps):
    with pytest.raises(PaymentProviderError) as caught:
        api_deps.payments()
    assert caught.value.code == "stripe_not_configured"
    assert "add a secret key in the billing settings" in caught.value.detail


def test_a_payments_factory_overrides_every_key(api_deps, admin_principal):
    save_key(api_deps, admin_principal)
    api_deps.payments_factory = lambda: "the test's gateway"
    assert api_deps.payments() == "the test's gateway"


def test_a_live_saved_key_gives_a_live_gateway(api_deps, admin_principal):
    uc.update_settings(SettingsUpdate.model_validate(
        {"stripe": {"secret_key": "sk_live_51Live", "test_mode": False}}),
        principal=admin_principal, deps=api_deps)
    assert api_deps.payments().livemode is True


def test_settings_hidden_by_row_level_security_are_a_403_not_a_crash(db, admin_conn):
    user = create_user(admin_conn, verified=False)
    with pytest.raises(MfaVerificationRequired), db.user_session({"sub": user}) as conn:
        load_settings(conn)
