"""Strict decimal input: what people and vendors may hand us as a number.

Text is accepted only as ASCII digits with at most one ``.`` (and an optional
leading ``-``, so that a negative value gets its own message): no exponent, no
underscores, no other script's digits, no ``NaN``/``Infinity``, no spaces
inside. ``Decimal()`` alone would take ``"1_000"``, ``"١٢"`` and ``"1e-400"``.
Domain constructors take ``Decimal`` (or ``int``) only: a ``float`` is refused
with ``ValidationFailed`` instead of failing later on a missing method.
"""
from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from billing.domain.errors import ValidationFailed

_PLAIN = re.compile(r"-?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")


def plain_decimal(value: Any) -> Decimal | None:
    """``value`` as a Decimal if it is written as plain ASCII digits with one optional
    ``.`` (ints, Decimals and floats are judged by their text), else None."""
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        return None
    text = value.strip() if isinstance(value, str) else str(value)
    if not _PLAIN.fullmatch(text):
        return None
    return Decimal(text)


def require_decimal(value: Any, name: str) -> Decimal:
    """``value`` if it is a finite Decimal or an int; ValidationFailed otherwise
    (floats included: money is never a float)."""
    if isinstance(value, bool) or not isinstance(value, int | Decimal) or (
            isinstance(value, Decimal) and not value.is_finite()):
        kind = type(value).__name__
        raise ValidationFailed(f"{name} must be an exact decimal number, not {kind}.",
                               code="invalid_decimal",
                               errors=[{"field": name, "message": "must be a decimal number"}])
    return Decimal(value)
