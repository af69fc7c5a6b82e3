"""The Neo4j read path sends few records (rows grouped per declaration, lists in chunks) and still answers as the
embedded store does; the per-supplier folds both stores share (graph.aggregate) are pinned here on plain data.

Why: bench/neo4j_reads.py showed the driver's per-record cost dominating the reads, so the Neo4j store now
returns one record per chunk of declarations / suppliers / smelters and rebuilds rows in Python. These tests
make that rebuilding fail loudly: chunks far smaller than the data (several records per read), rows whose
smelter-list order differs from their write order, and the same questions asked of both stores.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from minetrace.app.synthetic import graph_program as synth
from minetrace.graph.aggregate import class_counts, keys_by_supplier, pair_counts, smelter_counts
from minetrace.graph.store import GraphStore, SupplierRecord

POOL = synth.facility_pool(40, seed=3)
FAC = {f.cid: f for f in POOL}


# ------------------------------------------------------------------ graph.aggregate on plain data
def test_keys_by_supplier_joins_the_rows_of_one_supplier() -> None:
    got = keys_by_supplier([("S2", ["b"]), ("S1", ["a", "b"]), ("S2", ["a", "b"])])
    assert got == {"S2": ["b", "a", "b"], "S1": ["a", "b"]}


def _count_reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The read statements the Neo4j store sends from now on (each a round trip), appended as they go."""
    from minetrace.graph.neo4j_store import Neo4jStore

    calls: list[str] = []
    for name in ("_read", "_read_rows"):
        original = getattr(Neo4jStore, name)

        def counted(self: Any, query: str, _original: Any = original, **params: Any) -> Any:
            calls.append(query)
            return _original(self, query, **params)

        monkeypatch.setattr(Neo4jStore, name, counted)
    return calls

def test_class_counts_counts_smelters_once_and_rows_each_time() -> None:
    by_supplier = {"S2": ["x", "y", "x", "z"], "S1": ["y"]}
    classes = {"x": "high", "y": "low"}  # z is in no class: class ""
    assert class_counts(by_supplier, classes, listed=["high"]) == [
        ("S1", "low", 1, 1, []),
        ("S2", "", 1, 1, []),
        ("S2", "high", 1, 2, ["x"]),
        ("S2", "low", 1, 1, []),
    ]
    # the listed class "" names the smelters `classes` does not
    assert class_counts(by_supplier, classes, listed=[""])[0:2] == [("S1", "low", 1, 1, []), ("S2", "", 1, 1, ["z"])]


def test_pair_and_smelter_counts() -> None:
    by_supplier = {"S2": ["x", "y", "x"], "S1": ["x"]}
    assert pair_counts(by_supplier) == [("S1", "x", 1), ("S2", "x", 2), ("S2", "y", 1)]
    assert smelter_counts(by_supplier) == [("x", 2, 3), ("y", 1, 1)]


def test_grouped_rows_come_back_in_row_order() -> None:
    from minetrace.graph.neo4j_store import _group_hops

    rows = [7, 5, None, 6]
    head = ("S1", "Supplier One", "d1", "f.xlsx", "6.4", 2024, "valid", True)
    hops = _group_hops(head, [["Tin", r, f"name {r}", None, "exact", 1.0, f"K{r}", None, None, None, None, None,
                               None, None, f"Smelter List!D{r}"] for r in rows])
    assert [h.row for h in hops] == [5, 6, 7, None]
    assert [h.smelter_key for h in hops] == ["K5", "K6", "K7", "KNone"]
    assert [h.raw_name for h in hops] == ["name 5", "name 6", "name 7", "name None"]
    assert [h.cell for h in hops] == ["Smelter List!D5", "Smelter List!D6", "Smelter List!D7", "Smelter List!DNone"]
    assert all(h.sha256 == "d1" and h.declaration_id == "d1" and h.sheet == "Smelter List" for h in hops)


