"""Properties of count_segments over generated texts, for both rule sets."""
from __future__ import annotations

import math

import regex
from hypothesis import given
from hypothesis import strategies as st

from billing.domain.sms import (
    _JOINERS,
    GSM_BASIC,
    GSM_EXTENDED,
    STANDARD,
    TOLL_FREE,
    SegmentRules,
    count_segments,
    total_segments,
)

GSM = GSM_BASIC + GSM_EXTENDED
PIECES = st.sampled_from(
    [*"aZ0 .\n\r", "\r\n", *GSM_EXTENDED, "é", "ç", "\t", "’", "😀", "🇨🇦", "👍🏽",
     "\u200d", "\u0301", "👨\u200d👩\u200d👧", "1\ufe0f\u20e3", "中", "م"]
)
texts = st.lists(st.one_of(PIECES, st.characters()), max_size=400).map("".join)
gsm_texts = st.text(alphabet=GSM, max_size=500)
rules = st.sampled_from([STANDARD, TOLL_FREE])
JOINING = st.sampled_from(
    ["a", " ", "\r\n", "€", "ç", "😀", "\u0301", "\u200d", "\ufe0f", "🏽", "🇨", "🇦",
     "👨\u200d👩\u200d👧\u200d👦", "🧑\u200d🎄", "1\ufe0f\u20e3", "\u1100\u1161\u11a8",
     "\u0600", "क्ष", "กำ", "©\u200d👍"]
)
joining_texts = st.lists(
    st.one_of(JOINING, st.integers(1, 80).map(lambda n: "a" + "\u0301" * n)), max_size=300
).map("".join)


def _calculator(text: str, rule: SegmentRules) -> int:
    """Twilio's calculator transliterated: whole-text clusters, segments as lists."""
    clusters = [c for g in regex.findall(r"\X", text) for c in (g if g == "\r\n" else [g])]
    if all(len(c) == 1 and c in GSM for c in clusters):
        widths = [2 if c in GSM_EXTENDED else 1 for c in clusters]
        single, multi = rule.gsm_single, rule.gsm_multi
    else:
        widths = [len(c.encode("utf-16-le", "surrogatepass")) // 2 for c in clusters]
        single, multi = rule.ucs2_single, rule.ucs2_multi
    segments: list[list[int]] = [[]]
    for width in widths:
        capacity = single if len(segments) == 1 else multi
        if capacity - sum(segments[-1]) < width:
            moved: list[int] = []
            while len(segments) == 1 and sum(segments[0]) > multi:
                moved.insert(0, segments[0].pop())
            segments.append(moved)
        segments[-1].append(width)
    return len(segments)


def _utf16_units(text: str) -> int:
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


@given(texts, texts, rules)
def test_appending_text_never_lowers_the_count(head: str, tail: str, rule) -> None:
    assert count_segments(head + tail, rule).segments >= count_segments(head, rule).segments


@given(gsm_texts, rules)
def test_gsm_text_of_at_most_160_septets_is_one_segment(text: str, rule) -> None:
    result = count_segments(text, rule)
    assert result.encoding == "GSM-7"
    assert result.units == len(text) + sum(text.count(c) for c in GSM_EXTENDED)
    assert (result.segments == 1) == (result.units <= 160)


@given(texts, rules)
def test_encoding_is_ucs2_exactly_when_a_character_is_outside_the_gsm_table(
    text: str, rule
) -> None:
    result = count_segments(text, rule)
    assert (result.encoding == "UCS-2") == any(c not in GSM for c in text)
    if result.encoding == "UCS-2":
        assert result.units == _utf16_units(text)
        assert (result.segments == 1) == (result.units <= 70)


@given(st.one_of(texts, gsm_texts), rules)
def test_concatenated_segments_hold_at_most_the_multi_capacity(text: str, rule) -> None:
    result = count_segments(text, rule)
    multi = rule.gsm_multi if result.encoding == "GSM-7" else rule.ucs2_multi
    if result.segments > 1:
        assert result.segments >= math.ceil(result.units / multi)


@given(gsm_texts, rules)
def test_an_escape_pair_wastes_at_most_one_septet_per_segment(text: str, rule) -> None:
    result = count_segments(text, rule)
    if result.segments > 1:
        assert result.segments <= math.ceil(result.units / (rule.gsm_multi - 1))


@given(st.text(alphabet="abc XYZ.,", min_size=161, max_size=2000), rules)
def test_plain_letters_fill_every_concatenated_segment(text: str, rule) -> None:
    assert count_segments(text, rule).segments == math.ceil(len(text) / rule.gsm_multi)


@given(texts)
def test_toll_free_never_counts_fewer_segments_than_standard(text: str) -> None:
    assert count_segments(text, TOLL_FREE).segments >= count_segments(text, STANDARD).segments


@given(st.one_of(joining_texts, texts, gsm_texts), rules)
def test_counts_equal_the_calculators_algorithm_over_whole_text_clusters(text: str, rule) -> None:
    assert count_segments(text, rule).segments == _calculator(text, rule)


def test_no_code_point_below_u0300_can_join_a_cluster() -> None:
    assert _JOINERS.search("".join(map(chr, range(0x300)))) is None


@given(st.lists(st.one_of(texts, joining_texts), max_size=12), rules)
def test_a_total_is_the_sum_of_each_text_counted_on_its_own(batch: list[str], rule) -> None:
    assert total_segments(batch, rule) == sum(count_segments(t, rule).segments for t in batch)
