"""SMS segment counting, as Twilio's segment calculator counts them.

A message is GSM-7 when every character is in the GSM 03.38 table (the
extension characters cost two septets), otherwise UCS-2 (UTF-16 code units).
It fits one segment up to the single capacity; beyond that, segments are
filled in order with whole characters at the concatenated capacity: an escape
pair or a grapheme cluster is never split, while ``\\r\\n`` counts as two
characters. The empty message is one segment.

Speed: texts are screened with byte and C-level string operations; a
character is described only when it is wider than one unit; and grapheme
clusters (``regex``'s ``\\X``) are taken only around the code points that can
join a neighbour, since between two other code points UAX #29 always breaks
(CR LF aside, which counts as two characters anyway).
"""
from __future__ import annotations

import re
from bisect import bisect_left
from codecs import utf_16_le_encode
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from itertools import repeat
from types import MappingProxyType

import regex

GSM_BASIC = (
    "\n\r !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ_"
    "abcdefghijklmnopqrstuvwxyz¡£¤¥§¿ÄÅÆÇÉÑÖØÜßàäåæèéìñòöøùüΓΔΘΛΞΠΣΦΨΩ"
)
GSM_EXTENDED = "\f^{}\\[]~|€"

_ASCII_GSM_BASIC = bytes(byte for byte in GSM_BASIC.encode() if byte < 0x80)
_NOT_GSM = re.compile("[^" + re.escape(GSM_BASIC + GSM_EXTENDED) + "]")
_GSM_EXTENDED = re.compile("[" + re.escape(GSM_EXTENDED) + "]")
_CLUSTER = regex.compile(r"\X")
#: Code points that can join a neighbour into one grapheme cluster (UAX #29);
#: all are at U+0300 or above (a test checks it).
_JOINERS = regex.compile(
    r"[\p{GCB=Extend}\p{GCB=ZWJ}\p{GCB=SpacingMark}\p{GCB=Prepend}"
    r"\p{GCB=L}\p{GCB=V}\p{GCB=T}\p{GCB=Regional_Indicator}]"
)


@dataclass(frozen=True)
class SegmentRules:
    """Capacities of one segment: single message, and each concatenated part."""

    gsm_single: int
    gsm_multi: int
    ucs2_single: int
    ucs2_multi: int

    def __post_init__(self) -> None:
        for single, multi in ((self.gsm_single, self.gsm_multi),
                              (self.ucs2_single, self.ucs2_multi)):
            if not 2 <= multi <= single:
                raise ValueError("capacities must satisfy 2 <= multi <= single")


#: Twilio's calculator: 6-octet header per concatenated part (153 / 67).
STANDARD = SegmentRules(160, 153, 70, 67)
#: The CareXPS billing rule: 16-bit reference header variant (152 / 66).
TOLL_FREE = SegmentRules(160, 152, 70, 66)
#: Rules by the name a setting or rate card stores.
SEGMENT_RULES: Mapping[str, SegmentRules] = MappingProxyType(
    {"toll_free": TOLL_FREE, "standard": STANDARD}
)


@dataclass(frozen=True)
class SegmentCount:
    """Encoding, size (GSM septets or UTF-16 code units) and segments of a text."""

    encoding: str
    units: int
    segments: int


def count_segments(text: str, rules: SegmentRules = TOLL_FREE) -> SegmentCount:
    """Count the SMS segments ``text`` is sent as under ``rules``."""
    return SegmentCount(*_measure(text, rules))


def total_segments(texts: Iterable[str], rules: SegmentRules = TOLL_FREE) -> int:
    """The segments of all ``texts``, each counted on its own (for bulk costing)."""
    return sum(_measure(text, rules)[2] for text in texts)


def _measure(text: str, rules: SegmentRules) -> tuple[str, int, int]:
    """Encoding, units and segments of ``text``."""
    special = _other_than_ascii_gsm(text)
    if not special:
        return "GSM-7", len(text), _segments(len(text), [], [], rules.gsm_single, rules.gsm_multi)
    if _NOT_GSM.search(special) is None:
        units = len(text) + len(_GSM_EXTENDED.findall(special))
        extended = _GSM_EXTENDED.finditer(text) if units > rules.gsm_single else ()
        starts = [match.start() + index for index, match in enumerate(extended)]
        ends = [start + 2 for start in starts]
        return "GSM-7", units, _segments(units, starts, ends, rules.gsm_single, rules.gsm_multi)
    return _measure_ucs2(text, special, rules)


def _other_than_ascii_gsm(text: str) -> str:
    """The characters of ``text`` that are not ASCII GSM basic ones, in order."""
    encoded = text.encode("utf-8", "surrogatepass").translate(None, _ASCII_GSM_BASIC)
    return encoded.decode("utf-8", "surrogatepass")


