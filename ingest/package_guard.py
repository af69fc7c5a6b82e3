"""Checks a package must pass before python-calamine is allowed to read it.

Why its own module: calamine turns a sheet into a *dense* grid in Rust before Python sees a row,
and an allocation failure there aborts the whole process (no exception to catch). A sheet with
one cell at A1 and one at XFD1048576 asks for 550 GB. So before calamine touches a package we
check the zip directory (entry count, declared sizes, compression ratio), verify that the parts
it reads inflate to no more than their declared size, refuse DTDs (`<!DOCTYPE`/`<!ENTITY`), and
scan each worksheet before it is parsed: a sheet whose cells all carry plain references inside
`ROW_LIMIT` × `COL_LIMIT` goes straight to calamine; anything else (far cells, cells without
references, odd markup) is rewritten to that window first and the cut is recorded in the
workbook's warnings. CMRT data ends at row 2,504 (hidden tables near 2,600; SorP ~6,200).
BIFF .xls files and .ods packages are parsed whole at open, so their extents are checked first.

The worksheet scan is on every file's critical path (a 6.x Smelter List is ~5 MB of XML, most of
it formulas), so it is built from `bytes.count` passes, which run at memory speed, and only falls
back to regular expressions when the counts disagree.

`ingest.workbook` opens workbooks with these checks and re-exports the public names.
"""

from __future__ import annotations

import io
import posixpath
import re
import struct
import zipfile
from collections.abc import Callable, Iterator
from typing import Any

import python_calamine

from minetrace.ingest.cell_refs import column_index, column_letter

try:  # zlib-ng inflates a 5 MB Smelter List in a third of zlib's time (same API, same errors)
    from zlib_ng import zlib_ng as zlib
