"""Graph exports: GraphML loads back into networkx with the same nodes/edges; CSV and neo4j-admin CSV."""

from __future__ import annotations

import csv
import re
from datetime import date
from pathlib import Path

import networkx as nx
import pytest

from minetrace.app.synthetic import graph_program as synth
from minetrace.graph import schema as S
from minetrace.graph.embedded import EmbeddedStore
from minetrace.graph.export import export_graph
from minetrace.graph.store import SupplierRecord
from minetrace.ingest.records import MineRow, ProductRow


@pytest.fixture
def store(tmp_path: Path) -> EmbeddedStore:
    st = EmbeddedStore(tmp_path / "store")
    pool = synth.facility_pool(12)
    fac = {f.cid: f for f in pool}
    st.upsert_suppliers([SupplierRecord("S-1", "Acme", aliases=["ACME Corp", "Acme; the one"], spend=10.5)])
    a = synth.declaration("Acme", [synth.smelter_row(5, fac["CID000001"], "DRC | Rwanda"),
                                   synth.unresolved_row(6, "Tin", "Weird, \"quoted\" name\nline 2")],
                          effective=date(2025, 1, 2), tag="a",
                          products=[ProductRow(3, "P-1", "Widget")], mines=[MineRow(4, "Tin", "S1",
                                                                                                 "Mine A")])
    b = synth.declaration("Bolt", [synth.smelter_row(5, fac["CID000001"]), synth.smelter_row(6, fac["CID000002"])],
                          tag="b")
    st.ingest_declaration(a, synth.resolve_exact(a), SupplierRecord("S-1", "Acme"), 2024)
    st.ingest_declaration(b, synth.resolve_exact(b), SupplierRecord("decl:bolt", "Bolt"), 2024,
                          parent_supplier_id="S-1")
    yield st
    st.close()


def test_graphml_round_trip(store: EmbeddedStore, tmp_path: Path) -> None:
    (path,) = export_graph(store, "graphml", tmp_path / "g.graphml")
    g = nx.read_graphml(path, force_multigraph=True)
    nodes = list(store.export_nodes())
    edges = list(store.export_edges())
    assert g.number_of_nodes() == len(nodes) and g.number_of_edges() == len(edges)
    assert g.is_directed()
    assert g.nodes["Supplier:S-1"]["name"] == "Acme" and g.nodes["Supplier:S-1"]["label"] == "Supplier"
    reports = [d for _, _, d in g.edges(data=True) if d["type"] == S.REPORTS]
    assert len(reports) == 4 and all("sha256" in d and "row" in d for d in reports)
    assert {d["type"] for _, _, d in g.edges(data=True)} >= {S.SOURCES_FROM, S.DECLARED, S.REPORTS, S.COVERS,
                                                               S.LISTS_MINE, S.LOCATED_IN, S.SOURCES_FROM_COUNTRY}
    assert g.has_edge("Supplier:S-1", "Supplier:decl:bolt")


def test_flat_csv(store: EmbeddedStore, tmp_path: Path) -> None:
    nodes_path, edges_path = export_graph(store, "csv", tmp_path / "csv")
    with nodes_path.open(encoding="utf-8") as fh:
        nodes = list(csv.DictReader(fh))
    with edges_path.open(encoding="utf-8") as fh:
        edges = list(csv.DictReader(fh))
    assert len(nodes) == len(list(store.export_nodes())) and len(edges) == len(list(store.export_edges()))
    s1 = next(n for n in nodes if n["label"] == "Supplier" and n["key"] == "S-1")
    assert s1["aliases"] == "ACME Corp;Acme; the one" and s1["spend"] == "10.5"
    weird = next(e for e in edges if e["type"] == "REPORTS" and e["raw_name"].startswith("Weird"))
    assert weird["raw_name"] == 'Weird, "quoted" name\nline 2'


HEADER_FIELD = re.compile(r"^(?:[A-Za-z_][A-Za-z0-9_]*)?(?::(?:ID|START_ID|END_ID)\([A-Za-z]+\)|:LABEL|:TYPE|"
                          r":long|:double|:boolean|:string\[\])?$")


def test_neo4j_admin_csv(store: EmbeddedStore, tmp_path: Path) -> None:
    files = export_graph(store, "neo4j-csv", tmp_path / "neo")
    names = {p.name for p in files}
    assert {"nodes_Supplier.csv", "nodes_Smelter.csv", "rels_REPORTS_Declaration_Smelter.csv",
            "rels_SOURCES_FROM_Supplier_Supplier.csv", "import.sh"} <= names
    for p in files:
        if p.suffix != ".csv":
            continue
        with p.open(encoding="utf-8") as fh:
            rows = list(csv.reader(fh))
        header = rows[0]
        assert all(HEADER_FIELD.match(h) for h in header), header
        if p.name.startswith("nodes_"):
            label = p.stem.removeprefix("nodes_")
            assert header[0] == f"{S.NODE_KEYS[label]}:ID({label})" and header[-1] == ":LABEL"
            assert all(r[-1] == label for r in rows[1:])
        else:
            _, rtype, start, end = p.stem.split("_", 1)[0], *p.stem.split("_", 1)[1].rsplit("_", 2)
            assert header[:2] == [f":START_ID({start})", f":END_ID({end})"] and header[-1] == ":TYPE"
            assert all(r[-1] == rtype for r in rows[1:])
    with (tmp_path / "neo" / "rels_REPORTS_Declaration_Smelter.csv").open(encoding="utf-8") as fh:
        header = next(csv.reader(fh))
    assert "row:long" in header and "score:double" in header and "reporting_year:long" in header
    with (tmp_path / "neo" / "nodes_Smelter.csv").open(encoding="utf-8") as fh:
        header = next(csv.reader(fh))
    assert "provisional:boolean" in header
    script = (tmp_path / "neo" / "import.sh").read_text()
    assert "neo4j-admin database import full" in script and "--nodes=nodes_Supplier.csv" in script
    # every relationship end is a node id of the right label
    ids: dict[str, set[str]] = {}
    for p in files:
        if p.name.startswith("nodes_"):
            with p.open(encoding="utf-8") as fh:
                ids[p.stem.removeprefix("nodes_")] = {r[0] for r in list(csv.reader(fh))[1:]}
    for p in files:
        if p.name.startswith("rels_"):
            with p.open(encoding="utf-8") as fh:
                rows = list(csv.reader(fh))
            start = rows[0][0][len(":START_ID("):-1]
            end = rows[0][1][len(":END_ID("):-1]
            assert all(r[0] in ids[start] and r[1] in ids[end] for r in rows[1:]), p.name


def test_unknown_format(store: EmbeddedStore, tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        export_graph(store, "dot", tmp_path / "x")
