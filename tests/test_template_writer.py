"""The CMRT 6.x writer: the workbook looks like the RMI template, and what it writes is what the
reader reads back (round trip through `parse_file`)."""

from __future__ import annotations

import re
import zipfile
from datetime import date
from pathlib import Path
from xml.etree import ElementTree

import openpyxl
import pytest
from conftest import shared_path

from minetrace.ingest.layouts import CMRT_6
from minetrace.ingest.pipeline import parse_file
from minetrace.queries.template_writer import (
    HIDDEN_SHEETS,
    SHEETS,
    TITLE,
    VERSIONS,
    CmrtSpec,
    Facility,
    ProductSpec,
    SmelterSpec,
    complete_spec,
    version_text,
    write_cmrt,
    write_consolidated_cmrt,
)

FAC = (
    Facility("CID002587", "Gold", "Tony Goetz NV", "BELGIUM", city="Antwerp"),
    Facility("CID003387", "Tin", "Luna Smelter", "RWANDA"),
    Facility("CID000292", "Tin", "Alpha", "UNITED STATES OF AMERICA"),
    Facility("CID000001", "Tantalum", "Tantalum Works", "JAPAN"),
    Facility("CID000004", "Tungsten", "Tungsten Works", "JAPAN"),
)


def full_spec(**kw: object) -> CmrtSpec:
    return complete_spec(smelters=[SmelterSpec.listed(f) for f in FAC], **kw)  # type: ignore[arg-type]


def test_sheets_titles_and_hidden_state(tmp_path: Path) -> None:
    path = write_cmrt(full_spec(), tmp_path / "a.xlsx", version="6.4", facilities=FAC)
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == list(SHEETS)
    assert {ws.title for ws in wb.worksheets if ws.sheet_state == "hidden"} == set(HIDDEN_SHEETS) == {"L", "C", "SorP"}
    decl_ws = wb["Declaration"]
    assert decl_ws["D2"].value == TITLE == "Conflict Minerals Reporting Template (CMRT)"
    assert decl_ws["J3"].value == "Revision 6.4\nApril 26, 2024"
    assert wb["Smelter List"]["Q3"].value == decl_ws["J3"].value
    assert wb["Smelter List"]["B4"].value == "Metal (*)" and wb["Smelter List"]["F4"].value == "Smelter Identification"
    assert [wb["Smelter Look-up"].cell(row=4, column=c).value for c in (1, 2, 5)] == ["Metal", "Smelter Look-up (*)",
                                                                                       "Smelter ID"]
    assert "CL" in wb.defined_names and "SmelterIdetifiedForMetal" in wb.defined_names


def test_answer_lists_and_data_validations(tmp_path: Path) -> None:
    wb = openpyxl.load_workbook(write_cmrt(CmrtSpec(), tmp_path / "v.xlsx", version="6.5"))
    ws = wb["Declaration"]
    rules = {str(dv.sqref): dv.formula1 for dv in ws.data_validations.dataValidation}
    assert rules["D26:D29"] == "$B$96:$B$97"  # Q1 Yes/No
    assert rules["D38:D41"] == "$B$96:$B$98"  # Q3 Yes/No/Unknown
    assert rules["D56:D59"] == "$B$99:$B$104"  # Q6 percentages
    assert rules["D9"] == "$P$9:$R$9"
    assert [ws[f"B{r}"].value for r in (96, 97, 98)] == ["Yes", "No", "Unknown"]
    assert ws["B99"].value == "100%" and ws["B105"].value.startswith("Yes, in conformance with IPC1755")
    assert [ws.cell(row=9, column=c).value for c in (16, 17, 18)] == [t for t, _ in CMRT_6.scopes]
    assert ws.row_dimensions[96].hidden
    old = openpyxl.load_workbook(write_cmrt(CmrtSpec(), tmp_path / "o.xlsx", version="6.1"))["Declaration"]
    assert old["B99"].value == 1 and old["B99"].number_format == "0%"  # ≤ 6.22 keeps "100%" as the number 1


@pytest.mark.parametrize("version", VERSIONS)
def test_every_version_round_trips(tmp_path: Path, version: str) -> None:
    decl = parse_file(write_cmrt(full_spec(), tmp_path / f"{version}.xlsx", version=version, facilities=FAC))
    assert (decl.template.kind, decl.template.version, decl.template.layout) == ("CMRT", version, "cmrt-6")
    assert decl.checker_missing == 0 and decl.status == "valid"


