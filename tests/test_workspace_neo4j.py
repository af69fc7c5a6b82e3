"""One Neo4j workspace shared for real: two analysts, two machines, one server, the same answers.

Two `minetrace` processes with nothing local in common — their own HOME, working directory and local
folder — talk to one real Neo4j 5.26 (tests/neo4j_server.py) through the same bolt URI and database. What
one of them records (a reference list import, the review queue an ingest fills, a review decision, a survey
event) the other sees at once, and every answer both give is identical. Real CMRT workbooks (openpyxl,
queries.template_writer) with fake CIDs CID9000xx, so only the imported list can resolve them.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from minetrace.queries.template_writer import CmrtSpec, Facility, SmelterSpec, complete_spec, write_cmrt

pytest_plugins = ["neo4j_server"]
pytestmark = pytest.mark.neo4j

SMELTER = Facility("CID900001", "Tin", "Alpha Tin Smelter", "INDONESIA")
REFINERY = Facility("CID900005", "Tin", "Alpha Tin Refinery", "INDONESIA")
GAMMA = Facility("CID900003", "Tantalum", "Gamma Tantalum Works", "CHINA")
LOOKUP = [SMELTER, REFINERY, GAMMA]


class Analyst:
    """One analyst's machine: a `minetrace` subprocess with its own HOME, cwd and local folder."""

    def __init__(self, root: Path, uri: str) -> None:
        self.home, self.cwd, self.uri = root / "home", root / "work", uri
        self.home.mkdir(parents=True)
        self.cwd.mkdir(parents=True)
        keep = {k: v for k, v in os.environ.items() if not k.startswith("MINETRACE_")}
        self.env = {**keep, "HOME": str(self.home), "NEO4J_USER": os.environ.get("NEO4J_USER", "neo4j"),
                    "NEO4J_PASSWORD": os.environ.get("NEO4J_PASSWORD", ""), "COLUMNS": "200"}

    def run(self, *args: str, ok: tuple[int, ...] = (0,)) -> str:
        proc = subprocess.run([sys.executable, "-m", "minetrace.app.cli", *args, "--store", self.uri],
                              cwd=self.cwd, env=self.env, capture_output=True, text=True, timeout=180)
        assert proc.returncode in ok, (args, proc.returncode, proc.stdout, proc.stderr)
        return proc.stdout

    def js(self, *args: str) -> Any:
        return json.loads(self.run(*args, "--json"))

    @property
    def local(self) -> Path:
        return self.cwd / ".minetrace"


def cmrt(path: Path, company: str, typed: str) -> Path:
    rows = [SmelterSpec.listed(GAMMA), SmelterSpec.not_listed("Tin", typed, "INDONESIA")]
    spec = complete_spec(company, metals=("Tantalum", "Tin"), smelters=rows, effective_date=date(2025, 3, 1))
    return write_cmrt(spec, path, facilities=LOOKUP)


def answers(who: Analyst) -> dict[str, Any]:
    """What an analyst is told about the shared workspace (review queue, ratings, exposure of the refinery)."""
    return {"review": who.js("reference", "review"),
            "smelters": who.js("risk", "smelters", "--year", "2025"),
            "exposure": who.js("query", "exposure", REFINERY.cid, "--year", "2025")}


