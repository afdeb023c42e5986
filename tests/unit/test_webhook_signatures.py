"""Signature headers are read with bounded lengths before any number conversion."""
from __future__ import annotations

import pytest

from billing.domain.webhook_signatures import (
    MAX_HEADER_LENGTH,
    StripeSignature,
    parse_retell_signature,
    parse_stripe_signature,
    within_tolerance,
)

HEX = "ab" * 32


def test_a_stripe_header_with_rolled_secrets_keeps_every_v1_and_skips_v0():
    header = f"t=1764590000,v1={HEX},v1={'cd' * 32},v0={'ef' * 32}"
    assert parse_stripe_signature(header) == StripeSignature(1764590000, (HEX, "cd" * 32))


@pytest.mark.parametrize("header", [
    None, "", f"v1={HEX}", "t=1764590000", f"t=1,t=2,v1={HEX}", f"t=-1,v1={HEX}",
    f"t={'1' * 13},v1={HEX}", f"t={'1' * 4301},v1={HEX}", f"t=1,v1={HEX[:-1]}",
    f"t=1,v1={HEX.upper()}", f"t=1,v2={HEX}", ",".join([f"v1={HEX}"] * 9) + ",t=1",
    f"t=1,v1={HEX}" + " " * MAX_HEADER_LENGTH,
])
def test_a_malformed_stripe_header_is_refused(header):
    assert parse_stripe_signature(header) is None


def test_a_retell_header_keeps_the_stamp_as_signed_and_lowers_the_digest():
    assert parse_retell_signature(f"v=1764590000000,d={HEX.upper()}") == ("1764590000000", HEX)


@pytest.mark.parametrize("header", [
    None, "", "v=1,d=00", f"v={'1' * 4301},d=00", f"v={'1' * 16},d={HEX}", f"d={HEX},v=1",
    f"v=1,d={HEX},x=1", "v=" + "1" * 2000,
])
def test_a_malformed_retell_header_is_refused(header):
    assert parse_retell_signature(header) is None


def test_the_tolerance_holds_in_both_directions():
    assert within_tolerance(1000, 1300, 300) and within_tolerance(1300, 1000, 300)
    assert not within_tolerance(1000, 1301, 300) and not within_tolerance(1301, 1000, 300)
