"""The billing default (152 / 66 concatenated capacity), worked by hand."""
from __future__ import annotations

import pytest

from billing.domain.sms import (
    SEGMENT_RULES,
    STANDARD,
    TOLL_FREE,
    SegmentCount,
    SegmentRules,
    count_segments,
)


@pytest.mark.parametrize(
    ("septets", "segments"), [(1, 1), (160, 1), (161, 2), (304, 2), (305, 3), (456, 3), (457, 4)]
)
def test_gsm_text_fills_160_then_152_per_segment(septets: int, segments: int) -> None:
    assert count_segments("a" * septets) == SegmentCount("GSM-7", septets, segments)


@pytest.mark.parametrize(
    ("units", "segments"), [(1, 1), (70, 1), (71, 2), (132, 2), (133, 3), (198, 3), (199, 4)]
)
def test_ucs2_text_fills_70_then_66_per_segment(units: int, segments: int) -> None:
    assert count_segments("ç" * units) == SegmentCount("UCS-2", units, segments)


def test_the_default_rules_are_toll_free() -> None:
    assert count_segments("ç" * 133) == count_segments("ç" * 133, TOLL_FREE)
    assert count_segments("ç" * 133, STANDARD).segments == 2


def test_an_escape_pair_is_never_split() -> None:
    # 152 | € + 150 | 2
    assert count_segments("a" * 152 + "€" + "a" * 152) == SegmentCount("GSM-7", 306, 3)
    # 151 + € would need 153 septets: 151 | € + 150 | 1 (STANDARD: 151 + € | 151)
    text = "a" * 151 + "€" + "a" * 151
    assert count_segments(text).segments == 3
    assert count_segments(text, STANDARD).segments == 2


def test_a_surrogate_pair_is_never_split() -> None:
    # 65 + 😀 would need 67 units: 65 | 😀 + 64 | 1 (STANDARD: 65 + 😀 | 65)
    text = "ç" * 65 + "😀" + "ç" * 65
    assert count_segments(text) == SegmentCount("UCS-2", 132, 3)
    assert count_segments(text, STANDARD).segments == 2


def test_cr_and_lf_may_fall_in_different_segments() -> None:
    # 151 + CR = 152 | LF + 151 = 152
    assert count_segments("a" * 151 + "\r\n" + "a" * 151) == SegmentCount("GSM-7", 304, 2)
    assert count_segments("😀" + "ç" * 63 + "\r\n" + "ç" * 65) == SegmentCount("UCS-2", 132, 2)


def test_gsm_characters_cost_one_unit_in_a_ucs2_message() -> None:
    assert count_segments("€[ç") == SegmentCount("UCS-2", 3, 1)


def test_the_empty_message_is_one_segment() -> None:
    assert count_segments("") == SegmentCount("GSM-7", 0, 1)


def test_rules_are_found_by_the_name_settings_store() -> None:
    assert SEGMENT_RULES["toll_free"] is TOLL_FREE
    assert SEGMENT_RULES["standard"] is STANDARD


@pytest.mark.parametrize("capacities", [(160, 161, 70, 66), (160, 152, 70, 1)])
def test_rules_refuse_a_concatenated_capacity_outside_the_single_one(
    capacities: tuple[int, int, int, int],
) -> None:
    with pytest.raises(ValueError):
        SegmentRules(*capacities)


def test_a_lone_surrogate_counts_as_one_ucs2_unit() -> None:
    assert count_segments("\ud83d" * 71) == SegmentCount("UCS-2", 71, 2)
