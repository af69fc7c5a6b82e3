"""Ingest → review queue → decision → later ingests and stored rows, through the real CLI.

Real CMRT workbooks (openpyxl), the real reference DB and embedded graph in one store folder. The
files' Smelter Look-up (fake CIDs CID9000xx, so the shipped starter set cannot answer) is imported from the
blank template first (`reference import`: a supplier's own Look-up is never learned as facts); "Alpha Tin"
(Indonesia) then scores between review and accept against two facilities.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date
from pathlib import Path

from typer.testing import CliRunner

from minetrace.app.cli import root
from minetrace.graph.embedded import EmbeddedStore
from minetrace.queries.template_writer import CmrtSpec, Facility, SmelterSpec, complete_spec, write_cmrt

SMELTER = Facility("CID900001", "Tin", "Alpha Tin Smelter", "INDONESIA")
REFINERY = Facility("CID900005", "Tin", "Alpha Tin Refinery", "INDONESIA")
GAMMA = Facility("CID900003", "Tantalum", "Gamma Tantalum Works", "CHINA")
LOOKUP = [SMELTER, REFINERY, GAMMA]
runner = CliRunner()


def run(*args: str) -> str:
    r = runner.invoke(root, list(args), catch_exceptions=False)
    assert r.exit_code == 0, r.output
    return r.output


def cmrt(path: Path, company: str, typed: str) -> Path:
    rows = [SmelterSpec.listed(GAMMA), SmelterSpec.not_listed("Tin", typed, "INDONESIA")]
    spec = complete_spec(company, metals=("Tantalum", "Tin"), smelters=rows, effective_date=date(2025, 3, 1))
    return write_cmrt(spec, path, facilities=LOOKUP)


def hop_for(store: Path, sha: str, raw_name: str):
    st = EmbeddedStore(store)
    try:
        return next(h for h in st.reports(current_only=False) if h.declaration_id == sha and h.raw_name == raw_name)
    finally:
        st.close()


def vouch(store: Path, tmp_path: Path) -> None:
    """Import the blank template carrying LOOKUP, as a user does with RMI's template."""
    blank = write_cmrt(CmrtSpec(), tmp_path / "blank.xlsx", facilities=LOOKUP)
    run("reference", "import", str(blank), "--store", str(store))


def sha_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_review_queue_decide_and_apply(tmp_path: Path) -> None:
    store = tmp_path / "store"
    vouch(store, tmp_path)
    a = cmrt(tmp_path / "acme.xlsx", "Acme Components Ltd.", "Alpha Tin")
    run("ingest", str(a), "--store", str(store), "--json")
    stored = hop_for(store, sha_of(a), "Alpha Tin")
    assert stored.resolution_status == "review" and stored.smelter_key.startswith("prov:")
    # the uncertain row is queued with the declaration sha256 and its sheet row
    queue = json.loads(run("reference", "review", "--store", str(store), "--json"))
    (item,) = [q for q in queue if q["raw_name"] == "Alpha Tin"]
    assert item["declaration_sha256"] == sha_of(a) and item["row"] == stored.row and item["metal"] == "Tin"
    assert {c["cid"] for c in item["candidates"]} >= {"CID900001", "CID900005"}
    out = run("reference", "decide", "--name", "Alpha Tin", "--metal", "Tin", "--country", "INDONESIA",
              "--accept", "CID900005", "--store", str(store))
    assert "1 review item(s) closed" in out
    # the decision applies at once to the row already stored, and says so
    assert "1 stored row(s) changed in 1 form(s): acme.xlsx" in out
    moved = hop_for(store, sha_of(a), "Alpha Tin")
    assert (moved.smelter_key, moved.method, moved.resolution_status, moved.raw_country) == (
        "CID900005", "decision", "resolved", "INDONESIA")
    st = EmbeddedStore(store)
    try:
        assert st.smelter(stored.smelter_key) is None  # nothing reports the provisional smelter any more
    finally:
        st.close()
    assert not [q for q in json.loads(run("reference", "review", "--store", str(store), "--json"))
                if q["raw_name"] == "Alpha Tin"]
    # a later ingest of the same raw name + metal + country resolves by the decision
    b = cmrt(tmp_path / "bolt.xlsx", "Bolt Metals GmbH", "Alpha Tin")
    run("ingest", str(b), "--store", str(store))
    later = hop_for(store, sha_of(b), "Alpha Tin")
    assert (later.smelter_key, later.method, later.resolution_status) == ("CID900005", "decision", "resolved")
    # apply-decisions (e.g. after decisions.yaml was edited by hand) finds nothing left to move
    dry = json.loads(run("reference", "apply-decisions", "--store", str(store), "--dry-run", "--json"))
    assert dry["relinked"] == 0 and dry["rows"] == [] and dry["edges_checked"] == 2
    assert "relinked 0 row(s) in 0 form(s)" in run("reference", "apply-decisions", "--store", str(store))


