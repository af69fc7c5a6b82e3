"""Embedded store specifics: persistence, WAL, crash safety (kill -9 mid-ingest), networkx views."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import networkx as nx
import pytest

from minetrace.app.synthetic import graph_program as synth
from minetrace.graph.embedded import EmbeddedStore
from minetrace.graph.export import canonical_dump
from minetrace.graph.open import open_store
from minetrace.graph.store import SupplierRecord

ROOT = Path(__file__).resolve().parents[1]

WRITER = textwrap.dedent("""
    import sys
    from minetrace.app.synthetic import graph_program as synth
    from minetrace.graph.embedded import EmbeddedStore
    from minetrace.graph.store import SupplierRecord
    store = EmbeddedStore(sys.argv[1])
    pool = synth.facility_pool(600, seed=2)
    for i in range(int(sys.argv[2])):
        rows = [synth.smelter_row(5 + j, f, "CD | RW") for j, f in enumerate(pool)]
        decl = synth.declaration(f"Big {i}", rows, tag=str(i))
        store.ingest_declaration(decl, synth.resolve_exact(decl), SupplierRecord(f"S{i:03d}", f"Big {i}"), 2024)
        print(i, flush=True)
""")


def _consistent(directory: Path) -> list[str]:
    """Declarations present after a crash; asserts each is complete (all its rows and edges)."""
    st = EmbeddedStore(directory)
    try:
        ids = []
        for d in st.declarations(current_only=False):
            hops = st.smelters_for_supplier(d.supplier_id, current_only=False)
            assert len(hops) == d.smelter_rows == 600, f"{d.supplier_id}: {len(hops)} of {d.smelter_rows} rows"
            assert len([m for m in st.declared_mine_countries() if m[2] == d.id]) == 1200
            assert st.supplier_chains([d.supplier_id])[d.supplier_id] == [["company", d.supplier_id]]
            ids.append(d.supplier_id)
        assert st.stats()["relationships"]["REPORTS"] == 600 * len(ids)
        assert int(st.version()) == len(ids)
        return sorted(ids)
    finally:
        st.close()


@pytest.mark.timeout(120)
def test_kill_9_mid_ingest_leaves_whole_files_only(tmp_path: Path) -> None:
    script = tmp_path / "writer.py"
    script.write_text(WRITER)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    seen_partial = False
    for attempt, (after, pause) in enumerate(((1, 0.0), (3, 0.013), (6, 0.029))):
        directory = tmp_path / f"store{attempt}"
        proc = subprocess.Popen([sys.executable, str(script), str(directory), "400"], env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        assert proc.stdout is not None
        printed = [proc.stdout.readline() for _ in range(after)]  # wait until `after` files are committed
        time.sleep(pause)  # then kill somewhere inside the next transaction(s)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        assert proc.returncode == -signal.SIGKILL, proc.stderr.read() if proc.stderr else ""
        printed += proc.stdout.read().split()
        present = _consistent(directory)
        # a prefix of the ingest order: every acknowledged file is there, at most one more
        expected = [f"S{i:03d}" for i in range(len(present))]
        assert present == expected
        assert len(printed) <= len(present) <= len(printed) + 1
        seen_partial |= 0 < len(present) < 400
    assert seen_partial, "the writer was never killed mid-batch: raise the delays"


def test_reopen_keeps_everything(tmp_path: Path) -> None:
    st = open_store(tmp_path / "s")
    assert isinstance(st, EmbeddedStore)
    for d, n in synth.program(5, seed=9):
        st.ingest_declaration(d, synth.resolve_exact(d), SupplierRecord("decl:" + n, n), 2024)
    dump, version = list(canonical_dump(st)), st.version()
    st.close()
    again = open_store(str(tmp_path / "s"))
    assert list(canonical_dump(again)) == dump and again.version() == version
    mode = sqlite3.connect(tmp_path / "s" / "graph.sqlite").execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == "wal"
    again.close()


def test_store_env_and_default(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    st = open_store()
    assert isinstance(st, EmbeddedStore) and st.directory == Path(".minetrace")
    st.close()
    monkeypatch.setenv("MINETRACE_STORE", str(tmp_path / "envstore"))
    st = open_store(None)
    assert st.directory == tmp_path / "envstore" and (tmp_path / "envstore" / "graph.sqlite").exists()
    st.close()
    (tmp_path / "afile").write_text("x")
    with pytest.raises(NotADirectoryError):
        open_store(tmp_path / "afile")


def test_neo4j_uri_goes_to_the_neo4j_store(monkeypatch: pytest.MonkeyPatch) -> None:
    from minetrace.graph import store as store_mod

    assert store_mod.is_neo4j_uri("neo4j://localhost:7687") and store_mod.is_neo4j_uri("bolt+s://h:1")
    assert not store_mod.is_neo4j_uri("/tmp/neo4j")


def test_networkx_views(tmp_path: Path) -> None:
    st = EmbeddedStore(tmp_path / "s")
    pool = synth.facility_pool(10)
    d = synth.declaration("Acme", [synth.smelter_row(5, pool[0]), synth.smelter_row(6, pool[1])], tag="a")
    st.ingest_declaration(d, synth.resolve_exact(d), SupplierRecord("S1", "Acme"), 2024)
    g = st.to_networkx()
    assert isinstance(g, nx.MultiDiGraph)
    assert g.nodes[f"Declaration:{d.file.sha256}"]["label"] == "Declaration"
    assert list(g.successors("Supplier:S1")) == [f"Declaration:{d.file.sha256}"]
    assert st.to_networkx() is g  # cached per version
    sg = st.supplier_graph()
    assert set(sg.edges) == {("company", "S1")}
    st.close()
