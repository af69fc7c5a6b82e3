"""Traversal queries on a small graph built by hand through the store API, answers worked out by hand.

The graph (reporting year 2016 unless said otherwise; facts from test_risk_facts.classic_facts):

    company → S1 : CID002587 (Gold, BE, watchlisted, Active)  ·  CID000900 (Tin, CN, conformant, mine country CD)
    company → S2 : CID001070 (Tin, RW, conformant)  ·  CID000100 (Gold, CN, Active)  ·  one unresolved row
    company → S3 : CID000400 (Tungsten, CN, "Non Conformant")            [S3's form is INVALID]
    company → S3 → S4 : row written as retired CID000600, resolved to CID000700 (Tin, MY, conformant)
    S1 in 2015 : CID002587 · CID000100

Expected ratings at the filing date 2017-05-31: 2587 high (watchlist), 0900 low (conformant: its declared DRC
sourcing raises no flag), 1070 low (conformant in a Covered Country: no flag), 0100 medium, 0400 high
(non_conformant), 0700 low.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from test_risk_facts import classic_facts

from minetrace.app.synthetic.graph_program import declaration
from minetrace.graph.embedded import EmbeddedStore
from minetrace.graph.store import SupplierRecord, SurveyEvent
from minetrace.ingest.records import Answer, Resolution, SmelterRow
from minetrace.queries.diff import year_diff
from minetrace.queries.exposure import cid_exposure, country_exposure
from minetrace.queries.origin import countries_of_origin
from minetrace.queries.paths import flagged_paths
from minetrace.queries.policy import load_policy
from minetrace.queries.report import appendix
from minetrace.queries.risk import RiskModel, rate_store_smelters
from minetrace.queries.rollup import supplier_rollup
from minetrace.queries.whatif import what_if

FAC = {  # cid → (metal, name, iso2, CMRT country text)
    "CID002587": ("Gold", "Tony Goetz NV", "BE", "BELGIUM"),
    "CID000900": ("Tin", "Conformant China Tin", "CN", "CHINA"),
    "CID001070": ("Tin", "Conformant Rwanda Tin", "RW", "RWANDA"),
    "CID000100": ("Gold", "Active China Au", "CN", "CHINA"),
    "CID000400": ("Tungsten", "Non Conformant W", "CN", "CHINA"),
    "CID000700": ("Tin", "Current Tin", "MY", "MALAYSIA"),
}


def _row(i: int, cid: str, mine: str | None = None, given: str | None = None) -> tuple[SmelterRow, Resolution]:
    metal, name, iso2, text = FAC[cid]
    row = SmelterRow(row=5 + i, metal=metal, lookup=name, lookup_kind="listed", name=name, country=text,
                     cid=given or cid, country_code=iso2, mine_countries=mine)
    res = Resolution("resolved", cid, "cid_retired" if given else "cid", 100.0, given_cid=given or cid, metal=metal,
                     standard_name=name, country_iso2=iso2)
    return row, res


def _unresolved(i: int) -> tuple[SmelterRow, Resolution]:
    row = SmelterRow(row=5 + i, metal="Gold", lookup="Smelter not listed", lookup_kind="not_listed",
                     name="Mystery Refinery", country="CHINA")
    return row, Resolution("unresolved", None, "none", 0.0, metal="Gold", provisional_key="gold|mystery refinery|CN")


def _ingest(store, sid, year, rows, status="valid", parent=None, tag=""):
    decl = declaration(f"{sid} Ltd", [r for r, _ in rows], effective=date(year + 1, 3, 1), status=status,
                       tag=f"{sid}-{year}-{tag}", file_name=f"{sid}_{year}.xlsx")
    decl.company_answers = {k: Answer("Yes" if not (sid == "S2" and k == "G") else "No") for k in "ABCDEFGH"}
    return store.ingest_declaration(decl, [r for _, r in rows], SupplierRecord(id=sid, name=f"{sid} Ltd"), year,
                                    parent_supplier_id=parent)


try:  # the Neo4j helper's session fixture (a real server); the store contract suite uses the same one
    from neo4j_server import neo4j_uri  # noqa: F401
except ImportError:  # pragma: no cover
    pass

HAS_NEO4J_STORE = (Path(__file__).resolve().parents[1] / "graph" / "neo4j_store.py").exists()


@pytest.fixture(scope="module", params=["embedded", "neo4j"])
def store(request, tmp_path_factory):
    """The same hand-built graph in each store: every traversal is checked on both."""
    if request.param == "embedded":
        st = EmbeddedStore(tmp_path_factory.mktemp("g"))
    else:
        if not HAS_NEO4J_STORE:
            pytest.skip("graph/neo4j_store.py not present: Neo4j side not run")
        from minetrace.graph.neo4j_store import Neo4jStore

        st = Neo4jStore(request.getfixturevalue("neo4j_uri"))
        st.clear()
    st.upsert_suppliers([SupplierRecord(id=f"S{i}", name=f"S{i} Ltd", category="direct", last_purchase="2016-06-01",
                                        contact_email=f"s{i}@x.com") for i in range(1, 4)])  # S4: sub-supplier only
    _ingest(st, "S1", 2016, [_row(0, "CID002587"), _row(1, "CID000900", mine="CONGO, DEMOCRATIC REPUBLIC OF THE")])
    _ingest(st, "S1", 2015, [_row(0, "CID002587"), _row(1, "CID000100")])
    _ingest(st, "S2", 2016, [_row(0, "CID001070"), _row(1, "CID000100"), _unresolved(2)])
    _ingest(st, "S3", 2016, [_row(0, "CID000400")], status="invalid")
    _ingest(st, "S4", 2016, [_row(0, "CID000700", given="CID000600")], parent="S3")
    st.log_survey_event(SurveyEvent("S1", "contacted", "2017-01-05"))
    yield st
    st.close()


@pytest.fixture(scope="module")
def model():
    return RiskModel(classic_facts(), load_policy(), year=2016)


def test_smelter_ratings(store, model):
    levels = {r.key: r.level for r in rate_store_smelters(store, classic_facts(), year=2016)}
    assert levels == {"CID002587": "high", "CID000400": "high", "CID000100": "medium", "CID000900": "low",
                      "CID001070": "low", "CID000700": "low", next(k for k in levels if k.startswith("prov")): None}


def test_flagged_paths_with_evidence(store, model):
    paths = flagged_paths(store, model, year=2016)
    got = sorted((p.supplier_id, p.smelter["key"], tuple(p.flags)) for p in paths)
    # conformant smelters carry no flag: CID000900 (declared DRC sourcing), CID001070 (located in Rwanda)
    assert got == [("S1", "CID002587", ("high", "watchlist")), ("S3", "CID000400", ("high", "non_conformant"))]
    assert {p.path_text for p in paths} >= {"S1 S1 Ltd → S1_2016.xlsx → CID002587 Tony Goetz NV → BE"}
    p = next(p for p in paths if p.smelter["key"] == "CID002587")
    assert p.chain[0] == store.company_id and p.chain[1] == "S1" and p.chain[-2:] == ["CID002587", "BE"]
    kinds = [h.kind for h in p.hops]
    assert kinds == ["SOURCES_FROM", "DECLARED", "REPORTS", "LOCATED_IN"]
    rep = p.hops[2].evidence
    assert (rep["file_name"], rep["sheet"], rep["row"], rep["raw_name"], rep["method"]) == (
        "S1_2016.xlsx", "Smelter List", 5, "Tony Goetz NV", "cid")
    from minetrace.queries.whatif import OverlayFacts

    lost = RiskModel(OverlayFacts(classic_facts(), {"CID000900": "not_conformant"}), load_policy(), year=2016)
    sourcing = next(p for p in flagged_paths(store, lost, year=2016) if p.smelter["key"] == "CID000900")
    assert sourcing.flags == ["high", "covered_sourcing"]
    assert sourcing.hops[-1].kind == "SOURCES_FROM_COUNTRY" and sourcing.hops[-1].target == "CD"
    assert sourcing.hops[-1].evidence["row"] == 6
    high_only = flagged_paths(store, model, year=2016, flags=["high"])
    assert sorted(p.supplier_id for p in high_only) == ["S1", "S3"]


def test_cid_exposure_follows_retired_cids_and_multi_tier_paths(store):
    [res] = cid_exposure(store, ["cid000600"], facts=classic_facts(), year=2016)
    assert res.resolved_to == ["CID000700"]
    assert [s["supplier_id"] for s in res.suppliers] == ["S4"]
    s4 = res.suppliers[0]
    assert s4["paths"] == [[store.company_id, "S3", "S4"]]
    assert s4["declarations"][0]["rows"][0]["raw_cid"] == "CID000600"
    [gold] = cid_exposure(store, ["CID002587"], facts=classic_facts())  # all years
    assert gold.suppliers[0]["years"] == [2015, 2016] and gold.declarations == 2


def test_country_exposure_keeps_location_and_declared_apart(store):
    res = country_exposure(store, year=2016)
    assert [(x["smelter_key"], x["suppliers"]) for x in res.by_location] == [("CID001070", ["S2"])]
    assert [(x["country_iso2"], x["smelter_key"], x["suppliers"]) for x in res.by_declared_mine_country] == [
        ("CD", "CID000900", ["S1"])]
    assert res.by_declared_mine_country[0]["smelter_location"] == "CN"
    assert res.suppliers_by_location == ["S2"] and res.suppliers_by_declared == ["S1"]


def test_supplier_rollup(store, model):
    rows = {r.supplier_id: r for r in supplier_rollup(store, model, 2016)}
    s1, s2, s3, s4 = (rows[f"S{i}"] for i in range(1, 5))
    assert (s1.worst_risk, s1.high, s1.low, s1.high_paths, s1.flagged_paths) == ("high", 1, 1, 1, 1)
    assert s1.high_smelter_names == ["CID002587 Tony Goetz NV"]
    assert (s2.worst_risk, s2.medium, s2.low, s2.data_quality) == ("medium", 1, 1, 1)
    assert (s3.worst_risk, s3.latest_status, s3.survey_status) == ("high", "invalid", "responded_invalid")
    assert (s4.worst_risk, s4.program) == ("low", "strong")
    assert s2.program == "weak" and s2.program_answers["corrective_action"] == "No"
    assert s1.survey_status == "responded_valid" and s1.high_smelters == ["CID002587"]
    assert list(rows)[:2] == ["S1", "S3"]  # worst first


def test_appendix_and_countries_of_origin(store, model):
    app = appendix(store, model, 2016)
    assert [(r["metal"], r["cid"], r["conformant"]) for r in app.rows] == [
        ("Gold", "CID000100", "Unknown"), ("Gold", "CID002587", "Unknown"),
        ("Tin", "CID000900", "Yes"), ("Tin", "CID001070", "Yes"), ("Tin", "CID000700", "Yes")]
    assert app.rows[1]["facility_location"] == "BELGIUM"
    assert app.counts["smelters_validated"] == 5 and app.counts["conformant"] == 3
    with_invalid = appendix(store, model, 2016, valid_only=False)
    assert with_invalid.counts["smelters_validated"] == 6  # + S3's tungsten smelter
    origin = {o.iso2: o.sources for o in countries_of_origin(store, model, 2016)}
    assert origin == {"BE": ["smelter_location"], "CN": ["smelter_location"], "RW": ["smelter_location"],
                      "MY": ["smelter_location"], "CD": ["declared_mine_country"]}


def test_year_over_year_diff(store):
    d = year_diff(store, 2015, 2016, facts=classic_facts(), supplier_ids=["S1"])
    assert d.added == ["CID000900"] and d.dropped == ["CID000100"]
    assert d.suppliers == [{"supplier_id": "S1", "added": ["CID000900"], "dropped": ["CID000100"], "kept": 1}]
    full = year_diff(store, 2015, 2016, facts=classic_facts())
    assert full.suppliers_new == ["S2", "S3", "S4"] and full.suppliers_gone == []
    assert "CID000100" not in full.dropped  # still reported by S2 in 2016


def test_what_if(store):
    w = what_if(store, classic_facts(), {"CID000100": "non_conformant"}, year=2016)
    assert w.smelters[0]["before"] == "medium" and w.smelters[0]["after"] == "high"
    assert [(s["supplier_id"], s["before"], s["after"]) for s in w.suppliers] == [("S2", "medium", "high")]
    assert [d["file_name"] for d in w.declarations] == ["S2_2016.xlsx"]
    off = what_if(store, classic_facts(), {"CID002587": "off_watchlist"}, year=2016)
    assert [(s["supplier_id"], s["before"], s["after"]) for s in off.suppliers] == [("S1", "high", "medium")]
    with pytest.raises(ValueError):
        what_if(store, classic_facts(), {"CID000100": "explode"}, year=2016)


def test_rollup_counts_equal_the_rows_counted_one_by_one(store, model):
    """The roll-up reads the store's aggregate (`supplier_class_counts`): its smelter and path counts equal the
    current rows of the year counted one by one, each smelter rated as `smelter_ratings` rates it."""
    from minetrace.queries.paths import smelter_flags
    from minetrace.queries.ratings import smelter_ratings

    hops = store.reports(year=2016)
    risks = smelter_ratings(store, model, 2016, keys={h.smelter_key for h in hops})
    per_supplier: dict[str, dict[str, int]] = {}
    for h in hops:
        per_supplier.setdefault(h.supplier_id, {}).setdefault(h.smelter_key, 0)
        per_supplier[h.supplier_id][h.smelter_key] += 1
    assert per_supplier, "the fixture store reports smelters in 2016"
    chains = store.supplier_chains()
    for r in supplier_rollup(store, model, 2016):
        keys = per_supplier.get(r.supplier_id, {})
        n_chains = max(1, len(chains.get(r.supplier_id) or []))
        assert r.smelters == len(keys)
        for level in ("high", "medium", "low"):
            assert getattr(r, level) == sum(1 for k in keys if risks[k].level == level), (r.supplier_id, level)
        assert r.high_paths == sum(n for k, n in keys.items() if risks[k].level == "high") * n_chains
        assert r.flagged_paths == sum(n for k, n in keys.items() if smelter_flags(risks[k], model)) * n_chains
