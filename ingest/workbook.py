"""Open any spreadsheet a supplier sends and hand out cached cell values by A1 address.

Why its own module: the format is decided by content (magic bytes), never by extension;
files encrypted with Excel's default password ("VelvetSweatshop") are decrypted in memory;
everything that is not a readable workbook becomes one `UnreadableWorkbook` with a short
reason naming the file — never a traceback, never a crashed batch. Reading is python-calamine
(10–30× faster than openpyxl on real CMRTs); it returns cached values, which is what a filled
template holds. Sheets are parsed lazily, the first time the reader asks for one, so a CMRT
costs the four sheets it needs, not its eleven.

What must hold before calamine may touch a package (zip bombs, DTDs, sheets whose extent would
make a dense grid too large to allocate) lives in `ingest.package_guard`; the A1 arithmetic in
`ingest.cell_refs`. Both are re-exported here, so `ingest.workbook` stays the one import.

Reason codes (stable): empty, not_found, too_large, zip_bomb, unsafe_xml, not_a_workbook,
unsupported_format, corrupt, corrupt_sheet, password_protected.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import python_calamine

from minetrace.ingest.cell_refs import column_index, column_letter, parse_cell
from minetrace.ingest.package_guard import (
    _EMPTY_ZIP_MAGIC,
    COL_LIMIT,
    MAX_COMPRESSION_RATIO,
    MAX_FILE_BYTES,
    MAX_PART_BYTES,
    MAX_SHEET_CELLS,
    MAX_UNCOMPRESSED_BYTES,
    MAX_ZIP_ENTRIES,
    OLE_MAGIC,
    RATIO_CHECK_FROM_BYTES,
    ROW_LIMIT,
    SANITIZE_BUDGET_BYTES,
    ZIP_MAGIC,
    UnreadableWorkbook,
    _check_ole_workbook,
    _is_panic,
    _mb,
    _Package,
    _sanitize_sheet,
    _short,
    _xls_biff_stream,
    _xls_check_extent,
    _xls_date1904,
    describe_content,
    sniff_format,
)

__all__ = [
    "COL_LIMIT", "DEFAULT_PASSWORD", "MAX_COMPRESSION_RATIO", "MAX_FILE_BYTES", "MAX_PART_BYTES",
    "MAX_SHEET_CELLS", "MAX_UNCOMPRESSED_BYTES", "MAX_ZIP_ENTRIES", "OLE_MAGIC", "RATIO_CHECK_FROM_BYTES",
    "ROW_LIMIT", "SANITIZE_BUDGET_BYTES", "ZIP_MAGIC", "Sheet", "UnreadableWorkbook", "Workbook", "column_index",
    "column_letter", "describe_content", "open_workbook", "parse_cell", "sniff_format",
]

DEFAULT_PASSWORD = "VelvetSweatshop"


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
    #: Things the reader should know but that did not stop it (a sheet cut to the read window, …).
    warnings: list[str] = field(default_factory=list)
    _package: _Package | None = None
    #: xlsx/xlsm: sheet name → the calamine view holding it (`_Package.view`); the sheets the caller expects to
    #: read (`open_workbook(sheets=…)`) share one view, so the package is inflated once and parsed once
    _views: dict[str, Any] = field(default_factory=dict)
    _expected: tuple[str, ...] = ()
    #: warnings of a sheet prepared for a view, recorded when the sheet is read
    _pending: dict[str, list[str]] = field(default_factory=dict)
    _original: Any = None

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

    def _book_for(self, name: str) -> Any:
        """The calamine workbook to read sheet `name` from."""
        package = self._package
        if package is None:
            return self._book
        if name in self._views:
            return self._views[name]
        later = [n for n in (self.find_sheet_name(e) for e in self._expected)
                 if n and n != name and n not in self._cache and n not in self._views]
        book = _open_view(self, [name, *later])
        if book is None:  # not located through workbook.xml, or too large to hold: the streamed checks
            if self._original is None:
                self._original = _calamine(self.name, package.data, self.format)
            return package.safe_book_for(name, self._original, self.warnings, sanitize=_sanitize_sheet)
        return book

    def sheet(self, wanted: str) -> Sheet | None:
        """The sheet named `wanted` (stripped, case-folded match), or None when there is none.

        Raises `UnreadableWorkbook` (reason corrupt_sheet / zip_bomb / unsafe_xml) when the sheet's
        XML cannot be read safely."""
        name = self.find_sheet_name(wanted)
        if name is None:
            return None
        if name not in self._cache:
            book = self._book_for(name)
            for text in self._pending.pop(name, ()):
                if text not in self.warnings:
                    self.warnings.append(text)
            try:
                raw = book.get_sheet_by_name(name)
                rows = raw.to_python(skip_empty_area=False, nrows=ROW_LIMIT)
                merged = list(raw.merged_cell_ranges or [])
                total = (raw.start[0] + raw.height) if raw.start and raw.height else 0
            except UnreadableWorkbook:
                raise
            except Exception as exc:  # calamine raises its own error types
                raise UnreadableWorkbook(self.name, "corrupt_sheet",
                                         f"sheet {name!r} cannot be read ({_short(exc)})") from None
            except BaseException as exc:  # a Rust panic arrives as pyo3's PanicException (a BaseException)
                if not _is_panic(exc):
                    raise
                raise UnreadableWorkbook(self.name, "corrupt_sheet",
                                         f"sheet {name!r} cannot be read (reader panic: {_short(exc)})") from None
            if total > ROW_LIMIT:
                self._warn_truncated(name, f"has {total:,} rows")
            if rows and len(rows[0]) > COL_LIMIT:
                rows = [r[:COL_LIMIT] for r in rows]
                self._warn_truncated(name, "is wider than the read window")
            self._cache[name] = Sheet(name=name, rows=rows, merged=merged)
        return self._cache[name]

    def _warn_truncated(self, name: str, why: str) -> None:
        text = (f"sheet {name!r} {why}; only rows 1–{ROW_LIMIT:,} and columns "
                f"A–{column_letter(COL_LIMIT - 1)} were read")
        if text not in self.warnings:
            self.warnings.append(text)

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


def _calamine(name: str, data: bytes, fmt: str) -> Any:
    """A calamine workbook over `data`; anything calamine cannot open is `UnreadableWorkbook("corrupt")`."""
    try:
        return python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    except UnreadableWorkbook:
        raise
    except Exception as exc:
        raise UnreadableWorkbook(name, "corrupt", f"cannot be read as {fmt} ({_short(exc)})") from None
    except BaseException as exc:
        if not _is_panic(exc):
            raise
        raise UnreadableWorkbook(name, "corrupt", f"cannot be read as {fmt} (reader panic: {_short(exc)})") from None


def _open_view(wb: Workbook, names: list[str], first_required: bool = True) -> Any:
    """One calamine view (`_Package.view`) holding sheet `names[0]` and whichever of the others can join it, each
    inflated once and checked in memory; None when `names[0]` cannot be held so (the caller streams it). A sheet
    other than the first that cannot be prepared now is left for its own turn (its error, if any, is raised
    when it is read); with `first_required=False` that goes for the first one too."""
    package = wb._package
    assert package is not None
    sheets: dict[str, bytes] = {}
    held: list[str] = []
    for i, name in enumerate(names):
        notes: list[str] = []
        try:
            got = package.sheet_xml(name, notes, sanitize=_sanitize_sheet)
        except UnreadableWorkbook:
            if i == 0 and first_required:
                raise
            continue
        if got is None:
            if i == 0 and first_required:
                return None
            continue
        sheets[got[0]] = got[1]
        held.append(name)
        if notes:
            wb._pending[name] = notes
    book = _calamine(wb.name, package.view(sheets), wb.format)
    for part in sheets:
        package.parts.pop(part, None)  # calamine holds its own copy now
    for name in held:
        wb._views[name] = book
    return book


# ---------------------------------------------------------------------------------------------
# Decryption


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
        try:
            office.load_key(password=DEFAULT_PASSWORD, verify_password=True)
        except TypeError:  # formats whose load_key always verifies
            office.load_key(password=DEFAULT_PASSWORD)
        out = io.BytesIO()
        office.decrypt(out)
    except InvalidKeyError:
        raise UnreadableWorkbook(name, "password_protected",
                                 "password-protected workbook: it is encrypted with a password other than "
                                 "Excel's default; ask the supplier for an unprotected copy") from None
    except Exception as exc:
        raise UnreadableWorkbook(name, "password_protected",
                                 f"encrypted workbook that cannot be decrypted ({exc.__class__.__name__}); "
                                 "ask the supplier for an unprotected copy") from None
    return out.getvalue()


# ---------------------------------------------------------------------------------------------
# Opening


def open_workbook(source: str | Path | bytes, name: str | None = None, sheets: Iterable[str] = ()) -> Workbook:
    """Open a workbook from a path or bytes. Raises `UnreadableWorkbook` for anything unreadable.

    `sheets`: the sheets the caller is going to read (names matched as `Workbook.sheet` matches them). In an
    .xlsx/.xlsm they are inflated, checked and parsed together, once (`_Package.view`); any other sheet can still
    be read, at the cost of one more view."""
    path: str | None = None
    if isinstance(source, bytes):
        data = source
        name = name or "<bytes>"
    else:
        p = Path(source)
        path = str(p)
        name = name or p.name
        try:
            if p.is_dir():
                raise UnreadableWorkbook(name, "not_a_workbook", "a folder, not a file")
            size = p.stat().st_size
        except OSError as exc:
            raise UnreadableWorkbook(name, "not_found", f"cannot open file ({exc.strerror})") from None
        if size > MAX_FILE_BYTES:
            raise UnreadableWorkbook(name, "too_large", f"file is {_mb(size)}, over the {_mb(MAX_FILE_BYTES)} limit")
        try:
            data = p.read_bytes()
        except OSError as exc:
            raise UnreadableWorkbook(name, "not_found", f"cannot read file ({exc.strerror})") from None
    if not data:
        raise UnreadableWorkbook(name, "empty", "empty file (0 bytes)")
    if len(data) > MAX_FILE_BYTES:
        raise UnreadableWorkbook(name, "too_large", f"file is {_mb(len(data))}, over the {_mb(MAX_FILE_BYTES)} limit")
    sha = hashlib.sha256(data).hexdigest()
    size = len(data)

    kind = sniff_format(data)
    if kind is None:
        if data.startswith(_EMPTY_ZIP_MAGIC):
            raise UnreadableWorkbook(name, "not_a_workbook", "an empty zip archive, not a spreadsheet")
        raise UnreadableWorkbook(name, "not_a_workbook", f"not a spreadsheet: the content is {describe_content(data)}, "
                                 "neither an .xlsx/.xlsm/.ods package nor an Excel .xls file")
    encrypted = False
    if kind == "ole":
        _check_ole_workbook(name, data)
        plain = _decrypt(name, data)
        if plain is not None:
            encrypted = True
            data = plain
            kind = sniff_format(data) or "ole"

    package: _Package | None = None
    biff: bytes | None = None
    if kind == "zip":
        package = _Package(name, data)
        package.check_directory()
        fmt = package.kind()
        if fmt == "xlsb":
            raise UnreadableWorkbook(name, "unsupported_format", "an Excel binary workbook (.xlsb), which minetrace "
                                     "does not read; save it as .xlsx")
        if fmt in {"docx", "pptx", "odf"}:
            what = {"docx": "a Word .docx document", "pptx": "a PowerPoint .pptx presentation",
                    "odf": "an OpenDocument file that is not a spreadsheet"}[fmt]
            raise UnreadableWorkbook(name, "not_a_workbook", f"{what}, not a spreadsheet")
        if fmt == "zip":
            listing = ", ".join(i.filename for i in package.infos[:5]) or "nothing"
            raise UnreadableWorkbook(name, "not_a_workbook",
                                     f"a zip archive ({listing}{', …' if len(package.infos) > 5 else ''}), "
                                     "not a spreadsheet")
        package.check_parts()
        if fmt == "ods":
            package.check_ods()
        else:
            package.map_sheets()
    else:
        fmt = "xls"
        biff = _xls_biff_stream(data)
        _xls_check_extent(name, biff)

    viewed = package is not None and fmt in {"xlsx", "xlsm"} and bool(package.sheet_parts)
    book = None if viewed else _calamine(name, data, fmt)

    date1904 = False
    try:
        if package is not None and fmt in {"xlsx", "xlsm"}:
            date1904 = package.date1904()
        elif fmt == "xls":
            date1904 = _xls_date1904(biff)
    except Exception:
        date1904 = False
    wb = Workbook(name=name, sha256=sha, size=size, format=fmt, encrypted=encrypted,
                  date_system=1904 if date1904 else 1900, _book=book, path=path,
                  _package=package if fmt in {"xlsx", "xlsm"} else None, _expected=tuple(sheets))
    if viewed:  # the first view: the sheets the caller will read, parsed by calamine in one pass
        keys = {" ".join(e.split()).casefold() for e in wb._expected}
        first = [n for n in package.sheet_parts if " ".join(n.split()).casefold() in keys]  # type: ignore[union-attr]
        wb._book = _open_view(wb, first, first_required=False) if first else None
        if wb._book is None:
            wb._book = _calamine(name, package.view({}), fmt)  # type: ignore[union-attr]
    return wb
