"""Export files from a small hand-built store: contents, formatting, consolidated CMRT, and injected
formulas from supplier data arriving as text (read back with openpyxl and calamine)."""

from __future__ import annotations

from datetime import date

import openpyxl
import pytest
from python_calamine import CalamineWorkbook
from test_risk_facts import classic_facts

from minetrace.app.synthetic.graph_program import declaration
from minetrace.graph.embedded import EmbeddedStore
from minetrace.graph.store import SupplierRecord
from minetrace.ingest.records import Answer, Finding, Resolution, SmelterRow
from minetrace.queries.exports import (
    export_appendix,
    export_cmrt,
    export_findings,
    export_flagged,
    export_responses,
)
from minetrace.queries.policy import load_policy
from minetrace.queries.risk import RiskModel

EVIL_NAME = '=HYPERLINK("http://evil.example","click")'
EVIL_RAW = "+cmd|' /C calc'!A0"


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    st = EmbeddedStore(tmp_path_factory.mktemp("ex"))
    st.upsert_suppliers([SupplierRecord(id="S1", name=EVIL_NAME, category="direct", last_purchase="2016-05-01",
                                        contact_email="@evil.example"),
                         SupplierRecord(id="S2", name="Plain Ltd", category="direct", last_purchase="2016-05-01")])
    rows = [SmelterRow(row=5, metal="Gold", name=EVIL_RAW, lookup=EVIL_RAW, lookup_kind="listed", cid="CID002587",
                       country="BELGIUM", country_code="BE"),
            SmelterRow(row=6, metal="Tin", name="Conformant China Tin", lookup_kind="listed", cid="CID000900",
                       country="CHINA", country_code="CN"),
            SmelterRow(row=7, metal="Tin", name="Conformant China Tin again", lookup_kind="listed", cid="CID000900",
                       country="CHINA", country_code="CN"),
            SmelterRow(row=8, metal="Gold", name="-Mystery", lookup="Smelter not listed", lookup_kind="not_listed",
                       country="CHINA")]
    res = [Resolution("resolved", "CID002587", "cid", 100.0, given_cid="CID002587", metal="Gold",
                      standard_name="Tony Goetz NV", country_iso2="BE"),
           Resolution("resolved", "CID000900", "cid", 100.0, metal="Tin", standard_name="Conformant China Tin",
                      country_iso2="CN"),
           Resolution("resolved", "CID000900", "alias", 100.0, metal="Tin", standard_name="Conformant China Tin",
                      country_iso2="CN"),
           Resolution("unresolved", None, "none", 0.0, metal="Gold", provisional_key="gold|mystery|CN")]
    d1 = declaration("Evil Co", [r for r in rows], effective=date(2017, 2, 1), tag="s1", file_name="=evil.xlsx")
    d1.company_answers = {k: Answer("Yes") for k in "ADFG"}
    st.ingest_declaration(d1, res, SupplierRecord(id="S1", name=EVIL_NAME), 2016)
    d2 = declaration("Plain Ltd", [rows[1]], effective=date(2017, 2, 1), tag="s2", status="invalid")
    d2.findings.append(Finding("required_field_missing", "error", "Declaration!D17", "@phone missing"))
    st.ingest_declaration(d2, [res[1]], SupplierRecord(id="S2", name="Plain Ltd"), 2016)
    yield st
    st.close()


@pytest.fixture(scope="module")
def model():
    return RiskModel(classic_facts(), load_policy(), year=2016)


def _rows(path, sheet=None):
    wb = openpyxl.load_workbook(path)
    ws = wb[sheet] if sheet else wb.active
    header = [c.value for c in ws[1]]
    return ws, [dict(zip(header, r, strict=False)) for r in ws.iter_rows(min_row=2, values_only=True)]


def _no_formulas(path):
    wb = openpyxl.load_workbook(path)
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                assert c.data_type != "f", (ws.title, c.coordinate, c.value)
    cal = CalamineWorkbook.from_path(str(path))
    texts = [v for name in cal.sheet_names for r in cal.get_sheet_by_name(name).to_python() for v in r
             if isinstance(v, str)]
    assert not any(t.startswith(("=", "+", "-", "@")) for t in texts)
    return texts