def test_two_analysts_on_one_neo4j_see_the_same_workspace(neo4j_clean: str, tmp_path: Path) -> None:
    a, b = Analyst(tmp_path / "analyst-a", neo4j_clean), Analyst(tmp_path / "analyst-b", neo4j_clean)
    blank = write_cmrt(CmrtSpec(), tmp_path / "blank.xlsx", facilities=LOOKUP)
    acme = cmrt(tmp_path / "acme.xlsx", "Acme Components Ltd.", "Alpha Tin")
    bolt = cmrt(tmp_path / "bolt.xlsx", "Bolt Metals GmbH", "Alpha Tin")
    masters = tmp_path / "suppliers.csv"
    masters.write_text("supplier_id,name,email\nS1,Acme Components Ltd.,buyer@acme.example\n"
                       "S2,Bolt Metals GmbH,info@bolt.example\n", encoding="utf-8")

    # A imports the reference list: B resolves with it without importing anything
    a.run("reference", "import", str(blank))
    assert b.js("reference", "resolve", "--name", "Alpha Tin Refinery", "--metal", "Tin")[0]["cid"] == REFINERY.cid

    # B imports the master list, A ingests a form whose "Alpha Tin" row needs review: B sees it in the queue
    b.run("survey", "import-suppliers", str(masters))
    a.run("ingest", str(acme))
    (item,) = [q for q in b.js("reference", "review") if q["raw_name"] == "Alpha Tin"]
    assert {c["cid"] for c in item["candidates"]} >= {SMELTER.cid, REFINERY.cid}

    # B decides: A's answers are B's, the row moved at once, and A's next ingest honours B's decision
    out = b.run("reference", "decide", "--name", "Alpha Tin", "--metal", "Tin", "--country", "INDONESIA",
                "--accept", REFINERY.cid)
    assert "1 review item(s) closed" in out and "1 stored row(s) changed in 1 form(s): acme.xlsx" in out
    after = answers(a)
    assert after == answers(b)
    assert not [q for q in after["review"] if q["raw_name"] == "Alpha Tin"]
    assert [s["supplier_id"] for s in after["exposure"]["exposure"][0]["suppliers"]] == ["S1"]
    assert a.js("ingest", str(bolt))["files"][0]["outcome"] == "new"
    exposed = b.js("query", "exposure", REFINERY.cid, "--year", "2025")["exposure"][0]["suppliers"]
    assert sorted(s["supplier_id"] for s in exposed) == ["S1", "S2"]

    # a survey event B records is in A's figures too
    b.run("survey", "log", "S2", "--event", "contacted", "--date", "2025-04-01")
    survey = a.js("survey", "status", "--year", "2025")
    assert survey == b.js("survey", "status", "--year", "2025")
    assert [s["contacted_on"] for s in survey["suppliers"] if s["supplier_id"] == "S2"] == ["2025-04-01"]

    # nothing of it lives in either analyst's own folder: no decisions file; the reference DB is a cached copy of
    # the server's snapshot, and no private copy is left behind
    for who in (a, b):
        assert not (who.local / "decisions.yaml").exists() and not (who.local / "reference.sqlite").exists()
        assert list((who.local / "shared").glob("*/*.sqlite")) and not list((who.local / "shared").glob("*/open-*"))


def test_two_writers_at_once_keep_both_changes(neo4j_clean: str, tmp_path: Path) -> None:
    """A push that lost the race merges its rows into the newer snapshot: neither analyst's facts are lost. A
    reference DB the folder kept before the server had one becomes the first snapshot."""
    from minetrace.graph.workspace import Workspace
    from minetrace.ingest.reference.store import ReferenceStore

    legacy = ReferenceStore.open(tmp_path / "a")  # what analyst A had locally before the team shared a server
    legacy.add_watch("CID900001", "Tin", "Alpha Tin Smelter", "ID", "before", None, None, "test", "2025-01-01")
    legacy.db.commit()
    legacy.close()
    a, b = Workspace(neo4j_clean, tmp_path / "a"), Workspace(neo4j_clean, tmp_path / "b")
    ref_a = a.open_reference()
    ref_b = b.open_reference()  # both start from the same snapshot (none yet: B starts from the starter set)
    with ref_a.transaction():
        ref_a.add_watch("CID900003", "Tantalum", "Gamma Tantalum Works", "CN", "by-a", None, None, "a", "2025-02-01")
    with ref_b.transaction():
        ref_b.add_watch("CID900005", "Tin", "Alpha Tin Refinery", "ID", "by-b", None, None, "b", "2025-03-01")
        sid = ref_b.add_snapshot("conformant", "2025-03-01", "b", None)
        ref_b.add_status("CID900005", "Tin", "RMAP", "Conformant", "2025-03-01", "b", snapshot_id=sid)
    ref_a.close()  # first snapshot: A's folder's old DB and A's change
    ref_b.close()  # lost the race: merged into A's snapshot, then sent
    for ws in (a, b, Workspace(neo4j_clean, tmp_path / "c")):
        ref = ws.open_reference()
        try:
            lists = {w["list_name"] for w in ref.watchlist()}
            assert {"before", "by-a", "by-b"} <= lists, (ws.folder, lists)
            # B's status observation still points at B's list snapshot, whatever row id it has now
            row = ref.db.execute("SELECT s.source, s.kind FROM status_observations o JOIN snapshots s ON "
                                 "s.id = o.snapshot_id WHERE o.cid = 'CID900005'").fetchone()
            assert tuple(row) == ("b", "conformant")
        finally:
            ref.close()


def test_the_empty_reference_notice_names_the_shared_workspace(neo4j_clean: str, tmp_path: Path) -> None:
    """On a Neo4j workspace the reference DB an analyst reads is a private copy of the server's snapshot, in a
    folder removed when the command ends: the notice names the workspace (where `reference import` puts the
    list), not that folder."""
    analyst = Analyst(tmp_path / "analyst", neo4j_clean)
    line = analyst.run("risk", "smelters").splitlines()[0]
    assert line.startswith(f"note: No smelter reference list in the shared reference DB of {neo4j_clean}:"), line
    assert "open-" not in line and f"--store {neo4j_clean}" in line