except ImportError:  # pragma: no cover - the dependency is declared; stdlib zlib still works
    import zlib  # type: ignore[no-redef]

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
#: Parts up to this size are inflated whole, once, and handed to calamine STORED (a 6.x Smelter List is ~5 MB);
#: larger ones are streamed through the checks and calamine inflates them itself.
INFLATE_WHOLE_BYTES = 32 * 1024 * 1024

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
#: in <sheetData>: a prefixed element named c (`<x:c …>`), and an `r` attribute that is spaced or is not the one
#: a <c r="…"> or <row r="…"> tag opens with
_PREFIXED_CELL = re.compile(rb":c[\s/>]")
_STRAY_R = re.compile(rb"r=(?<!<c r=)(?<!<row r=)")
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
        #: parts inflated whole and checked (size, CRC, no DTD), kept for the calamine view (`view`)
        self.parts: dict[str, bytes] = {}

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
        """Yield the inflated bytes of a part in chunks; refuse output beyond its declared size, and a part
        read to its end whose CRC-32 differs from the one the zip directory records (a damaged file)."""
        raw = self._raw(info)
        declared = info.file_size
        produced = 0
        crc = 0
        if info.compress_type == zipfile.ZIP_STORED:
            for i in range(0, min(len(raw), declared), chunk):
                part = raw[i:i + chunk]
                crc = zlib.crc32(part, crc)
                produced += len(part)
                yield part
                if limit is not None and produced >= limit:
                    return
            self._check_crc(info, crc, produced)
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
                    crc = zlib.crc32(out, crc)
                    yield out
                if limit is not None and produced >= limit:
                    return
                if not out and not pending:
                    break
        except zlib.error:
            raise UnreadableWorkbook(self.name, "corrupt",
                                     f"zip entry {info.filename!r} is damaged (bad deflate data)") from None
        self._check_crc(info, crc, produced)

    def _check_crc(self, info: zipfile.ZipInfo, crc: int, produced: int) -> None:
        if produced == info.file_size and crc != info.CRC:
            raise UnreadableWorkbook(self.name, "corrupt", f"zip entry {info.filename!r} fails its CRC-32 check "
                                     "(damaged or altered file)")

    def read_part(self, info: zipfile.ZipInfo, limit: int | None = None) -> bytes:
        cached = self.parts.get(info.filename)
        if cached is not None:
            return cached if limit is None else cached[:limit]
        if limit is None and info.file_size <= INFLATE_WHOLE_BYTES:
            return self.inflate(info)
        chunk = min(1 << 20, max(limit, 1024)) if limit else 1 << 20
        return b"".join(self.iter_part(info, limit=limit, chunk=chunk))

    def inflate(self, info: zipfile.ZipInfo) -> bytes:
        """A whole part in one inflate call and one CRC pass (declared size and CRC-32 enforced, as `iter_part`),
        kept in `parts`. Only for parts up to INFLATE_WHOLE_BYTES; larger ones are streamed."""
        cached = self.parts.get(info.filename)
        if cached is not None:
            return cached
        raw = self._raw(info)
        declared = info.file_size
        if info.compress_type == zipfile.ZIP_STORED:
            out = raw[:declared]
        else:
            try:
                out = zlib.decompressobj(-15).decompress(raw, declared + 1)
            except zlib.error:
                raise UnreadableWorkbook(self.name, "corrupt",
                                         f"zip entry {info.filename!r} is damaged (bad deflate data)") from None
            if len(out) > declared:
                raise UnreadableWorkbook(self.name, "zip_bomb", f"part {info.filename!r} inflates beyond "
                                         f"its declared size of {declared:,} bytes; refused as a zip bomb")
        self._check_crc(info, zlib.crc32(out), len(out))
        self.parts[info.filename] = out
        return out

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
    def safe_book_for(self, sheet_name: str, book: Any, warnings: list[str],
                      sanitize: Callable[[bytes, bool], tuple[bytes, str]] | None = None) -> Any:
        """The calamine workbook to read `sheet_name` from: the original when the sheet's XML is
        plain and inside the read window, else a copy of the package with that sheet rewritten
        (by `sanitize`, `_sanitize_sheet` unless the caller passes its own)."""
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
                xml, cut = (sanitize or _sanitize_sheet)(b"".join(chunks), clipped)
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

    def sheet_xml(self, sheet_name: str, warnings: list[str],
                  sanitize: Callable[[bytes, bool], tuple[bytes, str]] | None = None) -> tuple[str, bytes] | None:
        """(part, XML) calamine may read for `sheet_name`, from ONE inflate of the part: the XML as it is when it
        is plain and inside the read window (`plain_xml`), else rewritten to that window (by `sanitize`,
        `_sanitize_sheet` unless the caller passes its own; the cut recorded in `warnings`). None when the sheet
        cannot be handled this way (not located through workbook.xml, or a part over INFLATE_WHOLE_BYTES):
        the caller then uses `safe_book_for`, which streams."""
        part = self.sheet_parts.get(sheet_name)
        info = self.by_name.get(part) if part else None
        if info is None or part is None or info.file_size > INFLATE_WHOLE_BYTES:
            return None
        xml = self.inflate(info)
        if self.plain_xml(part, xml):
            return part, xml
        del self.parts[part]  # the rewrite below is what calamine gets
        try:
            clean, cut = (sanitize or _sanitize_sheet)(xml, False)
        except ValueError as exc:
            raise UnreadableWorkbook(self.name, "corrupt_sheet", f"sheet {sheet_name!r} cannot be read "
                                     f"({exc})") from None
        self._refuse_dtd(part, clean[:65536])
        if cut:
            text = (f"sheet {sheet_name!r} {cut}; only rows 1–{ROW_LIMIT:,} and columns "
                    f"A–{column_letter(COL_LIMIT - 1)} were read")
            if text not in warnings:
                warnings.append(text)
        return part, clean

    def plain_xml(self, part: str, xml: bytes) -> bool:
        """`_plain_sheet`'s test on a part already in memory (the same rule, no second inflate): every unprefixed
        <c> start tag begins with a plain reference inside the read window, no prefixed cell tags, no spaced `r =`,
        and inside <sheetData> exactly as many `r=` as <c r="…"> and <row r="…"> tags. A DTD is refused."""
        if _UNSAFE_XML.search(xml, 0, 65536):  # a DTD can only sit in the prolog
            self._refuse_dtd(part, xml[:65536])
        if _ODD_CELL_TAG.search(xml):
            return False
        i = xml.find(b"sheetData")
        if i < 0:
            return False
        j = xml.find(b">", i)
        if j < 0 or xml[xml.rfind(b">") + 1:].strip():
            return False
        if xml[j - 1:j] == b"/":  # <sheetData/>: no cell anywhere after it
            return xml.find(b"<c ", j) < 0 and xml.find(b"<row ", j) < 0
        lo = j + 1
        hi = xml.find(b"sheetData", lo)
        if hi < 0 or xml.find(b"<c ", hi) >= 0 or xml.find(b"<row ", hi) >= 0:
            return False
        if xml.find(b"<c ", 0, i) >= 0 or xml.find(b"<row ", 0, i) >= 0:
            return False
        # prefixed cell tags, `r =`, or an `r=` that does not open a <c r="…"> / <row r="…"> tag (a second `r` on
        # a tag): let the rewriter decide. Two regex passes (a rare first byte is found at memory speed) stand in
        # for `_plain_sheet`'s counts.
        return not (_PREFIXED_CELL.search(xml, lo, hi) or _STRAY_R.search(xml, lo, hi)
                    or _SPACED_R_ATTR.search(xml, lo, hi))

    def view(self, sheets: dict[str, bytes]) -> bytes:
        """A package for calamine holding the parts it reads when opening (already inflated and checked) and
        the given worksheet parts (part → checked XML), all STORED: calamine reads them without inflating a
        second time. Every other worksheet part is an empty sheet (it is read through another view when asked
        for); media, drawings and the calculation chain are left out."""
        entries: list[tuple[str, bytes, int]] = []
        for info in self.infos:
            fname = info.filename
            if info.is_dir():
                continue
            if fname in sheets:
                body = sheets[fname]
                crc = info.CRC if self.parts.get(fname) is body else zlib.crc32(body)
            elif _WORKSHEET_PART.match(fname):
                body, crc = _EMPTY_SHEET, _EMPTY_SHEET_CRC
            elif _PARTS_READ_AT_OPEN.match(fname) and not fname.endswith("calcChain.xml"):
                body = self.read_part(info)
                crc = info.CRC if self.parts.get(fname) is body else zlib.crc32(body)
            else:
                continue
            entries.append((fname, body, crc))
        return _stored_zip(entries)

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
_EMPTY_SHEET_CRC = zlib.crc32(_EMPTY_SHEET)
_WORKSHEET_PART = re.compile(r"xl/(?:worksheets|macrosheets|dialogsheets)/[^/]+\.xml$")


