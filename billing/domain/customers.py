"""Business customers: the spec's customer form rules (its zod ``customerSchema``)
as pydantic models, and the shapes the API returns.

Every field is checked and every failing field reported at once, with the
spec's messages. No PHI: these are businesses and their billing contacts.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictStr,
    WithJsonSchema,
    field_validator,
)
from pydantic_core import PydanticCustomError

from billing.domain.api_types import (
    MAX_PAGE,
    MAX_PAGE_SIZE,
    CleanStr,
    Percent,
    StripeLinkStatus,
    drop_null,
)
from billing.domain.decimals import plain_decimal

# zod 3's e-mail pattern and the spec's phone pattern, verbatim.
EMAIL = re.compile(r"^(?!\.)(?!.*\.\.)([A-Z0-9_'+\-\.]*)[A-Z0-9_+-]@([A-Z0-9][A-Z0-9\-]*\.)+"
                   r"[A-Z]{2,}$", re.IGNORECASE)
PHONE = re.compile(r"^[+]?[(]?[0-9]{3}[)]?[-\s.]?[0-9]{3}[-\s.]?[0-9]{4,6}$")
STRIPE_CUSTOMER = re.compile(r"^cus_[A-Za-z0-9]{1,250}$")
AGENT_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,200}$")
MARKUP_MAX = Decimal(10000)
UNPAID_STATUSES = ("draft", "finalized", "sent", "overdue")


def _fail(kind: str, message: str) -> PydanticCustomError:
    return PydanticCustomError(kind, message)


def _text(max_len: int, too_long: str, *, min_len: int = 0,
          too_short: str = "") -> Callable[[str], str]:
    def check(value: str) -> str:
        if "\x00" in value:
            raise _fail("invalid_characters", "Invalid characters")
        if len(value) < min_len:
            raise _fail("too_short", too_short)
        if len(value) > max_len:
            raise _fail("too_long", too_long)
        return value
    return check


def _pattern(regex: re.Pattern[str], message: str, *, allow_empty: bool = False,
             max_len: int | None = None, too_long: str = "") -> Callable[[str], str]:
    def check(value: str) -> str:
        if value == "" and allow_empty:
            return value
        if not regex.fullmatch(value):
            raise _fail("invalid_format", message)
        if max_len is not None and len(value) > max_len:
            raise _fail("too_long", too_long)
        return value
    return check


def _markup(value: Any) -> Decimal:
    number = plain_decimal(value)
    if number is None:
        raise _fail("not_a_number", "Markup must be a number")
    if number < 0:
        raise _fail("too_small", "Markup cannot be negative")
    if number > MARKUP_MAX:
        raise _fail("too_big", "Markup too high")
    if number != number.quantize(Decimal("0.0001")):
        raise _fail("too_precise", "Markup can have at most 4 decimal places")
    return number


def schema(**members: Any) -> Any:
    """The JSON Schema keywords of a rule the validator enforces (for the OpenAPI)."""
    return Field(json_schema_extra=members)


CustomerName = Annotated[StrictStr, AfterValidator(_text(
    100, "Customer name too long", min_len=2,
    too_short="Customer name must be at least 2 characters")), schema(minLength=2, maxLength=100)]
CustomerEmail = Annotated[StrictStr, AfterValidator(_pattern(
    EMAIL, "Invalid email format", max_len=255, too_long="Email too long")),
    schema(format="email", maxLength=255)]
ContactName = Annotated[StrictStr, AfterValidator(_text(100, "Contact name too long")),
                        schema(maxLength=100)]
PhoneNumber = Annotated[StrictStr, AfterValidator(_pattern(
    PHONE, "Invalid phone number", allow_empty=True)),
    schema(pattern=f"^$|{PHONE.pattern}")]
BillingAddress = Annotated[StrictStr, AfterValidator(_text(500, "Address too long")),
                           schema(maxLength=500)]
TaxId = Annotated[StrictStr, AfterValidator(_text(50, "Tax ID too long")), schema(maxLength=50)]
Notes = Annotated[StrictStr, AfterValidator(_text(1000, "Notes too long")), schema(maxLength=1000)]
Markup = Annotated[Decimal, BeforeValidator(_markup), WithJsonSchema({
    "anyOf": [{"type": "number", "minimum": 0, "maximum": 10000},
              {"type": "string", "pattern": r"^\s*[0-9]{1,5}(\.[0-9]{1,4})?\s*$"}],
    "description": "Percent, 0 to 10000, at most 4 decimal places"}, mode="validation")]
StripeCustomerId = Annotated[StrictStr, AfterValidator(_pattern(
    STRIPE_CUSTOMER, "Invalid Stripe customer ID")), schema(pattern=STRIPE_CUSTOMER.pattern)]
AgentId = Annotated[StrictStr, AfterValidator(_pattern(AGENT_ID, "Invalid agent ID")),
                    schema(pattern=AGENT_ID.pattern)]

OPTIONAL_TEXT = ("billing_contact_name", "phone_number", "billing_address", "tax_id", "notes",
                 "stripe_customer_id")
NOT_NULL = ("customer_name", "customer_email", "markup_percentage", "auto_invoice_enabled")


class _Columns(BaseModel):
    model_config = ConfigDict(extra="forbid")

    def columns(self, fields: set[str] | None = None) -> dict[str, Any]:
        """Column values for the given (default: all) fields; "" stored as NULL."""
        names = self.model_fields_set if fields is None else fields
        return {name: (None if name in OPTIONAL_TEXT and getattr(self, name) == ""
                       else getattr(self, name))
                for name in names if name in CUSTOMER_COLUMNS}


class CustomerCreate(_Columns):
    """``POST /api/billing/customers``: markup defaults to 0, auto-invoice to off."""

    customer_name: CustomerName
    customer_email: CustomerEmail
    billing_contact_name: ContactName | None = None
    phone_number: PhoneNumber | None = None
    billing_address: BillingAddress | None = None
    tax_id: TaxId | None = None
    markup_percentage: Markup = Decimal(0)
    auto_invoice_enabled: StrictBool = False
    notes: Notes | None = None
    stripe_customer_id: StripeCustomerId | None = None
    create_stripe_customer: StrictBool = True


class CustomerPatch(_Columns):
    """``PATCH /api/billing/customers/{id}``: only the fields sent change."""

    customer_name: CustomerName | None = None
    customer_email: CustomerEmail | None = None
    billing_contact_name: ContactName | None = None
    phone_number: PhoneNumber | None = None
    billing_address: BillingAddress | None = None
    tax_id: TaxId | None = None
    markup_percentage: Markup | None = None
    auto_invoice_enabled: StrictBool | None = None
    notes: Notes | None = None
    stripe_customer_id: StripeCustomerId | None = None

    model_config = ConfigDict(extra="forbid", json_schema_extra=drop_null(*NOT_NULL))

    @field_validator(*NOT_NULL, mode="before")
    @classmethod
    def _not_null(cls, value: Any) -> Any:
        if value is None:
            raise _fail("required", "This field cannot be empty")
        return value


CUSTOMER_COLUMNS = frozenset(CustomerPatch.model_fields)


class Customer(BaseModel):
    """A business customer as the API returns it."""

    id: str
    customer_name: str
    customer_email: str
    stripe_customer_id: str | None
    stripe_link_status: StripeLinkStatus
    stripe_last_error: str | None = None
    markup_percentage: Percent
    auto_invoice_enabled: bool
    billing_contact_name: str | None
    billing_address: str | None
    phone_number: str | None
    tax_id: str | None
    notes: str | None
    created_at: datetime
    updated_at: datetime
    created_by: str | None
    agent_ids: list[str]
    unpaid_invoice_count: int


class CustomerFilters(BaseModel):
    """Search (name or e-mail, case-insensitive), auto-invoice filter and sort."""

    model_config = ConfigDict(extra="ignore")

    search: CleanStr | None = Field(default=None, max_length=200)
    auto_invoice: bool | None = None
    sort: Literal["name", "email", "markup", "created"] = "name"
    order: Literal["asc", "desc"] = "asc"


class CustomerListQuery(CustomerFilters):
    """``GET /api/billing/customers``: filters plus paging."""

    page: int = Field(default=1, ge=1, le=MAX_PAGE)
    page_size: int = Field(default=50, ge=1, le=MAX_PAGE_SIZE)


class CustomerPage(BaseModel):
    """One page of customers and the total matching the filters."""

    items: list[Customer]
    total: int
    page: int
    page_size: int


class AgentMappingIn(BaseModel):
    """``PUT /api/billing/customers/{id}/agents``: the complete set of agents."""

    model_config = ConfigDict(extra="forbid")

    agent_ids: list[AgentId] = Field(max_length=1000)


class MovedAgent(BaseModel):
    """An agent that was mapped to another customer before this change."""

    agent_id: str
    customer_id: str
    customer_name: str


class AgentMapping(BaseModel):
    """The agents of a customer; ``moved_from`` lists agents taken from others."""

    customer_id: str
    agent_ids: list[str]
    moved_from: list[MovedAgent] = []
