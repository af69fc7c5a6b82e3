"""Open any spreadsheet a supplier sends and hand out cached cell values by A1 address.

Why its own module: the format is decided by content (magic bytes), never by extension;
files encrypted with Excel's default password ("VelvetSweatshop") are decrypted in memory;
everything that is not a readable workbook becomes one `UnreadableWorkbook` with a short
reason naming the file — never a traceback, never a crashed batch. Reading is python-calamine
(10–30× faster than openpyxl on real CMRTs); it returns cached values, which is what a filled
template holds.

Why the guards: calamine turns a sheet into a *dense* grid in Rust before Python sees a row,
and an allocation failure there aborts the whole process (no exception to catch). A sheet with
one cell at A1 and one at XFD1048576 asks for 550 GB. So before calamine touches a package we
check the zip directory (entry count, declared sizes, compression ratio), verify that the parts
it reads inflate to no more than their declared size, refuse DTDs (`<!DOCTYPE`/`<!ENTITY`), and
scan each worksheet before it is parsed: a sheet whose cells all carry plain references inside
`ROW_LIMIT` × `COL_LIMIT` goes straight to calamine; anything else (far cells, cells without
references, odd markup) is rewritten to that window first and the cut is recorded in
`Workbook.warnings`. CMRT data ends at row 2,504 (hidden tables near 2,600; SorP ~6,200).

Reason codes (stable): empty, not_found, too_large, zip_bomb, unsafe_xml, not_a_workbook,
unsupported_format, corrupt, corrupt_sheet, password_protected.
"""

from __future__ import annotations

import hashlib
import io
import posixpath
import re
import struct
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import python_calamine

DEFAULT_PASSWORD = "VelvetSweatshop"

#: Refuse files larger than this before reading them (bytes). Real CMRTs are 0.4–2.5 MB.
MAX_FILE_BYTES = 100 * 1024 * 1024
#: Zip packages: real CMRT/EMRT packages have 60–90 entries, ~10–12 MB uncompressed, ratio ~6
#: overall and at most ~22 for one part (styles.xml). Limits leave a wide margin.
MAX_ZIP_ENTRIES = 5_000
MAX_UNCOMPRESSED_BYTES = 256 * 1024 * 1024
MAX_PART_BYTES = 128 * 1024 * 1024
#: A part this large must not be more compressed than MAX_COMPRESSION_RATIO (deflate tops out near 1,032).
RATIO_CHECK_FROM_BYTES = 8 * 1024 * 1024
MAX_COMPRESSION_RATIO = 200
#: Window of every sheet that is read (1-based rows, columns A..IZ). CMRT data ends at row 2,504.
ROW_LIMIT = 10_000
COL_LIMIT = 260
#: Largest dense grid (rows × columns) accepted from an .ods sheet or a BIFF .xls sheet.
MAX_SHEET_CELLS = 5_000_000
#: When a sheet has to be rewritten, at most this much of its XML is inflated.
SANITIZE_BUDGET_BYTES = 64 * 1024 * 1024

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
_EMPTY_ZIP_MAGIC = b"PK\x05\x06"


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
    #: Things the reader should know but that did not stop it (a sheet cut to the read window, …).
    warnings: list[str] = field(default_factory=list)
    _package: _Package | None = None

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
        """The sheet named `wanted` (stripped, case-folded match), or None when there is none.

        Raises `UnreadableWorkbook` (reason corrupt_sheet / zip_bomb / unsafe_xml) when the sheet's
        XML cannot be read safely."""
        name = self.find_sheet_name(wanted)
        if name is None:
            return None
        if name not in self._cache:
            book = self._book
            if self._package is not None:
                book = self._package.safe_book_for(name, self._book, self.warnings)
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


# ---------------------------------------------------------------------------------------------
# Sniffing


def sniff_format(data: bytes) -> str | None:
    """'zip' (xlsx/xlsm/ods), 'ole' (xls or an encrypted OOXML package), or None."""
    if data.startswith(ZIP_MAGIC):
        return "zip"
    if data.startswith(OLE_MAGIC):
        return "ole"
    return None


_MAGIC_NAMES: list[tuple[bytes, str]] = [
    (b"%PDF", "a PDF document"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"\x89PNG", "a PNG image"),
    (b"GIF8", "a GIF image"),
    (b"II*\x00", "a TIFF image"),
    (b"MM\x00*", "a TIFF image"),
    (b"BM", "a bitmap image"),
    (b"Rar!", "a RAR archive"),
    (b"7z\xbc\xaf", "a 7-Zip archive"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"{\\rtf", "an RTF document"),
    (b"MZ", "a Windows program"),
]


