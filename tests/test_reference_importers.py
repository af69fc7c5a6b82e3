"""Importers on the real files users have (read from ../shared via shared_path)."""

from __future__ import annotations

import pytest
from conftest import shared_path

from minetrace.ingest.reference import ImportError_, ReferenceStore, import_file
from minetrace.ingest.reference.importers import detect

RMI = ("reference", "rmi-export-2026-08-22")


@pytest.fixture
def store(tmp_path):
    s = ReferenceStore(tmp_path / "store")
    yield s
    s.close()


@pytest.mark.parametrize("xml,csv_name,kind,rows", [
    ("CMRT.xml", "rmi_export_2026-08-22_CMRT.csv", "rmi-reference", 666),
    ("CONFORMANT.xml", "rmi_export_2026-08-22_CONFORMANT.csv", "rmi-conformant", 420),
    ("ACTIVE.xml", "rmi_export_2026-08-22_ACTIVE.csv", "rmi-active", 24),
    ("REVISIONS.xml", "rmi_export_2026-08-22_REVISIONS.csv", "rmi-revisions", 588),
])
def test_rmi_exports_xml_and_csv_agree(tmp_path, xml, csv_name, kind, rows):
    a = ReferenceStore(tmp_path / "a")
    b = ReferenceStore(tmp_path / "b")
    ra = import_file(a, shared_path(*RMI, xml))
    rb = import_file(b, shared_path(*RMI, csv_name))
    assert (ra.kind, rb.kind) == (kind, kind)
    assert ra.rows == rb.rows == rows and ra.as_of == rb.as_of == "2026-08-22"
    fa = sorted(tuple(r)[:4] for r in a.db.execute("SELECT cid, metal, standard_name, country_iso2 FROM facilities"))
    fb = sorted(tuple(r)[:4] for r in b.db.execute("SELECT cid, metal, standard_name, country_iso2 FROM facilities"))
    assert fa == fb
    a.close()
    b.close()


def test_rmi_exports_answer_status_and_history(store):
    for name in ("CMRT.xml", "CONFORMANT.xml", "ACTIVE.xml", "REVISIONS.xml"):
        import_file(store, shared_path(*RMI, name))
    s = store.status_as_of("CID000004", "2026-08-22")  # A.L.M.T. Corp., tungsten
    assert (s.status, s.last_audit, s.audit_cycle) == ("Conformant", "2024-10-18", "3 Years")
    assert store.status_as_of("CID000004", "2028-01-01").lapsed
    assert store.status_as_of("CID003185", "2026-08-22").status == "Not listed"  # African Gold Refinery
    gone = store.status_as_of("CID002587", "2026-08-22")
    assert gone.status == "Removed" and gone.removed_on == "2025-06-27"
    fac = store.facility("CID002587")
    assert fac.retired and fac.metal == "Gold"
    assert store.current_cid("CID000864").current == "CID001231"  # "Alias to CID001231"
    split = store.current_cid("CID001143")
    assert split.current is None and split.successors == ["CID002773", "CID002774"]
    kinds = {r["kind"] for r in store.db.execute("SELECT DISTINCT kind FROM revisions")}
    assert {"added", "removed", "name_correction", "location_correction", "metal_correction"} <= kinds
    # the multi-line "Name correction\nLocation correction" row became two events
    assert store.facility("CID001326") is not None
    assert any(a["alias_norm"] == "almt" for a in store.aliases_for("Tungsten"))


def test_cmrt_64_template_lookup(store):
    res = import_file(store, shared_path("cmrt", "templates", "RMI_CMRT_6.4_en.xlsx"))
    assert res.kind == "template-lookup" and res.rows == 652 and res.as_of == "2024-04-26"
    again = import_file(store, shared_path("cmrt", "templates", "RMI_CMRT_6.4_en.xlsx"))
    assert again.already


def test_filled_supplier_cmrt_carries_the_lookup(store):
    res = import_file(store, shared_path("cmrt", "filled", "CMRT_6.4_Merck_WF6_Apr2024.xlsx"))
    assert res.kind == "template-lookup" and res.rows == 652


def test_cmrt_65_chinese_saved_template(store):
    res = import_file(store, shared_path("cmrt", "templates", "RMI_CMRT_6.5_zh-saved.xlsx"))
    assert res.rows == 629 and res.as_of == "2025-04-25"


