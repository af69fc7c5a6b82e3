"""The real blank RMI templates filled the way suppliers' scripts fill them (openpyxl: formulas kept,
no cached values), then read back through `ingest.pipeline.parse_file`.

Why: fixtures written by our own writer can only show what we thought of; the RMI files carry the
real formulas, hidden sheets and Look-up lists, and a script-saved copy of them has no cached values
at all — the case real supplier files bring and our other tests do not.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import openpyxl
import pytest
from conftest import shared_path

from minetrace.ingest.pipeline import parse_file

#: CIDs present in every 6.x template's Look-up, one per metal
OPTION_A = (("CID002763", "Gold", "ITALY"), ("CID001070", "Tin", "CHINA"),
            ("CID000460", "Tantalum", "CHINA"), ("CID000218", "Tungsten", "CHINA"))


def _fill_declaration(wb: openpyxl.Workbook) -> None:
    d = wb["Declaration"]
    for cell, value in (("D8", "Acme Corp"), ("D9", "A. Company"), ("D15", "Jo"), ("D16", "jo@acme.com"),
                        ("D17", "123"), ("D18", "Al"), ("D20", "al@acme.com"), ("D22", datetime(2024, 5, 2))):
        d[cell] = value
    for q in (25, 31, 37, 43, 49, 55, 61, 67):
        for i in range(1, 5):
            d[f"D{q + i}"] = "Yes" if q in (25, 31, 61, 67) else ("100%" if q == 55 else "No")
    for r in (75, 77, 79, 81, 83, 85, 87, 89):
        d[f"D{r}"] = "No"


@pytest.mark.parametrize("name", ("RMI_CMRT_6.01_zh-saved.xlsx", "RMI_CMRT_6.4_en.xlsx"))
def test_option_a_rows_without_cached_values_take_metal_from_the_workbook_lookup(name: str, tmp_path: Path) -> None:
    wb = openpyxl.load_workbook(shared_path("cmrt", "templates", name))
    _fill_declaration(wb)
    sl = wb["Smelter List"]
    for i, (cid, _, _) in enumerate(OPTION_A):
        sl[f"A{5 + i}"] = cid  # Option A: CID typed, the B–J formulas never calculated
    out = tmp_path / name
    wb.save(out)
    decl = parse_file(out)
    got = [(s.row, s.cid, s.metal, s.country) for s in decl.smelters]
    assert got == [(5 + i, cid, metal, country) for i, (cid, metal, country) in enumerate(OPTION_A)]
    assert all(s.name for s in decl.smelters)
    assert decl.provenance["smelters.0.cid"] == "Smelter List!A5"
    assert decl.provenance["smelters.0.metal"].startswith("Smelter Look-up!A")
    # Excel would recalculate B/C and RMI's Checker would find a row for every metal
    assert decl.checker_missing == 0
    assert decl.status == "valid", [f.message for f in decl.findings]


def test_option_b_rows_without_cached_values_take_cid_and_country_from_the_workbook_lookup(tmp_path: Path) -> None:
    wb = openpyxl.load_workbook(shared_path("cmrt", "templates", "RMI_CMRT_6.5_en.xlsx"))
    _fill_declaration(wb)
    sl = wb["Smelter List"]
    sl["B5"], sl["C5"] = "Gold", "Asahi Pretec Corp."  # Option B: alias chosen, E–J formulas never calculated
    sl["B6"], sl["C6"], sl["D6"], sl["E6"] = "Tin", "Smelter not listed", "Foo Tin Works", "CHINA"  # Option C
    sl["B7"], sl["C7"], sl["E7"] = "Tungsten", "Smelter not yet identified", "RWANDA"
    sl["B8"], sl["C8"], sl["D8"], sl["E8"] = "Tantalum", "Smelter not listed", "Bar Ta", "JAPAN"
    out = tmp_path / "optb.xlsx"
    wb.save(out)
    decl = parse_file(out)
    got = [(s.row, s.metal, s.cid, s.name, s.country, s.lookup_kind) for s in decl.smelters]
    assert got == [(5, "Gold", "CID000082", "Asahi Pretec Corp.", "JAPAN", "listed"),
                   (6, "Tin", None, "Foo Tin Works", "CHINA", "not_listed"),
                   (7, "Tungsten", None, None, "RWANDA", "not_yet_identified"),
                   (8, "Tantalum", None, "Bar Ta", "JAPAN", "not_listed")]
    assert decl.provenance["smelters.0.cid"].startswith("Smelter Look-up!E")
    assert (decl.company.name, decl.company.scope, decl.company.effective_date.isoformat()) == (
        "Acme Corp", "A", "2024-05-02")
    assert decl.checker_missing == 0
