"""Unit tests of the workbook opener: sniffing by content, default-password decryption, the date
epoch, date conversion, sheet lookup and the A1 helpers — on openpyxl-written files and on the
real workbooks in ../shared/cmrt (read in place through `shared_path`)."""

from __future__ import annotations

import io
import shutil
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest
from conftest import shared_path
from hypothesis import given
from hypothesis import strategies as st
from msoffcrypto.format.ooxml import OOXMLFile
from openpyxl.utils.datetime import CALENDAR_MAC_1904

from minetrace.ingest.workbook import (
    OLE_MAGIC,
    Sheet,
    UnreadableWorkbook,
    Workbook,
    column_index,
    column_letter,
    describe_content,
    open_workbook,
    parse_cell,
    sniff_format,
)

ENCRYPTED_XLS = [
    ("filled", "CMRT_2.02_ConnorWinfield_2013.xls"),
    ("filled", "CMRT_3.01_GoerTech_fixture.xls"),
    ("filled", "CMRT_eicc_2.03a_2.03a_valid_1.xls"),
    ("filled", "CMRT_eicc_3.01_3.01_protected_97.xls"),
    ("templates", "CMRT_2.03a_blank_encrypted.xls"),
    ("templates", "CMRT_3.01_blank_encrypted.xls"),
]
OLD_EPOCH = [  # every 1.x–3.x workbook in the samples uses the 1904 date system (FORMAT.md §2)
    ("templates", "CMRT_1.00_blank.xlsx"), ("templates", "CMRT_2.00_blank.xls"),
    ("templates", "CMRT_2.01_blank.xlsx"), ("filled", "CMRT_2.00_green.xlsx"),
    ("filled", "CMRT_2.01_high_risk.xlsx"), ("filled", "CMRT_2.02_validation_needed.xlsx"),
    ("filled", "CMRT_2.03_green.xlsx"), ("filled", "CMRT_2.03a_high_risk.xlsx"),
    ("filled", "CMRT_3.01_green.xlsx"), ("filled", "CMRT_3.01_high_risk.xlsx"), *ENCRYPTED_XLS,
]
NEW_EPOCH = [
    ("filled", "CMRT_6.4_Giga_20240426.xlsx"), ("filled", "CMRT_6.4_Merck_WF6_Apr2024.xlsx"),
    ("filled", "CMRT_6.4_SK_WF6_20240509.xlsx"), ("templates", "RMI_CMRT_6.01_zh-saved.xlsx"),
    ("templates", "RMI_CMRT_6.22_zh-saved.xlsx"), ("templates", "RMI_CMRT_6.5_en.xlsx"),
]


def _cmrt(*parts: str) -> Path:
    return shared_path("cmrt", *parts)


def _openpyxl_book(path: Path, epoch1904: bool = False) -> Path:
    wb = openpyxl.Workbook()
    if epoch1904:
        wb.epoch = CALENDAR_MAC_1904
    ws = wb.active
    ws.title = "Declaration"
    ws["D8"] = "Acme Metals\t\t"
    ws["D18"] = date(2024, 5, 2)
    ws["E5"] = 3.5
    ws.merge_cells("D8:J8")
    for r in range(1, 40):
        ws.cell(r, 1, r)
    wb.create_sheet("Smelter List")["A5"] = "Gold"
    wb.save(path)
    return path


# -- sniffing: content decides, never the extension -------------------------------------------


def test_sniff_format() -> None:
    assert sniff_format(b"PK\x03\x04rest") == "zip"
    assert sniff_format(OLE_MAGIC + b"rest") == "ole"
    assert sniff_format(b"%PDF-1.4") is None
    assert sniff_format(b"") is None


def test_describe_content() -> None:
    assert "JPEG" in describe_content(b"\xff\xd8\xff\xe0")
    assert "PDF" in describe_content(b"%PDF-1.7")
    assert "CSV" in describe_content(b"a,b,c\n1,2,3\n")
    assert "Excel 2003 XML" in describe_content(
        b'<?xml version="1.0"?><Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet">')
    assert "binary" in describe_content(bytes(range(256)))


