"""CSV exports neutralise spreadsheet formulas and keep values intact."""
from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from billing.domain.csv_safe import FORMULA_PREFIXES, safe_cell, write_csv


def parse(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def test_formula_cells_are_prefixed_with_a_quote():
    for text in ("=1+1", "+SUM(A1)", "-2+3", "@cmd", "\t=x", "\r=x"):
        assert safe_cell(text) == "'" + text


def test_ordinary_values_are_written_as_they_are():
    assert safe_cell("Clinique Évangéline") == "Clinique Évangéline"
    assert safe_cell(None) == ""
    assert safe_cell(True) == "true"
    assert safe_cell(Decimal("-12.50")) == "-12.50"
    assert safe_cell(-3) == "-3"
    assert safe_cell(date(2026, 10, 1)) == "2026-10-01"
    assert safe_cell(datetime(2026, 10, 1, 4, tzinfo=UTC)) == "2026-10-01T04:00:00+00:00"


def test_write_csv_has_headers_and_quotes_commas_and_newlines():
    rows = [{"name": 'A, "B"\nC', "total": Decimal("1.00")}, {"name": "=HYPERLINK(1)"}]
    assert parse(write_csv(rows, [("name", "Name"), "total"])) == [
        ["Name", "total"], ['A, "B"\nC', "1.00"], ["'=HYPERLINK(1)", ""]]


@given(st.lists(st.text(), min_size=1, max_size=5))
def test_no_text_cell_ever_starts_a_formula(texts):
    rows = [{"v": t} for t in texts]
    for (cell,) in parse(write_csv(rows, ["v"]))[1:]:
        assert not cell.startswith(FORMULA_PREFIXES)
