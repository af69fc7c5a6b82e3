"""The 2016 report scenario, end to end through the CLI, with every figure known in advance.

Generated program (reporting year 2016, real CMRT 6.5 workbooks written by queries.template_writer):
  master list 336 suppliers:  S324–S328 service (5), S329–S332 indirect (4), S333–S335 inactive since
  2010 (3), S336 marked out of scope during the survey (1)  → 323 in scope
  responded: S001–S264 (264 = 81.7 % of 323); S235–S264 invalid (contact phone missing) → 30 invalid
  S324 (a service provider) sends a CMRT anyway: not counted
  non-responders S265–S323 contacted 2017-01-15, S265–S300 chased twice
  watchlisted smelters: CID002587 in S001–S005, CID002563 in S006–S008; a non-conformant Rwandan
  tin smelter in S009 → high-risk suppliers S001–S009 exactly
  program strength among valid forms: S201–S220 answer G "No", S221–S234 answer A "No" → 200 strong, 34 weak
  appendix: smelters in valid forms = 12 conformant + 3 active + 2 watchlisted + 2 Rwandan = 19, 13 conformant
"""

from __future__ import annotations

import csv
import json
from datetime import date

import openpyxl
import pytest
from typer.testing import CliRunner

from minetrace.app.cli import root
from minetrace.ingest.reference.store import ReferenceStore
from minetrace.queries.template_writer import Facility, SmelterSpec, complete_spec, write_cmrt

CONFORMANT = [Facility(f"CID9000{i:02d}", metal, f"Scenario {metal} Works {i}", country)
              for i, (metal, country) in enumerate([("Gold", "JAPAN"), ("Gold", "SWITZERLAND"), ("Gold", "CANADA"),
                                                    ("Tin", "MALAYSIA"), ("Tin", "INDONESIA"), ("Tin", "THAILAND"),
                                                    ("Tantalum", "CHINA"), ("Tantalum", "BRAZIL"),
                                                    ("Tantalum", "GERMANY"), ("Tungsten", "CHINA"),
                                                    ("Tungsten", "AUSTRIA"), ("Tungsten", "VIET NAM")], start=1)]
ACTIVE = [Facility(f"CID9001{i:02d}", m, f"Scenario {m} Active {i}", c)
          for i, (m, c) in enumerate([("Gold", "INDIA"), ("Tin", "CHINA"), ("Tungsten", "PERU")], start=1)]
TONY = Facility("CID002587", "Gold", "Tony Goetz NV", "BELGIUM")
KALOTI = Facility("CID002563", "Gold", "Kaloti Precious Metals", "UNITED ARAB EMIRATES")
RW_ACTIVE = Facility("CID900201", "Tin", "Scenario Rwanda Tin Active", "RWANDA")
RW_CONFORMANT = Facility("CID900202", "Tin", "Scenario Rwanda Tin Conformant", "RWANDA")
ISO = {"JAPAN": "JP", "SWITZERLAND": "CH", "CANADA": "CA", "MALAYSIA": "MY", "INDONESIA": "ID", "THAILAND": "TH",
       "CHINA": "CN", "BRAZIL": "BR", "GERMANY": "DE", "AUSTRIA": "AT", "VIET NAM": "VN", "INDIA": "IN", "PERU": "PE",
       "BELGIUM": "BE", "UNITED ARAB EMIRATES": "AE", "RWANDA": "RW"}


def name(i: int) -> str:
    return f"Scenario Supplier {i:03d} Components Ltd"


def smelters_for(i: int) -> list[Facility]:
    picked = [CONFORMANT[(i + k) % 12] for k in range(4)]
    if i % 10 == 0:
        picked.append(ACTIVE[i % 3])
    if i <= 5:
        picked.append(TONY)
    elif i <= 8:
        picked.append(KALOTI)
    elif i == 9:
        picked.append(RW_ACTIVE)
    elif i == 11:
        picked.append(RW_CONFORMANT)
    return picked


