"""Values as the API sends and accepts them, one definition per kind.

- Money and measures leave as JSON strings with a fixed scale per kind, the
  same on every endpoint: CAD and USD amounts 2 places (``"23.58"``), FX rates
  6 places (``"1.393700"``), minutes 2 places, percentages 4. Documented
  as ``type: string`` with a ``pattern`` and ``format: decimal``.
- Dates in requests lie in the years 2000–2100; text in requests holds no NUL
  and no lone surrogate (PostgreSQL stores neither).
- Closed sets the responses use (invoice status, Stripe state, link status,
  actions) are enums here so the schema says so.
"""
from __future__ import annotations

import re
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BeforeValidator, PlainSerializer, WithJsonSchema
from pydantic_core import PydanticCustomError

from billing.domain.invoice import Status

MIN_YEAR, MAX_YEAR = 2000, 2100
MAX_PAGE = 100_000
MAX_PAGE_SIZE = 200


def _fixed(places: int, what: str) -> Any:
    quantum = Decimal(1).scaleb(-places)
    pattern = rf"^-?[0-9]+\.[0-9]{{{places}}}$"

    def to_text(value: Decimal | int) -> str:
        return str(Decimal(value).quantize(quantum, rounding=ROUND_HALF_UP))

    return Annotated[Decimal, PlainSerializer(to_text, return_type=str, when_used="json"),
                     WithJsonSchema({"type": "string", "format": "decimal", "pattern": pattern,
                                     "description": f"{what}, a decimal string with exactly "
                                                    f"{places} places"},
                                    mode="serialization")]


#: CAD amount (2 places).
Cad = _fixed(2, "Amount in CAD")
#: USD amount (2 places).
Usd = _fixed(2, "Amount in USD")
#: CAD per 1 USD (6 places).
FxRateText = _fixed(6, "CAD per 1 USD")
#: Billed minutes (2 places).
Minutes = _fixed(2, "Minutes")
#: A percentage (4 places, as stored: ``"20.0000"``).
Percent = _fixed(4, "A percentage")
#: A change in percent (1 place).
TrendPercent = _fixed(1, "A change in percent")

InvoiceStatus = Status
StripeState = Literal["pending", "in_progress", "complete", "failed"]
StripeLinkStatus = Literal["none", "pending", "linked", "failed"]
InvoiceAction = Literal["send", "mark_paid", "cancel", "refresh", "pdf", "remind"]
FxSource = Literal["bank_of_canada", "fallback", "fixed"]
ActorType = Literal["user", "system"]
Severity = Literal["ADMINISTRATIVE", "SECURITY", "INFO"]


def _iso_day(value: Any) -> Any:
    if isinstance(value, str) and not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
        raise PydanticCustomError("date_format", "Dates are written YYYY-MM-DD.")
    return value


def _in_years(value: date) -> date:
    if not MIN_YEAR <= value.year <= MAX_YEAR:
        raise PydanticCustomError("date_out_of_range",
                                  f"Dates must lie in the years {MIN_YEAR} to {MAX_YEAR}.")
    return value


#: A calendar date in a request, years 2000–2100.
ApiDate = Annotated[date, BeforeValidator(_iso_day), AfterValidator(_in_years), WithJsonSchema(
    {"type": "string", "format": "date", "minLength": 10, "maxLength": 10,
     "pattern": r"^(20[0-9]{2}|2100)-[0-9]{2}-[0-9]{2}$"}, mode="validation")]


def is_clean_text(value: str) -> bool:
    """True if ``value`` has no NUL and no lone surrogate (storable, encodable)."""
    return "\x00" not in value and not any(0xD800 <= ord(c) <= 0xDFFF for c in value)


def _clean(value: str) -> str:
    if not is_clean_text(value):
        raise PydanticCustomError("invalid_characters", "Invalid characters")
    return value


def drop_null(*fields: str) -> Any:
    """A ``json_schema_extra`` for fields that may be left out but not sent as null
    (the schema then says what the server enforces)."""
    def adjust(schema: dict[str, Any]) -> None:
        for name in fields:
            prop = schema.get("properties", {}).get(name)
            if prop is None or "anyOf" not in prop:
                continue
            options = [s for s in prop.pop("anyOf") if s.get("type") != "null"]
            prop.update(options[0] if len(options) == 1 else {"anyOf": options})
            if prop.get("default", 0) is None:
                del prop["default"]
    return adjust


#: Text in a request: no NUL, no lone surrogate.
CleanStr = Annotated[str, AfterValidator(_clean)]