def describe_content(data: bytes) -> str:
    """A few words saying what a non-spreadsheet file looks like, for error messages."""
    for magic, what in _MAGIC_NAMES:
        if data.startswith(magic):
            return what
    head = data[:4096]
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text.startswith((b"<!doctype html", b"<html")) or b"<table" in text:
        return "an HTML page (some systems save HTML tables with an .xls name)"
    if text.startswith(b"<?xml") and b"urn:schemas-microsoft-com:office:spreadsheet" in head:
        return "an Excel 2003 XML spreadsheet"
    if text.startswith(b"<?xml") or text.startswith(b"<"):
        return "an XML or HTML file"
    try:
        sample = head.decode("utf-8")
    except UnicodeDecodeError:
        return "an unknown binary file"
    if sample.isprintable() or all(ch.isprintable() or ch in "\r\n\t" for ch in sample):
        return "a text file" + (" (CSV?)" if ("," in sample or ";" in sample or "\t" in sample) else "")
    return "an unknown binary file"


# ---------------------------------------------------------------------------------------------
# OLE2 (.xls and encrypted OOXML)


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


def _ole_streams(data: bytes) -> list[str]:
    import olefile

    try:
        ole = olefile.OleFileIO(data)
        try:
            return ["/".join(parts) for parts in ole.listdir(streams=True, storages=False)]
        finally:
            ole.close()
    except Exception:
        return []


_OLE_DOCUMENTS = {
    "worddocument": "a Word document",
    "powerpoint document": "a PowerPoint presentation",
    "__substg1.0_0037001f": "an Outlook message",
    "__substg1.0_0037001e": "an Outlook message",
    "visiodocument": "a Visio drawing",
}


def _check_ole_workbook(name: str, data: bytes) -> None:
    """Refuse OLE files that are not Excel workbooks (Word, PowerPoint, Outlook …) with a clear message."""
    streams = _ole_streams(data)
    if not streams:
        raise UnreadableWorkbook(name, "corrupt", "damaged or truncated Excel (.xls) file")
    lowered = {s.split("/")[-1].casefold() for s in streams}
    if "workbook" in lowered or "book" in lowered:
        return
    if "encryptedpackage" in lowered:
        return
    for stream, what in _OLE_DOCUMENTS.items():
        if stream in lowered:
            raise UnreadableWorkbook(name, "not_a_workbook", f"{what}, not a spreadsheet")
    raise UnreadableWorkbook(name, "not_a_workbook", "an OLE compound file without an Excel workbook stream")


#: Cell records that carry a value (BLANK/MULBLANK only carry formatting and make no cell).
_BIFF_CELL_RECORDS = {0x0006, 0x00BD, 0x00D6, 0x00FD, 0x0203, 0x0204, 0x0205, 0x027E}


def _xls_biff_stream(data: bytes) -> bytes | None:
    import olefile

    try:
        ole = olefile.OleFileIO(data)
        try:
            stream_name = "Workbook" if ole.exists("Workbook") else "Book"
            return ole.openstream(stream_name).read()
        finally:
            ole.close()
    except Exception:
        return None


def _xls_date1904(stream: bytes | None) -> bool:
    """Scan the BIFF globals substream for the DATEMODE record (0x0022)."""
    if not stream:
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


def _xls_check_extent(name: str, stream: bytes | None) -> None:
    """Refuse a BIFF file whose sheets would make a dense grid over MAX_SHEET_CELLS.

    calamine parses every sheet of an .xls when it opens it, so this runs first. It only looks at
    the DIMENSIONS record of each sheet and the rows/columns of cell records (cheap header reads)."""
    if not stream:
        return
    pos, end = 0, len(stream)
    max_row = max_col = -1
    unpack = struct.unpack_from
    while pos + 4 <= end:
        rtype, length = unpack("<HH", stream, pos)
        body = pos + 4
        if rtype in _BIFF_CELL_RECORDS and length >= 4 and body + 4 <= end:
            row, col = unpack("<HH", stream, body)
            if rtype == 0x00BD and length >= 6:  # MULRK: last column at the end
                col = max(col, unpack("<H", stream, body + length - 2)[0])
            if row > max_row:
                max_row = row
            if col > max_col:
                max_col = col
        elif rtype == 0x0809 and max_row >= 0:  # BOF of the next substream: close the sheet
            _xls_extent_ok(name, max_row, max_col)
            max_row = max_col = -1
        pos = body + length
    if max_row >= 0:
        _xls_extent_ok(name, max_row, max_col)


