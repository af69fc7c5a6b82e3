"""Open any spreadsheet a supplier sends and hand out cached cell values by A1 address.

Why its own module: the format is decided by content (magic bytes), never by extension;
files encrypted with Excel's default password ("VelvetSweatshop") are decrypted in memory;
everything that is not a readable workbook becomes one `UnreadableWorkbook` with a short
reason naming the file — never a traceback. Reading is python-calamine (10–30× faster than
openpyxl on real CMRTs); it returns cached values, which is what a filled template holds.
"""

from __future__ import annotations

import hashlib
import io
import re
import struct
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import python_calamine

DEFAULT_PASSWORD = "VelvetSweatshop"

#: Refuse files larger than this before reading them (bytes).
MAX_FILE_BYTES = 100 * 1024 * 1024

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"


class UnreadableWorkbook(Exception):
    """The file is not a workbook we can read. `reason` is a stable short code."""

    def __init__(self, file: str, reason: str, message: str) -> None:
        super().__init__(f"{file}: {message}")
        self.file = file
        self.reason = reason
        self.message = message


_CELL = re.compile(r"^\$?([A-Za-z]{1,3})\$?(\d+)$")


def column_index(letters: str) -> int:
    """0-based column index of a column letter: A → 0, Z → 25, AA → 26."""
    n = 0
    for ch in letters.upper():
        n = n * 26 + (ord(ch) - 64)
    return n - 1


def column_letter(index: int) -> str:
    """Column letter of a 0-based index: 0 → A, 26 → AA."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def parse_cell(ref: str) -> tuple[int, int]:
    """(1-based row, 0-based column) of an A1 reference."""
    m = _CELL.match(ref.strip())
    if not m:
        raise ValueError(f"not a cell reference: {ref!r}")
    return int(m.group(2)), column_index(m.group(1))


@dataclass
class Sheet:
    """One sheet's cached values as a dense grid; row 1 is ``rows[0]``."""

    name: str
    rows: list[list[Any]]
    merged: list[tuple[tuple[int, int], tuple[int, int]]] = field(default_factory=list)

    @property
    def max_row(self) -> int:
        return len(self.rows)

    def value(self, row: int, col: int) -> Any:
        """Cached value at 1-based `row`, 0-based `col`; None when outside the used range or empty."""
        if row < 1 or row > len(self.rows):
            return None
        cells = self.rows[row - 1]
        if col < 0 or col >= len(cells):
            return None
        v = cells[col]
        return None if v == "" else v

    def cell(self, ref: str) -> Any:
        row, col = parse_cell(ref)
        return self.value(row, col)


@dataclass
class Workbook:
    name: str
    sha256: str
    size: int
    format: str
    encrypted: bool
    date_system: int
    _book: Any
    path: str | None = None
    _cache: dict[str, Sheet] = field(default_factory=dict)

    @property
    def sheet_names(self) -> list[str]:
        return list(self._book.sheet_names)

    def find_sheet_name(self, wanted: str) -> str | None:
        """The actual name of a sheet, matched after stripping and case-folding."""
        key = " ".join(wanted.split()).casefold()
        for name in self._book.sheet_names:
            if " ".join(name.split()).casefold() == key:
                return name
        return None

    def sheet(self, wanted: str) -> Sheet | None:
        name = self.find_sheet_name(wanted)
        if name is None:
            return None
        if name not in self._cache:
            try:
                raw = self._book.get_sheet_by_name(name)
                rows = raw.to_python(skip_empty_area=False)
                merged = list(raw.merged_cell_ranges or [])
            except Exception as exc:  # calamine raises its own error types
                raise UnreadableWorkbook(self.name, "corrupt_sheet", f"sheet {name!r} cannot be read ({exc})") from None
            self._cache[name] = Sheet(name=name, rows=rows, merged=merged)
        return self._cache[name]

    def to_date(self, value: Any) -> date | None:
        """A date from a cell value: date/datetime as is, serial numbers by this workbook's epoch."""
        if isinstance(value, datetime):
            return value.date()
        if isinstance(value, date):
            return value
        if isinstance(value, int | float) and not isinstance(value, bool) and 1 <= value < 2958466:
            base = date(1904, 1, 1) if self.date_system == 1904 else date(1899, 12, 30)
            return base + timedelta(days=int(value))
        return None


def sniff_format(data: bytes) -> str | None:
    """'zip' (xlsx/xlsm/ods), 'ole' (xls or an encrypted OOXML package), or None."""
    if data.startswith(ZIP_MAGIC):
        return "zip"
    if data.startswith(OLE_MAGIC):
        return "ole"
    return None


