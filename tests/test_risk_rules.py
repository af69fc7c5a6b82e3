"""The risk rules case by case, on a real reference store (SQLite, the same importers a user runs):
presets per regime, statuses at the filing date, CAHRA areas, declared sourcing, the no-status-data case,
sourcing answers, the reason catalogue and the docs that describe it.

Every expectation is the kind of case the issue names, worked out by hand; nothing here reads ../shared.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from minetrace.ingest.mine_countries import countries, parse_mine_countries
from minetrace.ingest.reference import import_file
from minetrace.ingest.reference.store import ReferenceStore
from minetrace.queries.geography import Geography
from minetrace.queries.policy import PolicyError, load_policy, presets
from minetrace.queries.reasons import CATALOGUE, REASONS
from minetrace.queries.risk import RULES, RiskModel
from minetrace.queries.sourcing import declared_sourcing

ROOT = Path(__file__).resolve().parents[1]
US = load_policy()
EU = load_policy("eu-2017-821")
YEAR_END = load_policy(overrides={"risk": {"statuses_at": "year_end"}})


def codes(r):
    return [x.code for x in r.reasons]


def facility(ref, cid, metal, name, iso2, state=None):
    ref.upsert_facility(cid, metal, name, iso2, None, None, state, "2026-08-22", "test")


@pytest.fixture
def ref(tmp_path):
    """A reference store as a user has it after importing RMI's lists of 2026-08-22 (RY2025, filing 2026-05-31)."""
    store = ReferenceStore(tmp_path, load_starter=True)
    with store.transaction():
        facility(store, "CID900001", "Tin", "Kigali Tin", "RW", "City of Kigali")  # audit Feb 2026
        facility(store, "CID900002", "Tin", "Kampala Tin", "UG", "Central")  # audit Jul 2026 (after filing)
        facility(store, "CID900003", "Gold", "Kinshasa Gold", "CD", "Kinshasa")  # on no list
        facility(store, "CID900004", "Gold", "Mumbai Gold", "IN", "Maharashtra")  # on no list (CAHRA IN)
        facility(store, "CID900005", "Gold", "Medellin Gold", "CO", "Antioquia")
        facility(store, "CID900006", "Gold", "Bogota Gold", "CO", "Bogota D.C.")
        facility(store, "CID900007", "Tin", "Yunnan Tin Works", "CN", "Yunnan")  # Active
        facility(store, "CID900008", "Gold", "Tokyo Gold", "JP", "Tokyo")  # conformant, audit Mar 2025 → lapsed
        facility(store, "CID900009", "Gold", "Osaka Gold", "JP", "Osaka")  # Active on the old list, later conformant
        old = store.add_snapshot("RMAP:Active", "2025-12-01", "test", None)
        store.add_status("CID900009", "Gold", "RMAP", "Active", "2025-12-01", "test", old)
        conf = store.add_snapshot("RMAP:Conformant", "2026-08-22", "test", None)
        for cid, metal, audit in (("CID900001", "Tin", "2026-02-20"), ("CID900002", "Tin", "2026-07-07"),
                                  ("CID900008", "Gold", "2025-03-01"), ("CID900009", "Gold", "2026-01-10")):
            store.add_status(cid, metal, "RMAP", "Conformant", "2026-08-22", "test", conf, last_audit=audit,
                             audit_cycle="1 Year")
        act = store.add_snapshot("RMAP:Active", "2026-08-22", "test", None)
        store.add_status("CID900007", "Tin", "RMAP", "Active", "2026-08-22", "test", act)
    yield store
    store.close()


# ------------------------------------------------------------------------------------------ policy
def test_presets_are_data_and_the_default_is_the_sec_rule(tmp_path):
    assert set(presets()) == {"us-sec-1502", "eu-2017-821"}
    assert (US.name, US.label, US.risk.levels["cahra_location"], US.risk.levels["covered_location"]) == (
        "us-sec-1502", "us-sec-1502", "medium", "high")
    assert (EU.name, EU.risk.levels["cahra_location"], EU.risk.levels["cahra_sourcing"]) == ("eu-2017-821", "high",
                                                                                             "high")
    assert "cahra_sourcing" in EU.risk.answer_flags and "cahra_sourcing" not in US.risk.answer_flags
    mine = tmp_path / "mine.yaml"
    mine.write_text("extends: eu-2017-821\nrisk:\n  declared_sourcing:\n    max_countries: 4\n")
    p = load_policy(mine)
    assert (p.name, p.label, p.risk.levels["cahra_location"], p.risk.max_declared_countries) == (
        "eu-2017-821", "eu-2017-821 + mine.yaml", "high", 4)
    with pytest.raises(PolicyError, match="no such policy preset"):
        load_policy("us-sec-1503")
    bad = tmp_path / "bad.yaml"
    bad.write_text("risk:\n  levels:\n    cahra_location: severe\n")
    with pytest.raises(PolicyError, match="bad.yaml: risk.levels.cahra_location"):
        load_policy(bad)
    wrong = tmp_path / "wrong.yaml"
    wrong.write_text("extends: eu-2099\n")
    with pytest.raises(PolicyError, match="wrong.yaml: extends"):
        load_policy(wrong)


