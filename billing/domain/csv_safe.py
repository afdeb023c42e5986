"""CSV exports that spreadsheets cannot turn into formulas (OWASP CSV injection).

Every export writes its cells through ``csv_cell``:

* a text cell whose first non-whitespace character (whitespace includes NBSP,
  tab, CR and LF) is one of ``= + - @`` — or that starts with a tab or CR, or
  contains a field separator of a common locale (``,`` ``;`` tab) or a line
  break followed by one of them — is prefixed with ``'``;
* inside such a cell, each separator or line break that is followed (after
  whitespace or quotes) by a formula character gets a ``'`` after it too: a
  spreadsheet splitting the line on ``;`` (fr-CA Excel) or losing the quoting
  at a line break starts a new cell there, and that cell must not be a formula;
* a cell containing a separator, a quote or a line break is quoted, quotes doubled.

Numbers, dates and booleans are written as plain values (a negative amount is a
number, not a formula).
"""
from __future__ import annotations

import io
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

FORMULA_CHARS = ("=", "+", "-", "@")
#: Leading characters OWASP lists besides the formula characters.
LEADING_CONTROL = ("\t", "\r")
_AFTER_SEPARATOR = re.compile(r'([,;\t\r\n])(?=[\s"]*[=+\-@])')
_NEEDS_QUOTES = re.compile(r'[,;\t"\r\n]')

Column = str | tuple[str, str]


def _starts_formula(text: str) -> bool:
    return text.lstrip().startswith(FORMULA_CHARS) or text.startswith(LEADING_CONTROL)


def safe_cell(value: Any) -> str:
    """One cell's text with formulas neutralised (before CSV quoting)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | Decimal | float):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    text = str(value)
    broken = _AFTER_SEPARATOR.sub(r"\1'", text)
    return "'" + broken if broken != text or _starts_formula(text) else text


def csv_cell(value: Any) -> str:
    """One cell as it is written to the file: neutralised, then quoted if needed."""
    text = safe_cell(value)
    if _NEEDS_QUOTES.search(text):
        return '"' + text.replace('"', '""') + '"'
    return text


def write_csv(rows: Iterable[Mapping[str, Any]], columns: Sequence[Column]) -> bytes:
    """UTF-8 CSV (with BOM, for Excel) of ``rows``; a column is a key or (key, header)."""
    pairs = [(c, c) if isinstance(c, str) else c for c in columns]
    out = io.StringIO()
    out.write(_line([header for _, header in pairs]))
    for row in rows:
        out.write(_line([row.get(key) for key, _ in pairs]))
    return out.getvalue().encode("utf-8-sig")


def _line(values: Sequence[Any]) -> str:
    """One CRLF-terminated record; a lone empty cell is written ``""`` (as ``csv`` does)."""
    line = ",".join(csv_cell(value) for value in values)
    return (line or '""') + "\r\n"
