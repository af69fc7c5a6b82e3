"""Template kind / version / layout detection from workbook content (never the file name)."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_reader_builders import cmrt6_sheets, open_cmrt6, write_workbook

from minetrace.ingest.detect import detect_template, kind_from_title, normalise_version, version_from_text
from minetrace.ingest.layouts import ALL_LAYOUTS, get_layout, layout_for, nearest_layout
from minetrace.ingest.reader import read_declaration
from minetrace.ingest.workbook import UnreadableWorkbook, open_workbook


@pytest.mark.parametrize("title, kind", [
    ("Conflict Minerals Reporting Template", "CMRT"),
    ("Conflict Minerals Reporting Template (CMRT)", "CMRT"),
    ("扩展矿物报告模版 (EMRT)", "EMRT"),
    ("钴报告模板 (CRT)", "CRT"),
    ("Additional Minerals Reporting Template (AMRT)", "AMRT"),
    ("Quarterly sales", None),
    (None, None),
])
def test_kind_from_title(title: str | None, kind: str | None) -> None:
    assert kind_from_title(title) == kind


@pytest.mark.parametrize("text, version", [
    ("Revision 6.4\nApril 26, 2024", "6.4"),
    ("Revision 2.03a\nJuly 25th, 2013", "2.03a"),
    ("Revision 2 August 29th 2012", "2"),
    ("Version 1.3\nApril 26, 2024", "1.3"),
    ("Revision 1.21\nMay 16, 2025", "1.21"),
    ("no version here", None),
])
def test_version_from_text(text: str, version: str | None) -> None:
    assert version_from_text(text) == version


def test_bare_major_versions_are_normalised() -> None:
    assert normalise_version("CMRT", "2") == "2.00"
    assert normalise_version("CMRT", "1.") == "1.00"
    assert normalise_version("CMRT", "6.4") == "6.4"


def test_every_layout_is_registered_once_and_resolvable() -> None:
    ids = [layout.id for layout in ALL_LAYOUTS]
    assert len(ids) == len(set(ids))
    for layout in ALL_LAYOUTS:
        assert get_layout(layout.id) is layout
        for version in layout.versions:
            assert layout_for(layout.kind, version) is layout, (layout.id, version)


def test_nearest_layout_for_unknown_versions() -> None:
    assert nearest_layout("CMRT", "6.6").id == "cmrt-6"
    assert nearest_layout("CMRT", "3.02").id == "cmrt-3"
    assert nearest_layout("CMRT", "5.12").id == "cmrt-5"
    assert nearest_layout("EMRT", "2.2").id.startswith("emrt-2")
    assert nearest_layout("XYZ", "1.0") is None


def test_cmrt6_detected_from_content_not_file_name(tmp_path: Path) -> None:
    wb = open_cmrt6(tmp_path, name="CMRT_3.01_final.xlsx", version="6.22", language="中文 Chinese")
    info, layout = detect_template(wb)
    assert (info.kind, info.version, layout.id, info.language) == ("CMRT", "6.22", "cmrt-6", "Chinese")
    assert info.layout_verified is True
    assert info.version_text == "Revision 6.22\nApril 26, 2024"


def test_version_falls_back_to_smelter_list_row_3(tmp_path: Path) -> None:
    sheets = cmrt6_sheets(version="6.31")
    del sheets["Declaration"]["J3"]
    wb = open_workbook(write_workbook(tmp_path / "x.xlsx", sheets))
    info, layout = detect_template(wb)
    assert (info.version, layout.id) == ("6.31", "cmrt-6")
    assert read_declaration(wb).provenance["template.version"] == "Smelter List!Q3"


def test_cmrt_100_revision_split_over_i3_and_j3(tmp_path: Path) -> None:
    path = write_workbook(tmp_path / "old.xlsx", {
        "Declaration": {"D2": "Conflict Minerals Reporting Template", "I3": "Revision", "J3": "1.   July 18th 2011"},
        "Smelter and Mine List": {"B4": "Metal (*)"},
    })
    info, layout = detect_template(open_workbook(path))
    assert (info.kind, info.version, layout.id) == ("CMRT", "1.00", "cmrt-1")


def test_translated_emrt_title(tmp_path: Path) -> None:
    path = write_workbook(tmp_path / "e.xlsx", {
        "Declaration": {"D2": "扩展矿物报告模版 (EMRT)", "D3": "中文 Chinese", "J3": "Revision 2.1\nOctober 17, 2025"},
        "Smelter List": {}, "Mine List": {}, "Product List": {},
    })
    info, layout = detect_template(open_workbook(path))
    assert (info.kind, info.version, layout.id, info.language) == ("EMRT", "2.1", "emrt-2.1", "Chinese")


def test_future_version_reads_with_nearest_layout_and_a_finding(tmp_path: Path) -> None:
    decl = read_declaration(open_cmrt6(tmp_path, version="6.6"))
    assert (decl.template.version, decl.template.layout) == ("6.6", "cmrt-6")
    codes = {(f.code, f.severity) for f in decl.findings}
    assert ("unknown_version", "warning") in codes
    assert decl.company.name == "Acme Corp"


def test_cmrt_5x_is_read_with_unverified_layout(tmp_path: Path) -> None:
    decl = read_declaration(open_cmrt6(tmp_path, version="5.12"))
    assert decl.template.layout == "cmrt-5"
    assert decl.template.layout_verified is False
    assert [f.code for f in decl.findings if f.code == "layout_unverified"] == ["layout_unverified"]
    assert not [f for f in decl.findings if f.code == "unknown_version"]


def test_cmrt_4x_is_read_with_unverified_layout(tmp_path: Path) -> None:
    info, layout = detect_template(open_cmrt6(tmp_path, version="4.01b"))
    assert (layout.id, info.layout_verified) == ("cmrt-4", False)


def test_not_a_template(tmp_path: Path) -> None:
    path = write_workbook(tmp_path / "sales.xlsx", {"Sheet1": {"A1": "Quarter", "B1": "Revenue"}})
    with pytest.raises(UnreadableWorkbook) as err:
        detect_template(open_workbook(path))
    assert err.value.reason == "not_a_template"
    assert "sales.xlsx" in str(err.value)


def test_declaration_sheet_without_template_title_is_not_a_template(tmp_path: Path) -> None:
    path = write_workbook(tmp_path / "decl.xlsx", {"Declaration": {"A1": "We declare nothing."}})
    with pytest.raises(UnreadableWorkbook) as err:
        detect_template(open_workbook(path))
    assert err.value.reason == "not_a_template"


@pytest.mark.parametrize("renamed", ["Smelters", None])
def test_required_smelter_list_missing_or_renamed(tmp_path: Path, renamed: str | None) -> None:
    sheets = cmrt6_sheets()
    content = sheets.pop("Smelter List")
    if renamed:
        sheets[renamed] = content
    with pytest.raises(UnreadableWorkbook) as err:
        detect_template(open_workbook(write_workbook(tmp_path / "cut.xlsx", sheets)))
    assert err.value.reason == "missing_sheet"
    assert "sheet 'Smelter List' is missing" in err.value.message


def test_declaration_sheet_missing_from_a_template(tmp_path: Path) -> None:
    sheets = cmrt6_sheets()
    del sheets["Declaration"]
    with pytest.raises(UnreadableWorkbook) as err:
        detect_template(open_workbook(write_workbook(tmp_path / "nodecl.xlsx", sheets)))
    assert err.value.reason == "missing_sheet"
    assert "'Declaration'" in err.value.message


def test_sheet_names_match_after_strip_and_case_fold(tmp_path: Path) -> None:
    sheets = cmrt6_sheets()
    sheets["smelter list "] = sheets.pop("Smelter List")
    info, _ = detect_template(open_workbook(write_workbook(tmp_path / "case.xlsx", sheets)))
    assert info.kind == "CMRT"


def test_template_with_cleared_title_and_revision_is_still_read(tmp_path: Path) -> None:
    sheets = cmrt6_sheets()
    for ref in ("D2", "J3"):
        del sheets["Declaration"][ref]
    del sheets["Smelter List"]["Q3"]
    sheets["Smelter List"].update({"W3": "Tantalum", "X3": "Tin", "Y3": "Tungsten", "Z3": "Gold"})
    decl = read_declaration(open_workbook(write_workbook(tmp_path / "bare.xlsx", sheets)))
    assert (decl.template.kind, decl.template.version, decl.template.layout) == ("CMRT", None, "cmrt-6")
    assert [f.code for f in decl.findings] == ["unknown_version"]
    assert decl.company.name == "Acme Corp"