def seed_reference(store_dir) -> None:
    ref = ReferenceStore.open(store_dir)
    try:
        with ref.transaction():
            for f in [*CONFORMANT, *ACTIVE, RW_ACTIVE, RW_CONFORMANT]:
                ref.upsert_facility(f.cid, f.metal, f.name, ISO[f.country], f.country, None, None, "2016-12-01",
                                    "scenario")
            conf = ref.add_snapshot("RMAP:Conformant", "2016-12-01", "scenario", None)
            for k, f in enumerate([*CONFORMANT, RW_CONFORMANT]):
                ref.add_status(f.cid, f.metal, "RMAP", "Conformant", "2016-12-01", "scenario", conf,
                               last_audit=f"2016-{6 + k % 6:02d}-15", audit_cycle="1 Year")  # current at filing
            act = ref.add_snapshot("RMAP:Active", "2016-12-01", "scenario", None)
            for f in [*ACTIVE, RW_ACTIVE, TONY]:
                ref.add_status(f.cid, f.metal, "RMAP", "Active", "2016-12-01", "scenario", act)
    finally:
        ref.close()


def write_master(path) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["Supplier ID", "Supplier Name", "Category", "Last Purchase Date", "Contact Email", "Spend"])
        for i in range(1, 337):
            cat = "service" if 324 <= i <= 328 else "indirect" if 329 <= i <= 332 else "direct"
            last = "2010-06-30" if 333 <= i <= 335 else f"2016-{1 + i % 12:02d}-10"
            w.writerow([f"S{i:03d}", name(i), cat, last, f"compliance@supplier{i:03d}.example", 1000 * i])


def write_cmrts(folder) -> None:
    folder.mkdir()
    for i in [*range(1, 265), 324]:
        fac = smelters_for(i)
        spec = complete_spec(company_name=name(i), smelters=[SmelterSpec.listed(f) for f in fac],
                             metals=sorted({f.metal for f in fac}), effective_date=date(2017, 3, 1),
                             email_domain=f"supplier{i:03d}.example")
        if 201 <= i <= 220:
            spec.company_answers["G"] = "No"
        if 221 <= i <= 234:
            spec.company_answers["A"] = "No"
        if 235 <= i <= 264:
            spec.company["contact_phone"] = None
        write_cmrt(spec, folder / f"cmrt_{i:03d}.xlsx", version="6.5")


def cli(*args: str) -> str:
    res = CliRunner().invoke(root, list(args), catch_exceptions=False)
    assert res.exit_code == 0, res.output
    return res.stdout  # notes (e.g. "no smelter reference list") go to stderr beside JSON


@pytest.fixture(scope="module")
def scenario(tmp_path_factory):
    base = tmp_path_factory.mktemp("scenario")
    store = str(base / "store")
    seed_reference(store)
    write_master(base / "master.csv")
    write_cmrts(base / "cmrts")
    cli("survey", "import-suppliers", str(base / "master.csv"), "--store", store)
    cli("ingest", str(base / "cmrts"), "--store", store, "--year", "2016")
    for i in range(265, 324):
        cli("survey", "log", f"S{i:03d}", "--event", "contacted", "--date", "2017-01-15", "--store", store)
        if i <= 300:
            cli("survey", "log", f"S{i:03d}", "--event", "follow_up", "--date", "2017-02-15", "--store", store)
            cli("survey", "log", f"S{i:03d}", "--event", "follow_up", "--date", "2017-03-15", "--store", store)
    cli("survey", "log", "S336", "--event", "out_of_scope", "--date", "2017-01-20", "--note", "no 3TG parts",
        "--store", store)
    return base, store


def test_scoping_figures(scenario):
    _, store = scenario
    out = json.loads(cli("survey", "scope", "--store", store, "--year", "2016", "--json"))
    assert out["summary"]["total"] == 336
    assert out["summary"]["in_scope"] == 323
    assert out["summary"]["by_reason"] == {"inactive": 3, "indirect": 4, "manual": 1, "service": 5}


def test_response_figures_264_of_323(scenario):
    _, store = scenario
    out = json.loads(cli("survey", "status", "--store", store, "--year", "2016", "--json"))
    f = out["figures"]
    assert (f["in_scope"], f["responded"], f["response_rate"], f["invalid"], f["valid"]) == (323, 264, 81.7, 30, 234)
    assert f["text"] == "264 of 323 in-scope suppliers responded (81.7 %); 234 valid, 30 invalid"
    assert (f["not_responded"], f["contacted"], f["follow_ups"]) == (59, 323, 72)
    st = {s["supplier_id"]: s["status"] for s in out["suppliers"]}
    default = json.loads(cli("survey", "status", "--store", store, "--json"))  # no --year: all on file
    assert default["figures"] == f
    assert st["S324"] == "out_of_scope" and st["S240"] == "responded_invalid" and st["S300"] == "contacted"