# ------------------------------------------------------------------ both stores, small chunks
@pytest.fixture
def both(neo4j_clean: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[GraphStore, GraphStore]]:
    """The same small program in the embedded store and in Neo4j, Neo4j sending 3 values per record."""
    from minetrace.graph import neo4j_store
    from minetrace.graph.embedded import EmbeddedStore
    from minetrace.graph.neo4j_store import Neo4jStore

    monkeypatch.setattr(neo4j_store, "LIST_CHUNK", 3)
    emb, neo = EmbeddedStore(tmp_path / "emb"), Neo4jStore(neo4j_clean)
    batch = [(d, SupplierRecord("decl:" + n.lower(), n)) for d, n in synth.program(14, seed=21, pool=POOL)]
    # rows written out of smelter-list order, one row with mine countries
    shuffled = synth.declaration("Shuffled Co", [synth.smelter_row(r, FAC[c], m) for r, c, m in
                                                 ((9, "CID000002", None), (5, "CID000004", "DRC"),
                                                  (7, "CID000006", None))],
                                 effective=date(2024, 3, 1), tag="shuffled")
    for st in (emb, neo):
        for d, s in [*batch, (shuffled, SupplierRecord("decl:shuffled co", "Shuffled Co"))]:
            st.ingest_declaration(d, synth.resolve_exact(d, FAC), s, 2024)
    try:
        yield emb, neo
    finally:
        emb.close()
        neo.close()


def _json(items: list[Any]) -> list[Any]:
    return [i.to_json() if hasattr(i, "to_json") else i for i in items]


@pytest.mark.neo4j
def test_chunked_reads_answer_as_the_embedded_store(both: tuple[GraphStore, GraphStore]) -> None:
    emb, neo = both
    assert len(neo.suppliers()) > 3 * 3  # several records per read
    assert emb.suppliers() == neo.suppliers()
    assert emb.smelters() == neo.smelters()
    assert [d.to_json() | {"received": None} for d in emb.declarations(current_only=False)] == [
        d.to_json() | {"received": None} for d in neo.declarations(current_only=False)]
    for kwargs in ({}, {"year": 2024}, {"current_only": False}, {"supplier_ids": ["decl:shuffled co"]},
                   {"smelter_keys": ["CID000002", "CID000004"]}, {"smelter_keys": []}):
        assert _json(emb.reports(**kwargs)) == _json(neo.reports(**kwargs)), kwargs
    shuffled = neo.reports(supplier_ids=["decl:shuffled co"])
    assert [h.row for h in shuffled] == [5, 7, 9]
    assert emb.declared_mine_countries() == neo.declared_mine_countries()
    for kwargs in ({}, {"year": 2024}, {"year": 2023}, {"current_only": False}):  # a set, in no order
        assert sorted(emb.smelter_mine_countries(**kwargs)) == sorted(neo.smelter_mine_countries(**kwargs)), kwargs
    assert neo.smelter_mine_countries(year=2024) and not neo.smelter_mine_countries(year=2023)
    keys = [k for k, _, _ in emb.smelter_supplier_counts()]
    classes = {k: ("high" if i % 3 == 0 else "low") for i, k in enumerate(keys[:-1])}
    for listed in ([], ["high"], [""]):
        assert emb.supplier_class_counts(classes, listed=listed) == neo.supplier_class_counts(classes, listed=listed)
    assert emb.supplier_smelter_counts(smelter_keys=keys[:4]) == neo.supplier_smelter_counts(smelter_keys=keys[:4])
    assert emb.smelter_supplier_counts(year=2024) == neo.smelter_supplier_counts(year=2024)


