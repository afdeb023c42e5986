"""count_segments with STANDARD rules gives what Twilio's calculator gives."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from billing.domain.sms import STANDARD, SegmentCount, count_segments

_DOCUMENT = json.loads(
    (Path(__file__).parents[1] / "sms_vectors" / "vectors.json").read_text(encoding="utf-8")
)
AGREED = [v for v in _DOCUMENT["vectors"] if "segments_unicode" not in v]
DIVERGENT = [v for v in _DOCUMENT["vectors"] if "segments_unicode" in v]


def _id(vector: dict[str, object]) -> str:
    return str(vector["id"])


def test_vectors_come_from_the_calculator_without_smart_encoding() -> None:
    assert _DOCUMENT["calculator"].startswith("sms-segments-calculator ")
    assert _DOCUMENT["smart_encoding"] is False
    assert len(AGREED) >= 300


@pytest.mark.parametrize("vector", AGREED, ids=_id)
def test_standard_rules_match_the_calculator(vector: dict[str, object]) -> None:
    expected = SegmentCount(vector["encoding"], vector["units"], vector["segments"])
    assert count_segments(vector["text"], STANDARD) == expected


@pytest.mark.parametrize("vector", DIVERGENT, ids=_id)
def test_clusters_newer_than_the_calculator_tables_are_kept_whole(
    vector: dict[str, object],
) -> None:
    result = count_segments(vector["text"], STANDARD)
    assert (result.encoding, result.units) == (vector["encoding"], vector["units"])
    assert result.segments == vector["segments_unicode"]
    assert vector["segments"] < result.segments  # the calculator splits the cluster