def test_high_risk_suppliers_are_exactly_the_planted_ones(scenario):
    _, store = scenario
    out = json.loads(cli("risk", "suppliers", "--store", store, "--year", "2016", "--high", "--json"))
    assert sorted(s["supplier_id"] for s in out["suppliers"]) == [f"S{i:03d}" for i in range(1, 10)]
    smelters = json.loads(cli("risk", "smelters", "--store", store, "--year", "2016", "--level", "high", "--json"))
    assert sorted(s["cid"] for s in smelters["smelters"]) == ["CID002563", "CID002587", "CID900201"]


def test_program_strength_split(scenario):
    _, store = scenario
    out = json.loads(cli("risk", "programs", "--store", store, "--year", "2016", "--json"))
    assert out["counts_valid_forms"] == {"strong": 200, "weak": 34}
    assert out["counts"] == {"strong": 230, "weak": 34}
    assert out["counts_all"] == {"strong": 231, "weak": 34}  # + the out-of-scope service provider's form


def test_appendix_export(scenario):
    base, store = scenario
    path = base / "appendix.xlsx"
    cli("export", "appendix", "--out", str(path), "--store", store, "--year", "2016")
    wb = openpyxl.load_workbook(path)
    rows = list(wb["Appendix A"].iter_rows(values_only=True))
    assert rows[0][:4] == ("Metal", "Standard Smelter Name", "Smelter Facility Location",
                           "Conformant status as of 2017-05-31")  # statuses judged at the filing date
    assert len(rows) - 1 == 19
    yes = [r for r in rows[1:] if r[3] == "Yes"]
    assert len(yes) == 13
    tony = next(r for r in rows[1:] if r[4] == "CID002587")
    assert tony[:4] == ("Gold", "Tony Goetz NV", "BELGIUM", "Unknown")
    counts = {r[0]: r[1] for r in wb["Counts"].iter_rows(min_row=2, values_only=True)}
    assert counts["Smelters validated (RMI smelter IDs)"] == 19


def test_flagged_export_lists_the_planted_suppliers_with_contacts(scenario):
    base, store = scenario
    path = base / "flagged.xlsx"
    cli("export", "flagged", "--flag", "high", "--out", str(path), "--store", store, "--year", "2016")
    ws = openpyxl.load_workbook(path).active
    header = [c.value for c in ws[1]]
    rows = [dict(zip(header, r, strict=False)) for r in ws.iter_rows(min_row=2, values_only=True)]
    assert sorted({r["Supplier ID"] for r in rows}) == [f"S{i:03d}" for i in range(1, 10)]
    r1 = next(r for r in rows if r["Supplier ID"] == "S001")
    assert r1["Contact e-mail"] == "compliance@supplier001.example" and r1["Smelter ID"] == "CID002587"
    assert r1["Declaration file"].endswith("cmrt_001.xlsx") and r1["Program"] == "strong"


def test_the_drafted_report_states_the_scenarios_figures(scenario):
    from docx import Document

    base, store = scenario
    out = base / "cmr-2016.docx"
    cli("report", "cmr", "--year", "2016", "--out", str(out), "--store", store, "--company", "Scenario Corp")
    doc = Document(str(out))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "264 of the 323 in-scope suppliers responded, a response rate of 81.7 %" in text
    assert "234 responses were valid and 30 invalid" in text
    assert "The Company's supplier master list holds 336 suppliers. 13 of them were out of scope" in text
    assert "230 have a strong program and 34 a weak one (200 strong and 34 weak among valid forms)" in text
    high = next(t for t in doc.tables if t.rows[0].cells[0].text == "Smelter ID")
    assert sorted(r.cells[0].text for r in high.rows[1:]) == ["CID002563", "CID002587", "CID900201"]
    appendix = next(t for t in doc.tables if t.rows[0].cells[0].text == "Metal" and len(t.columns) == 5)
    rows = [[c.text for c in r.cells] for r in appendix.rows[1:]]
    assert len(rows) == 19 and sum(r[3] == "Yes" for r in rows) == 13
    assert ["Gold", "Tony Goetz NV", "BELGIUM", "Unknown", "CID002587"] in rows
    assert "matches the data" in cli("report", "check", str(out), "--store", store)