def test_flagged_export(store, model, tmp_path):
    path = tmp_path / "flagged.xlsx"
    res = export_flagged(store, model, path, 2016)
    assert res.rows == 1
    ws, rows = _rows(path)
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref.startswith("A1:")
    r = rows[0]
    assert r["Supplier ID"] == "S1" and r["Supplier"] == "'" + EVIL_NAME
    assert r["Smelter ID"] == "CID002587" and r["Risk"] == "high" and "watchlist" in r["Flags"]
    assert r["Name as written"] == "'" + EVIL_RAW and r["Source cell"] == "Smelter List!row 5"
    assert r["Declaration file"] == "'=evil.xlsx" and r["Program"] == "strong"
    texts = _no_formulas(path)
    assert "'" + EVIL_NAME in texts


def test_flagged_csv(store, model, tmp_path):
    path = tmp_path / "flagged.csv"
    export_flagged(store, model, path, 2016)
    text = path.read_text(encoding="utf-8-sig")
    assert "'=HYPERLINK" in text and ",=HYPERLINK" not in text


def test_appendix_export_dedups_by_cid_and_metal(store, model, tmp_path):
    path = tmp_path / "app.xlsx"
    res = export_appendix(store, model, path, 2016)
    assert res.rows == 2  # S2's form is invalid; CID000900 twice in S1 → once
    _, rows = _rows(path, "Appendix A")
    assert [(r["Metal"], r["Smelter ID"], r["Conformant status as of 2017-05-31"]) for r in rows] == [
        ("Gold", "CID002587", "Unknown"), ("Tin", "CID000900", "Yes")]
    _, origin = _rows(path, "Countries of origin")
    assert sorted(r["ISO"] for r in origin) == ["BE", "CN"]
    _no_formulas(path)


def test_consolidated_cmrt_has_the_smelter_list_layout(store, model, tmp_path):
    path = tmp_path / "cmrt.xlsx"
    res = export_cmrt(store, model, path, 2016, company={"name": "Our Company"})
    assert res.rows == 2
    from minetrace.ingest.pipeline import parse_file

    decl = parse_file(path)
    assert sorted((s.metal, s.cid) for s in decl.smelters) == [("Gold", "CID002587"), ("Tin", "CID000900")]
    assert decl.company.name == "Our Company"


def test_consolidated_cmrt_into_a_user_template(store, model, tmp_path):
    from minetrace.queries.template_writer import CmrtSpec, write_cmrt

    blank = write_cmrt(CmrtSpec(), tmp_path / "blank.xlsx", version="6.4")
    path = tmp_path / "filled.xlsx"
    export_cmrt(store, model, path, 2016, template=blank)
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == openpyxl.load_workbook(blank).sheetnames
    ws = wb["Smelter List"]
    assert (ws["B5"].value, ws["F5"].value, ws["B6"].value, ws["F6"].value) == ("Gold", "CID002587", "Tin",
                                                                                 "CID000900")


def test_responses_and_findings_exports(store, model, tmp_path):
    path = tmp_path / "resp.xlsx"
    res = export_responses(store, path, 2016, model)
    assert res.rows == 2
    _, rows = _rows(path, "Responses")
    assert {r["Supplier ID"]: r["Survey status"] for r in rows} == {"S1": "responded (valid form)",
                                                                   "S2": "responded (invalid form)"}
    _, figs = _rows(path, "Figures")
    assert {r["Figure"]: r["Value"] for r in figs}["Response rate (%)"] == 100
    _no_formulas(path)
    fpath = tmp_path / "findings.xlsx"
    export_findings(store, fpath, 2016, model)
    _, frows = _rows(fpath)
    codes = {(r["Supplier ID"], r["Code"]) for r in frows}
    assert ("S2", "required_field_missing") in codes and ("S1", "unresolved") in codes
    msgs = {r["Message"] for r in frows if r["Code"] == "required_field_missing"}
    assert "'@phone missing" in msgs and "@phone missing" not in msgs  # formula text neutralised
    _no_formulas(fpath)


def test_consolidated_cmrt_into_the_real_rmi_template(store, model, tmp_path):
    from conftest import shared_path

    from minetrace.ingest.pipeline import parse_file

    blank = shared_path("cmrt", "templates", "RMI_CMRT_6.5_en.xlsx")
    path = tmp_path / "ours.xlsx"
    res = export_cmrt(store, model, path, 2016, template=blank, company={"name": "Our Company"})
    assert res.rows == 2
    decl = parse_file(path)
    assert decl.template.version == "6.5"
    assert sorted((s.metal, s.cid) for s in decl.smelters) == [("Gold", "CID002587"), ("Tin", "CID000900")]
    assert decl.company.name == "Our Company"
