"""`minetrace reference …` end to end through the real CLI (typer runner, real SQLite store in tmp_path)."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from minetrace.app.cli import root

runner = CliRunner()

REFERENCE = ("Metal,Smelter Reference,Standard Smelter Name,Country,Smelter ID,City,State Province\n"
             "Gold,Example Refining AG,Example Refining AG,GERMANY,CID000113,Hamburg,\n"
             "Gold,Example Refining AG,Example Refining Plant 2,GERMANY,CID005476,Hamburg,\n"
             "Gold,Nordic Gold Refinery,Nordic Gold Refinery Oy,FINLAND,CID000200,Pori,\n")
CONFORMANT = ("Metal,Smelter ID,Standard Smelter Name,State/ Province/ Region,Country Location,"
              "Company Website with CM Policy,Last Audit Date,Audit Cycle,Reaudit In Progress,LBMA RG,RJC\n"
              "Gold,CID000200,Nordic Gold Refinery Oy,Pori,FINLAND,,2025-01-10,1 Year,,,\n")


@pytest.fixture
def store(tmp_path):
    (tmp_path / "ref_2026-01-31.csv").write_text(REFERENCE, encoding="utf-8")
    (tmp_path / "conf_2026-01-31.csv").write_text(CONFORMANT, encoding="utf-8")
    return tmp_path / "store"


def run(*args: str):
    return runner.invoke(root, list(args), catch_exceptions=False)


def test_import_show_status(store, tmp_path):
    r = run("reference", "import", str(tmp_path / "ref_2026-01-31.csv"), str(tmp_path / "conf_2026-01-31.csv"),
            "--store", str(store))
    assert r.exit_code == 0, r.output
    assert "rmi-reference: 3 rows imported, 0 skipped, as_of 2026-01-31" in r.output
    assert "rmi-conformant: 1 rows imported" in r.output
    again = run("reference", "import", str(tmp_path / "ref_2026-01-31.csv"), "--store", str(store))
    assert "already imported" in again.output
    show = run("reference", "show", "--store", str(store), "--json")
    data = json.loads(show.output)
    assert data["facilities"] >= 3 and "CG" in data["covered_countries"]
    st = run("reference", "status", "CID000200", "--as-of", "2026-02-01", "--store", str(store), "--json")
    s = json.loads(st.output)["status"]
    assert (s["status"], s["lapsed"]) == ("Conformant", True)  # audited 2025-01-10, 1-year cycle
    text = run("reference", "status", "CID002587", "--store", str(store))
    assert "watchlist" in text.output and "CID002587" in text.output


def test_bad_file_reported_and_batch_continues(store, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("x,y\n1,2\n")
    r = runner.invoke(root, ["reference", "import", str(bad), str(tmp_path / "ref_2026-01-31.csv"),
                             "--store", str(store)])
    assert r.exit_code == 2
    assert "bad.csv: unrecognised table" in r.output
    assert "rmi-reference: 3 rows imported" in r.output


def test_resolve_review_decide_cycle(store, tmp_path):
    run("reference", "import", str(tmp_path / "ref_2026-01-31.csv"), "--store", str(store))
    out = json.loads(run("reference", "resolve", "--metal", "Gold", "--name", "Example Refining AG",
                         "--store", str(store), "--json").output)[0]
    assert out["status"] == "review" and {c["cid"] for c in out["candidates"]} == {"CID000113", "CID005476"}
    # queue it the way ingest does, then list it
    from minetrace.ingest.records import SmelterRow
    from minetrace.ingest.reference import ReferenceStore
    from minetrace.ingest.resolve import Resolver

    ref = ReferenceStore(store)
    Resolver(ref).resolve_many([SmelterRow(row=9, metal="Gold", name="Example Refining AG", country="GERMANY")],
                               declaration_sha256="cd" * 32)
    ref.close()
    listed = json.loads(run("reference", "review", "--store", str(store), "--json").output)
    assert listed[0]["raw_name"] == "Example Refining AG" and listed[0]["row"] == 9
    d = run("reference", "decide", "--name", "Example Refining AG", "--metal", "gold", "--country", "Germany",
            "--accept", "CID005476", "--store", str(store))
    assert d.exit_code == 0 and "1 review item(s) closed" in d.output
    assert json.loads(run("reference", "review", "--store", str(store), "--json").output) == []
    out = json.loads(run("reference", "resolve", "--metal", "Gold", "--name", "Example Refining AG", "--country",
                         "GERMANY", "--store", str(store), "--json").output)[0]
    assert (out["status"], out["cid"], out["method"]) == ("resolved", "CID005476", "decision")
    wrong = runner.invoke(root, ["reference", "decide", "--name", "x", "--metal", "Tin", "--accept", "CID000200",
                                 "--store", str(store)])
    assert wrong.exit_code == 2 and "is a Gold facility" in wrong.output


def test_resolve_csv_file(store, tmp_path):
    run("reference", "import", str(tmp_path / "ref_2026-01-31.csv"), "--store", str(store))
    rows = tmp_path / "rows.csv"
    rows.write_text("metal,name,country,cid\nGold,Nordic Gold Refinry,FINLAND,\nGold,,,CID0002000\n")
    out = json.loads(run("reference", "resolve", "--file", str(rows), "--store", str(store), "--json").output)
    assert [o["cid"] for o in out] == ["CID000200", None]
    assert out[1]["findings"][0]["code"] == "malformed_cid"


def test_empty_reference_notice_opens_ingest_and_rating_commands(store, tmp_path):
    """Without a smelter reference list, ingest and the rating commands say so first and name the fix;
    once a list is imported they say nothing about it."""
    from minetrace.queries.template_writer import complete_spec, write_cmrt

    cmrt = write_cmrt(complete_spec("Acme Metals Ltd."), tmp_path / "acme.xlsx")
    first = run("ingest", str(cmrt), "--store", str(store))
    assert first.exit_code == 0, first.output
    line = first.output.splitlines()[0]
    assert line.startswith("note: No smelter reference list") and "minetrace reference import" in line
    assert f"--store {store}" in line
    rating = run("risk", "smelters", "--store", str(store))
    assert rating.output.splitlines()[0].startswith("note: No smelter reference list")
    as_json = runner.invoke(root, ["risk", "suppliers", "--store", str(store), "--json"])
    assert "No smelter reference list" in as_json.stderr and f"--store {store}" in as_json.stderr
    # the JSON header's notice names the same fix command, --store included, for a script to show
    (note,) = [n for n in json.loads(as_json.stdout)["notices"] if "No smelter reference list" in n]
    assert f"minetrace reference import RMI_CMRT_6.5_en.xlsx --store {store} " in note
    (status,) = [n for n in json.loads(as_json.stdout)["notices"] if "no RMAP status data" in n]
    assert f"`minetrace reference import <export.csv|.xml> --store {store}`" in status
    run("reference", "import", str(tmp_path / "ref_2026-01-31.csv"), "--store", str(store))
    after = run("risk", "smelters", "--store", str(store))
    assert "No smelter reference list" not in after.output


def test_resolve_json_and_review_show_reasons(store, tmp_path):
    run("reference", "import", str(tmp_path / "ref_2026-01-31.csv"), "--store", str(store))
    out = json.loads(run("reference", "resolve", "--name", "Example Refining AG", "--metal", "Gold",
                         "--country", "GERMANY", "--store", str(store), "--json").output)[0]
    assert out["status"] == "review" and out["reasons"]
    assert {c["cid"] for c in out["candidates"]} == {"CID000113", "CID005476"}
    assert all(c["reasons"] for c in out["candidates"])
    text = run("reference", "resolve", "--name", "Example Refining AG", "--metal", "Gold", "--store", str(store))
    assert "why:" in text.output and "candidate CID000113" in text.output


def test_review_lists_each_name_once_with_the_rows_it_stands_for(store, tmp_path):
    """The queue holds one item per row; `reference review` shows one block per name a decision settles (metal,
    name normalised, country), with the rows it stands for, and deciding it closes them all. --json keeps the
    items."""
    from minetrace.ingest.reference.store import ReferenceStore

    run("reference", "import", str(tmp_path / "ref_2026-01-31.csv"), "--store", str(store))
    cand = [{"cid": "CID000113", "name": "Example Refining AG", "score": 88.0}]
    ref = ReferenceStore.open(store)
    for sha, row, written in (("a", 5, "Example Refinng AG"), ("b", 9, "EXAMPLE REFINNG AG."), ("c", 12,
                                                                                           "Example Refinng AG")):
        ref.enqueue_review(sha * 64, row, "Gold", written, "GERMANY", "review", cand)
    ref.enqueue_review("d" * 64, 3, "Gold", "Nordic Gold Refinry", "FINLAND", "review",
                       [{"cid": "CID000200", "name": "Nordic Gold Refinery", "score": 90.0}])
    ref.close()
    text = " ".join(run("reference", "review", "--store", str(store)).output.split())
    assert text.count("Gold 'Example Refinng AG' (GERMANY) — 3 rows: aaaaaaaaaaaa row 5; bbbbbbbbbbbb row 9; "
                      "cccccccccccc row 12") == 1
    assert "EXAMPLE REFINNG" not in text and text.count("decide: minetrace reference decide") == 2
    assert "4 open review candidate(s) under 2 name(s)" in text
    assert len(json.loads(run("reference", "review", "--store", str(store), "--json").output)) == 4
    d = run("reference", "decide", "--name", "Example Refinng AG", "--metal", "Gold", "--country", "GERMANY",
            "--accept", "CID000113", "--store", str(store))
    assert "3 review item(s) closed" in d.output
    left = " ".join(run("reference", "review", "--store", str(store)).output.split())
    assert "1 open review candidate(s) under 1 name(s)" in left and "Nordic Gold Refinry" in left