def _decrypt(name: str, data: bytes) -> bytes | None:
    """Decrypted bytes when `data` is encrypted with the default password, None when not encrypted."""
    import msoffcrypto
    from msoffcrypto.exceptions import InvalidKeyError

    try:
        office = msoffcrypto.OfficeFile(io.BytesIO(data))
        if not office.is_encrypted():
            return None
    except Exception:
        return None
    try:
        office.load_key(password=DEFAULT_PASSWORD)
        out = io.BytesIO()
        office.decrypt(out)
    except InvalidKeyError:
        raise UnreadableWorkbook(name, "password_protected",
                                 "password-protected workbook (not Excel's default password)") from None
    except Exception as exc:
        raise UnreadableWorkbook(name, "password_protected",
                                 f"encrypted workbook that cannot be decrypted ({exc.__class__.__name__})") from None
    return out.getvalue()


def _zip_kind(data: bytes) -> str:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            names = set(zf.namelist())
            if "mimetype" in names and zf.read("mimetype").startswith(b"application/vnd.oasis.opendocument"):
                return "ods"
            if "xl/workbook.xml" in names:
                ct = zf.read("[Content_Types].xml") if "[Content_Types].xml" in names else b""
                return "xlsm" if b"macroEnabled" in ct else "xlsx"
            if "xl/workbook.bin" in names:
                return "xlsb"
    except zipfile.BadZipFile:
        return "badzip"
    return "zip"


def _xlsx_date1904(data: bytes) -> bool:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        head = zf.open("xl/workbook.xml").read(64 * 1024)
    return re.search(rb"date1904\s*=\s*[\"'](1|true)[\"']", head) is not None


def _xls_date1904(data: bytes) -> bool:
    """Scan the BIFF globals substream for the DATEMODE record (0x0022)."""
    import olefile

    try:
        ole = olefile.OleFileIO(data)
        stream_name = "Workbook" if ole.exists("Workbook") else "Book"
        stream = ole.openstream(stream_name).read()
    except Exception:
        return False
    pos = 0
    while pos + 4 <= len(stream):
        rtype, length = struct.unpack_from("<HH", stream, pos)
        if rtype == 0x0022 and length >= 2:
            return struct.unpack_from("<H", stream, pos + 4)[0] == 1
        if rtype == 0x000A:  # EOF of the globals substream
            break
        pos += 4 + length
    return False


def open_workbook(source: str | Path | bytes, name: str | None = None) -> Workbook:
    """Open a workbook from a path or bytes. Raises `UnreadableWorkbook` for anything unreadable."""
    path: str | None = None
    if isinstance(source, bytes):
        data = source
        name = name or "<bytes>"
    else:
        p = Path(source)
        path = str(p)
        name = name or p.name
        try:
            size = p.stat().st_size
        except OSError as exc:
            raise UnreadableWorkbook(name, "not_found", f"cannot open file ({exc.strerror})") from None
        if size > MAX_FILE_BYTES:
            raise UnreadableWorkbook(name, "too_large", f"file is {size} bytes, over the {MAX_FILE_BYTES} limit")
        data = p.read_bytes()
    if not data:
        raise UnreadableWorkbook(name, "empty", "empty file")
    if len(data) > MAX_FILE_BYTES:
        raise UnreadableWorkbook(name, "too_large", f"file is {len(data)} bytes, over the {MAX_FILE_BYTES} limit")
    sha = hashlib.sha256(data).hexdigest()
    size = len(data)

    kind = sniff_format(data)
    if kind is None:
        raise UnreadableWorkbook(name, "not_a_workbook", "not a spreadsheet (neither an xlsx/xlsm/ods package "
                                 "nor an Excel .xls file)")
    encrypted = False
    if kind == "ole":
        plain = _decrypt(name, data)
        if plain is not None:
            encrypted = True
            data = plain
            kind = sniff_format(data) or "ole"

    if kind == "zip":
        fmt = _zip_kind(data)
        if fmt == "badzip":
            raise UnreadableWorkbook(name, "corrupt", "damaged or truncated zip package")
        if fmt not in {"xlsx", "xlsm", "ods", "xlsb"}:
            raise UnreadableWorkbook(name, "not_a_workbook", "a zip archive, not a spreadsheet")
    else:
        fmt = "xls"

    try:
        book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    except Exception as exc:
        raise UnreadableWorkbook(name, "corrupt", f"cannot be read as {fmt} ({_short(exc)})") from None

    date1904 = False
    try:
        date1904 = _xlsx_date1904(data) if fmt in {"xlsx", "xlsm"} else _xls_date1904(data) if fmt == "xls" else False
    except Exception:
        date1904 = False
    return Workbook(name=name, sha256=sha, size=size, format=fmt, encrypted=encrypted,
                    date_system=1904 if date1904 else 1900, _book=book, path=path)


def _short(exc: Exception) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else exc.__class__.__name__
    return text[:200]