def _xls_extent_ok(name: str, max_row: int, max_col: int) -> None:
    if (max_row + 1) * (max_col + 1) > MAX_SHEET_CELLS:
        raise UnreadableWorkbook(name, "too_large",
                                 f"a sheet reaches row {max_row + 1:,} and column {column_letter(max_col)}; "
                                 f"over {MAX_SHEET_CELLS:,} cells is not a supplier template")


# ---------------------------------------------------------------------------------------------
# Zip packages (.xlsx / .xlsm / .ods)


_UNSAFE_XML = re.compile(rb"<!(?i:doctype|entity)")
_PLAIN_REF = rb"(?:[A-Z]|[A-I][A-Z])?[1-9]\d{0,3}"
#: A <c> start tag that does not begin with a plain reference inside the read window. Row numbers
#: on <row> do not matter: calamine places a cell by its own reference when it has one.
_ODD_CELL_TAG = re.compile(rb"<c(?=[\s/>])(?! r=\"" + _PLAIN_REF + rb"\")")
_SPACED_R_ATTR = re.compile(rb"r[ \t\r\n]+=")
_PARTS_READ_AT_OPEN = re.compile(r"^(?:\[Content_Types\]\.xml|(?:.*/)?_rels/.*\.rels|xl/[^/]+\.xml|"
                                 r"content\.xml|styles\.xml|meta\.xml|settings\.xml|META-INF/manifest\.xml)$",
                                 re.IGNORECASE)
_XML_PART = re.compile(r"\.(?:xml|rels|vml)$", re.IGNORECASE)