def test_reject_steers_later_ingests_and_stored_rows(tmp_path: Path) -> None:
    store = tmp_path / "store"
    vouch(store, tmp_path)
    a = cmrt(tmp_path / "acme.xlsx", "Acme Components Ltd.", "Alpha Tin")
    run("ingest", str(a), "--store", str(store))
    queue = json.loads(run("reference", "review", "--store", str(store), "--json"))
    top = next(q for q in queue if q["raw_name"] == "Alpha Tin")["candidates"][0]["cid"]
    run("reference", "decide", "--name", "Alpha Tin", "--metal", "Tin", "--reject", top, "--store", str(store))
    b = cmrt(tmp_path / "bolt.xlsx", "Bolt Metals GmbH", "Alpha Tin")
    run("ingest", str(b), "--store", str(store))
    later = hop_for(store, sha_of(b), "Alpha Tin")
    assert later.smelter_key != top and later.cid != top
    # the stored row never pointed at the rejected CID: nothing to move
    assert json.loads(run("reference", "apply-decisions", "--store", str(store), "--json"))["relinked"] == 0


def test_reject_moves_stored_rows_off_the_rejected_cid(tmp_path: Path) -> None:
    store = tmp_path / "store"
    vouch(store, tmp_path)
    spec = complete_spec("Acme Components Ltd.", metals=("Tantalum", "Tin"), effective_date=date(2025, 3, 1),
                         smelters=[SmelterSpec.listed(SMELTER),
                                   SmelterSpec.not_listed("Tantalum", "Gamma Tantal Workshop", "CHINA")])
    a = write_cmrt(spec, tmp_path / "acme.xlsx", facilities=LOOKUP)
    run("ingest", str(a), "--store", str(store))
    before = hop_for(store, sha_of(a), "Gamma Tantal Workshop")
    # an uncertain name match (a short form of "Gamma Tantalum Works"), not an exact alias
    assert before.smelter_key == "CID900003" and before.method not in ("alias", "cid", "decision")
    out = run("reference", "decide", "--name", "Gamma Tantal Workshop", "--metal", "Tantalum", "--country", "China",
              "--reject", "CID900003", "--store", str(store))
    assert "1 stored row(s) changed in 1 form(s): acme.xlsx" in out  # applied at once
    assert json.loads(run("reference", "apply-decisions", "--store", str(store), "--json"))["relinked"] == 0
    after = hop_for(store, sha_of(a), "Gamma Tantal Workshop")
    assert after.smelter_key != "CID900003" and after.raw_name == "Gamma Tantal Workshop"
    listed = hop_for(store, sha_of(a), SMELTER.name)
    assert listed.smelter_key == "CID900001"  # rows without a decision are left alone


def test_a_file_the_store_refuses_leaves_no_review_items(tmp_path: Path) -> None:
    from minetrace.graph.ingest import ingest_paths
    from minetrace.ingest.reference.store import ReferenceStore
    from minetrace.ingest.resolve import Resolver

    store = tmp_path / "store"
    vouch(store, tmp_path)
    ref, graph = ReferenceStore(store), EmbeddedStore(store)
    try:
        first = ingest_paths([cmrt(tmp_path / "acme.xlsx", "Acme Components Ltd.", "Gamma Tantal Workshop")], graph,
                             resolver=Resolver(ref))
        sid = first.files[0].supplier_id
        b = cmrt(tmp_path / "acme-2.xlsx", "Acme Components Ltd.", "Alpha Tin")
        refused = ingest_paths([b], graph, resolver=Resolver(ref), parent_supplier_id=sid)  # its own sub-supplier
        assert refused.files[0].outcome == "unreadable" and "not stored" in refused.files[0].message
        assert not graph.has_declaration(sha_of(b))
        assert [q for q in ref.open_reviews() if q["declaration_sha256"] == sha_of(b)] == []
        stored = ingest_paths([b], graph, resolver=Resolver(ref))  # stored → queued
        assert stored.files[0].outcome == "new"
        assert [q["raw_name"] for q in ref.open_reviews() if q["declaration_sha256"] == sha_of(b)] == ["Alpha Tin"]
    finally:
        graph.close()
        ref.close()