def _measure_ucs2(text: str, special: str, rules: SegmentRules) -> tuple[str, int, int]:
    """Encoding, units and segments of a UCS-2 ``text``; ``special`` as above."""
    astral = _utf16_units(special) - len(special)
    units = len(text) + astral
    if units <= rules.ucs2_single:
        return "UCS-2", units, 1
    joiners = set(_JOINERS.findall(special)) if max(special) >= "\u0300" else set()
    starts, ends = _ucs2_wide_characters(text, special, joiners) if astral or joiners else ([], [])
    return "UCS-2", units, _segments(units, starts, ends, rules.ucs2_single, rules.ucs2_multi)


def _utf16_units(text: str) -> int:
    return len(utf_16_le_encode(text, "surrogatepass")[0]) // 2


def _ucs2_wide_characters(
    text: str, special: str, joiners: set[str]
) -> tuple[list[int], list[int]]:
    """UTF-16 start and end of each character of ``text`` wider than one unit.

    ``special`` holds the characters of ``text`` other than ASCII GSM ones,
    ``joiners`` those of them that can join a neighbour.
    """
    wide = {  # code point index: (code points, UTF-16 units)
        index: (1, 2) for char in set(special) if char > "\uffff"
        for index in _positions(text, char)
    }
    for start, end in _joiner_windows(text, joiners):
        for cluster in _CLUSTER.findall(text[start:end]):
            if len(cluster) > 1:
                for inside in range(start, start + len(cluster)):
                    wide.pop(inside, None)
                wide[start] = (len(cluster), _utf16_units(cluster))
            start += len(cluster)
    starts, ends, extra = [], [], 0
    for index in sorted(wide):
        length, width = wide[index]
        starts.append(index + extra)
        ends.append(index + extra + width)
        extra += width - length
    return starts, ends


def _positions(text: str, char: str) -> Iterator[int]:
    """Every index of ``char`` in ``text``."""
    index = text.find(char)
    while index >= 0:
        yield index
        index = text.find(char, index + 1)


def _joiner_windows(text: str, joiners: set[str]) -> Iterator[tuple[int, int]]:
    """Spans that hold every cluster of more than one code point.

    Each is a run of code points from U+0300 up around a joiner, one code
    point wider on each side, merged where they overlap; so both edges lie
    between two code points below U+0300, where a cluster always ends.
    """
    window: tuple[int, int] | None = None
    for index in sorted(i for char in joiners for i in _positions(text, char)):
        if window and index < window[1]:
            continue
        start, end = index, index + 1
        while start > 0 and text[start - 1] >= "\u0300":
            start -= 1
        while end < len(text) and text[end] >= "\u0300":
            end += 1
        start, end = max(start - 1, 0), end + 1
        if window and start < window[1]:
            window = (window[0], end)
            continue
        if window:
            yield window
        window = (start, end)
    if window:
        yield window


def _segments(units: int, starts: list[int], ends: list[int], single: int, multi: int) -> int:
    """Segments for ``units``, given the characters wider than one unit."""
    if units <= single:
        return 1
    if not starts:
        return -(-units // multi)
    widest = max(end - start for start, end in zip(starts, ends, strict=True))
    if 2 * widest > 2 * multi - single + 1:
        return _pack(_widths(units, starts, ends), single, multi)
    segments, start = 1, 0
    while units - start > multi:
        end = start + multi
        index = bisect_left(starts, end) - 1
        if index >= 0 and ends[index] > end:
            end = starts[index]
        start, segments = end, segments + 1
    return segments


def _widths(units: int, starts: list[int], ends: list[int]) -> Iterator[int]:
    """The width of every character, in order."""
    position = 0
    for start, end in zip(starts, ends, strict=True):
        yield from repeat(1, start - position)
        yield end - start
        position = end
    yield from repeat(1, units - position)


def _pack(widths: Iterator[int], single: int, multi: int) -> int:
    """Fill segments with whole characters exactly as the calculator does.

    The first segment holds ``single`` units until a character does not fit;
    then it gets the concatenation header too: its trailing characters move to
    the second segment until it holds at most ``multi``. A character is placed
    after that without a further check, so an oversized cluster can overfill
    a segment. With characters at most ``(2 * multi - single + 1) // 2`` wide,
    this equals filling every segment at ``multi`` from the start, which
    ``_segments`` does directly.
    """
    first: list[int] = []
    used, capacity, segments = 0, single, 1
    for width in widths:
        if capacity - used < width:
            used = 0
            if segments == 1:
                kept = sum(first)
                while kept > multi:
                    moved = first.pop()
                    kept -= moved
                    used += moved
            segments += 1
            capacity = multi
        used += width
        if segments == 1:
            first.append(width)
    return segments