class _Package:
    """A zip package checked against bombs and DTDs; hands calamine a safe view of each worksheet."""

    def __init__(self, name: str, data: bytes) -> None:
        self.name = name
        self.data = data
        try:
            self.zf = zipfile.ZipFile(io.BytesIO(data))
            self.infos = self.zf.infolist()
        except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError, OSError):
            raise UnreadableWorkbook(name, "corrupt", "damaged or truncated zip package "
                                     "(the file was cut short or is not a complete .xlsx)") from None
        self.by_name = {i.filename: i for i in self.infos}
        self.sheet_parts: dict[str, str] = {}
        self.safe_books: dict[str, Any] = {}

    # -- directory-level checks -------------------------------------------------------------
    def check_directory(self) -> None:
        name = self.name
        if len(self.infos) > MAX_ZIP_ENTRIES:
            raise UnreadableWorkbook(name, "too_large", f"zip package with {len(self.infos):,} entries "
                                     f"(limit {MAX_ZIP_ENTRIES:,}); not a supplier template")
        total = sum(i.file_size for i in self.infos)
        packed = sum(i.compress_size for i in self.infos) or 1
        if total > MAX_UNCOMPRESSED_BYTES:
            reason = "zip_bomb" if total / packed > MAX_COMPRESSION_RATIO else "too_large"
            raise UnreadableWorkbook(name, reason, f"zip package declares {_mb(total)} uncompressed from "
                                     f"{_mb(packed)} (limit {_mb(MAX_UNCOMPRESSED_BYTES)}); refused as a zip bomb"
                                     if reason == "zip_bomb" else
                                     f"zip package declares {_mb(total)} uncompressed (limit "
                                     f"{_mb(MAX_UNCOMPRESSED_BYTES)})")
        for info in self.infos:
            if info.flag_bits & 0x1:
                raise UnreadableWorkbook(name, "password_protected",
                                         f"zip entry {info.filename!r} is encrypted; not an Excel package")
            if info.file_size > MAX_PART_BYTES:
                raise UnreadableWorkbook(name, "zip_bomb", f"part {info.filename!r} declares "
                                         f"{_mb(info.file_size)} uncompressed (limit {_mb(MAX_PART_BYTES)})")
            if info.file_size >= RATIO_CHECK_FROM_BYTES and \
                    info.file_size > MAX_COMPRESSION_RATIO * max(info.compress_size, 1):
                raise UnreadableWorkbook(name, "zip_bomb", f"part {info.filename!r} is compressed "
                                         f"{info.file_size // max(info.compress_size, 1):,}:1 "
                                         f"({_mb(info.file_size)} from {_mb(info.compress_size)}); "
                                         "refused as a zip bomb")
            if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                raise UnreadableWorkbook(name, "corrupt", f"zip entry {info.filename!r} uses an unsupported "
                                         f"compression method ({info.compress_type})")

    # -- part reading with the declared size enforced ---------------------------------------
    def _raw(self, info: zipfile.ZipInfo) -> bytes:
        data, off = self.data, info.header_offset
        if data[off:off + 4] != ZIP_MAGIC:
            raise UnreadableWorkbook(self.name, "corrupt", f"damaged zip entry {info.filename!r}")
        name_len, extra_len = struct.unpack_from("<HH", data, off + 26)
        start = off + 30 + name_len + extra_len
        raw = data[start:start + info.compress_size]
        if len(raw) < info.compress_size:
            raise UnreadableWorkbook(self.name, "corrupt", f"zip entry {info.filename!r} is cut short "
                                     "(truncated file)")
        return raw

    def iter_part(self, info: zipfile.ZipInfo, limit: int | None = None,
                  chunk: int = 1 << 20) -> Iterator[bytes]:
        """Yield the inflated bytes of a part in chunks; refuse output beyond its declared size."""
        raw = self._raw(info)
        declared = info.file_size
        produced = 0
        if info.compress_type == zipfile.ZIP_STORED:
            for i in range(0, min(len(raw), declared), chunk):
                yield raw[i:i + chunk]
            return
        inflater = zlib.decompressobj(-15)
        pending = raw
        try:
            while pending or not inflater.eof:
                out = inflater.decompress(pending, chunk)
                pending = inflater.unconsumed_tail
                produced += len(out)
                if produced > declared:
                    raise UnreadableWorkbook(self.name, "zip_bomb", f"part {info.filename!r} inflates beyond "
                                             f"its declared size of {declared:,} bytes; refused as a zip bomb")
                if out:
                    yield out
                if limit is not None and produced >= limit:
                    return
                if not out and not pending:
                    break
        except zlib.error:
            raise UnreadableWorkbook(self.name, "corrupt",
                                     f"zip entry {info.filename!r} is damaged (bad deflate data)") from None

    def read_part(self, info: zipfile.ZipInfo, limit: int | None = None) -> bytes:
        chunk = min(1 << 20, max(limit, 1024)) if limit else 1 << 20
        return b"".join(self.iter_part(info, limit=limit, chunk=chunk))

    # -- package-level checks ----------------------------------------------------------------
    def check_parts(self) -> None:
        """Parts calamine reads when opening: inflate fully (size verified) and refuse DTDs.
        Every other XML part: refuse a DTD in its prolog."""
        for info in self.infos:
            fname = info.filename
            if fname.startswith("xl/worksheets/") or info.is_dir():
                continue
            if _PARTS_READ_AT_OPEN.match(fname) and not fname.endswith("calcChain.xml"):
                text = self.read_part(info)
            elif _XML_PART.search(fname):
                text = self.read_part(info, limit=4096)[:4096]
            else:
                continue
            self._refuse_dtd(fname, text)

    def _refuse_dtd(self, part: str, text: bytes) -> None:
        if _UNSAFE_XML.search(text):
            raise UnreadableWorkbook(self.name, "unsafe_xml",
                                     f"part {part!r} declares a DTD or entities (<!DOCTYPE>/<!ENTITY>), which "
                                     "Excel never writes; refused as an XML entity-expansion / external-entity attack")

    def kind(self) -> str:
        names = self.by_name
        if "mimetype" in names:
            head = self.read_part(names["mimetype"], limit=256)
            if head.startswith(b"application/vnd.oasis.opendocument.spreadsheet"):
                return "ods"
            if head.startswith(b"application/vnd.oasis.opendocument"):
                return "odf"
        if "xl/workbook.xml" in names:
            ct = self.read_part(names["[Content_Types].xml"]) if "[Content_Types].xml" in names else b""
            return "xlsm" if b"macroEnabled" in ct else "xlsx"
        if "xl/workbook.bin" in names:
            return "xlsb"
        if "word/document.xml" in names:
            return "docx"
        if "ppt/presentation.xml" in names:
            return "pptx"
        return "zip"

    def date1904(self) -> bool:
        info = self.by_name.get("xl/workbook.xml")
        if info is None:
            return False
        head = self.read_part(info, limit=256 * 1024)
        return re.search(rb"date1904\s*=\s*[\"'](1|true)[\"']", head) is not None

    def map_sheets(self) -> None:
        """Sheet name → worksheet part, from xl/workbook.xml and its relationships."""
        import defusedxml.ElementTree as SafeET

        try:
            wb = SafeET.fromstring(self.read_part(self.by_name["xl/workbook.xml"]))
            rels_info = self.by_name.get("xl/_rels/workbook.xml.rels")
            rels = SafeET.fromstring(self.read_part(rels_info)) if rels_info else None
        except UnreadableWorkbook:
            raise
        except Exception:
            return  # calamine decides whether the package is readable
        targets: dict[str, str] = {}
        if rels is not None:
            for rel in rels:
                rid, target = rel.get("Id"), rel.get("Target")
                if rid and target:
                    path = target.lstrip("/") if target.startswith("/") else posixpath.normpath("xl/" + target)
                    targets[rid] = path
        for el in wb.iter():
            if el.tag.rsplit("}", 1)[-1] != "sheet":
                continue
            rid = next((v for k, v in el.attrib.items() if k.rsplit("}", 1)[-1] == "id"), None)
            sheet_name = el.get("name")
            if sheet_name is not None and rid in targets:
                self.sheet_parts[sheet_name] = targets[rid]

    def check_ods(self) -> None:
        """calamine reads every .ods sheet at open; refuse repeat counts that would make huge grids."""
        info = self.by_name.get("content.xml")
        if info is None:
            raise UnreadableWorkbook(self.name, "corrupt", "OpenDocument package without content.xml")
        text = self.read_part(info)
        self._refuse_dtd("content.xml", text)
        for table in re.finditer(rb"<table:table(?=[\s>]).*?(?:</table:table>|$)", text, re.DOTALL):
            max_row = max_col = 0
            row_at = 0
            for row in re.finditer(rb"<table:table-row(?=[\s/>])([^>]*?)(?:/>|>(.*?)</table:table-row>)",
                                   table.group(0), re.DOTALL):
                rep = _ods_repeat(row.group(1), b"number-rows-repeated")
                body = row.group(2) or b""
                row_at += rep
                if not re.search(rb"office:value|<text:", body):
                    continue
                width = sum(_ods_repeat(m.group(1), b"number-columns-repeated")
                            for m in re.finditer(rb"<table:(?:covered-)?table-cell(?=[\s/>])([^>]*)", body))
                max_row, max_col = row_at, max(max_col, width)
                if max_row * max_col > MAX_SHEET_CELLS:
                    raise UnreadableWorkbook(self.name, "too_large",
                                             f"an OpenDocument sheet spans {max_row:,} rows × {max_col:,} columns; "
                                             f"over {MAX_SHEET_CELLS:,} cells is not a supplier template")

    # -- worksheets --------------------------------------------------------------------------
    def safe_book_for(self, sheet_name: str, book: Any, warnings: list[str]) -> Any:
        """The calamine workbook to read `sheet_name` from: the original when the sheet's XML is
        plain and inside the read window, else a copy of the package with that sheet rewritten."""
        part = self.sheet_parts.get(sheet_name)
        info = self.by_name.get(part) if part else None
        if info is None:
            # Not located through workbook.xml and its relationships: calamine may still find a part,
            # so every worksheet-like part must be plain before it is allowed to.
            for other in self.infos:
                if re.match(r"xl/(?:worksheets|macrosheets|dialogsheets)/[^/]+\.xml$", other.filename) \
                        and not self._plain_sheet(other):
                    raise UnreadableWorkbook(self.name, "corrupt_sheet", f"sheet {sheet_name!r} cannot be "
                                             "located in the package and a sheet part is not plain worksheet XML")
            return book
        if self._plain_sheet(info):
            return book
        if sheet_name not in self.safe_books:
            chunks: list[bytes] = []
            got, clipped = 0, False
            for chunk in self.iter_part(info, limit=SANITIZE_BUDGET_BYTES):
                chunks.append(chunk)
                got += len(chunk)
                if _FAR_ROW.search(chunk) or got >= SANITIZE_BUDGET_BYTES:
                    clipped = got < info.file_size
                    break
            try:
                xml, cut = _sanitize_sheet(b"".join(chunks), clipped)
            except ValueError as exc:
                raise UnreadableWorkbook(self.name, "corrupt_sheet", f"sheet {sheet_name!r} cannot be read "
                                         f"({exc})") from None
            self._refuse_dtd(part or sheet_name, xml[:65536])
            if cut:
                text = (f"sheet {sheet_name!r} {cut}; only rows 1–{ROW_LIMIT:,} and columns "
                        f"A–{column_letter(COL_LIMIT - 1)} were read")
                if text not in warnings:
                    warnings.append(text)
            self.safe_books[sheet_name] = python_calamine.CalamineWorkbook.from_filelike(
                io.BytesIO(self._repack(part or "", xml)))
        return self.safe_books[sheet_name]

    def _plain_sheet(self, info: zipfile.ZipInfo) -> bool:
        """True when calamine can take the sheet as it is: every unprefixed <c> start tag begins with a
        plain reference inside the read window, no prefixed cell tags, and inside <sheetData> there
        are exactly as many `r=` as <c r="…"> and <row r="…"> tags (no tag carries a second `r`)."""
        carry = b""
        n_tags = n_r = 0
        state = 0  # 0 before <sheetData>, 1 inside, 2 after
        for chunk in self.iter_part(info, chunk=4 << 20):
            buf = carry + chunk
            cut = buf.rfind(b">") + 1
            block, carry = buf[:cut], buf[cut:]
            if len(carry) > 1 << 20:
                return False
            if state == 0 and _UNSAFE_XML.search(block, 0, 65536):  # a DTD can only sit in the prolog
                self._refuse_dtd(info.filename, block[:65536])
            if _ODD_CELL_TAG.search(block):
                return False
            lo, hi = 0, len(block)
            if state == 0:
                i = block.find(b"sheetData")
                if i < 0:
                    if b"<c " in block or b"<row " in block:
                        return False
                    continue
                j = block.find(b">", i)
                if block[j - 1:j] == b"/":
                    state = 2
                    continue
                state, lo = 1, j + 1
            if state == 1:
                k = block.find(b"sheetData", lo)
                if k >= 0:
                    hi, state = k, 2
                if block.find(b":c", lo, hi) >= 0 or _SPACED_R_ATTR.search(block, lo, hi):
                    return False  # prefixed cell tags or `r =`: let the rewriter decide
                n_tags += block.count(b'<c r="', lo, hi) + block.count(b'<row r="', lo, hi)
                n_r += block.count(b"r=", lo, hi)
            elif b"<c " in block or b"<row " in block:
                return False
        if carry.strip():
            return False
        return state == 2 and n_r == n_tags

    def _repack(self, part: str, xml: bytes) -> bytes:
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as zout:
            for info in self.infos:
                if info.is_dir():
                    continue
                if info.filename == part:
                    zout.writestr(info.filename, xml)
                elif info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml"):
                    zout.writestr(info.filename, _EMPTY_SHEET)  # other sheets are read from the original
                else:
                    zout.writestr(info.filename, self.read_part(info))
        return out.getvalue()


