"""Write export tables as formatted xlsx or csv, with every text cell neutralised against formula injection.

Why one module: every export (flagged suppliers, appendix, responses, findings, consolidated CMRT)
writes cells that come from supplier files — names, comments, e-mails. A supplier who types
`=HYPERLINK("http://evil", "click")` in a comment must not get a live formula in the analyst's
workbook (CSV/formula injection, OWASP). `neutralise` prefixes a `'` to any text starting with
=, +, -, @, tab or carriage return (also after leading spaces, and the full-width forms), and the
xlsx writer forces such cells to be stored as text, so they arrive as inert strings in Excel,
LibreOffice, openpyxl and calamine alike. Numbers and dates stay typed.

Example:
    >>> neutralise("=1+1"), neutralise("Tin"), neutralise(-3)
    ("'=1+1", 'Tin', -3)
    >>> cols = [Column("cid", "Smelter ID"), Column("name", "Name", width=40)]
    >>> write_table("out.xlsx", cols, [{"cid": "CID002587", "name": "Tony Goetz NV"}])  # doctest: +SKIP
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from minetrace.ingest.formula_text import DANGEROUS_FIRST, is_dangerous, neutralise

__all__ = ["DANGEROUS_FIRST", "Column", "SheetSpec", "cell_value", "csv_value", "is_dangerous", "neutralise",
           "write_csv", "write_table", "write_xlsx", "check_out", "OutPathError", "TABLE_SUFFIXES"]


HEADER_FONT = Font(bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor="1F4E78")
MAX_WIDTH = 60
MIN_WIDTH = 8


def cell_value(value: Any) -> Any:
    """A Python value as a cell value: lists joined with '; ', dicts as JSON, bools Yes/No, text neutralised."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, datetime | date | int | float):
        return value
    if isinstance(value, list | tuple | set):
        value = "; ".join(str(v) for v in value if v is not None)
    elif isinstance(value, dict):
        value = json.dumps(value, ensure_ascii=False, default=str)
    text = ILLEGAL_CHARACTERS_RE.sub("", str(value))
    if len(text) > 32767:  # Excel's cell limit
        text = text[:32760] + " […]"
    return neutralise(text)


@dataclass(frozen=True)
class Column:
    key: str  # key in the row dicts
    header: str  # header text in row 1
    width: float | None = None  # None = fit to content (capped)
    number_format: str | None = None  # e.g. "yyyy-mm-dd", "0.0%"


def _fit_width(col: Column, values: Iterable[Any]) -> float:
    if col.width:
        return col.width
    longest = len(col.header)
    for v in values:
        if v is None:
            continue
        text = v.isoformat() if isinstance(v, date | datetime) else str(v)
        longest = max(longest, max((len(line) for line in text.splitlines()), default=0))
        if longest >= MAX_WIDTH:
            break
    return float(min(MAX_WIDTH, max(MIN_WIDTH, longest + 2)))


def fill_sheet(ws: Worksheet, columns: Sequence[Column], rows: Iterable[dict[str, Any]],
               header_row: int = 1, freeze: bool = True, autofilter: bool = True) -> int:
    """Write a header and rows into `ws` (formatted); returns the number of data rows written."""
    for j, col in enumerate(columns, start=1):
        c = ws.cell(row=header_row, column=j, value=cell_value(col.header))
        c.data_type = "s"
        c.font = HEADER_FONT
        c.fill = HEADER_FILL
        c.alignment = Alignment(vertical="top", wrap_text=True)
    seen: list[list[Any]] = [[] for _ in columns]
    n = 0
    for n, row in enumerate(rows, start=1):
        r = header_row + n
        for j, col in enumerate(columns, start=1):
            value = cell_value(row.get(col.key))
            c = ws.cell(row=r, column=j, value=value)
            if isinstance(value, str):
                c.data_type = "s"  # never let openpyxl store text as a formula
            elif isinstance(value, date | datetime):
                c.number_format = col.number_format or "yyyy-mm-dd"
            elif col.number_format:
                c.number_format = col.number_format
            if len(seen[j - 1]) < 2000:
                seen[j - 1].append(value)
    for j, col in enumerate(columns, start=1):
        ws.column_dimensions[get_column_letter(j)].width = _fit_width(col, seen[j - 1])
    if freeze:
        ws.freeze_panes = ws.cell(row=header_row + 1, column=1)
    if autofilter and columns:
        ws.auto_filter.ref = f"A{header_row}:{get_column_letter(len(columns))}{header_row + max(n, 1)}"
    return n


@dataclass
class SheetSpec:
    title: str
    columns: Sequence[Column]
    rows: list[dict[str, Any]]


def _safe_title(title: str) -> str:
    for ch in "[]:*?/\\":
        title = title.replace(ch, " ")
    return title[:31] or "Sheet"


def write_xlsx(path: str | Path, sheets: Sequence[SheetSpec]) -> Path:
    """One workbook, one formatted sheet per spec."""
    wb = Workbook()
    wb.remove(wb.active)
    for spec in sheets:
        ws = wb.create_sheet(_safe_title(spec.title))
        fill_sheet(ws, spec.columns, spec.rows)
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    wb.save(out)
    return out


def csv_value(value: Any) -> str:
    v = cell_value(value)
    if v is None:
        return ""
    if isinstance(v, datetime | date):
        return v.isoformat()
    return str(v)


def write_csv(path: str | Path, columns: Sequence[Column], rows: Iterable[dict[str, Any]]) -> Path:
    """UTF-8 CSV (with BOM, so Excel reads accents), header row first, text neutralised."""
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", newline="", encoding="utf-8-sig") as fh:
        w = csv.writer(fh)
        w.writerow([csv_value(c.header) for c in columns])
        for row in rows:
            w.writerow([csv_value(row.get(c.key)) for c in columns])
    return out


class OutPathError(ValueError):
    """An --out path whose extension the export cannot honour; the message says which ones it can."""


#: what each kind of export can write, by --out extension
TABLE_SUFFIXES = (".xlsx", ".csv")


def check_out(path: str | Path, allowed: Sequence[str] = TABLE_SUFFIXES, what: str = "this export") -> str:
    """The lower-case suffix of `path` when `what` can write it; OutPathError (naming the file) otherwise —
    never xlsx bytes in a file called .csv, never a silent change of format."""
    suffix = Path(path).suffix.lower()
    if suffix not in allowed:
        given = f"a {suffix} file" if suffix else "a name without an extension"
        raise OutPathError(f"{path}: {what} writes {' or '.join(allowed)}; {given} cannot be honoured "
                           f"(use --out NAME{allowed[0]})")
    if Path(path).is_dir():
        raise OutPathError(f"{path}: is a folder; give a file name ending in {' or '.join(allowed)}")
    return suffix


def write_table(path: str | Path, columns: Sequence[Column], rows: list[dict[str, Any]], title: str = "Export",
                extra_sheets: Sequence[SheetSpec] = ()) -> Path:
    """xlsx or csv by the file suffix (.csv → csv of the main table only; .xlsx → a workbook); any other
    suffix is refused (OutPathError)."""
    if check_out(path) == ".csv":
        return write_csv(path, columns, rows)
    return write_xlsx(path, [SheetSpec(title, columns, rows), *extra_sheets])