def test_every_rule_code_is_in_the_catalogue_and_the_docs():
    import inspect
    import re

    from minetrace.queries import risk

    emitted = set(re.findall(r'c\.(?:reason|finding|note)\("([a-z_]+)"', inspect.getsource(risk)))
    emitted |= set(re.findall(r'Reason\("([a-z_]+)"', inspect.getsource(risk)))
    assert emitted and emitted <= set(REASONS), emitted - set(REASONS)
    assert len(RULES) >= 8 and all(r.__doc__ for r in RULES)
    for rt in CATALOGUE:
        assert rt.kind in ("reason", "finding", "note", "supplier") and rt.description
        assert (rt.level in ("high", "medium", "low")) == (rt.kind == "reason")
    docs = (ROOT / "docs" / "queries.md").read_text(encoding="utf-8")
    missing = [rt.code for rt in CATALOGUE if f"`{rt.code}`" not in docs]
    assert not missing, f"docs/queries.md does not describe {missing}"
    assert "us-sec-1502" in docs and "eu-2017-821" in docs


# ------------------------------------------------------------------------------------------ statuses
def test_statuses_are_judged_at_the_filing_date_from_lists_dated_after_it(ref):
    m = RiskModel(ref, US, year=2025)
    assert (m.as_of, m.filing_date) == (date(2026, 5, 31), date(2026, 5, 31))
    assert "2026-08-22" in m.basis.text and m.basis.notice is None
    kigali = m.rate_cid("CID900001")  # Rwanda, conformant, last audit between 31 Dec and the filing date
    assert (kigali.level, codes(kigali), kigali.conformant) == ("low", ["conformant"], True)
    assert kigali.status_basis == "audit_date" and "2026-02-20" in kigali.reason_text
    at_year_end = RiskModel(ref, YEAR_END, year=2025).rate_cid("CID900001")
    assert (at_year_end.level, codes(at_year_end)[0]) == ("high", "covered_location")  # what the old default did
    kampala = m.rate_cid("CID900002")  # audited after the filing date: not conformant then
    assert (kampala.level, codes(kampala)) == ("high", ["covered_location", "not_conformant"])
    assert "2026-07-07 after 2026-05-31" in kampala.reason_text
    osaka = m.rate_cid("CID900009")  # Active on the list before, conformant (audit before) on the list after
    assert (osaka.level, osaka.conformant) == ("low", True)
    tokyo = m.rate_cid("CID900008")  # listed Conformant, but audit + cycle passed
    assert (tokyo.level, codes(tokyo), tokyo.status, tokyo.conformant) == ("medium", ["lapsed"], "Lapsed", False)


def test_no_status_data_is_a_notice_and_a_finding_never_high(tmp_path):
    bare = ReferenceStore(tmp_path, load_starter=True)  # the starter facts only: watchlist, countries …
    try:
        m = RiskModel(bare, US, year=2025)
        assert m.basis.notice and m.basis.notice.startswith("notice: no RMAP status data imported")
        phoenix = m.rate_cid("CID002507")  # watchlisted, in Rwanda
        tony = m.rate_cid("CID002587")
        for r in (phoenix, tony):
            assert r.level is None and "no_status_data" in [f.code for f in r.findings]
            assert r.watchlist and r.flagged  # the evidence stays visible; nothing is rated
        assert [x.code for x in phoenix.reasons] == ["watchlist"]
    finally:
        bare.close()