_EMPTY_SHEET = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData/></worksheet>')

_SHEETDATA_OPEN = re.compile(rb"<((?:[\w.-]+:)?)sheetData\b[^>]*?(/?)>")
_ATTRS = rb"((?:[^>\"']|\"[^\"]*\"|'[^']*')*?)"
_ROW_EL = re.compile(rb"<((?:[\w.-]+:)?)row(?=[\s/>])" + _ATTRS + rb"(?:/>|>(.*?)</(?:[\w.-]+:)?row\s*>)", re.DOTALL)
_CELL_EL = re.compile(rb"<((?:[\w.-]+:)?)c(?=[\s/>])" + _ATTRS + rb"(?:/>|>(.*?)</(?:[\w.-]+:)?c\s*>)", re.DOTALL)
#: A row tag numbered 10,000 or more: once one is inflated, the rest of the sheet is not needed.
_FAR_ROW = re.compile(rb"<(?:[\w.-]+:)?row\s[^>]*?\br\s*=\s*[\"']0*[1-9]\d{4,}")
_R_ATTR = re.compile(rb"(?<![\w.-])(?:[\w.-]+:)?r\s*=\s*(\"[^\"]*\"|'[^']*')")
_REF = re.compile(rb"^\$?([A-Za-z]{1,3})\$?(\d{1,7})$")


