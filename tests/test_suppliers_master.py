"""Supplier master list import (CSV and xlsx), scoping rules and supplier matching."""

from __future__ import annotations

from datetime import date

from openpyxl import Workbook

from minetrace.ingest.suppliers import match_supplier, normalise_category, read_supplier_list
from minetrace.queries.policy import load_policy
from minetrace.queries.scoping import scope_suppliers, summarise


def test_csv_with_erp_headers_semicolons_and_bad_rows(tmp_path):
    f = tmp_path / "vendors.csv"
    f.write_text(
        "Vendor No.;Vendor Name;Type;Last PO Date;E-mail;Annual Spend;Also known as\n"
        "V1;Acme Metals;Direct material;2016-03-01;buyer@acme.com;1.234,50;Acme GmbH|ACME\n"
        ";No Id Corp;direct;2016-01-01;;;\n"
        "V2;Cleaning Co;Services;03/15/2016;x@clean.com;;\n"
        "V1;Acme again;direct;2016-01-01;;;\n"
        "V3;Old Parts;direct;not a date;nobody;abc;\n"
        "V4;Widget;Spaceship;2016-01-01;w@w.io;;\n", encoding="utf-8")
    res = read_supplier_list(f)
    assert [s.id for s in res.suppliers] == ["V1", "V2", "V3", "V4"]
    acme = res.suppliers[0]
    assert (acme.category, acme.last_purchase, acme.email_domain, acme.spend) == (
        "direct", date(2016, 3, 1), "acme.com", 1234.5)
    assert acme.aliases == ["Acme GmbH", "ACME"] and acme.row == 2
    assert res.suppliers[1].category == "service" and res.suppliers[1].last_purchase == date(2016, 3, 15)
    by_code = {(f.code, f.location) for f in res.findings}
    assert ("supplier_missing_id", "vendors.csv!row 3") in by_code
    assert ("supplier_duplicate_id", "vendors.csv!row 5") in by_code
    assert ("supplier_bad_date", "vendors.csv!row 6") in by_code
    assert ("supplier_bad_email", "vendors.csv!row 6") in by_code
    assert ("supplier_bad_spend", "vendors.csv!row 6") in by_code
    assert ("supplier_unknown_category", "vendors.csv!row 7") in by_code
    assert res.suppliers[2].last_purchase is None  # the batch went on


def test_xlsx_with_title_rows_dates_and_numbers(tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.append(["Supplier master list FY2016"])
    ws.append([])
    ws.append(["Supplier ID", "Supplier Name", "Category", "Last Purchase Date", "Contact Email", "Spend"])
    ws.append([1001, "Tin Parts Ltd", "Direct", date(2012, 1, 31), "a@tin.cn", 5000])
    ws.append(["1002", "Indirect Stuff", "Indirect", 42000, "b@x.com", None])
    path = tmp_path / "master.xlsx"
    wb.save(path)
    res = read_supplier_list(path)
    assert res.ok, res.findings
    assert [s.id for s in res.suppliers] == ["1001", "1002"]
    assert res.suppliers[0].last_purchase == date(2012, 1, 31)
    assert res.suppliers[1].last_purchase == date(2014, 12, 27)  # Excel serial 42000 (42005 = 2015-01-01)
    assert res.columns["last_purchase"] == "Last Purchase Date"


def test_unreadable_and_headerless_files_are_findings_not_exceptions(tmp_path):
    junk = tmp_path / "junk.xlsx"
    junk.write_bytes(b"PK\x03\x04 not really a zip")
    res = read_supplier_list(junk)
    assert not res.ok and res.findings[0].location == "junk.xlsx"
    nohead = tmp_path / "nohead.csv"
    nohead.write_text("a,b\n1,2\n")
    res = read_supplier_list(nohead)
    assert res.findings[0].code == "supplier_list_no_header" and "nohead.csv" == res.findings[0].location
    assert read_supplier_list(tmp_path / "missing.csv").findings[0].code == "supplier_list_unreadable"


def test_category_words():
    assert [normalise_category(x) for x in ("Direct", "INDIRECT spend", "MRO", "Service provider", "", "Other")] == [
        "direct", "indirect", "indirect", "service", None, None]


def test_scoping_drops_service_indirect_and_inactive_with_reasons():
    sups = [
        {"id": "S1", "name": "a", "category": "direct", "last_purchase": "2016-06-01"},
        {"id": "S2", "name": "b", "category": "service", "last_purchase": "2016-06-01"},
        {"id": "S3", "name": "c", "category": "indirect", "last_purchase": "2016-06-01"},
        {"id": "S4", "name": "d", "category": "direct", "last_purchase": "2011-12-31"},  # exactly 5 years
        {"id": "S5", "name": "e", "category": "direct", "last_purchase": "2012-01-01"},  # 4 years 364 days
        {"id": "S6", "name": "f", "category": None, "last_purchase": None},
        {"id": "S7", "name": "g", "category": "direct", "last_purchase": "2016-01-01"},
    ]
    ref = date(2016, 12, 31)
    d = scope_suppliers(sups, ref, manual={"S7": "supplier closed"})
    assert [(x.supplier_id, x.in_scope, x.code) for x in d] == [
        ("S1", True, "in_scope"), ("S2", False, "service"), ("S3", False, "indirect"), ("S4", False, "inactive"),
        ("S5", True, "in_scope"), ("S6", True, "in_scope"), ("S7", False, "manual")]
    assert "2011-12-31" in d[3].reason and "supplier closed" in d[6].reason
    s = summarise(d, ref)
    assert (s.total, s.in_scope, s.out_of_scope) == (7, 3, 4)
    assert s.by_reason == {"inactive": 1, "indirect": 1, "manual": 1, "service": 1}
    three = load_policy(overrides={"scoping": {"inactive_years": 3, "keep_unknown_purchase_date": False}})
    d3 = scope_suppliers(sups, ref, three)
    assert [x.code for x in d3][4:6] == ["inactive", "no_date"]


def test_match_supplier_by_name_alias_domain_and_fuzzy(tmp_path):
    f = tmp_path / "m.csv"
    f.write_text("Supplier ID,Name,Aliases,Contact Email\nS1,Acme Metals Co. Ltd,Acme Asia,a@acme.com\n"
                 "S2,Zeta Components GmbH,,z@zeta.de\n")
    sups = read_supplier_list(f).suppliers
    assert match_supplier("ACME METALS CO., LTD.", None, sups).method == "name"
    assert match_supplier("Acme Asia", None, sups).supplier_id == "S1"
    assert match_supplier("Unknown Name", "someone@zeta.de", sups).method == "email_domain"
    fz = match_supplier("Zeta Component", None, sups)
    assert fz.supplier_id == "S2" and fz.method == "fuzzy"
    assert match_supplier("Completely Different", None, sups) is None
    assert match_supplier("x", None, sups, unique_id="S2").method == "id"
