"""The reader over every workbook in ../shared/cmrt: real supplier files, synthetic fills, blank templates.

Expected values were checked by opening each file (FORMAT.md §0.1–§0.3); where FORMAT.md and the
file disagree the file wins (noted inline). Every workbook in the folders must be covered here —
a new file without an expectation fails `test_every_shared_workbook_has_an_expectation`.
"""

from __future__ import annotations

from collections import Counter
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from conftest import shared_path

from minetrace.ingest.reader import read_declaration
from minetrace.ingest.records import Declaration
from minetrace.ingest.workbook import UnreadableWorkbook, open_workbook

GSP = "Green Status Pro"

#: file → (kind, version, layout id, expected facts)
FILLED: dict[str, tuple[str, str, str, dict[str, Any]]] = {
    "CMRT_6.4_Giga_20240426.xlsx": ("CMRT", "6.4", "cmrt-6", {
        "company": "Central Glass Co., Ltd.", "scope": "A", "date": date(2024, 5, 10), "metals": {"Tungsten": 4},
        "cids": 4, "products": 0, "checker": "0"}),
    "CMRT_6.4_Merck_WF6_Apr2024.xlsx": ("CMRT", "6.4", "cmrt-6", {
        "company": "EMD Electronics, a business of Merck KGaA, Darmstadt, Germany", "scope": "B",
        "date": date(2024, 4, 30), "metals": {"Tungsten": 1}, "cids": 1, "products": 1, "checker": "0"}),
    "CMRT_6.4_SK_WF6_20240509.xlsx": ("CMRT", "6.4", "cmrt-6", {
        "company": "SK specialty Co., Ltd", "scope": "B", "date": date(2024, 5, 9), "metals": {"Tungsten": 2},
        "cids": 2, "products": 1, "checker": 1.0}),
    "CMRT_2.02_ConnorWinfield_2013.xls": ("CMRT", "2.02", "cmrt-2.02", {
        "company": "Connor Winfield Corporation", "scope": "A", "date": date(2013, 7, 13),
        "metals": {"Tin": 23, "Gold": 5}, "products": 3, "checker": -5.0, "encrypted": True,
        "shift_rows": [26, 27, 29, 30, 31, 32, 33]}),
    "CMRT_3.01_GoerTech_fixture.xls": ("CMRT", "3.01", "cmrt-3", {
        "company": "GoerTech Inc.", "scope": "A", "date": date(2014, 5, 22),
        "metals": {"Gold": 12, "Tin": 8, "Tantalum": 10, "Tungsten": 10}, "cids": 36, "encrypted": True}),
    "CMRT_2.00_green.xlsx": ("CMRT", "2.00", "cmrt-2.00", {"company": GSP, "scope": "A", "rows": 4}),
    "CMRT_2.01_high_risk.xlsx": ("CMRT", "2.01", "cmrt-2.00", {"company": GSP, "scope": "A", "rows": 4}),
    "CMRT_2.02_validation_needed.xlsx": ("CMRT", "2.02", "cmrt-2.02", {"company": None, "rows": 4}),
    "CMRT_2.03_green.xlsx": ("CMRT", "2.03", "cmrt-2.03", {"company": GSP, "scope": "A", "rows": 4}),
    "CMRT_2.03a_high_risk.xlsx": ("CMRT", "2.03a", "cmrt-2.03", {"company": GSP, "scope": "A", "rows": 4}),
    "CMRT_eicc_2.03a_2.03a_valid_1.xls": ("CMRT", "2.03a", "cmrt-2.03", {"company": GSP, "rows": 4,
                                                                          "encrypted": True}),
    "CMRT_3.01_green.xlsx": ("CMRT", "3.01", "cmrt-3", {"company": GSP, "scope": "A", "rows": 4}),
    "CMRT_3.01_high_risk.xlsx": ("CMRT", "3.01", "cmrt-3", {"company": GSP, "rows": 4}),
    "CMRT_3.01_validation_needed.xlsx": ("CMRT", "3.01", "cmrt-3", {"company": None, "rows": 4}),
    "CMRT_eicc_3.01_3.01_protected_97.xls": ("CMRT", "3.01", "cmrt-3", {"company": GSP, "rows": 4,
                                                                         "encrypted": True}),
}