def _stored_zip(entries: list[tuple[str, bytes, int]]) -> bytes:
    """A zip archive of (name, bytes, CRC-32) entries, all STORED (no compression, no zip64: parts are at most
    MAX_PART_BYTES and packages at most MAX_ZIP_ENTRIES entries). Written by hand because the CRCs are known:
    zipfile would compute each one again."""
    out: list[bytes] = []
    central: list[bytes] = []
    offset = 0
    for name, body, crc in entries:
        try:
            raw_name, flags = name.encode("ascii"), 0
        except UnicodeEncodeError:
            raw_name, flags = name.encode("utf-8"), 0x800
        size = len(body)
        local = struct.pack("<4sHHHHHIIIHH", b"PK\x03\x04", 20, flags, 0, 0, 0x21, crc, size, size, len(raw_name), 0)
        out += (local, raw_name, body)
        central.append(struct.pack("<4sHHHHHHIIIHHHHHII", b"PK\x01\x02", 20, 20, flags, 0, 0, 0x21, crc, size, size,
                                   len(raw_name), 0, 0, 0, 0, 0, offset) + raw_name)
        offset += len(local) + len(raw_name) + size
    size = sum(len(c) for c in central)
    out += central
    out.append(struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, len(entries), len(entries), size, offset, 0))
    return b"".join(out)  # one copy of the bodies, not three

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


def _mb(n: int) -> str:
    return f"{n / (1024 * 1024):.1f} MB" if n >= 1024 * 1024 else f"{n:,} bytes"


def _is_panic(exc: BaseException) -> bool:
    """pyo3 turns a Rust panic into `pyo3_runtime.PanicException`, which is not an `Exception`."""
    return type(exc).__name__ == "PanicException"


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else exc.__class__.__name__
    return text[:200]
