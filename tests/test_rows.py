"""One row mapping (graph.rows) and provenance to the cell: what the reader read is what the store keeps.

A generated CMRT-layout workbook is read, ingested into the embedded store, and every stored REPORTS edge
(evidence query and graph export) names the very cell the reader recorded for that row; the pure mapping
gives both stores the same nodes, locations and edges (the Neo4j side: tests/test_store_contract.py).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from minetrace.app.synthetic.workbooks import generate_program
from minetrace.graph.embedded import EmbeddedStore
from minetrace.graph.ingest import ingest_paths
from minetrace.graph.resolving import default_resolver
from minetrace.graph.rows import SMELTER_SHEET, declaration_rows, row_cell, smelter_key_for
from minetrace.ingest.pipeline import parse_file
from minetrace.ingest.records import Resolution


@pytest.fixture(scope="module")
def workbooks(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    root = tmp_path_factory.mktemp("rows")
    generate_program(root / "p", 4, seed=3, master_list=True, invalid_share=0.0)
    return sorted((root / "p" / "cmrt").glob("*.xlsx"))


def test_each_row_names_the_cell_the_reader_read(workbooks: list[Path]) -> None:
    decl = parse_file(workbooks[0])
    assert decl.smelters
    for i, row in enumerate(decl.smelters):
        cell = row_cell(decl, i)
        assert re.fullmatch(rf"{SMELTER_SHEET}![A-Z]+{row.row}", cell), cell
        assert cell in {decl.provenance.get(f"smelters.{i}.{f}") for f in ("name", "lookup", "cid", "metal")}


def test_the_mapping_creates_each_smelter_once_and_ranks_locations(workbooks: list[Path]) -> None:
    decl = parse_file(workbooks[0])
    row = decl.smelters[0]
    twice = [row, row]
    decl.smelters = twice
    res = [Resolution("resolved", "CID000001", "cid", 1.0, metal=row.metal, country_iso2="CN"),
           Resolution("resolved", "CID000001", "cid", 1.0, metal=row.metal)]
    plan = declaration_rows(decl, res)
    assert [r.key for r in plan.reports] == ["CID000001", "CID000001"]
    assert plan.reports[0].node is not None and plan.reports[1].node is None
    assert plan.locations["CID000001"].source == "resolution" and plan.locations["CID000001"].rank == 2
    unresolved = Resolution("unresolved", None, "none", 0.0, metal="Gold", provisional_key="gold|mystery|CN")
    assert smelter_key_for(row, unresolved) == "prov:gold|mystery|CN"
    with pytest.raises(ValueError):
        declaration_rows(decl, res[:1])


def test_stored_evidence_and_export_carry_the_cell(workbooks: list[Path], tmp_path: Path) -> None:
    store = EmbeddedStore(tmp_path / "store")
    try:
        resolver, _ = default_resolver(str(tmp_path / "store"))
        ingest_paths(workbooks, store, resolver=resolver, year=2025, jobs=1)
        expected: dict[tuple[str, int], str] = {}
        for path in workbooks:
            decl = parse_file(path)
            for i, row in enumerate(decl.smelters):
                expected[(path.name, row.row)] = row_cell(decl, i)
        hops = store.reports(current_only=False)
        assert hops
        for h in hops:
            assert h.cell == expected[(Path(h.file_name or "").name, h.row)]
        decl_files = {d.id: Path(d.file_name or "").name for d in store.declarations(current_only=False)}
        edges = [e for e in store.export_edges() if e[0] == "REPORTS"]
        assert len(edges) == len(hops)
        for _t, _fl, did, _tl, _key, props in edges:
            assert props["cell"] == expected[(decl_files[did], props["row"])]
    finally:
        store.close()
