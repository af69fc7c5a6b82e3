"""A corpus of hostile supplier files, generated at test time (no committed binaries), each with the one-line
message minetrace must give for it.

Kinds of case:
* ``bad``  — refused or unreadable: `validate` exits 2 and prints one stderr line naming the file whose reason
  matches `expect` (a regular expression);
* ``skip`` — left out on purpose (hidden and system files): reported as skipped, reason matching `expect`;
* ``good`` — a readable workbook however hostile its text or its name: stored by `ingest`, read by `validate`
  with status `expect` ("valid" / "invalid").

Text payloads cover every way a name can carry markup or escapes (rich markup, ANSI/OSC escape sequences,
OSC 52 clipboard writes, C1 controls, bidi overrides, carriage returns, Markdown/HTML, formula text, Excel's
32,767-character maximum and 1 MB) in every place a supplier controls: cell text, file names, zip member names
and sheet names. Bad files cover every kind of broken or malicious container: corrupt and renamed files,
zip bombs (declared, by ratio, lying about sizes), nested and deep archives, too many members, bad CRCs,
XML entity attacks, traversal, absolute and symbolic-link member names, encrypted members, devices, FIFOs,
broken links and links leaving the folder, files over the size limit.

`build_corpus(root)` writes every case under `root` (one entry per case) and returns the cases; `good_files`
lists what a clean ingest of the same good files reads.
"""

from __future__ import annotations

import io
import os
import struct
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from test_bad_inputs import (
    LAUGHS,
    XXE,
    encrypt,
    shared_strings_xml,
    sheet_xml,
    workbook_xml,
    write_ole,
    write_openpyxl,
    write_xlsx,
)

from minetrace.queries.template_writer import Facility, SmelterSpec, complete_spec, write_cmrt

#: the Look-up every good file carries (fake CIDs: only the corpus' own blank template vouches for them)
KAPPA = Facility("CID930001", "Tin", "Kappa Tin Smelting Works", "BOLIVIA")
LAMBDA = Facility("CID930002", "Tantalum", "Lambda Tantalum Industries", "BRAZIL")
MU = Facility("CID930003", "Gold", "Mu Gold Refining Company", "PERU")
LOOKUP = [KAPPA, LAMBDA, MU]
DOMAIN = "zzdomain.example"

#: text a supplier controls, as Python text (what the file's cell, name or member name says)
PAYLOADS: dict[str, str] = {
    "rich_close": "[/x] Acme",
    "rich_style": "[bold red]Acme[/] [blink]",
    "rich_link": "[link=https://evil.example]click[/link]",
    "ansi_clear": "Acme\x1b[2J\x1b[H",
    "osc_title": "Acme\x1b]0;pwned\x07",
    "osc52_clipboard": "Acme\x1b]52;c;cm0gLXJmIH4=\x07",
    "c1_csi": "Acme\x9b31mred",
    "bell_backspace": "Acme\x07\x08\x08\x08",
    "bidi_override": "Acme \u202egpj.exe",
    "markdown_html": "**Acme** <img src=x onerror=alert(1)> :red[x] $x$",
    "formula": '=HYPERLINK("http://evil.example","Acme")',
    "carriage_return": "Acme\rEVIL Corp",
}
#: only cells can hold these (a file name is at most 255 bytes)
LONG_PAYLOADS: dict[str, str] = {"excel_max": "L" * 32_767, "one_megabyte": "M" * 1_000_000}
#: what a terminal or Markdown would act on: none of it may reach stdout/stderr raw
RAW_CONTROL = tuple(chr(c) for c in (*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), *range(0x7F, 0xA0))) + (
    "\u202e", "\u202d", "\u2066", "\u2067", "\u2068", "\u2069")


@dataclass
class Case:
    name: str
    kind: str  # bad | skip | good
    expect: str  # regex for the one-line message (bad/skip) or the status (good)
    build: Callable[[Path], Path]  # writes the case under the folder it is given; returns the path to read
    in_batch: bool = True  # False: an explicit argument outside any folder (/dev/zero)
    #: for good cases: text that must appear (escaped) in `validate`'s text output
    shown: str | None = None
    tags: list[str] = field(default_factory=list)