def test_round_trip_every_field(tmp_path: Path) -> None:
    spec = full_spec(scope="B", products=[ProductSpec("P-1", "Widget", "blue"), ProductSpec("P-2", "Gadget")])
    spec.comments = {"Q3": {"Tin": "Rwandan tin"}}
    spec.company_comments = {"A": "since 2014"}
    spec.smelters.append(SmelterSpec.not_listed("Gold", "Mystery Refinery", "CHINA", comments="typed by supplier"))
    spec.smelters.append(SmelterSpec.not_yet_identified("Tungsten"))
    decl = parse_file(write_cmrt(spec, tmp_path / "rt.xlsx", facilities=FAC))
    c = decl.company
    assert (c.name, c.scope, c.contact_email, c.authorizer_name) == ("Acme Components Ltd.", "B",
                                                                     "alex.contact@example.com", "Sam Authorizer")
    assert c.effective_date == date(2025, 6, 30)
    assert decl.answers["Q1"]["Gold"].answer == "Yes" and decl.answers["Q6"]["Tin"].answer == "100%"
    assert decl.answers["Q3"]["Tin"].comment == "Rwandan tin"
    assert decl.company_answers["A"].answer == "Yes" and decl.company_answers["A"].comment == "since 2014"
    assert decl.policy_url == "https://www.example.com/responsible-minerals-policy"
    rows = [(s.row, s.metal, s.cid, s.country) for s in decl.smelters]
    assert rows[:2] == [(5, "Gold", "CID002587", "BELGIUM"), (6, "Tin", "CID003387", "RWANDA")]
    assert len(decl.smelters) == 7
    assert [s.lookup_kind for s in decl.smelters[5:]] == ["not_listed", "not_yet_identified"]
    assert decl.smelters[5].name == "Mystery Refinery" and decl.smelters[5].comments == "typed by supplier"
    assert [(p.number, p.name) for p in decl.products] == [("P-1", "Widget"), ("P-2", "Gadget")]
    assert decl.checker_missing == 0 and decl.status == "valid"


def test_round_trip_of_invalid_form(tmp_path: Path) -> None:
    spec = full_spec()
    spec.company["name"] = None
    spec.smelters = [s for s in spec.smelters if s.metal != "Tungsten"]
    decl = parse_file(write_cmrt(spec, tmp_path / "bad.xlsx"))
    assert decl.checker_missing == 2 and decl.status == "invalid"
    assert {f.code for f in decl.errors()} == {"required_field_missing", "metal_in_scope_without_smelters"}


def test_formulas_without_cache_keep_the_typed_cid(tmp_path: Path) -> None:
    spec = full_spec()
    spec.smelters.append(SmelterSpec(input_cid="CID000292"))  # Option A: CID typed in column A only
    path = write_cmrt(spec, tmp_path / "f.xlsx", formulas_without_cache=True, facilities=FAC, prefill_rows=300)
    ws = openpyxl.load_workbook(path)["Smelter List"]
    assert str(ws["B10"].value).startswith("=IF(LEN(A10)=0") and str(ws["AB5"].value) == "=B5&C5"
    assert str(ws["E200"].value).startswith("=IF(ISERROR($V200)")  # pre-filled empty formula rows
    assert openpyxl.load_workbook(path)["Checker"]["D2"].value == '=IF(H70=0,"0",H70)'
    decl = parse_file(path)
    assert len(decl.smelters) == 6  # the 300 formula rows without values are not data rows
    assert decl.smelters[-1].cid == "CID000292"
    assert decl.workbook_checker in (None, "")  # no cached value: nothing to compare
    assert not [f for f in decl.findings if f.code == "checker_mismatch"]


def test_cached_formulas_like_an_excel_computed_file(tmp_path: Path) -> None:
    """Merck-style: the look-up formulas are still in the cells and the data live in their cached values."""
    spec = full_spec()
    spec.smelters.append(SmelterSpec(input_cid="CID000292", metal="Tin", lookup="Alpha", name="Alpha",
                                     country="UNITED STATES OF AMERICA", cid="CID000292", id_source="RMI"))
    spec.checker_d2 = "0"
    path = write_cmrt(spec, tmp_path / "cached.xlsx", facilities=FAC, cached_formulas=True)
    formulas = openpyxl.load_workbook(path)["Smelter List"]
    cached = openpyxl.load_workbook(path, data_only=True)["Smelter List"]
    assert str(formulas["F5"].value).startswith("=IF(ISERROR($V5)") and cached["F5"].value == "CID002587"
    assert cached["I5"].value == "Antwerp" and cached["H5"].value == 0  # an empty look-up is cached as 0
    assert str(formulas["B10"].value).startswith("=IF(LEN(A10)=0") and cached["B10"].value == "Tin"
    assert openpyxl.load_workbook(path, data_only=True)["Checker"]["D2"].value == "0"
    decl = parse_file(path)
    assert [s.cid for s in decl.smelters] == [f.cid for f in FAC] + ["CID000292"]
    assert decl.smelters[0].city == "Antwerp" and decl.smelters[0].street is None  # the cached 0 is no street
    assert decl.workbook_checker == "0" and decl.checker_missing == 0 and decl.status == "valid"


def test_cached_checker_value_is_compared(tmp_path: Path) -> None:
    spec = full_spec()
    spec.checker_d2 = 3
    decl = parse_file(write_cmrt(spec, tmp_path / "c.xlsx"))
    assert [f.code for f in decl.findings] == ["checker_mismatch"] and decl.status == "valid"
    spec.checker_d2 = "0"
    assert parse_file(write_cmrt(spec, tmp_path / "c0.xlsx")).findings == []


