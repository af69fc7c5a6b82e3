"""The bulk path: `minetrace export graph --format neo4j-admin` → `neo4j-admin database import full` → a Neo4j store.

A program ingested into the embedded store is exported with the CLI, loaded by the real importer (Neo4j 5.26's
`neo4j-admin`, run from the harness's Maven jars through the export's own import.sh) into a fresh server's data
folder, and opened as a store: its graph must equal the embedded store's and a normal Bolt ingest of the same
forms into Neo4j — hostile text, a sub-supplier, products and mines, a deleted form included — and the loaded
store must keep working as one: a resend ingested after the load becomes current, a delete removes what only it
held, exactly as on the other two stores.
"""

from __future__ import annotations

import csv
import os
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from neo4j_server import HarnessServer, neo4j_admin_path
from typer.testing import CliRunner

from minetrace.app.cli import root
from minetrace.app.synthetic import graph_program as synth
from minetrace.graph.embedded import EmbeddedStore
from minetrace.graph.export import canonical_dump
from minetrace.graph.neo4j_store import Neo4jStore
from minetrace.graph.store import GraphStore, SupplierRecord
from minetrace.ingest.records import MineRow, ProductRow

pytestmark = pytest.mark.neo4j

POOL = synth.facility_pool(60, seed=11)
FAC = {f.cid: f for f in POOL}
HOSTILE = '=HYPERLINK("http://x";"a; b")\nline two'


def rows(n: int, start: int = 5) -> list:
    return [synth.smelter_row(start + i, POOL[i % len(POOL)], "DRC | Rwanda" if i % 7 == 0 else None)
            for i in range(n)]


def program() -> list[tuple]:
    """(declaration, supplier record, parent id) in ingest order."""
    out: list[tuple] = [(d, SupplierRecord("decl:" + n.lower(), n), None)
                        for d, n in synth.program(12, seed=5, pool=POOL)]
    odd = rows(4) + [synth.unresolved_row(9, "Gold", HOSTILE, "NOWHERELAND")]
    out.append((synth.declaration(HOSTILE, odd, tag="hostile", products=[ProductRow(3, "P-1", HOSTILE, "")],
                                  mines=[MineRow(4, "Tin", "Smelter 1", "Mine \"A\"", "M1", country="RWANDA")]),
                SupplierRecord("decl:hostile", HOSTILE, aliases=["a;b", "c"]), None))
    out.append((synth.declaration("Tier Two", rows(3, start=20), tag="t2"), SupplierRecord("decl:tier two", "Tier Two"),
                out[2][1].id))
    out.append((synth.declaration(out[1][1].name, rows(2), tag="late", effective=None), out[1][1], None))
    return out


def fill(store: GraphStore, forms: list[tuple]) -> None:
    store.upsert_suppliers([SupplierRecord(forms[0][1].id, forms[0][1].name, category="direct", spend=12.5,
                                           aliases=["Zero Ltd"])])
    for decl, sup, parent in forms:
        store.ingest_declaration(decl, synth.resolve_exact(decl, FAC), sup, 2025, parent_supplier_id=parent)
    store.delete_declaration(forms[4][0].file.sha256)


def after_load(store: GraphStore, forms: list[tuple]) -> None:
    """What a store does after its first load: a resend of one supplier's form, a form deleted."""
    # the same effective date as the form it replaces: the order of arrival (seq) decides which is current
    resend = synth.declaration(forms[3][1].name, rows(6, start=40), tag="resend",
                               effective=forms[3][0].company.effective_date)
    store.ingest_declaration(resend, synth.resolve_exact(resend, FAC), forms[3][1], 2025)
    store.delete_declaration(forms[-3][0].file.sha256)  # the hostile form: its unresolved smelter goes