def test_cmrt_301_crosswalk_and_sheet_k(store):
    res = import_file(store, shared_path("cmrt", "templates", "CMRT_3.01_blank_encrypted.xls"))
    assert res.kind == "template-301" and res.rows == 217
    assert store.old_id("1DEU001")[0]["cid"] == "CID000035"
    n = store.db.execute("SELECT count(*) FROM old_ids").fetchone()[0]
    assert n == 183  # 217 rows, 34 "Added post old ID process"
    assert any("sheet K" in a["source"] for a in store.aliases_for("Gold"))


def test_emrt_template_lookup(store):
    res = import_file(store, shared_path("cmrt", "templates", "RMI_EMRT_2.0_en.xlsx"))
    assert res.kind == "template-lookup" and res.rows > 300


def test_bad_files_are_named(store, tmp_path):
    with pytest.raises(ImportError_, match="invalid_cmrt_is_jpeg.xls"):
        import_file(store, shared_path("cmrt", "invalid", "invalid_cmrt_is_jpeg.xls"))
    junk = tmp_path / "junk.csv"
    junk.write_text("a,b\n1,2\n")
    with pytest.raises(ImportError_, match="junk.csv: unrecognised table"):
        import_file(store, junk)
    with pytest.raises(ImportError_, match="CMRT 2.x"):
        import_file(store, shared_path("cmrt", "templates", "CMRT_2.00_blank.xls"))


def test_detect_by_content_not_name(tmp_path):
    data = shared_path(*RMI, "ACTIVE.xml").read_bytes()
    kind, _ = detect(data, "downloaded-file.txt")
    assert kind == "rmi-active"


def test_relisted_cid_is_not_retired(store):
    for name in ("CMRT.xml", "REVISIONS.xml"):
        import_file(store, shared_path(*RMI, name))
    # Kyshtym: removed 2016-10-06 ("not a smelter"), back on the list (added 2017-03-17)
    assert not store.facility("CID002865").retired
    assert store.status_as_of("CID002865", "2026-08-22").status != "Removed"


def test_resolution_on_the_real_exports(store, tmp_path):
    from minetrace.ingest.records import SmelterRow
    from minetrace.ingest.resolve import Resolver

    for name in ("CMRT.xml", "REVISIONS.xml"):
        import_file(store, shared_path(*RMI, name))
    res = Resolver(store, decisions=tmp_path / "d.yaml")

    def go(metal, name=None, cid=None, country=None):
        return res.resolve(SmelterRow(row=5, metal=metal, name=name, cid=cid, country=country))

    assert go("Gold", "TANAKA KIKINZOKU KOGYO K.K.").cid == "CID001875"
    r = go("Gold", "Tony Goetz NV", country="BELGIUM")  # renamed twice, removed 2025: still CID002587
    assert (r.status, r.cid) == ("resolved", "CID002587") and any("retired" in n for n in r.notes)
    r = go("Gold", "8853 S.p.A.", cid="CID0027634")  # a real-world typo: one digit too many
    assert (r.cid, r.method) == ("CID002763", "cid_repaired")
    r = go("Gold", "Aurubis AG, Hamburg")  # RMI gives this alias to two CIDs
    assert r.status == "review" and {c.cid for c in r.candidates} >= {"CID000113", "CID005476"}
    assert go("Tin", cid="CID000864").cid == "CID001231"  # "Alias to CID001231"
    assert go("Tantalum", "Tanaka Kikinzoku Kogyo K.K.").status != "resolved"  # blocked by metal


def test_rmi_export_saved_as_xlsx(store, tmp_path):
    import csv

    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "Conformant"
    with shared_path(*RMI, "rmi_export_2026-08-22_CONFORMANT.csv").open(encoding="utf-8-sig", newline="") as fh:
        for rec in csv.reader(fh):
            ws.append(rec)
    path = tmp_path / "conformant_2026-08-22.xlsx"
    wb.save(path)
    res = import_file(store, path)
    assert (res.kind, res.rows, res.as_of) == ("rmi-conformant", 420, "2026-08-22")
    assert store.status_as_of("CID000004", "2026-08-22").status == "Conformant"