def test_chinese_saved_labels(tmp_path: Path) -> None:
    spec = full_spec()
    spec.language = "中文 Chinese"
    path = write_cmrt(spec, tmp_path / "zh.xlsx")
    ws = openpyxl.load_workbook(path)["Declaration"]
    assert ws["B8"].value == "公司名称 (*):" and ws["D3"].value == "中文 Chinese" and ws["P3"].value == 2
    assert ws["D2"].value == TITLE  # the title stays English, as in the real template
    decl = parse_file(path)
    assert decl.company.name == "Acme Components Ltd." and decl.checker_missing == 0


def test_same_spec_same_bytes(tmp_path: Path) -> None:
    a = write_cmrt(full_spec(), tmp_path / "a.xlsx", facilities=FAC).read_bytes()
    b = write_cmrt(full_spec(), tmp_path / "b.xlsx", facilities=FAC).read_bytes()
    assert a == b
    spec = full_spec()
    spec.company["name"] = "Other Ltd."
    assert write_cmrt(spec, tmp_path / "c.xlsx", facilities=FAC).read_bytes() != a


def test_cell_overrides_and_unknown_version(tmp_path: Path) -> None:
    spec = full_spec()
    spec.smelters[0].cells = {"F": "12 Main Street"}
    spec.cells = {"Declaration!D12": "DUNS 123"}
    wb = openpyxl.load_workbook(write_cmrt(spec, tmp_path / "o.xlsx"))
    assert wb["Smelter List"]["F5"].value == "12 Main Street" and wb["Declaration"]["D12"].value == "DUNS 123"
    with pytest.raises(ValueError, match="unknown CMRT version"):
        write_cmrt(spec, tmp_path / "x.xlsx", version="7.0")
    assert version_text("6.31") == "Revision 6.31\nMay 26, 2023"


ROWS = [SmelterSpec.listed(f) for f in FAC] + [
    SmelterSpec(metal="Tin", lookup="=HYPERLINK(\"http://evil\")", name="+cmd|' /C calc'!A0", country="@SUM(1)",
                comments="-2+3"),
]


def test_consolidated_into_a_copy_of_the_rmi_template(tmp_path: Path) -> None:
    template = shared_path("cmrt", "templates", "RMI_CMRT_6.5_en.xlsx")
    company = complete_spec(company_name="Our Company Inc.")
    out = write_consolidated_cmrt(ROWS, tmp_path / "ours.xlsx", template=template, declaration=company)
    with zipfile.ZipFile(template) as zt, zipfile.ZipFile(out) as zo:
        changed = {n for n in zt.namelist() if n not in zo.namelist() or zt.read(n) != zo.read(n)}
        # only the two patched sheets, the workbook (recalculate on open) and the dropped calc chain differ
        assert changed == {"xl/worksheets/sheet4.xml", "xl/worksheets/sheet5.xml", "xl/workbook.xml",
                           "xl/_rels/workbook.xml.rels", "[Content_Types].xml", "xl/calcChain.xml"}
        assert 'fullCalcOnLoad="1"' in zo.read("xl/workbook.xml").decode()
        sheet = zo.read("xl/worksheets/sheet5.xml").decode()
        for part in changed - {"xl/calcChain.xml"}:
            ElementTree.fromstring(zo.read(part))  # still well-formed XML
    row10 = re.search(r'<row r="10".*?</row>', sheet, re.S).group(0)  # type: ignore[union-attr]
    assert '<c r="C10" s="186" t="inlineStr"><is><t xml:space="preserve">=HYPERLINK' in row10  # text, not a formula
    assert "<f>" not in row10.split('r="R10"')[0]  # the template's B–Q formulas are gone from written rows
    assert "<f>IF(LEN(A11)=0" in sheet  # rows below keep the template's formulas
    decl = parse_file(out)
    assert decl.company.name == "Our Company Inc." and decl.company.effective_date == date(2025, 6, 30)
    assert decl.answers["Q1"]["Tin"].answer == "Yes"
    assert [s.cid for s in decl.smelters[:5]] == [f.cid for f in FAC]
    assert decl.smelters[5].lookup == '=HYPERLINK("http://evil")' and decl.smelters[5].country == "@SUM(1)"
    assert len(decl.smelters) == 6


def test_consolidated_falls_back_to_openpyxl_for_unpatchable_templates(tmp_path: Path) -> None:
    template = write_cmrt(CmrtSpec(), tmp_path / "t.xlsx")  # our own blank: rows 5+ do not exist in its XML
    out = write_consolidated_cmrt(ROWS, tmp_path / "o.xlsx", template=template)
    ws = openpyxl.load_workbook(out)["Smelter List"]
    assert ws["F5"].value == "CID002587" and ws["D10"].data_type == "s"


def test_consolidated_without_template(tmp_path: Path) -> None:
    out = write_consolidated_cmrt(ROWS, tmp_path / "fresh.xlsx")
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == list(SHEETS)
    assert wb["Smelter List"]["D10"].data_type == "s"
    decl = parse_file(out)
    assert len(decl.smelters) == 6 and decl.template.version == "6.5"
    with pytest.raises(ValueError, match="do not fit"):
        write_consolidated_cmrt([SmelterSpec(metal="Tin", lookup="x")] * 2501, tmp_path / "big.xlsx")