@pytest.mark.neo4j
def test_country_figures_and_country_exposure_on_both_stores(both: tuple[GraphStore, GraphStore],
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """The Exposure page's country figures equal what the hop list gives, and country exposure reads each list
    once: its number of Neo4j queries does not grow with the declarations it names (no read per declaration)."""
    from minetrace.queries.exposure import country_exposure, declared_country_rows, located_smelter_counts

    emb, neo = both
    for st in (emb, neo):
        located: dict[str, set[str]] = {}
        for h in st.reports(year=2024):
            if h.country_iso2:
                located.setdefault(h.country_iso2, set()).add(h.smelter_key)
        assert located_smelter_counts(st, 2024) == {c: len(v) for c, v in sorted(located.items())}
        declared: dict[str, int] = {}
        for _, iso2, _, _ in st.declared_mine_countries(year=2024):
            declared[iso2] = declared.get(iso2, 0) + 1
        assert declared_country_rows(st, 2024) == dict(sorted(declared.items()))
    assert located_smelter_counts(emb, 2024) == located_smelter_counts(neo, 2024)
    wanted = sorted({iso for _, iso, _, _ in emb.declared_mine_countries(year=2024)})
    assert wanted
    calls = _count_reads(monkeypatch)
    got = country_exposure(neo, wanted, year=2024)
    named = {e["declaration_id"] for g in got.by_declared_mine_country for e in g["evidence"]}
    assert len(named) > 3 and len(calls) <= 6, (len(named), len(calls))
    assert country_exposure(emb, wanted, year=2024).to_json() == got.to_json()


# ------------------------------------------------------------------ the one-CID read's plan
def _profile(store: Any, query: str, params: dict[str, Any]) -> tuple[int, list[str]]:
    """(total db hits, "operator details" per operator) of `query` PROFILEd on the server."""
    def walk(plan: Any, out: list[tuple[int, str]]) -> list[tuple[int, str]]:
        out.append((int(plan.get("dbHits") or 0), f"{plan['operatorType']} {plan.get('args', {}).get('Details', '')}"))
        for child in plan.get("children", []):
            walk(child, out)
        return out

    with store._driver.session(database=store.database) as session:
        result = session.run("PROFILE " + query, params)
        result.consume()
        ops = walk(result.consume().profile, [])
    return sum(hits for hits, _ in ops), [op for _, op in ops]


@pytest.mark.neo4j
def test_one_cid_read_starts_at_the_smelter_and_reads_only_the_asked_rows(neo4j_clean: str,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """`reports(smelter_keys=[cid])` (the one-CID exposure's read) starts at the smelter's unique index and expands
    to the declarations that report it: its db hits grow with the rows asked for, not with the year's rows
    (expanding every row of each declaration to find the smelter). The forms are wide and the graph small: the
    planner, left alone, started such a graph from the year's declarations. The declarations' own columns and their
    suppliers' are a second read by element id, once per store version. A caller that names its `columns` gets the
    others unread: fewer db hits, the same hops on those columns."""
    from minetrace.graph.neo4j_store import Neo4jStore

    neo = Neo4jStore(neo4j_clean)
    pool = synth.facility_pool(61, seed=5)
    known = {f.cid: f for f in pool}
    wide = [synth.smelter_row(5 + i, f) for i, f in enumerate(pool[1:])]  # 60 other smelters per form
    for i in range(12):
        d = synth.declaration(f"Wide {i}", [synth.smelter_row(4, pool[0]), *wide], tag=f"wide{i}")
        neo.ingest_declaration(d, synth.resolve_exact(d, known), SupplierRecord(f"decl:wide {i}", f"Wide {i}"), 2024)
    sent: list[tuple[str, dict[str, Any]]] = []
    original = Neo4jStore._read_rows

    def captured(self: Any, query: str, **params: Any) -> Any:
        sent.append((query, params))
        return original(self, query, **params)

    monkeypatch.setattr(Neo4jStore, "_read_rows", captured)
    try:
        hops = neo.reports(smelter_keys=[pool[0].cid], year=2024)
        assert len(hops) == 12 and {h.supplier_name for h in hops} == {f"Wide {i}" for i in range(12)}
        assert len(sent) == 2  # the rows, then their declarations' heads
        few = neo.reports(smelter_keys=[pool[0].cid], year=2024, columns=("metal", "cell"))
        assert len(sent) == 3  # the heads are remembered: the rows only
        hits, ops = _profile(neo, *sent[0])
        head_hits, head_ops = _profile(neo, *sent[1])
        few_hits, _ = _profile(neo, *sent[2])
    finally:
        neo.close()
    assert any(op.startswith("NodeUniqueIndexSeek") and "Smelter(key)" in op for op in ops), ops
    assert any(op.startswith("NodeByElementIdSeek") for op in head_ops), head_ops
    # measured: 236 when this small graph's planner pairs the smelter with the year's declarations (Expand(Into); at
    # 1k suppliers it expands from the smelter); 543 with the heads inline. Expanding every row of the year's
    # declarations to find the smelter costs 2,137
    assert hits <= 500, (hits, ops)
    # measured 160; with `elementId(d) IN $ids` this small graph's planner scanned every Declaration or DECLARED edge
    assert head_hits <= 12 * 25, (head_hits, head_ops)
    # the row columns not asked for are not read: 12 rows x 11 properties fewer (measured 104)
    assert few_hits <= hits - 12 * 8, (few_hits, hits)
    assert [(h.supplier_id, h.declaration_id, h.row, h.smelter_key, h.metal, h.cell) for h in few] == [
        (h.supplier_id, h.declaration_id, h.row, h.smelter_key, h.metal, h.cell) for h in hops]
    assert {h.raw_name for h in few} == {None} and {h.raw_name for h in hops} != {None}


@pytest.mark.neo4j
def test_one_cid_exposure_reads_hops_and_version_in_one_round_trip(both: tuple[GraphStore, GraphStore],
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """`versioned_reports` is (`version()`, `reports(…)`) on both stores; on Neo4j it is one statement, so a warm
    one-CID exposure (supplier chains remembered under that version) is one read, a cold one two — and the answers
    are the embedded store's."""
    from minetrace.queries.exposure import cid_exposure, clear_chain_cache

    emb, neo = both
    keys = ["CID000002", "CID000004"]
    for st in (emb, neo):
        version, hops = st.versioned_reports(smelter_keys=keys, year=2024)
        assert version == st.version() and hops and _json(hops) == _json(st.reports(smelter_keys=keys, year=2024))
        assert st.versioned_reports(smelter_keys=[]) == (st.version(), [])
        assert st.versioned_reports(smelter_keys=["CID999999"], year=2024) == (st.version(), [])
    calls = _count_reads(monkeypatch)
    clear_chain_cache()
    neo.upsert_suppliers([SupplierRecord("M-0001", "Unrelated Co")])  # a write: a new version, nothing remembered
    emb.upsert_suppliers([SupplierRecord("M-0001", "Unrelated Co")])
    cold = cid_exposure(neo, ["CID000002"], year=2024)
    assert len(calls) == 3, calls  # the rows with the version, their declarations' heads, the suppliers' chains
    calls.clear()
    warm = cid_exposure(neo, ["CID000002"], year=2024)
    assert len(calls) == 1, calls
    assert [r.to_json() for r in cold] == [r.to_json() for r in warm] == [
        r.to_json() for r in cid_exposure(emb, ["CID000002"], year=2024)]
    assert cold[0].suppliers and cold[0].suppliers[0]["paths"]


@pytest.mark.neo4j
def test_declaration_heads_are_read_once_per_store_version(both: tuple[GraphStore, GraphStore],
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """The Neo4j store remembers the declarations' and suppliers' columns of the hops it read under the store's
    version: the same read again is one statement, and a write that changes them (a supplier renamed, a form
    superseded: the old one no longer current) is seen at once — the answers stay the embedded store's."""
    emb, neo = both
    key = "CID000002"
    calls = _count_reads(monkeypatch)
    first = neo.reports(smelter_keys=[key], current_only=False)
    assert len(calls) == 2 and first, calls  # the rows, then their declarations' heads
    calls.clear()
    assert neo.reports(smelter_keys=[key], current_only=False) == first and len(calls) == 1
    who = first[0].supplier_id
    newer = synth.declaration("Newer Co", [synth.smelter_row(5, FAC[key])], effective=date(2024, 12, 1), tag="newer")
    for st in (emb, neo):
        st.upsert_suppliers([SupplierRecord(who, "Renamed Co")])
        st.ingest_declaration(newer, synth.resolve_exact(newer, FAC), SupplierRecord(who, "Renamed Co"), 2024)
    calls.clear()
    after = neo.reports(smelter_keys=[key], current_only=False)
    assert len(calls) == 2, calls
    assert _json(after) == _json(emb.reports(smelter_keys=[key], current_only=False))
    mine = [h for h in after if h.supplier_id == who]
    assert {h.supplier_name for h in mine} == {"Renamed Co"} and sorted(h.current for h in mine) == [False, True]


@pytest.mark.neo4j
def test_a_write_between_the_rows_and_their_heads_gives_one_snapshot(both: tuple[GraphStore, GraphStore],
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """When another client writes after the rows were read and before their declarations' heads are, the store
    reads rows and heads again in one statement: the hops and the version returned are one moment's (the later),
    never old rows under new heads or the old version with new names."""
    from minetrace.graph.neo4j_store import Neo4jStore

    emb, neo = both
    key = "CID000002"
    who = neo.reports(smelter_keys=[key])[0].supplier_id
    other = Neo4jStore(neo.uri)
    original = Neo4jStore._declaration_heads
    wrote: list[str] = []

    def another_client_writes_first(self: Any, version: str, element_ids: list[str]) -> Any:
        if self is neo and not wrote:
            other.upsert_suppliers([SupplierRecord(who, "Renamed Meanwhile")])
            wrote.append(version)
        return original(self, version, element_ids)

    monkeypatch.setattr(Neo4jStore, "_declaration_heads", another_client_writes_first)
    try:
        neo.upsert_suppliers([SupplierRecord("M-0001", "Unrelated Co")])  # nothing remembered under this version
        version, hops = neo.versioned_reports(smelter_keys=[key])
    finally:
        other.close()
    emb.upsert_suppliers([SupplierRecord("M-0001", "Unrelated Co"), SupplierRecord(who, "Renamed Meanwhile")])
    assert wrote and version != wrote[0] and version == neo.version()
    assert _json(hops) == _json(emb.reports(smelter_keys=[key]))
    assert "Renamed Meanwhile" in {h.supplier_name for h in hops}
    assert neo.versioned_reports(smelter_keys=[key]) == (version, hops)


@pytest.mark.neo4j
def test_a_declaration_no_supplier_declares_is_left_out_not_an_error(both: tuple[GraphStore, GraphStore]) -> None:
    """A DECLARED edge deleted by hand (Neo4j Browser): the declaration's rows are left out of the hops, as the
    one-statement read's MATCH left them out — the remembered heads have no entry for it, the read does not fail."""
    _emb, neo = both
    key = "CID000002"
    before = neo.reports(smelter_keys=[key])
    gone = before[0].declaration_id
    with neo._driver.session(database=neo.database) as session:
        session.run("MATCH (:Supplier)-[e:DECLARED]->(d:Declaration {id: $id}) DELETE e", id=gone).consume()
    neo.upsert_suppliers([SupplierRecord("M-0001", "Unrelated Co")])  # a new version: the heads are read again
    after = neo.reports(smelter_keys=[key])
    assert after == [h for h in before if h.declaration_id != gone] and len(after) < len(before)


@pytest.mark.neo4j
def test_supplier_chains_of_a_few_suppliers_walk_back_from_them(both: tuple[GraphStore, GraphStore],
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """The supplier chains an exposure asks for are walked back from those suppliers: the read's db hits do not
    grow with the suppliers not asked for (walking out from the company enumerated every supplier's paths; the
    planner did so once the company had a few hundred suppliers)."""
    from minetrace.graph.neo4j_store import Neo4jStore

    emb, neo = both
    everyone = sorted(emb.supplier_chains())
    assert len(everyone) > 10 and emb.supplier_chains() == neo.supplier_chains()
    assert emb.supplier_chains(everyone[:2] + ["nobody"]) == neo.supplier_chains(everyone[:2] + ["nobody"])
    neo.upsert_suppliers([SupplierRecord(f"M{i:04d}", f"Master {i}") for i in range(600)])  # a program's size
    sent: list[tuple[str, dict[str, Any]]] = []
    original = Neo4jStore._read_rows

    def captured(self: Any, query: str, **params: Any) -> Any:
        sent.append((query, params))
        return original(self, query, **params)

    monkeypatch.setattr(Neo4jStore, "_read_rows", captured)
    neo.supplier_chains(everyone[:1])
    assert len(sent) == 1
    hits, ops = _profile(neo, *sent[0])
    # measured 9 for one supplier under the company; walking out from the company: 2,106 (3 a supplier of the program)
    assert hits <= 20, (hits, ops)
