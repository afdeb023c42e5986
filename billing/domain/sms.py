"""SMS segment counting, as Twilio's segment calculator counts them.

A message is GSM-7 when every character is in the GSM 03.38 table (the
extension characters cost two septets), otherwise UCS-2 (UTF-16 code units).
It fits one segment up to the single capacity; beyond that, segments are
filled in order with whole characters at the concatenated capacity: an escape
pair or a grapheme cluster is never split, while ``\\r\\n`` counts as two
characters. The empty message is one segment.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from types import MappingProxyType

import regex

GSM_BASIC = (
    "\n\r !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ_"
    "abcdefghijklmnopqrstuvwxyz¡£¤¥§¿ÄÅÆÇÉÑÖØÜßàäåæèéìñòöøùüΓΔΘΛΞΠΣΦΨΩ"
)
GSM_EXTENDED = "\f^{}\\[]~|€"

_NOT_GSM = re.compile("[^" + re.escape(GSM_BASIC + GSM_EXTENDED) + "]")
_GSM_EXTENDED = re.compile("[" + re.escape(GSM_EXTENDED) + "]")
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")
_CLUSTER = regex.compile(r"\X")


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
            if not 0 < multi <= single:
                raise ValueError("capacities must satisfy 0 < multi <= single")


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
    if _NOT_GSM.search(text) is None:
        extended = len(_GSM_EXTENDED.findall(text))
        units = len(text) + extended
        return SegmentCount("GSM-7", units, _gsm_segments(text, units, extended, rules))
    astral = len(_ASTRAL.findall(text))
    units = len(text) + astral
    return SegmentCount("UCS-2", units, _ucs2_segments(text, units, astral, rules))


def _gsm_segments(text: str, units: int, extended: int, rules: SegmentRules) -> int:
    if units <= rules.gsm_single:
        return 1
    if not extended:
        return -(-units // rules.gsm_multi)
    sizes = (2 if char in GSM_EXTENDED else 1 for char in text)
    return _pack(sizes, rules.gsm_single, rules.gsm_multi)


def _ucs2_segments(text: str, units: int, astral: int, rules: SegmentRules) -> int:
    if units <= rules.ucs2_single:
        return 1
    clusters = _CLUSTER.findall(text)
    if not astral and len(clusters) + text.count("\r\n") == units:
        return -(-units // rules.ucs2_multi)
    return _pack(_cluster_sizes(clusters), rules.ucs2_single, rules.ucs2_multi)


def _cluster_sizes(clusters: list[str]) -> Iterator[int]:
    """UTF-16 size of each cluster; ``\\r\\n`` is two characters of one unit."""
    for cluster in clusters:
        if cluster == "\r\n":
            yield 1
            yield 1
        else:
            yield len(cluster) + len(_ASTRAL.findall(cluster))


def _pack(sizes: Iterable[int], single: int, multi: int) -> int:
    """Fill segments in order with whole characters, as the calculator does.

    The first segment holds ``single`` units until a character does not fit;
    then it gets the concatenation header too: its trailing characters move to
    the second segment until it holds at most ``multi``. A character is placed
    after that without a further check, so an oversized cluster fills a
    segment of its own.
    """
    first: list[int] = []
    used, capacity, segments = 0, single, 1
    for size in sizes:
        if capacity - used < size:
            used = 0
            if segments == 1:
                kept = sum(first)
                while kept > multi:
                    moved = first.pop()
                    kept -= moved
                    used += moved
            segments += 1
            capacity = multi
        used += size
        if segments == 1:
            first.append(size)
    return segments
