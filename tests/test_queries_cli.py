"""The `minetrace query …` commands on a real store folder (graph + reference DB), JSON keys and answers.

Store: S1 reports CID002587 (watchlisted, Active) and CID000001 (conformant JP tin, mine country CD) in
2016 and CID000002 (Active CN gold) in 2015; S2 reports CID000003 (Active RW tantalum) in 2016.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from minetrace.app.cli import root
from minetrace.app.synthetic.graph_program import declaration
from minetrace.graph.embedded import EmbeddedStore
from minetrace.graph.store import SupplierRecord
from minetrace.ingest.records import Resolution, SmelterRow
from minetrace.ingest.reference.store import ReferenceStore

FAC = {"CID002587": ("Gold", "Tony Goetz NV", "BE"), "CID000001": ("Tin", "Tin One", "JP"),
       "CID000002": ("Gold", "Gold Two", "CN"), "CID000003": ("Tantalum", "Ta Three", "RW")}


def _rows(*items):
    rows, res = [], []
    for i, (cid, mine) in enumerate(items):
        metal, name, iso2 = FAC[cid]
        rows.append(SmelterRow(row=5 + i, metal=metal, name=name, lookup=name, lookup_kind="listed", cid=cid,
                               country_code=iso2, mine_countries=mine))
        res.append(Resolution("resolved", cid, "cid", 100.0, given_cid=cid, metal=metal, standard_name=name,
                              country_iso2=iso2))
    return rows, res


@pytest.fixture(scope="module")
def store_dir(tmp_path_factory) -> str:
    d = tmp_path_factory.mktemp("qcli")
    ref = ReferenceStore(Path(d), load_starter=True)
    with ref.transaction():
        for cid, (metal, name, iso2) in FAC.items():
            ref.upsert_facility(cid, metal, name, iso2, None, None, None, "2016-01-01", "test")
        conf = ref.add_snapshot("RMAP:Conformant", "2016-10-01", "test", None)
        ref.add_status("CID000001", "Tin", "RMAP", "Conformant", "2016-10-01", "test", conf,
                       last_audit="2016-07-01", audit_cycle="1 Year")
        act = ref.add_snapshot("RMAP:Active", "2016-10-01", "test", None)
        for cid in ("CID002587", "CID000002", "CID000003"):
            ref.add_status(cid, FAC[cid][0], "RMAP", "Active", "2016-10-01", "test", act)
    ref.close()
    st = EmbeddedStore(Path(d))
    st.upsert_suppliers([SupplierRecord("S1", "One Ltd", category="direct"),
                         SupplierRecord("S2", "Two Ltd", category="direct")])
    for sid, year, items in (("S1", 2016, [("CID002587", None), ("CID000001", "CONGO, DEMOCRATIC REPUBLIC OF THE")]),
                             ("S1", 2015, [("CID000002", None)]), ("S2", 2016, [("CID000003", None)])):
        rows, res = _rows(*items)
        decl = declaration(f"{sid} Ltd", rows, effective=date(year + 1, 2, 1), tag=f"{sid}{year}",
                           file_name=f"{sid}_{year}.xlsx")
        st.ingest_declaration(decl, res, SupplierRecord(sid, f"{sid} Ltd"), year)
    st.close()
    return str(d)


def run(*args):
    res = CliRunner().invoke(root, list(args), catch_exceptions=False)
    assert res.exit_code == 0, res.output
    return res.output


def js(*args):
    res = CliRunner().invoke(root, [*args, "--json"], catch_exceptions=False)
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout)  # notes (e.g. "no smelter reference list") go to stderr beside JSON


def test_paths(store_dir):
    out = js("query", "paths", "--store", store_dir, "--year", "2016")
    default = js("query", "paths", "--store", store_dir)  # without --year: the newest reporting year with forms
    assert (default["year"], default["year_basis"], out["year"], out["year_basis"]) == (
        2016, "newest_with_forms", 2016, "given")
    every = js("query", "paths", "--store", store_dir, "--all-years")
    assert (every["year"], every["year_basis"]) == (None, "all")
    assert "year 2016 (the newest reporting year with forms" in run("query", "paths", "--store", store_dir)
    assert out["as_of"] == "2017-05-31"  # judged at the year's filing date
    assert out["policy"] == "us-sec-1502" and out["statuses"]["used"]
    assert not [n for n in out["notices"] if "RMAP status" in n]  # status lists on file: rated, no such notice
    got = sorted((p["supplier_id"], p["smelter"]["cid"], tuple(p["flags"])) for p in out["paths"])
    # CID000001 is conformant: a conformant smelter declared as sourcing from the DRC is not flagged
    assert got == [("S1", "CID002587", ("high", "watchlist")), ("S2", "CID000003", ("high", "covered_location"))]
    assert out["suppliers"] == ["S1", "S2"]
    assert "flagged paths" in run("query", "paths", "--store", store_dir)


def test_exposure_all_years(store_dir):
    out = js("query", "exposure", "CID000002", "--year", "2016", "--store", store_dir)
    assert out["exposure"][0]["suppliers"] == []  # not reported in 2016
    assert js("query", "exposure", "CID000002", "--store", store_dir)["exposure"][0]["suppliers"] == []  # newest
    out = js("query", "exposure", "CID000002", "--store", store_dir, "--all-years")
    assert [s["supplier_id"] for s in out["exposure"][0]["suppliers"]] == ["S1"]
    assert out["exposure"][0]["suppliers"][0]["years"] == [2015]


def test_countries_and_origin(store_dir):
    out = js("query", "countries", "--store", store_dir)
    assert [x["smelter_key"] for x in out["by_location"]] == ["CID000003"]
    assert [(x["country_iso2"], x["smelter_key"]) for x in out["by_declared_mine_country"]] == [("CD", "CID000001")]
    out = js("query", "countries", "JP", "--store", store_dir)
    assert [x["smelter_key"] for x in out["by_location"]] == ["CID000001"] and out["by_declared_mine_country"] == []
    origin = js("query", "origin", "--store", store_dir, "--year", "2016")
    assert sorted(c["iso2"] for c in origin["countries"]) == ["BE", "CD", "JP", "RW"]
    assert js("query", "origin", "--store", store_dir)["countries"] == origin["countries"]  # the newest year
    every = js("query", "origin", "--store", store_dir, "--all-years")
    assert sorted(c["iso2"] for c in every["countries"]) == ["BE", "CD", "CN", "JP", "RW"]


def test_diff_and_whatif(store_dir):
    d = js("query", "diff", "2015", "2016", "--store", store_dir)
    assert d["suppliers"][0] == {"supplier_id": "S1", "added": ["CID000001", "CID002587"], "dropped": ["CID000002"],
                                 "kept": 0}
    w = js("query", "whatif", "--conformant", "CID000003", "--store", store_dir)
    assert [(s["supplier_id"], s["before"], s["after"]) for s in w["suppliers"]] == [("S2", "high", "low")]
    res = CliRunner().invoke(root, ["query", "whatif", "--store", store_dir])
    assert res.exit_code != 0


def test_risk_and_bad_policy(store_dir, tmp_path):
    out = js("risk", "smelters", "--store", store_dir, "--year", "2016")
    levels = {s["cid"]: s["level"] for s in out["smelters"]}
    assert levels == {"CID002587": "high", "CID000003": "high", "CID000001": "low"}
    year_end = tmp_path / "ye.yaml"
    year_end.write_text("risk:\n  statuses_at: year_end\n")
    out = js("risk", "smelters", "--store", store_dir, "--year", "2016", "--policy", str(year_end))
    assert out["as_of"] == "2016-12-31" and out["policy"] == "us-sec-1502 + ye.yaml"
    p = tmp_path / "p.yaml"
    p.write_text("risk:\n  watchlist:\n    ignore_cids: [CID002587]\n")
    out = js("risk", "smelters", "--store", store_dir, "--policy", str(p), "--as-of", "2016-11-30")
    assert {s["cid"]: s["level"] for s in out["smelters"]}["CID002587"] == "medium"
    assert out["as_of"] == "2016-11-30"
    bad = tmp_path / "bad.yaml"
    bad.write_text("risk:\n  as_of: someday\n")
    res = CliRunner().invoke(root, ["risk", "smelters", "--store", store_dir, "--policy", str(bad)])
    assert res.exit_code == 2 and "risk.as_of" in res.output
