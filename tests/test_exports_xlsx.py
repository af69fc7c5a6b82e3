"""Formatted xlsx/csv writing and formula-injection neutralisation, read back with openpyxl and calamine."""

from __future__ import annotations

import csv
from datetime import date

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from minetrace.queries.xlsx import Column, SheetSpec, neutralise, write_table, write_xlsx

PAYLOADS = ["=1+1", "+SUM(A1:A2)", "-2+3", "@SUM(1)", "\t=1", "\r=1", '=HYPERLINK("http://x","c")',
            "  =1+1", "＝1+1", "=cmd|' /C calc'!A0"]


def test_neutralise_prefixes_only_dangerous_text():
    for p in PAYLOADS:
        assert neutralise(p) == "'" + p
    assert neutralise("Tin") == "Tin" and neutralise("a=b") == "a=b"
    assert neutralise(-5) == -5 and neutralise(None) is None


@pytest.fixture
def written(tmp_path):
    cols = [Column("name", "Name"), Column("n", "Number"), Column("d", "Date"), Column("lst", "List")]
    rows = [{"name": p, "n": i, "d": date(2016, 1, i + 1), "lst": ["a", p]} for i, p in enumerate(PAYLOADS)]
    rows.append({"name": "ok\x07bell", "n": -1.5, "d": None, "lst": None})
    path = write_xlsx(tmp_path / "out.xlsx", [SheetSpec("Flag/ged: test", cols, rows)])
    return path, rows


def test_openpyxl_reads_every_payload_back_as_text(written):
    path, _ = written
    wb = openpyxl.load_workbook(path)
    ws = wb.active
    assert ws.title == "Flag ged  test"
    for i, p in enumerate(PAYLOADS, start=2):
        c = ws.cell(row=i, column=1)
        assert c.data_type == "s", (p, c.data_type)
        assert c.value == "'" + p  # kept exactly: openpyxl writes through lxml (a dependency), CR as &#13;
        assert ws.cell(row=i, column=4).data_type == "s"
    assert ws.cell(row=12, column=1).value == "okbell"  # control character dropped
    assert ws.cell(row=12, column=2).value == -1.5  # numbers stay numbers (negative too)
    assert ws.cell(row=2, column=3).is_date


def test_formatting_header_filter_freeze_widths(written):
    path, _ = written
    ws = openpyxl.load_workbook(path).active
    assert ws["A1"].value == "Name" and ws["A1"].font.bold
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == "A1:D12"
    assert ws.column_dimensions["A"].width >= 8


def test_calamine_reads_the_payloads_as_plain_strings(written):
    path, _ = written
    sheet = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
    names = [r[0] for r in sheet[1:11]]
    assert names == ["'" + p for p in PAYLOADS]


def test_csv_is_neutralised_and_utf8_with_bom(tmp_path):
    cols = [Column("name", "Name"), Column("d", "Date")]
    path = write_table(tmp_path / "out.csv", cols, [{"name": "=1+1", "d": date(2016, 5, 1)}, {"name": "Zürich"}])
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(path.read_text(encoding="utf-8-sig").splitlines()))
    assert rows == [["Name", "Date"], ["'=1+1", "2016-05-01"], ["Zürich", ""]]


def test_header_text_is_neutralised_too(tmp_path):
    path = write_table(tmp_path / "h.xlsx", [Column("a", "=evil")], [])
    ws = openpyxl.load_workbook(path).active
    assert ws["A1"].value == "'=evil" and ws["A1"].data_type == "s"