#: blank templates: (kind, version, layout id, Checker!D2 as cached, metals)
TEMPLATES: dict[str, tuple[str, str, str, Any, list[str] | None]] = {
    "CMRT_1.00_blank.xlsx": ("CMRT", "1.00", "cmrt-1", None, None),
    "CMRT_2.00_blank.xls": ("CMRT", "2.00", "cmrt-2.00", None, None),
    "CMRT_2.01_blank.xlsx": ("CMRT", "2.01", "cmrt-2.00", None, None),
    "CMRT_2.03a_blank_encrypted.xls": ("CMRT", "2.03a", "cmrt-2.03", 40.0, None),
    "CMRT_3.01_blank_encrypted.xls": ("CMRT", "3.01", "cmrt-3", 48.0, None),
    "RMI_CMRT_6.01_zh-saved.xlsx": ("CMRT", "6.01", "cmrt-6", 52.0, None),
    "RMI_CMRT_6.1_zh-saved.xlsx": ("CMRT", "6.1", "cmrt-6", 52.0, None),
    "RMI_CMRT_6.22_zh-saved.xlsx": ("CMRT", "6.22", "cmrt-6", 52.0, None),
    "RMI_CMRT_6.31_zh-saved.xlsx": ("CMRT", "6.31", "cmrt-6", 50.0, None),  # D9 pre-set to "A. Company"
    "RMI_CMRT_6.4_en.xlsx": ("CMRT", "6.4", "cmrt-6", 52.0, None),
    "RMI_CMRT_6.5_en.xlsx": ("CMRT", "6.5", "cmrt-6", 52.0, None),
    "RMI_CMRT_6.5_zh-saved.xlsx": ("CMRT", "6.5", "cmrt-6", 52.0, None),
    "RMI_CRT_2.21_zh-saved.xlsx": ("CRT", "2.2", "crt-2", 23.0, ["Cobalt"]),  # file named 2.21 says "Revision 2.2"
    "RMI_EMRT_1.3_zh-saved.xlsx": ("EMRT", "1.3", "emrt-1", 31.0, ["Cobalt", "Mica"]),
    "RMI_EMRT_2.0_en.xlsx": ("EMRT", "2.0", "emrt-2", 68.0,
                             ["Cobalt", "Copper", "Graphite", "Lithium", "Mica", "Nickel"]),
    "RMI_EMRT_2.1_zh-saved.xlsx": ("EMRT", "2.1", "emrt-2.1", 68.0,
                                   ["Cobalt", "Copper", "Graphite", "Lithium", "Mica", "Nickel"]),
    # the English 1.21 download ships with nine minerals already entered in D12:I13
    "RMI_AMRT_1.21_en.xlsx": ("AMRT", "1.21", "amrt-1.2", 26.0,
                              ["Aluminum", "Chromium", "Iron/ Steel", "Magnesium", "Palladium", "Silicon", "Silver",
                               "Titanium", "Zinc"]),
    "RMI_AMRT_1.3_zh-saved.xlsx": ("AMRT", "1.3", "amrt-1.3", 9.0, []),
}

INVALID = {"invalid_cmrt_is_jpeg.xls": "not_a_workbook"}


@cache
def _read_cached(path: str) -> Declaration:
    return read_declaration(open_workbook(path))


def _read(folder: str, name: str) -> Declaration:
    """Each file is decrypted and read once per session; tests only look at the result."""
    return _read_cached(str(shared_path("cmrt", folder, name)))


def test_every_shared_workbook_has_an_expectation() -> None:
    root = shared_path("cmrt")
    known = {"filled": FILLED, "templates": TEMPLATES, "invalid": INVALID}
    for folder, expected in known.items():
        present = {p.name for p in (root / folder).iterdir() if p.is_file()}
        assert present == set(expected), f"{folder}: files without expectations or missing files"


