"""The Settings page: read and save the organisation's billing settings, and
the secrets behind them.

The Stripe secret key and the webhook signing secret are sealed with
AES-256-GCM (``billing.adapters.secrets``) before they are stored and opened
in memory only when Stripe is called; neither is ever returned, logged or
audited (the key's hint — prefix and last four — is). A key whose mode
(test/live) does not match the test-mode switch is refused. Saving is
audited with the names of the fields that changed.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from billing.adapters.postgres import settings_sql
from billing.adapters.postgres.audit_sql import record_audit
from billing.adapters.secrets import DecryptionFailed, Keyring, decrypt, encrypt
from billing.config import Settings
from billing.domain.errors import (
    BillingError,
    PaymentProviderError,
    UpstreamUnavailable,
    ValidationFailed,
)
from billing.domain.principal import Principal
from billing.domain.settings import (
    AutomationView,
    InvoiceDefaultsView,
    NotificationsView,
    RemindersView,
    SettingsUpdate,
    SettingsView,
    StripeConnectionResult,
    StripeConnectionTestIn,
    StripeSettingsIn,
    StripeSettingsView,
    hint_mode,
    key_hint,
    key_mode,
)
from billing.usecases.rate_limits import MUTATIONS, check_rate

UPDATED = "BILLING_SETTINGS_UPDATED"
KEY_ROTATED = "BILLING_ENCRYPTION_KEY_ROTATED"
CONNECTION_TESTED = "BILLING_STRIPE_CONNECTION_TESTED"
SYSTEM_ACTOR = "settings"
NOT_CONFIGURED = "Stripe is not configured. Please add a secret key in the billing settings."
#: Columns that are never compared or shown, only reported as changed.
SECRET_COLUMNS = {"stripe_api_key_encrypted": "stripe_api_key",
                  "stripe_webhook_secret_encrypted": "stripe_webhook_secret"}
#: Columns written alongside others, not reported as fields of their own.
DERIVED_COLUMNS = frozenset({"stripe_api_key_hint", "auto_invoice_enabled_at"})
#: The connection test's words for the failures a user can act on.
CONNECTION_FAILURES = {
    "stripe_authentication": "Invalid API key",
    "stripe_unreachable": "Network error. Please check your connection and try again.",
}


def get_settings(*, principal: Principal, deps: Any) -> SettingsView:
    """The settings as the Settings page shows them (no secret values)."""
    with deps.db.user_session(principal.rls_claims) as conn:
        return settings_view(settings_sql.load_settings(conn), deps.settings)


def update_settings(cmd: SettingsUpdate, *, principal: Principal, deps: Any) -> SettingsView:
    """Save the sections sent (only their fields sent); 422 lists every problem."""
    check_rate(deps, principal, MUTATIONS)
    with deps.db.user_session(principal.rls_claims) as conn:
        row = settings_sql.load_settings(conn, lock=True)
        errors = _mode_errors(cmd.stripe, row)
        if errors:
            raise ValidationFailed("The Stripe keys do not match the selected mode.",
                                   code="stripe_mode_mismatch", errors=errors)
        changes = _changed(_columns(cmd, deps.keyring), row)
        if changes.get("auto_invoice_enabled") and not row["auto_invoice_enabled"]:
            changes["auto_invoice_enabled_at"] = deps.clock.now()
        if changes:
            settings_sql.update_settings(conn, changes, updated_by=principal.user_id)
            record_audit(conn, actor=principal, action=UPDATED, resource_type="billing_settings",
                         details=_audit_details(changes))
            row = settings_sql.load_settings(conn)
    return settings_view(row, deps.settings)


def settings_view(row: dict[str, Any], env: Settings) -> SettingsView:
    """The API view of the settings row; secrets appear only as "set" and a hint."""
    sections = {name: {field: row[field] for field in model.model_fields}
                for name, model in (("invoice_defaults", InvoiceDefaultsView),
                                    ("automation", AutomationView),
                                    ("notifications", NotificationsView),
                                    ("reminders", RemindersView))}
    return SettingsView(
        stripe=_stripe_view(row, env), billing_time_zone=row["billing_time_zone"],
        sms_segment_rules=row["sms_segment_rules"], updated_at=row["updated_at"], **sections)


def _stripe_view(row: dict[str, Any], env: Settings) -> StripeSettingsView:
    stored = row["stripe_api_key_encrypted"] is not None
    env_key = env.stripe_secret_key
    return StripeSettingsView(
        secret_key_set=stored or bool(env_key),
        secret_key_hint=row["stripe_api_key_hint"] if stored else (
            key_hint(env_key) if env_key else None),
        secret_key_source="settings" if stored else ("environment" if env_key else None),
        publishable_key=row["stripe_publishable_key"], test_mode=row["stripe_test_mode"],
        webhook_secret_set=row["stripe_webhook_secret_encrypted"] is not None)


def _mode_name(test_mode: bool) -> str:
    return "Test Mode" if test_mode else "Live Mode"


def _mode_errors(cmd: StripeSettingsIn | None, row: dict[str, Any]) -> list[dict[str, str]]:
    """Keys whose mode (test/live) differs from the mode the settings will be in."""
    if cmd is None:
        return []
    test_mode = row["stripe_test_mode"] if cmd.test_mode is None else cmd.test_mode
    wanted, other = ("test", "live") if test_mode else ("live", "test")
    advice = (f"Use a {wanted} key (sk_{wanted}_…) or switch to "
              f"{_mode_name(not test_mode)}.")
    errors = []
    key = cmd.secret_key.get_secret_value() if cmd.secret_key else ""
    if key and key_mode(key) != wanted:
        errors.append({"field": "stripe.secret_key", "message": f"A {other} secret key cannot "
                       f"be used while {_mode_name(test_mode)} is on. {advice}"})
    stored_mode = None if key or cmd.clear_secret_key else hint_mode(row["stripe_api_key_hint"])
    if cmd.test_mode is not None and stored_mode not in (None, wanted):
        errors.append({"field": "stripe.test_mode", "message": f"The saved secret key is a "
                       f"{other} key. Enter a {wanted} secret key (sk_{wanted}_…) to switch "
                       f"to {_mode_name(test_mode)}."})
    sent_pk = "publishable_key" in cmd.model_fields_set
    publishable = cmd.publishable_key if sent_pk else row["stripe_publishable_key"]
    if publishable and key_mode(publishable) != wanted and (sent_pk or cmd.test_mode is not None):
        errors.append({"field": "stripe.publishable_key", "message": f"A {other} publishable "
                       f"key cannot be used while {_mode_name(test_mode)} is on. Use a "
                       f"{wanted} key (pk_{wanted}_…)."})
    return errors


def _columns(cmd: SettingsUpdate, keyring: Keyring) -> dict[str, Any]:
    """The column values the update asks for ("" stored as NULL)."""
    columns: dict[str, Any] = {}
    for section in (cmd.invoice_defaults, cmd.automation, cmd.notifications, cmd.reminders):
        if section is not None:
            columns.update({name: _empty(getattr(section, name))
                            for name in section.model_fields_set})
    for name in {"billing_time_zone", "sms_segment_rules"} & cmd.model_fields_set:
        columns[name] = getattr(cmd, name)
    if cmd.stripe is not None:
        columns.update(_stripe_columns(cmd.stripe, keyring))
    return columns


def _empty(value: Any) -> Any:
    """"" clears a text column (stored as NULL)."""
    return None if value == "" else value


def _stripe_columns(cmd: StripeSettingsIn, keyring: Keyring) -> dict[str, Any]:
    columns: dict[str, Any] = {}
    key = cmd.secret_key.get_secret_value() if cmd.secret_key else ""
    if key:
        columns.update(stripe_api_key_encrypted=encrypt(key, keyring),
                       stripe_api_key_hint=key_hint(key))
    elif cmd.clear_secret_key:
        columns.update(stripe_api_key_encrypted=None, stripe_api_key_hint=None)
    secret = cmd.webhook_secret.get_secret_value() if cmd.webhook_secret else ""
    if secret or cmd.clear_webhook_secret:
        columns["stripe_webhook_secret_encrypted"] = encrypt(secret, keyring) if secret else None
    if "publishable_key" in cmd.model_fields_set:
        columns["stripe_publishable_key"] = cmd.publishable_key or None
    if cmd.test_mode is not None:
        columns["stripe_test_mode"] = cmd.test_mode
    return columns


def _changed(columns: dict[str, Any], row: dict[str, Any]) -> dict[str, Any]:
    """The columns whose value differs from the row (a secret sent always counts)."""
    return {name: value for name, value in columns.items()
            if name in SECRET_COLUMNS or value != row[name]}


def _audit_details(changes: dict[str, Any]) -> dict[str, Any]:
    details: dict[str, Any] = {"fields": sorted(SECRET_COLUMNS.get(name, name) for name in changes
                                                if name not in DERIVED_COLUMNS)}
    if changes.get("stripe_api_key_hint"):
        details["key_hint"] = changes["stripe_api_key_hint"]
    if "stripe_test_mode" in changes:
        details["test_mode"] = changes["stripe_test_mode"]
    return details


def open_secret(token: str, keyring: Keyring, what: str) -> str:
    """Decrypt a stored secret in memory; a value no configured key opens is a 503."""
    try:
        return decrypt(token, keyring)
    except DecryptionFailed:
        raise UpstreamUnavailable(
            f"The saved {what} cannot be decrypted with the configured encryption keys "
            "(BILLING_ENCRYPTION_KEY, BILLING_ENCRYPTION_OLD_KEYS).",
            code="secret_unreadable") from None


def configured_stripe_key(deps: Any) -> str:
    """The Stripe secret key to use: the saved one, else ``STRIPE_SECRET_KEY``."""
    with deps.db.system_session(SYSTEM_ACTOR) as conn:
        token = settings_sql.load_settings(conn)["stripe_api_key_encrypted"]
    if token:
        return open_secret(token, deps.keyring, "Stripe secret key")
    if deps.settings.stripe_secret_key:
        return deps.settings.stripe_secret_key
    raise PaymentProviderError(NOT_CONFIGURED, code="stripe_not_configured")


def check_stripe_connection(cmd: StripeConnectionTestIn, *, principal: Principal,
                            deps: Any) -> StripeConnectionResult:
    """List one Stripe customer with the key given (not stored) or the configured key."""
    check_rate(deps, principal, MUTATIONS)
    given = cmd.secret_key.get_secret_value() if cmd.secret_key else ""
    result = _try_connection(deps, given)
    with deps.db.user_session(principal.rls_claims) as conn:
        record_audit(conn, actor=principal, action=CONNECTION_TESTED,
                     resource_type="billing_settings", details={
                         "status": "connected" if result.success else "failed",
                         "setting": "given" if given else "saved", "key_hint": result.key_hint,
                         "test_mode": result.mode == "test" if result.mode else None,
                         "error_code": result.code})
    return result


def _try_connection(deps: Any, given: str) -> StripeConnectionResult:
    try:
        key = given or configured_stripe_key(deps)
    except BillingError as exc:
        return StripeConnectionResult(success=False, message=exc.detail, code=exc.code)
    mode, hint = key_mode(key), key_hint(key)
    try:
        deps.stripe_gateway(key).list_customers(limit=1)
    except BillingError as exc:
        return StripeConnectionResult(success=False, mode=mode, key_hint=hint, code=exc.code,
                                      message=CONNECTION_FAILURES.get(exc.code, exc.detail))
    return StripeConnectionResult(success=True, mode=mode, key_hint=hint,
                                  message=f"Connected ({_mode_name(mode == 'test')})")


@dataclass(frozen=True)
class Rotation:
    """What a key rotation did: values re-encrypted, values already on the current key."""

    key_id: str
    re_encrypted: int
    already_current: int


def rotate_encryption_key(deps: Any) -> Rotation:
    """Re-encrypt every stored secret with the current key, in one transaction.

    A value that no configured key opens stops the rotation with nothing changed.
    """
    keyring: Keyring = deps.keyring
    with deps.db.system_session("rotate_encryption_key") as conn:
        values = settings_sql.sealed_values(conn)
        stale = [value for value in values if not keyring.is_current(value.token)]
        for value in stale:
            plain = open_secret(value.token, keyring, f"value in {value.table}.{value.column}")
            settings_sql.replace_sealed(conn, value, encrypt(plain, keyring))
        record_audit(conn, actor=None, action=KEY_ROTATED, details={
            "count": len(stale), "counts": Counter(f"{v.table}.{v.column}" for v in stale)})
    return Rotation(keyring.current_id, len(stale), len(values) - len(stale))