def _sanitize_sheet(xml: bytes, clipped: bool) -> tuple[bytes, str]:
    """Rewrite worksheet XML to the read window with an explicit `r` on every row and cell.

    Returns the new XML and a note on what was cut ('' when nothing was)."""
    m = _SHEETDATA_OPEN.search(xml)
    if not m or m.group(2):
        return xml, ""
    prefix = m.group(1)
    close = re.compile(rb"</" + re.escape(prefix) + rb"sheetData\s*>")
    end = close.search(xml, m.end())
    body_end = end.start() if end else len(xml)
    tail = xml[end.end():] if end else b""
    if not tail.strip():
        tail = b"</" + prefix + b"worksheet>"
    notes: list[str] = []
    out: list[bytes] = [xml[:m.end()]]
    row_no = 0
    for row in _ROW_EL.finditer(xml, m.end(), body_end):
        attrs = row.group(2)
        ref = _R_ATTR.findall(attrs)
        row_no = int(ref[-1][1:-1]) if ref and ref[-1][1:-1].isdigit() else row_no + 1
        if row_no > ROW_LIMIT:
            notes.append(f"has rows beyond {ROW_LIMIT:,}")
            break
        cells: list[bytes] = []
        col_no = 0
        for cell in _CELL_EL.finditer(row.group(3) or b""):
            cref = _R_ATTR.findall(cell.group(2))
            cm = _REF.match(cref[-1][1:-1]) if cref else None
            col_no = column_index(cm.group(1).decode()) + 1 if cm else col_no + 1
            if col_no > COL_LIMIT:
                if "has columns beyond the read window" not in notes:
                    notes.append("has columns beyond the read window")
                break
            rest = _R_ATTR.sub(b"", cell.group(2)).strip()
            tag = b"<" + cell.group(1) + b'c r="' + column_letter(col_no - 1).encode() + str(row_no).encode() + b'"'
            tag += (b" " + rest if rest else b"")
            inner = cell.group(3)
            cells.append(tag + b"/>" if inner is None else tag + b">" + inner + b"</" + cell.group(1) + b"c>")
        rest = _R_ATTR.sub(b"", attrs).strip()
        open_tag = b"<" + row.group(1) + b'row r="' + str(row_no).encode() + b'"' + (b" " + rest if rest else b"")
        out.append(open_tag + b">" + b"".join(cells) + b"</" + row.group(1) + b"row>")
    else:
        if not end and not clipped:
            raise ValueError("the sheet XML ends before </sheetData> (damaged or cut short)")
    if clipped and not notes:
        notes.append(f"is larger than {_mb(SANITIZE_BUDGET_BYTES)} of XML")
    out.append(b"</" + prefix + b"sheetData>")
    out.append(tail)
    return b"".join(out), "; ".join(notes)


