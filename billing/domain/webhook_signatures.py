"""Webhook signature headers read with bounded lengths before any number conversion.

A header is refused (None) unless its whole length and every part are within
their bounds, so ``int()`` only ever sees a few digits (a 4,301-digit timestamp
cannot reach Python's integer-string limit) and nothing else is parsed.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

MAX_HEADER_LENGTH = 1024
#: Stripe: ``t=<unix seconds>,v1=<64 hex>[,v1=…][,v0=…]`` (several v1 during secret rolls).
_STRIPE_ITEM = re.compile(r"(t|v0|v1)=([0-9]{1,12}|[0-9a-f]{64})")
_MAX_STRIPE_ITEMS = 8
#: Retell: ``v=<unix milliseconds>,d=<64 hex>``.
_RETELL = re.compile(r"v=([0-9]{1,15}),d=([0-9a-fA-F]{64})")


@dataclass(frozen=True)
class StripeSignature:
    """The parts of a ``Stripe-Signature`` header we use."""

    timestamp: int
    v1: tuple[str, ...]


def parse_stripe_signature(header: str | None) -> StripeSignature | None:
    """The timestamp and v1 signatures, or None if the header is not Stripe's shape."""
    if not header or len(header) > MAX_HEADER_LENGTH:
        return None
    items = header.split(",")
    if len(items) > _MAX_STRIPE_ITEMS:
        return None
    timestamps, v1 = [], []
    for item in items:
        match = _STRIPE_ITEM.fullmatch(item.strip())
        if match is None:
            return None
        key, value = match.groups()
        if key == "t":
            timestamps.append(value)
        elif key == "v1" and len(value) == 64:
            v1.append(value)
    if len(timestamps) != 1 or len(timestamps[0]) > 12 or not v1:
        return None
    return StripeSignature(int(timestamps[0]), tuple(v1))


def within_tolerance(timestamp: float, now: float, tolerance: float) -> bool:
    """True if ``timestamp`` is at most ``tolerance`` away from ``now``, either way."""
    return abs(now - timestamp) <= tolerance


def parse_retell_signature(header: str | None) -> tuple[str, str] | None:
    """``(milliseconds as signed, lower-case hex digest)`` of an ``x-retell-signature``
    (at most 15 digits, so ``int()`` of it is cheap), or None."""
    if not header or len(header) > MAX_HEADER_LENGTH:
        return None
    match = _RETELL.fullmatch(header.strip())
    if match is None:
        return None
    stamp, digest = match.groups()
    return stamp, digest.lower()