@pytest.mark.parametrize("name", sorted(FILLED))
def test_filled_workbooks(name: str) -> None:
    kind, version, layout, facts = FILLED[name]
    decl = _read("filled", name)
    assert (decl.template.kind, decl.template.version, decl.template.layout) == (kind, version, layout)
    assert decl.template.layout_verified is True
    assert decl.template.date_system == (1900 if version.startswith("6") else 1904)
    assert decl.file.encrypted is facts.get("encrypted", False)
    if "company" in facts:
        assert decl.company.name == facts["company"]
    if "scope" in facts:
        assert decl.company.scope == facts["scope"]
    if "date" in facts:
        assert decl.company.effective_date == facts["date"]
    if "metals" in facts:
        assert Counter(s.metal for s in decl.smelters) == Counter(facts["metals"])
    if "rows" in facts:
        assert len(decl.smelters) == facts["rows"]
    if "cids" in facts:
        assert len({s.cid for s in decl.smelters if s.cid}) == facts["cids"]
    if "products" in facts:
        assert len(decl.products) == facts["products"]
    if "checker" in facts:
        assert decl.workbook_checker == facts["checker"]
    shifts = sorted(int(f.location.rsplit(" ", 1)[1]) for f in decl.findings if f.code == "column_shift")
    assert shifts == facts.get("shift_rows", [])
    assert all(s.row >= 5 for s in decl.smelters)


def test_giga_company_block_and_answers() -> None:
    decl = _read("filled", "CMRT_6.4_Giga_20240426.xlsx")
    assert decl.company.contact_name == "Toru Nishio"
    assert decl.answers["Q1"]["Tungsten"].answer == "Yes"
    assert decl.answers["Q1"]["Gold"].answer == "No"
    assert decl.answers["Q6"]["Tungsten"].answer == "100%"
    assert decl.policy_url == "https://www.cgco.co.jp/csr/report"
    assert {s.cid for s in decl.smelters} == {"CID002494", "CID002551", "CID002513", "CID002082"}
    assert all(s.street is None or s.street.startswith("Shizhuyuan") for s in decl.smelters)  # pasted 0s dropped


def test_merck_option_a_row_and_product() -> None:
    decl = _read("filled", "CMRT_6.4_Merck_WF6_Apr2024.xlsx")
    (row,) = decl.smelters
    assert (row.row, row.input_cid, row.cid, row.name) == (5, "CID002082", "CID002082", "Xiamen Tungsten Co., Ltd.")
    assert [(p.number, p.name) for p in decl.products] == [("WF6", "WF6")]


def test_sk_product_without_number() -> None:
    decl = _read("filled", "CMRT_6.4_SK_WF6_20240509.xlsx")
    assert [(p.row, p.number, p.name) for p in decl.products] == [(6, None, "WF6")]


def test_connor_winfield_shifted_rows_are_realigned() -> None:
    decl = _read("filled", "CMRT_2.02_ConnorWinfield_2013.xls")
    by_row = {s.row: s for s in decl.smelters}
    assert by_row[26].cid == "1USA033" and by_row[26].street == "2978 Main Street"
    assert by_row[5].cid == "2BOL010" and by_row[5].street == "Localidad Vinto, Carretera aPotosi"
    assert by_row[10].lookup_kind == "not_listed" and by_row[10].name == "Jean Goldschmidt International"
    assert by_row[20].lookup_kind == "not_yet_identified"
    assert decl.provenance["smelters.0.cid"] == "Smelter List!F5"
    assert 28 not in by_row


def test_goertech_provenance_and_ids() -> None:
    decl = _read("filled", "CMRT_3.01_GoerTech_fixture.xls")
    assert decl.smelters[0].cid == "CID000058"
    assert decl.company.authorizer_phone == "339-640-8021"
    assert decl.answers["Q5"]["Gold"].answer == "No, but greater than 75%"