def _ods_repeat(attrs: bytes, key: bytes) -> int:
    m = re.search(re.escape(key) + rb"\s*=\s*[\"'](\d{1,9})[\"']", attrs)
    return max(1, int(m.group(1))) if m else 1


# ---------------------------------------------------------------------------------------------
# Opening


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

    try:
        book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    except UnreadableWorkbook:
        raise
    except Exception as exc:
        raise UnreadableWorkbook(name, "corrupt", f"cannot be read as {fmt} ({_short(exc)})") from None
    except BaseException as exc:
        if not _is_panic(exc):
            raise
        raise UnreadableWorkbook(name, "corrupt", f"cannot be read as {fmt} (reader panic: {_short(exc)})") from None

    date1904 = False
    try:
        if package is not None and fmt in {"xlsx", "xlsm"}:
            date1904 = package.date1904()
        elif fmt == "xls":
            date1904 = _xls_date1904(biff)
    except Exception:
        date1904 = False
    return Workbook(name=name, sha256=sha, size=size, format=fmt, encrypted=encrypted,
                    date_system=1904 if date1904 else 1900, _book=book, path=path,
                    _package=package if fmt in {"xlsx", "xlsm"} else None)


def _mb(n: int) -> str:
    return f"{n / (1024 * 1024):.1f} MB" if n >= 1024 * 1024 else f"{n:,} bytes"


def _is_panic(exc: BaseException) -> bool:
    """pyo3 turns a Rust panic into `pyo3_runtime.PanicException`, which is not an `Exception`."""
    return type(exc).__name__ == "PanicException"


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else exc.__class__.__name__
    return text[:200]