# ------------------------------------------------------------------------------------------ CAHRA
def test_cahra_whole_country_vs_sub_national_area(ref, tmp_path):
    m = RiskModel(ref, US, year=2025)  # the starter: whole-country entries (India, Colombia …)
    mumbai = m.rate_cid("CID900004")
    assert (mumbai.level, codes(mumbai)) == ("medium", ["cahra_location", "not_conformant"])
    assert (RiskModel(ref, EU, year=2025).rate_cid("CID900004").level) == "high"
    csv = tmp_path / "cahras_2026-03-31.csv"  # the list as published: areas, one whole country
    csv.write_text("Country,Region,ISO 3166-2,Classification\nColombia,Antioquia,,Conflict-affected\n"
                   "India,Manipur,IN-MN,High-risk\nMexico,,,High-risk\n", encoding="utf-8")
    res = import_file(ref, csv)
    assert (res.kind, res.rows, res.as_of) == ("cahra-list", 3, "2026-03-31")
    entries = {(e["iso2"], e["area"], e["area_code"]) for e in ref.cahra_as_of("2026-05-31")}
    assert entries == {("CO", "Antioquia", "CO-ANT"), ("IN", "Manipur", "IN-MN"), ("MX", "", "")}
    for policy, expected in ((US, "medium"), (EU, "high")):
        m = RiskModel(ref, policy, year=2025)
        medellin, bogota, mumbai = (m.rate_cid(c) for c in ("CID900005", "CID900006", "CID900004"))
        assert (medellin.level, codes(medellin)[0]) == (expected, "cahra_location")  # Antioquia is listed
        assert "Antioquia" in medellin.reason_text
        for r in (bogota, mumbai):  # their states are not listed areas: not a CAHRA location
            assert (r.level, codes(r)) == ("medium", ["not_conformant"])
            assert [n.code for n in r.notes] == ["cahra_area_unmatched"]
        # declared sourcing is a country, never an area: only whole-country entries count
        assert "cahra_sourcing" not in codes(m.rate_cid("CID900007", declared_countries=["CO"]))
        mx = m.rate_cid("CID900007", declared_countries=["MX"])
        assert (mx.level, codes(mx)[0]) == (expected, "cahra_sourcing")
    g = Geography({"CD"}, ref.cahra_as_of("2026-05-31"))
    assert g.cahra_match("CO", "Medellín, Antioquia").kind == "area" and g.cahra_match("IN", "Imphal").kind == \
        "unmatched" and g.cahra_match("MX", None).kind == "country" and g.cahra_match("JP", "Tokyo") is None


# ------------------------------------------------------------------------------------------ declared sourcing
def test_mine_country_cells_parse_with_a_reason_per_token():
    toks = parse_mine_countries("DRC | Recycled; scrap, Unknown / Various")
    assert [(t.iso2, t.reason) for t in toks] == [("CD", "country"), (None, "recycled"), (None, "recycled"),
                                                  (None, "unknown"), (None, "various")]
    assert countries("Rwanda, Burundi & Congo, Democratic Republic of the") == ["RW", "BI", "CD"]
    assert countries("Bosnia and Herzegovina") == ["BA"] and countries("N/A") == [] and countries("Recycled") == []
    assert [t.reason for t in parse_mine_countries("China, China")] == ["country", "duplicate"]
    assert countries("Congo (DRC)") == ["CD"] and countries("Congo") == ["CG"]  # plain "Congo" is Brazzaville
    assert [t.reason for t in parse_mine_countries("Not from DRC; N.A.")] == ["not_a_country", "unknown"]


def test_declared_sourcing_ignores_rcoi_lists_and_the_smelters_own_country(ref):
    rcoi = "AU BO BR CD CN ID MY PE RU RW TH VN".split()  # 12 countries pasted from an RCOI list
    rows = [("K", c, "d1", 5) for c in rcoi] + [("K", "PE", "d2", 9)]
    got = declared_sourcing(rows, US.risk.max_declared_countries)["K"]
    assert (got.countries, got.unspecific_rows) == (("PE",), 1)
    m = RiskModel(ref, US, year=2025)
    yunnan = m.rate_cid("CID900007", declared_countries=got.countries, unspecific_rows=got.unspecific_rows)
    assert (yunnan.level, codes(yunnan)) == ("medium", ["not_conformant"])  # the DRC in an RCOI list: no flag
    assert [n.code for n in yunnan.notes] == ["unspecific_sourcing"] and not yunnan.flagged
    specific = m.rate_cid("CID900007", declared_countries=["CD"])  # a specific DRC declaration
    assert (specific.level, codes(specific)[0]) == ("high", "covered_sourcing")
    kinshasa = m.rate_cid("CID900003", declared_countries=["CD"])  # its own country: nothing beyond location
    assert codes(kinshasa) == ["covered_location", "not_conformant"]
    conformant = m.rate_cid("CID900001", declared_countries=["CD"])
    assert conformant.level == "low" and not conformant.flagged


