"""CSV exports that spreadsheets cannot turn into formulas.

A text cell starting with ``=``, ``+``, ``-``, ``@`` (or a tab or carriage
return, which some spreadsheets skip before reading a formula) is prefixed
with ``'``. Numbers, dates and booleans are written as plain values.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

Column = str | tuple[str, str]


def safe_cell(value: Any) -> str:
    """One cell as text; text that could start a formula is prefixed with ``'``."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | Decimal | float):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    text = str(value)
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def write_csv(rows: Iterable[Mapping[str, Any]], columns: Sequence[Column]) -> bytes:
    """UTF-8 CSV (with BOM, for Excel) of ``rows``; a column is a key or (key, header)."""
    pairs = [(c, c) if isinstance(c, str) else c for c in columns]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([safe_cell(header) for _, header in pairs])
    for row in rows:
        writer.writerow([safe_cell(row.get(key)) for key, _ in pairs])
    return out.getvalue().encode("utf-8-sig")