# ------------------------------------------------------------------------------------------ workbook builders
_BASE: dict[str, bytes] = {}


def base_cmrt() -> bytes:
    """One valid CMRT 6.5 with placeholders for the company and a "Smelter not listed" name (built once)."""
    if "cmrt" not in _BASE:
        tmp = Path(os.environ.get("TMPDIR", "/tmp")) / f"minetrace-corpus-base-{os.getpid()}.xlsx"
        spec = complete_spec("ZZCOMPANYZZ", metals=("Tin", "Tantalum"), email_domain=DOMAIN,
                             smelters=[SmelterSpec.listed(KAPPA), SmelterSpec.not_listed("Tantalum", "ZZSMELTERZZ",
                                                                                          "BRAZIL")],
                             effective_date=date(2025, 3, 1))
        write_cmrt(spec, tmp, "6.5", facilities=LOOKUP)
        _BASE["cmrt"] = tmp.read_bytes()
        tmp.unlink()
    return _BASE["cmrt"]


_CELL_ESCAPES = {ord("&"): "&amp;", ord("<"): "&lt;", ord(">"): "&gt;",
                 **{c: f"_x{c:04X}_" for c in (*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), *range(0x7F, 0xA0))},
                 ord("\r"): "_x000D_"}


def cell_text(text: str) -> bytes:
    """Text as an inline-string cell holds it: XML-escaped, control characters as Excel's _xHHHH_ escapes."""
    return text.translate(_CELL_ESCAPES).encode("utf-8")


def attr_text(text: str) -> str:
    """Text for an XML attribute, control characters as numeric references (which the reader decodes)."""
    out = []
    for ch in text:
        code = ord(ch)
        if ch in "&<>\"'" or code < 0x20 or 0x7F <= code <= 0x9F:
            out.append(f"&#x{code:x};")
        else:
            out.append(ch)
    return "".join(out)