def test_xlsx_renamed_xls_opens_as_xlsx(tmp_path: Path) -> None:
    path = _openpyxl_book(tmp_path / "book.xlsx")
    renamed = tmp_path / "book.xls"
    path.rename(renamed)
    wb = open_workbook(renamed)
    assert wb.format == "xlsx" and wb.name == "book.xls"
    assert wb.sheet("Declaration").cell("E5") == 3.5


@pytest.mark.parametrize("suffix", [".xlsx", ".csv", ""])
def test_real_xls_under_any_name(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"supplier{suffix}"
    shutil.copy(_cmrt("templates", "CMRT_2.00_blank.xls"), path)
    wb = open_workbook(path)
    assert wb.format == "xls" and not wb.encrypted
    assert "Smelter List" in wb.sheet_names


def test_xlsm_detected_from_content_types(tmp_path: Path) -> None:
    path = _openpyxl_book(tmp_path / "macro.xlsx")
    data = io.BytesIO()
    import zipfile

    with zipfile.ZipFile(path) as zin, zipfile.ZipFile(data, "w") as zout:
        for item in zin.infolist():
            body = zin.read(item)
            if item.filename == "[Content_Types].xml":
                body = body.replace(b"spreadsheetml.sheet.main+xml", b"sheet.macroEnabled.main+xml")
            zout.writestr(item, body)
    assert open_workbook(data.getvalue(), name="macro.bin").format == "xlsm"


def test_open_from_bytes_and_file_facts(tmp_path: Path) -> None:
    path = _openpyxl_book(tmp_path / "facts.xlsx")
    data = path.read_bytes()
    from_path = open_workbook(path)
    from_bytes = open_workbook(data, name="upload.xlsx")
    import hashlib

    assert from_path.sha256 == from_bytes.sha256 == hashlib.sha256(data).hexdigest()
    assert from_path.size == from_bytes.size == len(data)
    assert from_path.path == str(path) and from_bytes.path is None
    assert from_bytes.name == "upload.xlsx" and from_path.name == "facts.xlsx"
    assert from_path.warnings == [] and not from_path.encrypted


def test_ods_opens(tmp_path: Path) -> None:
    import zipfile

    content = ('<?xml version="1.0" encoding="UTF-8"?><office:document-content '
               'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
               'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
               'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2"><office:body>'
               '<office:spreadsheet><table:table table:name="Declaration"><table:table-row>'
               '<table:table-cell office:value-type="string"><text:p>Acme</text:p></table:table-cell>'
               '<table:table-cell table:number-columns-repeated="1000"/></table:table-row>'
               '<table:table-row table:number-rows-repeated="1048575"><table:table-cell '
               'table:number-columns-repeated="1024"/></table:table-row>'
               "</table:table></office:spreadsheet></office:body></office:document-content>")
    path = tmp_path / "libre.xls"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr("META-INF/manifest.xml", '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
                   'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"/>')
        z.writestr("content.xml", content)
    wb = open_workbook(path)
    assert wb.format == "ods"
    assert wb.sheet("declaration").cell("A1") == "Acme"
    assert wb.warnings == []


# -- decryption -------------------------------------------------------------------------------


@pytest.mark.parametrize("folder,name", ENCRYPTED_XLS)
def test_default_password_xls(folder: str, name: str) -> None:
    wb = open_workbook(_cmrt(folder, name))
    assert wb.encrypted and wb.format == "xls"
    declaration = wb.sheet("Declaration")
    assert declaration is not None
    assert "Revision" in str(declaration.cell("J3"))
    assert wb.sheet("Smelter List").max_row >= 1000


def test_default_password_ooxml(tmp_path: Path) -> None:
    plain = _openpyxl_book(tmp_path / "plain.xlsx")
    locked = tmp_path / "locked.xls"  # the name does not matter either
    with plain.open("rb") as fi, locked.open("wb") as fo:
        OOXMLFile(fi).encrypt("VelvetSweatshop", fo)
    assert locked.read_bytes().startswith(OLE_MAGIC)
    wb = open_workbook(locked)
    assert wb.encrypted and wb.format == "xlsx"
    assert wb.sheet("Declaration").cell("D8") == "Acme Metals\t\t"
    assert wb.sha256 != open_workbook(plain).sha256  # the hash is of the file as received


def test_other_password_is_refused(tmp_path: Path) -> None:
    plain = _openpyxl_book(tmp_path / "plain.xlsx")
    locked = tmp_path / "locked.xlsx"
    with plain.open("rb") as fi, locked.open("wb") as fo:
        OOXMLFile(fi).encrypt("Tr0ub4dor&3", fo)
    with pytest.raises(UnreadableWorkbook) as info:
        open_workbook(locked)
    assert info.value.reason == "password_protected"
    assert "locked.xlsx" in str(info.value) and "password" in info.value.message


# -- dates ------------------------------------------------------------------------------------


@pytest.mark.parametrize("folder,name", OLD_EPOCH)
def test_1904_epoch_in_old_templates(folder: str, name: str) -> None:
    assert open_workbook(_cmrt(folder, name)).date_system == 1904


@pytest.mark.parametrize("folder,name", NEW_EPOCH)
def test_1900_epoch_in_6x(folder: str, name: str) -> None:
    assert open_workbook(_cmrt(folder, name)).date_system == 1900


def test_connor_winfield_effective_date() -> None:
    wb = open_workbook(_cmrt("filled", "CMRT_2.02_ConnorWinfield_2013.xls"))
    assert wb.to_date(wb.sheet("Declaration").cell("D18")) == date(2013, 7, 13)
    assert wb.to_date(40006) == date(2013, 7, 13)  # the raw serial, read by the 1904 epoch


def test_epoch_from_openpyxl_files(tmp_path: Path) -> None:
    mac = open_workbook(_openpyxl_book(tmp_path / "mac.xlsx", epoch1904=True))
    win = open_workbook(_openpyxl_book(tmp_path / "win.xlsx"))
    assert (mac.date_system, win.date_system) == (1904, 1900)
    assert mac.to_date(mac.sheet("Declaration").cell("D18")) == date(2024, 5, 2)
    assert win.to_date(win.sheet("Declaration").cell("D18")) == date(2024, 5, 2)


def _book(epoch: int) -> Workbook:
    return Workbook(name="x", sha256="", size=0, format="xlsx", encrypted=False, date_system=epoch, _book=None)


@pytest.mark.parametrize("epoch,serial,expected", [
    (1900, 45414, date(2024, 5, 2)), (1900, 45414.75, date(2024, 5, 2)), (1900, 61, date(1900, 3, 1)),
    (1900, 1, date(1899, 12, 31)), (1904, 40006, date(2013, 7, 13)), (1904, 0.5, None), (1904, 1, date(1904, 1, 2)),
    (1900, 2958466, None), (1900, -3, None),
])
def test_to_date_serials(epoch: int, serial: float, expected: date | None) -> None:
    assert _book(epoch).to_date(serial) == expected


def test_to_date_other_values() -> None:
    wb = _book(1900)
    assert wb.to_date(datetime(2024, 5, 2, 13, 30)) == date(2024, 5, 2)
    assert wb.to_date(date(2024, 5, 2)) == date(2024, 5, 2)
    assert wb.to_date(True) is None
    assert wb.to_date("02-May-2024") is None  # text dates are the normaliser's job
    assert wb.to_date(None) is None


# -- sheets -----------------------------------------------------------------------------------


def test_sheet_lookup_is_stripped_and_case_folded(tmp_path: Path) -> None:
    wb = open_workbook(_openpyxl_book(tmp_path / "names.xlsx"))
    assert wb.find_sheet_name("  smelter   LIST ") == "Smelter List"
    assert wb.sheet("DECLARATION").name == "Declaration"
    assert wb.sheet("Product List") is None
    assert wb.sheet_names == ["Declaration", "Smelter List"]


def test_sheet_values_and_merges(tmp_path: Path) -> None:
    wb = open_workbook(_openpyxl_book(tmp_path / "cells.xlsx"))
    sheet = wb.sheet("Declaration")
    assert sheet.cell("D8") == "Acme Metals\t\t"
    assert sheet.cell("$E$5") == 3.5 and sheet.value(5, 4) == 3.5
    assert sheet.cell("Z999") is None and sheet.value(0, 0) is None and sheet.value(1, -1) is None
    assert sheet.max_row == 39
    assert ((7, 3), (7, 9)) in sheet.merged
    assert wb.sheet("Declaration") is sheet  # cached


def test_sheet_value_treats_empty_string_as_none() -> None:
    sheet = Sheet(name="s", rows=[["", 0, "x"]])
    assert sheet.value(1, 0) is None and sheet.value(1, 1) == 0 and sheet.cell("C1") == "x"


def test_real_6x_shapes() -> None:
    wb = open_workbook(_cmrt("filled", "CMRT_6.4_Merck_WF6_Apr2024.xlsx"))
    smelters = wb.sheet("Smelter List")
    assert smelters.max_row == 2504 and len(smelters.rows[0]) == 34
    assert "Revision 6.4" in wb.sheet("Declaration").cell("J3")
    assert wb.warnings == []


# -- A1 helpers -------------------------------------------------------------------------------


def test_column_letters_fixed_points() -> None:
    assert [column_letter(i) for i in (0, 25, 26, 51, 52, 701, 702, 16383)] == \
        ["A", "Z", "AA", "AZ", "BA", "ZZ", "AAA", "XFD"]
    assert column_index("xfd") == 16383


@given(st.integers(min_value=0, max_value=16383))
def test_column_round_trip(index: int) -> None:
    letters = column_letter(index)
    assert letters.isalpha() and letters.isupper()
    assert column_index(letters) == index


@given(st.integers(min_value=0, max_value=16383), st.integers(min_value=1, max_value=1_048_576),
       st.booleans(), st.booleans())
def test_parse_cell_round_trip(col: int, row: int, abs_col: bool, abs_row: bool) -> None:
    ref = f"{'$' if abs_col else ''}{column_letter(col)}{'$' if abs_row else ''}{row}"
    assert parse_cell(ref) == (row, col)
    assert parse_cell(f" {ref.lower()} ") == (row, col)


@pytest.mark.parametrize("bad", ["", "A", "12", "A1B", "ABCD1", "Sheet!A1", "A-1"])
def test_parse_cell_rejects(bad: str) -> None:
    with pytest.raises(ValueError):
        parse_cell(bad)


@pytest.mark.parametrize("folder,name", [
    ("filled", "CMRT_6.4_Giga_20240426.xlsx"), ("filled", "CMRT_3.01_green.xlsx"), ("filled", "CMRT_2.03_green.xlsx"),
    ("templates", "CMRT_1.00_blank.xlsx"), ("templates", "RMI_EMRT_2.0_en.xlsx"),
    ("templates", "RMI_AMRT_1.3_zh-saved.xlsx"),
])
def test_real_excel_output_takes_the_fast_path(monkeypatch: pytest.MonkeyPatch, folder: str, name: str) -> None:
    """Sheets written by Excel go to calamine as they are; only odd XML is rewritten (the slow path)."""
    import minetrace.ingest.workbook as wbmod

    def no_rewrite(xml: bytes, clipped: bool) -> tuple[bytes, str]:
        raise AssertionError("a real Excel sheet was sent to the rewriter")

    monkeypatch.setattr(wbmod, "_sanitize_sheet", no_rewrite)
    wb = open_workbook(_cmrt(folder, name))
    for sheet_name in wb.sheet_names:
        assert wb.sheet(sheet_name) is not None
    assert wb.warnings == []