@pytest.mark.parametrize("name", sorted(TEMPLATES))
def test_blank_templates(name: str) -> None:
    kind, version, layout, checker, metals = TEMPLATES[name]
    decl = _read("templates", name)
    assert (decl.template.kind, decl.template.version, decl.template.layout) == (kind, version, layout)
    assert decl.smelters == []
    assert decl.products == []
    assert decl.mines == []
    assert decl.company.name is None
    assert decl.workbook_checker == checker
    if metals is not None:
        assert decl.metals == metals
    assert not [f for f in decl.findings if f.severity != "info"]


def test_zh_saved_templates_report_chinese() -> None:
    assert _read("templates", "RMI_CMRT_6.5_zh-saved.xlsx").template.language == "Chinese"
    assert _read("templates", "RMI_CMRT_6.5_en.xlsx").template.language == "English"


@pytest.mark.parametrize("name", sorted(INVALID))
def test_invalid_files_raise_one_clear_error(name: str) -> None:
    path: Path = shared_path("cmrt", "invalid", name)
    with pytest.raises(UnreadableWorkbook) as err:
        read_declaration(open_workbook(path))
    assert err.value.reason == INVALID[name]
    assert name in str(err.value)


def test_reader_touches_only_the_sheets_it_needs() -> None:
    wb = open_workbook(shared_path("cmrt", "filled", "CMRT_6.4_Giga_20240426.xlsx"))
    read_declaration(wb)
    loaded = set(wb._cache)  # noqa: SLF001 - the opener's per-sheet cache shows what was parsed
    assert loaded <= {"Declaration", "Smelter List", "Product List", "Checker"}
    assert "Smelter Look-up" not in loaded and "SorP" not in loaded and "L" not in loaded


#: header cells the template itself leaves without text (FORMAT.md §6: 6.01's Product List D5 caches 0)
KNOWN_HEADER_GAPS = {("RMI_CMRT_6.01_zh-saved.xlsx", "Product List", "D")}


def _label(sheet, ref: str) -> str:  # type: ignore[no-untyped-def]
    value = sheet.cell(ref)
    return "" if value is None or isinstance(value, bool | int | float) else str(value).strip()


LAYOUT_CHECK_FILES = [("templates", n) for n in sorted(TEMPLATES)] + [
    ("filled", "CMRT_2.02_ConnorWinfield_2013.xls"),  # no blank 2.02 in shared/: check the 2.02 table on fills
    ("filled", "CMRT_2.02_validation_needed.xlsx"),
    ("filled", "CMRT_2.03_green.xlsx"),
]


@pytest.mark.parametrize("folder, name", LAYOUT_CHECK_FILES)
def test_layout_table_matches_the_template(folder: str, name: str) -> None:
    """Every cell a layout names carries the template's own label: question rows start with "1)" …,
    company questions with "A." …, the company block has a label in column B, and every mapped
    Smelter List / Product List / Mine List column has a header. Holds in any UI language."""
    from minetrace.ingest.detect import detect_template

    wb = open_workbook(shared_path("cmrt", folder, name))
    _, layout = detect_template(wb)
    decl = wb.sheet(layout.declaration_sheet)
    for i, q in enumerate(layout.questions, start=1):
        assert _label(decl, f"B{q.row}").startswith(f"{i})"), (q.qid, q.row, _label(decl, f"B{q.row}")[:40])
    for q in layout.company_questions:
        assert _label(decl, f"B{q.row}").startswith(f"{q.letter}."), (q.letter, q.row)
    for field_name, cell in layout.company_cells:
        row = cell[1:]
        assert _label(decl, f"B{row}"), (field_name, cell)
    tables = [(layout.smelters, {"input_cid"}), (layout.products, set()), (layout.mines, set())]
    for table, skip in tables:
        if table is None:
            continue
        sheet = wb.sheet(table.sheet) or next(wb.sheet(a) for a in table.alt_sheets if wb.sheet(a))
        for field_name, letter in table.columns:
            if field_name in skip or (name, table.sheet, letter) in KNOWN_HEADER_GAPS:
                continue
            assert _label(sheet, f"{letter}{table.header_row}"), (table.sheet, field_name, letter)