def cmrt_bytes(company: str, smelter: str = "Blue River Tin", domain: str = DOMAIN) -> bytes:
    """The base CMRT with the company name, one smelter name and the contact domain replaced."""
    src = zipfile.ZipFile(io.BytesIO(base_cmrt()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        for name in src.namelist():
            data = src.read(name)
            if name.startswith("xl/worksheets/"):
                data = data.replace(b"ZZCOMPANYZZ", cell_text(company)).replace(b"ZZSMELTERZZ", cell_text(smelter))
                data = data.replace(DOMAIN.encode(), domain.encode())
            z.writestr(_info(name), data)
    return out.getvalue()


_WHEN = (2025, 1, 1, 0, 0, 0)  # fixed member dates: the same case builds the same bytes (same sha256) twice


def _info(name: str, stored: bool = False) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=_WHEN)
    info.compress_type = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
    return info


def write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def zip_of(path: Path, members: dict[str, bytes], stored: bool = False) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(_info(name, stored), data)
    return path


def _patch_central(path: Path, fn: Callable[[bytearray, int], None]) -> Path:
    data = bytearray(path.read_bytes())
    pos = 0
    while (pos := data.find(b"PK\x01\x02", pos)) >= 0:
        fn(data, pos)
        pos += 4
    path.write_bytes(bytes(data))
    return path


def _corrupt_member(path: Path, member: str) -> Path:
    """Flip bytes inside a stored member's data (its CRC no longer matches)."""
    info = zipfile.ZipFile(path).getinfo(member)
    data = bytearray(path.read_bytes())
    name_len, extra_len = struct.unpack_from("<HH", data, info.header_offset + 26)
    start = info.header_offset + 30 + name_len + extra_len
    for i in range(start + 10, min(start + 40, start + info.compress_size)):
        data[i] ^= 0x55
    path.write_bytes(bytes(data))
    return path


# ------------------------------------------------------------------------------------------ the cases
def _good_cell(key: str, text: str, where: str, i: int) -> Case:
    def build(root: Path) -> Path:
        company = f"{text} #{i}" if where == "company" else f"Cell Case {i} Ltd."
        smelter = text if where == "smelter" else "Blue River Tin"
        return write(root / f"cell_{where}_{key}.xlsx", cmrt_bytes(company, smelter))
    shown = None if key in LONG_PAYLOADS else text
    return Case(f"cell_{where}_{key}", "good", "valid", build, shown=shown if where == "company" else None,
                tags=["cell", where])


def _good_file_name(key: str, text: str, i: int) -> Case:
    name = text.replace("/", "_")

    def build(root: Path) -> Path:
        return write(root / f"fname_{i:02d}_{name}.xlsx", cmrt_bytes(f"File Name Case {i} Ltd."))
    return Case(f"file_name_{key}", "good", "valid", build, shown=name, tags=["file name"])


def _good_member_name(key: str, text: str, i: int) -> Case:
    def build(root: Path) -> Path:
        return zip_of(root / f"member_{key}.zip", {f"{text}.xlsx": cmrt_bytes(f"Member Name Case {i} Ltd.")})
    return Case(f"member_name_{key}", "good", "valid", build, shown=text, tags=["member name"])


def _bad_sheet_name(key: str, text: str) -> Case:
    def build(root: Path) -> Path:
        wb = workbook_xml().replace('name="Sheet1"', f'name="{attr_text(text[:31])}"')
        return write_xlsx(root / f"sheet_{key}.xlsx", workbook=wb)
    return Case(f"sheet_name_{key}", "bad", r"not a CMRT/EMRT/CRT/AMRT workbook .*sheets: ", build,
                tags=["sheet name"])


def _ole(stream: str) -> Callable[[Path], Path]:
    def build(root: Path) -> Path:
        root.mkdir(parents=True, exist_ok=True)
        return write_ole(root / f"ole_{stream.lower()}.xls", stream)
    return build


def _spaces_sheet(n: int) -> Callable[[io.BufferedIOBase], None]:
    def writer(f: io.BufferedIOBase) -> None:
        f.write(sheet_xml("").split("<sheetData>")[0].encode() + b"<sheetData>")
        f.write(b" " * n)
        f.write(b"</sheetData></worksheet>")
    return writer


def _build_ratio_member(root: Path) -> Path:
    return zip_of(root / "ratio_member.zip", {"zeros.xlsx": b"\0" * (40 << 20)})


def _build_declared_total(root: Path) -> Path:
    path = zip_of(root / "declared_total.zip", {f"m{i}.xlsx": b"PK" for i in range(3)}, stored=True)

    def big(data: bytearray, pos: int) -> None:
        struct.pack_into("<I", data, pos + 24, 0xF0000000)  # ~4 GB uncompressed each, declared
    return _patch_central(path, big)


def _build_nested_deep(root: Path) -> Path:
    level3 = zip_of(root / "tmp3.zip", {"deepest.zip": _zip_bytes({"x.xlsx": cmrt_bytes("Deep Ltd.")})})
    data3 = level3.read_bytes()
    level3.unlink()
    return zip_of(root / "nested_deep.zip", {"l1.zip": _zip_bytes({"l2.zip": data3})})


def _zip_bytes(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(_info(name), data)
    return out.getvalue()


def _build_nested_memory(root: Path) -> Path:
    """A zip of zips of 5 MB blobs (120 MB in all): read one member at a time, memory stays small."""
    inner = {f"blob{j:02d}.xlsx": os.urandom(64) * (5 * (1 << 20) // 64) for j in range(4)}
    outer = {f"part{i}.zip": _zip_bytes_stored(inner) for i in range(6)}
    return zip_of(root / "nested_memory.zip", outer, stored=True)


def _zip_bytes_stored(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as z:
        for name, data in members.items():
            z.writestr(_info(name, True), data)
    return out.getvalue()


def _build_many_members(root: Path) -> Path:
    path = root / "many_members.zip"
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as z:
        for i in range(5001):
            z.writestr(f"f{i}.txt", b"")
    return path


def _build_bad_crc_member(root: Path) -> Path:
    path = zip_of(root / "bad_crc_member.zip", {"reply.xlsx": b"x" * 2000, "other.txt": b"hello"}, stored=True)
    return _corrupt_member(path, "reply.xlsx")


def _build_bad_crc_part(root: Path) -> Path:
    src = zipfile.ZipFile(io.BytesIO(cmrt_bytes("Bad CRC Part Ltd.")))
    path = root / "bad_crc_part.xlsx"
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as z:
        for name in src.namelist():
            z.writestr(name, src.read(name))
    return _corrupt_member(path, "xl/sharedStrings.xml" if "xl/sharedStrings.xml" in src.namelist()
                           else "xl/workbook.xml")


def _build_symlink_member(root: Path) -> Path:
    path = root / "symlink_member.zip"
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w") as z:
        info = zipfile.ZipInfo("link.xlsx")
        info.external_attr = 0o120777 << 16
        z.writestr(info, "/etc/passwd")
    return path


def _build_encrypted_member(root: Path) -> Path:
    path = zip_of(root / "encrypted_member.zip", {"reply.xlsx": b"secret" * 100})
    return _patch_central(path, lambda data, pos: data.__setitem__(pos + 8, data[pos + 8] | 1))


def _in_folder(name: str, make: Callable[[Path], None]) -> Callable[[Path], Path]:
    def build(root: Path) -> Path:
        folder = root / name
        folder.mkdir(parents=True, exist_ok=True)
        make(folder)
        return folder
    return build


def _encrypted_unknown(root: Path) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    plain = write_openpyxl(root / "plain_tmp.xlsx")
    out = encrypt(plain, root / "encrypted_unknown.xlsx", "not-the-default")
    plain.unlink()
    return out


def _truncated(root: Path) -> Path:
    data = cmrt_bytes("Truncated Ltd.")
    return write(root / "truncated.xlsx", data[: len(data) // 2])


def _docx(root: Path) -> Path:
    return zip_of(root / "document.xlsx", {"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w/>"})


def _xlsb(root: Path) -> Path:
    return zip_of(root / "binary.xlsx", {"[Content_Types].xml": b"<Types/>", "xl/workbook.bin": b"\0" * 10})


def _sheet(xml: str, name: str) -> Callable[[Path], Path]:
    def build(root: Path) -> Path:
        root.mkdir(parents=True, exist_ok=True)
        return write_xlsx(root / name, sheet=xml)
    return build


def _prolog(where: str, prolog: str, name: str) -> Callable[[Path], Path]:
    def build(root: Path) -> Path:
        root.mkdir(parents=True, exist_ok=True)
        if where == "sst":
            return write_xlsx(root / name, sst=shared_strings_xml(prolog))
        return write_xlsx(root / name, sheet=sheet_xml(prolog=prolog))
    return build


def _declaration_part() -> str:
    src = zipfile.ZipFile(io.BytesIO(base_cmrt()))
    return next(n for n in src.namelist() if n.startswith("xl/worksheets/") and b"ZZCOMPANYZZ" in src.read(n))


def _cmrt_with_prolog(prolog: str, name: str) -> Callable[[Path], Path]:
    """A real CMRT whose Declaration sheet (which the reader must read) starts with a DTD."""
    def build(root: Path) -> Path:
        part = _declaration_part()
        src = zipfile.ZipFile(io.BytesIO(cmrt_bytes("Entity Attack Ltd.")))
        path = root / name
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
            for n in src.namelist():
                data = src.read(n)
                if n == part:
                    head, sep, rest = data.partition(b"?>")
                    data = head + sep + prolog.encode() + rest
                z.writestr(n, data)
        return path
    return build


def _cmrt_lying_part(root: Path) -> Path:
    """A real CMRT whose Declaration sheet declares 1,000 bytes and inflates to far more."""
    part = _declaration_part()
    path = write(root / "liar_part.xlsx", cmrt_bytes("Lying Part Ltd."))

    def lie(data: bytearray, pos: int) -> None:
        name_len = struct.unpack_from("<H", data, pos + 28)[0]
        if data[pos + 46:pos + 46 + name_len] == part.encode():
            struct.pack_into("<I", data, pos + 24, 1000)
    _patch_central(path, lie)
    info = zipfile.ZipFile(path).getinfo(part)
    data = bytearray(path.read_bytes())
    struct.pack_into("<I", data, info.header_offset + 22, 1000)
    path.write_bytes(bytes(data))
    return path


def _sparse_big(root: Path) -> Path:
    path = root / "huge.xlsx"
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as fh:
        fh.write(b"PK\x03\x04")
        fh.truncate(101 * 1024 * 1024)
    return path


def _ratio_part(root: Path) -> Path:
    return write_xlsx(root / "ratio_part.xlsx", sheet=_spaces_sheet(40 << 20))


def cases() -> list[Case]:
    out: list[Case] = []
    for i, (key, text) in enumerate({**PAYLOADS, **LONG_PAYLOADS}.items()):
        out.append(_good_cell(key, text, "company", i))
        out.append(_good_cell(key, text, "smelter", i))
    for i, (key, text) in enumerate(PAYLOADS.items()):
        out.append(_good_file_name(key, text, i))
        out.append(_good_member_name(key, text, i))
        out.append(_bad_sheet_name(key, text))
    out.append(Case("file_name_not_utf8", "good", "valid",
                    lambda root: write(Path(os.fsdecode(os.fsencode(root) + b"/caf\xe9 \xff.xlsx")),
                                       cmrt_bytes("Latin-1 Name Ltd.")), shown="caf\\xe9 \\xff.xlsx"))
    out.append(Case("member_traversal_backslash", "good", "valid",
                    lambda root: zip_of(root / "traversal.zip", {"..\\..\\x.xlsx": cmrt_bytes("Traversal Ltd.")}),
                    shown="..\\..\\x.xlsx"))
    out.append(Case("member_traversal_slash", "good", "valid",
                    lambda root: zip_of(root / "traversal2.zip", {"../../../tmp/y.xlsx": cmrt_bytes("Dotdot Ltd.")})))
    out.append(Case("member_absolute", "good", "valid",
                    lambda root: zip_of(root / "absolute.zip", {"/etc/cron.d/z.xlsx": cmrt_bytes("Absolute Ltd.")})))
    out.append(Case("nested_ok", "good", "valid",
                    lambda root: zip_of(root / "nested_ok.zip",
                                        {"inner.zip": _zip_bytes({"reply.xlsx": cmrt_bytes("Nested Ltd.")})})))
    bad: list[tuple[str, str, Callable[[Path], Path]]] = [
        ("empty", r"empty file", lambda root: write(root / "empty.xlsx", b"")),
        ("truncated", r"truncated|cut short|damaged", _truncated),
        ("jpeg", r"JPEG", lambda root: write(root / "photo.xlsx", b"\xff\xd8\xff\xe0\x00\x10JFIF" + b"\0" * 500)),
        ("pdf", r"PDF", lambda root: write(root / "declaration.xlsx", b"%PDF-1.7\n%%EOF\n")),
        ("csv", r"text file", lambda root: write(root / "smelters.xlsx", b"Metal,Smelter\nGold,X\n")),
        ("html", r"HTML", lambda root: write(root / "export.xls", b"<html><table><tr><td>x</td></tr></table></html>")),
        ("word_ole", r"Word document", _ole("WordDocument")),
        ("ole_other", r"without an Excel workbook stream", _ole("Something")),
        ("docx", r"Word \.docx", _docx),
        ("xlsb", r"\.xlsb", _xlsb),
        ("encrypted_unknown_password", r"password", _encrypted_unknown),
        ("ratio_part", r"zip bomb", _ratio_part),
        ("lying_part", r"declared size|zip bomb", _cmrt_lying_part),
        ("billion_laughs_sheet", r"DTD|entit", _cmrt_with_prolog(LAUGHS, "laughs.xlsx")),
        ("billion_laughs_sst", r"DTD|entit", _prolog("sst", LAUGHS, "laughs_sst.xlsx")),
        ("xxe_sheet", r"DTD|entit", _cmrt_with_prolog(XXE, "xxe.xlsx")),
        ("xxe_sst", r"DTD|entit", _prolog("sst", XXE, "xxe_sst.xlsx")),
        ("corrupt_sheet_xml", r"not a CMRT|cannot be read|damaged",
         _sheet('<?xml version="1.0"?><worksheet><sheetData><row r="1"><c r="A1"', "corrupt_sheet.xlsx")),
        ("bad_crc_part", r"CRC", _build_bad_crc_part),
        ("over_size_limit", r"over the .*limit", _sparse_big),
        ("ratio_member", r"zip bomb", _build_ratio_member),
        ("declared_total", r"zip bomb", _build_declared_total),
        ("nested_too_deep", r"nested more than 2 levels", _build_nested_deep),
        ("many_members", r"5,001 members, over the limit", _build_many_members),
        ("bad_crc_member", r"CRC", _build_bad_crc_member),
        ("symlink_member", r"symbolic link inside the archive", _build_symlink_member),
        ("encrypted_member", r"encrypted archive member", _build_encrypted_member),
        ("nested_memory", r"unknown binary file", _build_nested_memory),
        ("dangling_symlink", r"broken symbolic link",
         _in_folder("dangling", lambda f: os.symlink("/nonexistent/reply.xlsx", f / "reply.xlsx"))),
        ("device_symlink", r"symbolic link to /dev/zero, outside",
         _in_folder("device", lambda f: os.symlink("/dev/zero", f / "zero.xlsx"))),
        ("symlink_outside", r"symbolic link to /etc/passwd, outside",
         _in_folder("outside", lambda f: os.symlink("/etc/passwd", f / "passwd.xlsx"))),
        ("fifo", r"FIFO", _in_folder("fifo", lambda f: os.mkfifo(f / "pipe.xlsx"))),
        ("zip_of_text", r"text file", lambda root: zip_of(root / "notes.zip", {"notes.txt": b"hello there"})),
    ]
    out += [Case(name, "bad", expect, build) for name, expect, build in bad]
    out.append(Case("dev_zero_argument", "bad", r"character device, not a regular file",
                    lambda root: Path("/dev/zero"), in_batch=False))
    skips: list[tuple[str, str, Callable[[Path], Path]]] = [
        ("hidden_file", r"hidden file", _in_folder("hidden", lambda f: (f / ".reply.xlsx").write_bytes(b"x"))),
        ("lock_file", r"lock file", _in_folder("lock", lambda f: (f / "~$reply.xlsx").write_bytes(b"x"))),
        ("thumbs_db", r"system file", _in_folder("thumbs", lambda f: (f / "Thumbs.db").write_bytes(b"x"))),
        ("macosx_member", r"__MACOSX", lambda root: zip_of(root / "mac.zip", {"__MACOSX/._reply.xlsx": b"x"})),
        ("hidden_folder", r"hidden folder", _in_folder("dotdir", lambda f: (f / ".git").mkdir() or
                                                       (f / ".git" / "config").write_bytes(b"x"))),
    ]
    out += [Case(name, "skip", expect, build) for name, expect, build in skips]
    names = [c.name for c in out]
    assert len(names) == len(set(names)), "case names must be unique"
    return out


def build_corpus(root: Path, which: list[Case] | None = None) -> dict[str, Path]:
    """Write every case under `root/<case name>/`; case name → the path to give the CLI."""
    out = {}
    for case in which or cases():
        (root / case.name).mkdir(parents=True, exist_ok=True)
        out[case.name] = case.build(root / case.name)
    return out
