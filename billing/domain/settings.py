"""The organisation's billing settings: the Settings page's sections as
pydantic models (what may be saved, with the spec's limits) and the shape the
API returns.

Secrets (the Stripe secret key, the webhook signing secret) are write-only:
an update may set or clear them, a view only says whether one is set and
shows the secret key's hint (``sk_test_…4242``). Every failing field is
reported at once.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from functools import lru_cache
from typing import Annotated, Any, Literal
from zoneinfo import available_timezones

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    SecretStr,
    StrictBool,
    StrictInt,
    StrictStr,
    field_validator,
)
from pydantic_core import PydanticCustomError

from billing.domain.api_types import Percent, drop_null
from billing.domain.customers import EMAIL, Markup, schema

SECRET_KEY = re.compile(r"^sk_(test|live)_[A-Za-z0-9]{1,240}$")
PUBLISHABLE_KEY = re.compile(r"^pk_(test|live)_[A-Za-z0-9]{1,240}$")
WEBHOOK_SECRET = re.compile(r"^whsec_[A-Za-z0-9+/=]{1,240}$")
HOUR = re.compile(r"^([01][0-9]|2[0-3]):00$")
SegmentRules = Literal["toll_free", "standard"]
AUTOMATION_FIELDS = ("auto_invoice_enabled", "auto_invoice_day_of_month", "auto_invoice_time",
                     "auto_send_invoices")


def _fail(kind: str, message: str) -> PydanticCustomError:
    return PydanticCustomError(kind, message)


def key_mode(key: str) -> str:
    """``live`` for a live-mode Stripe key (``sk_live_``/``pk_live_``), else ``test``."""
    return "live" if key[3:8] == "live_" else "test"


def key_hint(key: str) -> str:
    """What may be shown of a secret key: its prefix and last four characters."""
    return f"{key[:8]}…{key[-4:]}"


def hint_mode(hint: str | None) -> str | None:
    """The mode of a stored key, read from its hint (None: no key stored)."""
    return key_mode(hint) if hint else None


def _secret(regex: re.Pattern[str], message: str) -> Callable[[SecretStr], SecretStr]:
    def check(value: SecretStr) -> SecretStr:
        text = value.get_secret_value().strip()
        if text and not regex.fullmatch(text):
            raise _fail("invalid_format", message)
        return SecretStr(text)
    return check


def _pattern(regex: re.Pattern[str], message: str, max_len: int = 255
             ) -> Callable[[str], str]:
    def check(value: str) -> str:
        value = value.strip()
        if value and (len(value) > max_len or not regex.fullmatch(value)):
            raise _fail("invalid_format", message)
        return value
    return check


def _text(max_len: int, message: str) -> Callable[[str], str]:
    def check(value: str) -> str:
        if "\x00" in value:
            raise _fail("invalid_characters", "Invalid characters")
        if len(value) > max_len:
            raise _fail("too_long", message)
        return value
    return check


def _between(low: int, high: int, too_low: str, too_high: str) -> Callable[[int], int]:
    def check(value: int) -> int:
        if value < low:
            raise _fail("too_small", too_low)
        if value > high:
            raise _fail("too_big", too_high)
        return value
    return check


@lru_cache(maxsize=1)
def _zones() -> frozenset[str]:
    return frozenset(available_timezones())


def _time_zone(value: str) -> str:
    if value not in _zones():
        raise _fail("invalid_time_zone", "Unknown time zone (use an IANA name such as "
                                         "America/Toronto)")
    return value


def _not_null(cls: type, value: Any) -> Any:
    """Refuse an explicit null for a field whose column cannot be empty."""
    if value is None:
        raise _fail("required", "This field cannot be empty")
    return value


def not_null(*fields: str) -> Any:
    """A before-validator refusing null for ``fields`` (omitting them keeps them)."""
    return field_validator(*fields, mode="before")(classmethod(_not_null))


SecretKey = Annotated[SecretStr, AfterValidator(_secret(
    SECRET_KEY, "Invalid Stripe secret key (it starts with sk_test_ or sk_live_)")),
    schema(writeOnly=True, description="sk_test_… or sk_live_…; empty keeps the saved key")]
WebhookSecret = Annotated[SecretStr, AfterValidator(_secret(
    WEBHOOK_SECRET, "Invalid webhook signing secret (it starts with whsec_)")),
    schema(writeOnly=True, description="whsec_…; empty keeps the saved secret")]
PublishableKey = Annotated[StrictStr, AfterValidator(_pattern(
    PUBLISHABLE_KEY, "Invalid Stripe publishable key (it starts with pk_test_ or pk_live_)")),
    schema(description="pk_test_… or pk_live_…; empty clears it")]
Email = Annotated[StrictStr, AfterValidator(_pattern(EMAIL, "Invalid email format")),
                  schema(description="An e-mail address; empty removes it")]
Note = Annotated[StrictStr, AfterValidator(_text(1000, "Invoice note too long")),
                 schema(maxLength=1000)]
Footer = Annotated[StrictStr, AfterValidator(_text(500, "Invoice footer too long")),
                   schema(maxLength=500)]
DueDays = Annotated[StrictInt, AfterValidator(_between(
    0, 365, "Due days cannot be negative", "Due days too far in future")),
    schema(minimum=0, maximum=365)]
DayOfMonth = Annotated[StrictInt, AfterValidator(_between(
    1, 28, "Billing day must be between 1 and 28", "Billing day must be between 1 and 28")),
    schema(minimum=1, maximum=28)]
InvoiceTime = Annotated[StrictStr, AfterValidator(_pattern(
    HOUR, "Time must be a whole hour, HH:00 (00:00 to 23:00)")), schema(pattern=HOUR.pattern)]
TimeZone = Annotated[StrictStr, AfterValidator(_time_zone),
                     schema(description="An IANA time zone, e.g. America/Toronto")]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class StripeSettingsIn(_Section):
    """Stripe: a key given is stored encrypted; an empty or missing one keeps the
    stored key (``clear_…`` removes it). The publishable key is replaced ("" clears)."""

    secret_key: SecretKey | None = None
    clear_secret_key: StrictBool = False
    publishable_key: PublishableKey | None = None
    test_mode: StrictBool | None = None
    webhook_secret: WebhookSecret | None = None
    clear_webhook_secret: StrictBool = False

    model_config = ConfigDict(extra="forbid", json_schema_extra=drop_null("test_mode", "clear_secret_key", "clear_webhook_secret"))
    _required = not_null("test_mode", "clear_secret_key", "clear_webhook_secret")


class InvoiceDefaultsIn(_Section):
    """Invoice defaults; a note or footer of "" or null is removed."""

    default_markup_percentage: Markup | None = None
    default_due_date_days: DueDays | None = None
    default_invoice_note: Note | None = None
    invoice_footer_text: Footer | None = None

    model_config = ConfigDict(extra="forbid", json_schema_extra=drop_null("default_markup_percentage", "default_due_date_days"))
    _required = not_null("default_markup_percentage", "default_due_date_days")


class AutomationIn(_Section):
    """Automatic monthly invoices (previous month, on the day and hour given)."""

    auto_invoice_enabled: StrictBool | None = None
    auto_invoice_day_of_month: DayOfMonth | None = None
    auto_invoice_time: InvoiceTime | None = None
    auto_send_invoices: StrictBool | None = None

    model_config = ConfigDict(extra="forbid", json_schema_extra=drop_null(*AUTOMATION_FIELDS))
    _required = not_null(*AUTOMATION_FIELDS)


class NotificationsIn(_Section):
    """Where billing notifications go and which are sent; "" or null removes the address."""

    notification_email: Email | None = None
    notify_on_invoice_generated: StrictBool | None = None
    notify_on_payment_received: StrictBool | None = None

    model_config = ConfigDict(extra="forbid", json_schema_extra=drop_null("notify_on_invoice_generated", "notify_on_payment_received"))
    _required = not_null("notify_on_invoice_generated", "notify_on_payment_received")


def _reminder_days(days: list[int]) -> list[int]:
    if len(days) > 10:
        raise _fail("too_long", "At most 10 reminder days")
    if any(day < 1 or day > 365 for day in days):
        raise _fail("out_of_range", "Reminder days are 1 to 365 days after the due date")
    return sorted(set(days))


ReminderDays = Annotated[list[StrictInt], AfterValidator(_reminder_days)]


class RemindersIn(_Section):
    """Payment reminders: Stripe e-mails an overdue open invoice again on each of
    ``payment_reminder_days`` days after its due date (stored sorted, without repeats)."""

    payment_reminders_enabled: StrictBool | None = None
    payment_reminder_days: ReminderDays | None = None

    _required = not_null("payment_reminders_enabled", "payment_reminder_days")


class SettingsUpdate(_Section):
    """``PUT /api/billing/settings``: any sections; only the fields sent change."""

    stripe: StripeSettingsIn | None = None
    invoice_defaults: InvoiceDefaultsIn | None = None
    automation: AutomationIn | None = None
    notifications: NotificationsIn | None = None
    reminders: RemindersIn | None = None
    billing_time_zone: TimeZone | None = None
    sms_segment_rules: SegmentRules | None = None

    model_config = ConfigDict(extra="forbid", json_schema_extra=drop_null("billing_time_zone", "sms_segment_rules"))
    _required = not_null("billing_time_zone", "sms_segment_rules")


class StripeSettingsView(BaseModel):
    """Stripe settings as shown: never a secret, only whether one is set and the hint."""

    secret_key_set: bool
    secret_key_hint: str | None
    secret_key_source: Literal["settings", "environment"] | None
    publishable_key: str | None
    test_mode: bool
    webhook_secret_set: bool


class InvoiceDefaultsView(BaseModel):
    default_markup_percentage: Percent
    default_due_date_days: int
    default_invoice_note: str | None
    invoice_footer_text: str | None


class AutomationView(BaseModel):
    auto_invoice_enabled: bool
    auto_invoice_day_of_month: int
    auto_invoice_time: str
    auto_send_invoices: bool


class NotificationsView(BaseModel):
    notification_email: str | None
    notify_on_invoice_generated: bool
    notify_on_payment_received: bool


class RemindersView(BaseModel):
    payment_reminders_enabled: bool
    payment_reminder_days: list[int]


class SettingsView(BaseModel):
    """``GET /api/billing/settings``."""

    stripe: StripeSettingsView
    invoice_defaults: InvoiceDefaultsView
    automation: AutomationView
    notifications: NotificationsView
    reminders: RemindersView
    billing_time_zone: str
    sms_segment_rules: SegmentRules
    updated_at: datetime


class StripeConnectionTestIn(_Section):
    """``POST /api/billing/settings/stripe/test``: a key to try (not stored), or none
    to try the saved key."""

    secret_key: SecretKey | None = None


class StripeConnectionResult(BaseModel):
    """What the connection test found (``success`` false: ``message`` says why)."""

    success: bool
    message: str
    mode: Literal["test", "live"] | None = None
    key_hint: str | None = None
    code: str | None = None
