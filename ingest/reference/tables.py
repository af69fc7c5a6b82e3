"""Read the tabular files RMI serves (SpreadsheetML 2003 .xml, CSV, xlsx) as header + rows.

Why its own module: RMI's facility-list exports come as Excel 2003 XML ("SpreadsheetML"), which
neither openpyxl nor calamine reads; users also save them as CSV or xlsx. All three become the
same `Table` so one importer per list kind suffices. XML is parsed with defusedxml (no entity
expansion, no external entities): these files come from the internet.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import defusedxml.ElementTree as SafeET

SS = "{urn:schemas-microsoft-com:office:spreadsheet}"


@dataclass
class Table:
    name: str
    header: list[str]
    rows: list[list[Any]]

    def records(self) -> list[dict[str, Any]]:
        """Rows as dicts keyed by `header_key(header)`."""
        keys = [header_key(h) for h in self.header]
        out = []
        for row in self.rows:
            rec = {k: (row[i] if i < len(row) else None) for i, k in enumerate(keys) if k}
            if any(v not in (None, "") for v in rec.values()):
                out.append(rec)
        return out


def header_key(text: object) -> str:
    """'State/ Province/ Region' → 'stateprovinceregion'; 'Smelter_ID' → 'smelterid'."""
    return "".join(ch for ch in str(text or "").casefold() if ch.isalnum())


def is_spreadsheetml(data: bytes) -> bool:
    head = data[:4096].lstrip(b"\xef\xbb\xbf").lstrip()
    return head.startswith(b"<?xml") and b"urn:schemas-microsoft-com:office:spreadsheet" in data[:8192]


def _cell_value(data: Any) -> Any:
    if data is None:
        return None
    text = "".join(data.itertext())
    kind = data.get(f"{SS}Type")
    if kind == "DateTime" and text:
        try:
            return datetime.fromisoformat(text.rstrip("Z")[:19])
        except ValueError:
            return text
    if kind == "Number" and text:
        try:
            num = float(text)
            return int(num) if num.is_integer() else num
        except ValueError:
            return text
    return text


def read_spreadsheetml(data: bytes, name: str = "") -> list[Table]:
    """Every worksheet of an Excel 2003 XML workbook; first non-empty row is the header."""
    root = SafeET.fromstring(data.lstrip(b"\xef\xbb\xbf"))
    tables = []
    for ws in root.iter(f"{SS}Worksheet"):
        rows: list[list[Any]] = []
        for row in ws.iter(f"{SS}Row"):
            cells: list[Any] = []
            for cell in row.findall(f"{SS}Cell"):
                idx = cell.get(f"{SS}Index")
                if idx:  # sparse rows: ss:Index is 1-based
                    while len(cells) < int(idx) - 1:
                        cells.append(None)
                cells.append(_cell_value(cell.find(f"{SS}Data")))
            rows.append(cells)
        rows = [r for r in rows if any(v not in (None, "") for v in r)]
        if rows:
            tables.append(Table(name=ws.get(f"{SS}Name") or name, header=[str(h or "") for h in rows[0]],
                                rows=rows[1:]))
    return tables


def read_csv(data: bytes, name: str = "") -> Table:
    text = data.decode("utf-8-sig", errors="replace")
    first = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=first.count)  # Excel dialect otherwise: "" escapes, quoted newlines
    rows = [r for r in csv.reader(io.StringIO(text), delimiter=delimiter) if any(c.strip() for c in r)]
    if not rows:
        return Table(name=name, header=[], rows=[])
    return Table(name=name, header=rows[0], rows=rows[1:])


def sheet_table(rows: list[list[Any]], name: str, header_keys: set[str]) -> Table | None:
    """A table from a worksheet grid: the header is the first row (of the first 10) holding any of
    `header_keys` (normalised); None when no such row exists."""
    for i, row in enumerate(rows[:10]):
        keys = {header_key(v) for v in row}
        if keys & header_keys:
            return Table(name=name, header=[str(v or "") for v in row], rows=rows[i + 1:])
    return None


def as_text(value: Any) -> str | None:
    """Cell value → stripped text (None for empty, 0 from empty formulas, and NaN)."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value != value:
        return None
    text = " ".join(str(value).replace("\u00a0", " ").split())
    return text or None