def test_a_yes_to_a_sourcing_question_is_a_supplier_finding_not_a_rating(tmp_path):
    from minetrace.app.synthetic.graph_program import Facility, declaration, smelter_row
    from minetrace.graph.embedded import EmbeddedStore
    from minetrace.graph.store import SupplierRecord
    from minetrace.ingest.records import Answer, Resolution
    from minetrace.queries.exports import findings_rows
    from minetrace.queries.rollup import supplier_rollup
    from minetrace.queries.sourcing import supplier_answer_flags

    st = EmbeddedStore(tmp_path / "g")
    ref = ReferenceStore(tmp_path / "g", load_starter=True)
    try:
        fac = Facility("CID900011", "Tin", "Some Tin", "MY")
        decl = declaration("A Ltd", [smelter_row(5, fac)], file_name="a_cmrt.xlsx")
        decl.answers = {"Q3": {"Tin": Answer("Yes", cell="Declaration!D34")},
                        "Q4": {"Tin": Answer("Yes", cell="Declaration!D40")}}
        st.ingest_declaration(decl, [Resolution("resolved", "CID900011", "cid", 100.0, metal="Tin",
                                                country_iso2="MY")], SupplierRecord("A", "A Ltd"), 2025)
        us = supplier_answer_flags(st, 2025, US)["A"]
        assert [(f.code, f.flag, f.question, f.cell) for f in us] == [
            ("covered_sourcing_answer", "covered_sourcing", "Q3", "Declaration!D34")]
        eu = supplier_answer_flags(st, 2025, EU)["A"]
        assert [f.flag for f in eu] == ["covered_sourcing", "cahra_sourcing"]
        model = RiskModel(ref, US, year=2025)
        [row] = [r for r in supplier_rollup(st, model, 2025) if r.supplier_id == "A"]
        assert row.flags == ["covered_sourcing"] and row.worst_risk != "high" and "a_cmrt.xlsx" in row.findings[0]
        found = [f for f in findings_rows(st, 2025, model) if f["kind"] == "supplier"]
        assert [(f["code"], f["location"]) for f in found] == [("covered_sourcing_answer", "Declaration!D34")]
    finally:
        ref.close()
        st.close()


def test_a_store_made_before_cahra_areas_opens_and_reads_as_before(tmp_path):
    """A reference DB created by an earlier version (country_lists without area_code, the starter's former
    "areas within" rows) gains the column on open; its old rows still mean whole countries."""
    import sqlite3

    db = sqlite3.connect(tmp_path / "reference.sqlite")
    db.execute("CREATE TABLE country_lists (list_name TEXT NOT NULL, iso2 TEXT NOT NULL, area TEXT NOT NULL "
               "DEFAULT '', as_of TEXT NOT NULL, source TEXT, PRIMARY KEY (list_name, iso2, area, as_of))")
    db.execute("INSERT INTO country_lists VALUES ('cahra', 'IN', 'areas within', '2020-12-01', 'old starter')")
    db.commit()
    db.close()
    ref = ReferenceStore(tmp_path, load_starter=False)
    try:
        [entry] = ref.cahra_as_of("2025-01-01")
        assert entry["area_code"] == "" and entry["area"] == "areas within"
        assert Geography(set(), [entry]).cahra_match("IN", "Maharashtra").kind == "country"
    finally:
        ref.close()


def test_the_published_cahra_list_imports_from_xlsx_too(tmp_path):
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["EU indicative list of CAHRAs"])  # a title row above the header, as downloads have
    ws.append(["Country", "Sub-national area", "CAHRA status", "Date"])
    ws.append(["Congo, Democratic Republic of the", "Nord-Kivu", "Conflict-affected", "2026-03-31"])
    ws.append(["Myanmar", "Whole country", "Conflict-affected", "2026-03-31"])
    ws.append(["Atlantis", "Poseidonia", "High-risk", "2026-03-31"])
    wb.save(tmp_path / "list.xlsx")
    ref = ReferenceStore(tmp_path / "s", load_starter=False)
    try:
        res = import_file(ref, tmp_path / "list.xlsx")
        assert (res.kind, res.rows, res.skipped) == ("cahra-list", 2, 1) and "Atlantis" in " ".join(res.messages)
        got = {(e["iso2"], e["area"], e["area_code"], e["as_of"]) for e in ref.cahra_as_of("2026-05-31")}
        assert got == {("CD", "Nord-Kivu", "CD-NK", "2026-03-31"), ("MM", "", "", "2026-03-31")}
    finally:
        ref.close()