@pytest.fixture
def bulk_home(tmp_path: Path) -> Iterator[Callable[[Path], HarnessServer]]:
    """Load an export folder with its import.sh into a fresh server home, then start the server on it."""
    servers: list[HarnessServer] = []

    def load(export_dir: Path) -> HarnessServer:
        home = tmp_path / "bulk"
        home.mkdir()
        (home / "neo4j.conf").write_text("dbms.security.auth_enabled=false\n", encoding="utf-8")
        env = {**os.environ, "PATH": f"{neo4j_admin_path(tmp_path / 'bin')}{os.pathsep}{os.environ['PATH']}",
               "NEO4J_HOME": str(home), "NEO4J_CONF": str(home)}
        proc = subprocess.run(["sh", str(export_dir / "import.sh")], env=env, capture_output=True, text=True,
                              timeout=600)
        assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
        assert "IMPORT DONE" in proc.stdout
        server = HarnessServer(home).start()
        servers.append(server)
        return server

    yield load
    for server in servers:
        server.kill()


def test_bulk_load_equals_a_normal_ingest_and_keeps_working(tmp_path: Path, neo4j_clean: str,
                                                             bulk_home: Callable[[Path], HarnessServer]) -> None:
    forms = program()
    emb = EmbeddedStore(tmp_path / "embedded")
    bolt = Neo4jStore(neo4j_clean, files_dir=tmp_path / "files-bolt")
    try:
        fill(emb, forms)
        fill(bolt, forms)
        res = CliRunner().invoke(root, ["export", "graph", "--format", "neo4j-admin", "--out",
                                        str(tmp_path / "bulk-files"), "--store", str(tmp_path / "embedded")])
        assert res.exit_code == 0, res.output
        server = bulk_home(tmp_path / "bulk-files")
        loaded = Neo4jStore(server.uri, files_dir=tmp_path / "files-bulk")
        try:
            want = list(canonical_dump(emb))
            assert any("HYPERLINK" in line for line in want)  # the hostile text is in the graph
            assert list(canonical_dump(bolt)) == want  # a normal Bolt ingest: the same graph
            assert list(canonical_dump(loaded)) == want  # the bulk load: the same graph, text verbatim
            assert loaded.suppliers() == emb.suppliers() and loaded.smelters() == emb.smelters()
            assert loaded.reports(current_only=False) == emb.reports(current_only=False)
            for st in (emb, bolt, loaded):
                after_load(st, forms)
            want = list(canonical_dump(emb))
            assert list(canonical_dump(bolt)) == want
            assert list(canonical_dump(loaded)) == want
            resend = [d for d in loaded.declarations(supplier_id=forms[3][1].id) if d.current]
            assert [d.file_name for d in resend] == [f"{forms[3][1].name}-resend.xlsx"]
        finally:
            loaded.close()
    finally:
        emb.close()
        bolt.close()


def test_bulk_files_are_typed_verbatim_and_count_past_the_last_form(tmp_path: Path) -> None:
    """The files alone (no server): typed headers, text verbatim (no spreadsheet quote), seq and the meta node."""
    from minetrace.graph.export import export_graph

    forms = program()
    emb = EmbeddedStore(tmp_path / "embedded")
    try:
        fill(emb, forms)
        export_graph(emb, "neo4j-admin", tmp_path / "out")
        n_decl = emb.stats()["nodes"]["Declaration"]  # history included
    finally:
        emb.close()
    with (tmp_path / "out" / "nodes_Declaration.csv").open(encoding="utf-8", newline="") as fh:
        decls = list(csv.DictReader(fh))
    assert [int(d["seq:long"]) for d in decls] == list(range(1, n_decl + 1))
    assert {d["parent_id"] for d in decls} == {"", forms[2][1].id}
    with (tmp_path / "out" / "nodes_Supplier.csv").open(encoding="utf-8", newline="") as fh:
        sups = {s["id:ID(Supplier)"]: s for s in csv.DictReader(fh)}
    assert sups["decl:hostile"]["name"] == HOSTILE  # not "'=HYPERLINK…": the importer stores what it reads
    assert sups["decl:hostile"]["aliases:string[]"] == "a;b\x1fc"
    with (tmp_path / "out" / "nodes_MinetraceMeta.csv").open(encoding="utf-8", newline="") as fh:
        meta = next(csv.DictReader(fh))
    assert int(meta["writes:long"]) == n_decl
    script = (tmp_path / "out" / "import.sh").read_text(encoding="utf-8")
    assert 'neo4j-admin database import full "${1:-neo4j}"' in script
    assert "--nodes=nodes_MinetraceMeta.csv" in script and "--relationships=rels_REPORTS_Declaration_Smelter.csv" \
        in script
