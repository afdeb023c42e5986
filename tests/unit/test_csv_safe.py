"""CSV exports neutralise spreadsheet formulas (OWASP) and keep values intact."""
from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from billing.domain.csv_safe import FORMULA_CHARS, csv_cell, safe_cell, write_csv


def parse(data: bytes, delimiter: str = ",") -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""),
                           delimiter=delimiter))


def is_formula(cell: str) -> bool:
    return cell.lstrip().startswith(FORMULA_CHARS)


def test_formula_cells_are_prefixed_with_a_quote():
    for text in ("=1+1", "+SUM(A1)", "-2+3", "@cmd", "\tplain", "\rplain"):
        assert safe_cell(text) == "'" + text
    assert safe_cell("\t=x") == "'\t'=x"  # a tab-separated reader splits there


@pytest.mark.parametrize("name", ["\n=1+1", " =1+1", "\u00a0=1+1", "\r\n\t @x"])
def test_whitespace_before_a_formula_does_not_hide_it(name):
    assert safe_cell(name).startswith("'")
    assert parse(write_csv([{"v": name}], ["v"]))[1] == [safe_cell(name)]


def test_a_semicolon_formula_is_prefixed_broken_and_quoted_for_fr_ca_excel():
    name = "Zed;=cmd|' /C calc'!A0"
    assert csv_cell(name) == "\"'Zed;'=cmd|' /C calc'!A0\""
    data = write_csv([{"id": "c1", "name": name}], ["id", "name"])
    for delimiter in (",", ";"):
        assert not any(is_formula(cell) for row in parse(data, delimiter) for cell in row)


def test_separators_followed_by_formulas_are_neutralised():
    for text in ("a,=1", "a, +1", "a\t-1", "a;\u00a0@x", 'a;"=1'):
        assert safe_cell(text).startswith("'")
    assert safe_cell("a, b; c") == "a, b; c"


def test_ordinary_values_are_written_as_they_are():
    assert safe_cell("Clinique Évangéline") == "Clinique Évangéline"
    assert safe_cell("Dr. Smith-Jones") == "Dr. Smith-Jones"
    assert safe_cell(None) == ""
    assert safe_cell(True) == "true"
    assert safe_cell(Decimal("-12.50")) == "-12.50"
    assert safe_cell(-3) == "-3"
    assert safe_cell(date(2026, 10, 1)) == "2026-10-01"
    assert safe_cell(datetime(2026, 10, 1, 4, tzinfo=UTC)) == "2026-10-01T04:00:00+00:00"


def test_cells_with_a_separator_quote_or_line_break_are_quoted():
    assert csv_cell("plain") == "plain"
    for text in ("a,b", "a;b", "a\tb", 'say "hi"', "a\nb", "a\rb"):
        assert csv_cell(text).startswith('"') and csv_cell(text).endswith('"')
    assert csv_cell('say "hi"') == '"say ""hi"""'


def test_write_csv_has_headers_and_quotes_commas_and_newlines():
    rows = [{"name": 'A, "B"\nC', "total": Decimal("1.00")}, {"name": "=HYPERLINK(1)"}]
    assert parse(write_csv(rows, [("name", "Name"), "total"])) == [
        ["Name", "total"], ['A, "B"\nC', "1.00"], ["'=HYPERLINK(1)", ""]]


TRICKY = st.text(alphabet=st.sampled_from(
    list("=+-@,;\t\r\n \"'a1\u00a0\u2028\u3000é")), max_size=12)


@settings(max_examples=400)
@given(st.lists(st.lists(st.one_of(TRICKY, st.text(max_size=8)), min_size=1, max_size=4),
                min_size=1, max_size=4))
def test_no_cell_read_back_with_comma_or_semicolon_starts_a_formula(rows):
    width = max(len(r) for r in rows)
    columns = [f"c{i}" for i in range(width)]
    data = write_csv([dict(zip(columns, r, strict=False)) for r in rows], columns)

    by_comma = parse(data, ",")
    assert by_comma[1:] == [[safe_cell(v) for v in r] + [""] * (width - len(r)) for r in rows]
    for delimiter in (",", ";"):
        for row in parse(data, delimiter):
            assert not any(is_formula(cell) for cell in row), (delimiter, row)
