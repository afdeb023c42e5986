"""The Settings page: billing settings and the Stripe connection test."""
from __future__ import annotations

import azure.functions as func

from billing.domain.settings import (
    SettingsUpdate,
    SettingsView,
    StripeConnectionResult,
    StripeConnectionTestIn,
)
from billing.usecases import settings as uc
from functions._http import Call, endpoint

bp = func.Blueprint()
BASE = "billing/settings"


@endpoint(bp, "GET", BASE, summary="The billing settings (secrets only as set/hint)",
          response=SettingsView, tag="settings")
def get_billing_settings(call: Call) -> SettingsView:
    return uc.get_settings(principal=call.principal, deps=call.deps)


@endpoint(bp, "PUT", BASE, summary="Save settings sections (only the fields sent change)",
          body=SettingsUpdate, response=SettingsView, tag="settings",
          errors=(503,))
def put_billing_settings(call: Call) -> SettingsView:
    return uc.update_settings(call.body, principal=call.principal, deps=call.deps)


@endpoint(bp, "POST", BASE + "/stripe/test",
          summary="Test the Stripe connection with the saved key or a key given (not saved)",
          body=StripeConnectionTestIn, response=StripeConnectionResult, tag="settings")
def stripe_connection_test(call: Call) -> StripeConnectionResult:
    return uc.check_stripe_connection(call.body, principal=call.principal, deps=call.deps)
