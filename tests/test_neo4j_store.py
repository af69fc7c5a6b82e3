"""Neo4j-specific behaviour of graph/neo4j_store.py, on a real Neo4j 5.26 (tests/neo4j_server.py).

The shared contract (tests/test_store_contract.py) checks the answers; this file checks what only the
Neo4j store has: constraints and indexes created from graph.schema, values always sent as parameters,
UNWIND batch sizes, identical answers to the embedded store on the same data, and the failure case —
the server killed in the middle of a large declaration's write leaves no trace of that declaration.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from neo4j import GraphDatabase
from neo4j.exceptions import ConstraintError

from minetrace.app.synthetic import graph_program as synth
from minetrace.graph import schema as S
from minetrace.graph.embedded import EmbeddedStore
from minetrace.graph.export import canonical_dump
from minetrace.graph.neo4j_store import Neo4jStore, Neo4jStoreError
from minetrace.graph.open import open_store
from minetrace.graph.store import SupplierRecord
from minetrace.ingest.records import ProductRow

pytestmark = pytest.mark.neo4j

POOL = synth.facility_pool(60, seed=11)
FAC = {f.cid: f for f in POOL}


def put(store, decl, supplier: SupplierRecord, year: int | None = 2024, parent: str | None = None):
    return store.ingest_declaration(decl, synth.resolve_exact(decl, FAC), supplier, year, parent_supplier_id=parent)


def many_rows(n: int, start: int = 5) -> list:
    """`n` smelter-list rows cycling through the pool (the same smelter may appear on many rows)."""
    return [synth.smelter_row(start + i, POOL[i % len(POOL)], "DRC | Rwanda" if i % 7 == 0 else None)
            for i in range(n)]


@pytest.fixture
def store(neo4j_clean: str, tmp_path: Path) -> Iterator[Neo4jStore]:
    st = Neo4jStore(neo4j_clean, files_dir=tmp_path / "files")
    yield st
    st.close()


def cypher(uri: str, query: str, **params) -> list[dict]:
    with GraphDatabase.driver(uri) as driver:
        records, _, _ = driver.execute_query(query, params)
        return [r.data() for r in records]


# ----------------------------------------------------------------------------- schema
def test_constraints_and_indexes_from_the_schema_module(store: Neo4jStore, neo4j_clean: str) -> None:
    constraints = {r["name"]: r for r in cypher(neo4j_clean, "SHOW CONSTRAINTS YIELD name, type, labelsOrTypes, "
                                                              "properties RETURN *")}
    for c in S.CONSTRAINTS:
        assert c.name in constraints, f"missing constraint {c.name}"
        got = constraints[c.name]
        assert (got["type"], got["labelsOrTypes"], got["properties"]) == ("UNIQUENESS", [c.label], [c.prop])
    indexes = {r["name"]: r for r in cypher(neo4j_clean, "SHOW INDEXES YIELD name, state, entityType, "
                                                          "labelsOrTypes, properties RETURN *")}
    for ix in S.INDEXES:
        got = indexes[ix.name]
        assert got["state"] == "ONLINE"
        assert got["entityType"] == ("RELATIONSHIP" if ix.relationship else "NODE")
        assert (got["labelsOrTypes"], got["properties"]) == ([ix.label], list(ix.props))
    # first use only: opening again changes nothing and does not fail
    again = Neo4jStore(neo4j_clean)
    again.close()
    assert len(cypher(neo4j_clean, "SHOW CONSTRAINTS YIELD name RETURN name")) == len(constraints)


def test_uniqueness_is_enforced_by_the_server(store: Neo4jStore, neo4j_clean: str) -> None:
    decl = synth.declaration("Acme", many_rows(2), tag="u")
    put(store, decl, SupplierRecord("decl:acme", "Acme"))
    with pytest.raises(ConstraintError):
        cypher(neo4j_clean, "CREATE (:Declaration {id: $id})", id=decl.file.sha256)
    assert cypher(neo4j_clean, "MATCH (d:Declaration) RETURN count(d) AS n") == [{"n": 1}]


def test_open_store_picks_neo4j_for_bolt_uris(neo4j_clean: str) -> None:
    st = open_store(neo4j_clean)
    try:
        assert isinstance(st, Neo4jStore) and st.stats()["kind"] == "neo4j"
    finally:
        st.close()


def test_unreachable_server_is_a_clear_error() -> None:
    import socket

    with socket.socket() as s:  # a loopback port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(Neo4jStoreError, match=rf"cannot reach Neo4j at bolt://127.0.0.1:{port}"):
        Neo4jStore(f"bolt://127.0.0.1:{port}", driver_options={"connection_timeout": 3})


# ----------------------------------------------------------------------------- parameters and batches
NASTY = ["x'}) DETACH DELETE n //", 'Acme "Quoted" \\ Ltd.',
         "$rows}) MATCH (m) DETACH DELETE m //", "`Smelter`", "名字 Ω"]


def test_values_travel_as_parameters_never_as_query_text(store: Neo4jStore, neo4j_clean: str) -> None:
    rows = [synth.unresolved_row(5 + i, "Tin", name) for i, name in enumerate(NASTY)]
    supplier_name = NASTY[0]
    decl = synth.declaration(supplier_name, rows, tag="nasty",
                             products=[ProductRow(row=5, number=NASTY[1], name=NASTY[2], comment=NASTY[3])])
    store.trace_statements = True
    out = put(store, decl, SupplierRecord("decl:" + NASTY[0], supplier_name))
    assert out.outcome == "new"
    assert store.statements
    for query, _n in store.statements:
        for value in (*NASTY, decl.file.sha256, decl.file.name, "decl:"):
            assert value not in query, f"value {value!r} spliced into Cypher: {query}"
    # stored verbatim, nothing else touched
    assert store.supplier("decl:" + NASTY[0]).name == supplier_name
    assert sorted(h.raw_name for h in store.smelters_for_supplier("decl:" + NASTY[0])) == sorted(NASTY)
    prods = [p for label, _k, p in store.export_nodes() if label == S.PRODUCT]
    assert prods == [{"declaration_id": decl.file.sha256, "row": 5, "number": NASTY[1], "name": NASTY[2],
                      "comment": NASTY[3]}]
    assert store.reports(supplier_ids=[NASTY[0]]) == []  # a filter value is a value, not Cypher


def test_unwind_batches_of_the_configured_size(neo4j_clean: str, tmp_path: Path) -> None:
    st = Neo4jStore(neo4j_clean, batch_size=7, files_dir=tmp_path)
    try:
        st.trace_statements = True
        decl = synth.declaration("Batchy", many_rows(20), tag="b")
        put(st, decl, SupplierRecord("decl:batchy", "Batchy"))
        # the first batch travels with the head statement, the others in rows statements
        report_batches = [n for q, n in st.statements if ":REPORTS]" in q]
        assert report_batches == [7, 7, 6]
        assert "(dup:" in next(q for q, _n in st.statements if ":REPORTS]" in q)
        # the smelters travel with their rows: no separate smelter statements
        assert not [q for q, _n in st.statements if q.startswith("UNWIND $rows AS r MERGE (x:Smelter")]
        assert st.stats()["relationships"]["REPORTS"] == 20
        assert st.stats()["nodes"]["Smelter"] == 20  # 20 distinct smelters (pool of 60)
        # all those statements were ONE transaction: one version step for the whole declaration
        assert st.version().endswith(":1")
    finally:
        st.close()


def test_a_declaration_is_written_in_a_few_statements(store: Neo4jStore) -> None:
    """Round trips, not rows, bound ingest speed: a declaration with smelters, mine countries, products and
    mines costs one head statement (duplicate check, smelters, supersede step, the read of the smelters' LOCATED_IN
    edges and the first batch of rows included), one UNWIND per further batch of rows and, when a smelter gets a new
    location, the statement that writes it."""
    supplier = SupplierRecord("decl:few", "Few")
    first = synth.declaration("Few", many_rows(40), tag="few1",
                              products=[ProductRow(row=5, number="P-1", name="Widget", comment=None)])
    store.trace_statements = True
    assert put(store, first, supplier).outcome == "new"
    assert len(store.statements) == 2, [q[:60] for q, _n in store.statements]
    store.statements.clear()
    fix = synth.declaration("Few", many_rows(38), tag="few2")  # a re-submission superseding the first
    out = put(store, fix, supplier)
    assert out.outcome == "new" and out.supersedes == [first.file.sha256]
    # the same smelters, located already: nothing to write for LOCATED_IN; one round trip for the whole form
    assert len(store.statements) == 1, [q[:60] for q, _n in store.statements]
    store.statements.clear()
    assert put(store, fix, supplier).outcome == "duplicate"  # the head finds it; one read for the details
    assert len(store.statements) == 2, [q[:60] for q, _n in store.statements]
    store.statements.clear()
    sub = synth.declaration("Tier Two", many_rows(10), tag="few3")  # a sub-supplier adds the parent links
    put(store, sub, SupplierRecord("decl:tier two", "Tier Two"), parent="decl:unknown parent")
    assert len(store.statements) <= 6, [q[:60] for q, _n in store.statements]
    assert store.supplier_chains(["decl:tier two"])["decl:tier two"] == [[store.company_id, "decl:unknown parent",
                                                                          "decl:tier two"]]
    s = store.stats()
    assert s["relationships"]["REPORTS"] == 88 and s["relationships"]["COVERS"] == 1
    assert s["relationships"]["SOURCES_FROM_COUNTRY"] > 0 and s["relationships"]["LOCATED_IN"] > 0


def test_version_is_a_server_side_counter_and_changes_after_clear(store: Neo4jStore, neo4j_clean: str) -> None:
    v0 = store.version()
    put(store, synth.declaration("Acme", many_rows(3), tag="v"), SupplierRecord("decl:acme", "Acme"))
    v1 = store.version()
    assert v1 != v0
    other = Neo4jStore(neo4j_clean)  # a second client (another analyst) sees the same version
    try:
        assert other.version() == v1
    finally:
        other.close()
    store.clear()
    assert store.version() not in (v0, v1) and store.stats()["nodes"]["Declaration"] == 0


def test_two_clients_storing_the_same_file_at_once(store: Neo4jStore, neo4j_clean: str) -> None:
    from concurrent.futures import ThreadPoolExecutor

    decl = synth.declaration("Race", many_rows(400), tag="race")
    other = Neo4jStore(neo4j_clean)
    try:
        with ThreadPoolExecutor(2) as pool:
            outs = list(pool.map(lambda st: put(st, decl, SupplierRecord("decl:race", "Race")).outcome,
                                 (store, other)))
    finally:
        other.close()
    assert sorted(outs) == ["duplicate", "new"]
    assert store.stats()["nodes"]["Declaration"] == 1 and store.stats()["relationships"]["REPORTS"] == 400


# ----------------------------------------------------------------------------- write plans
def test_the_rows_and_location_statements_have_no_eager_operator(store: Neo4jStore) -> None:
    """PROFILE of the write path's per-row statements on the real server: an Eager operator would make the server
    buffer every row of a batch before writing (the plan the old single rows statement had). Every node they
    MATCH is found through a constraint's index, never a label scan."""
    # something located already: one of the profiled smelters has an edge its new candidate loses to, one wins over
    put(store, synth.declaration("Earlier", [synth.smelter_row(5, POOL[0])], tag="earlier"),
        SupplierRecord("decl:earlier", "Earlier"))
    decl = synth.declaration("Profiled", many_rows(15) + [synth.unresolved_row(40, "Tin", "Unknown Tin Works")],
                             tag="profiled")
    plans = store.profile_rows(decl, synth.resolve_exact(decl, FAC), SupplierRecord("decl:profiled", "Profiled"), 2024)
    assert set(plans) == {"head", "rows", "locations read", "locations delete", "locations create"}
    names = {name: [op for op, _rows in ops] for name, ops in plans.items()}
    for name, ops in names.items():
        assert ops, name
        assert name == "head" or "Eager" not in ops, f"{name}: {ops}"
        assert not {"NodeByLabelScan", "AllNodesScan", "AllRelationshipsScan"} & set(ops), f"{name}: {ops}"
    # the head statement carries one row, and the first batch of smelter rows inside a subquery: its Eager operators
    # may only ever hold that one row
    assert [rows for op, rows in plans["head"] if op == "Eager"] and all(
        rows <= 1 for op, rows in plans["head"] if op == "Eager"), plans["head"]
    assert max(rows for op, rows in plans["head"] if op == "Create") == 16  # the 16 REPORTS edges, in the head
    assert {"NodeUniqueIndexSeek(Locking)", "Create", "SetProperties"} <= set(names["rows"])
    assert "DirectedRelationshipByElementIdSeek" in names["locations delete"]
    assert "NodeIndexSeek" in names["head"]  # the supersede step finds the supplier's forms through an index
    # profiling wrote nothing (rolled back)
    assert not store.has_declaration(decl.file.sha256) and store.supplier("decl:profiled") is None


def test_row_parameter_keys_are_no_property_name() -> None:
    """A parameter read `r.metal` counts as a read of property `metal` for Neo4j's planner: with `e.metal` written
    in the same statement it plans an Eager. The rows statement's keys must stay clear of every property name."""
    from minetrace.graph.neo4j_store import _node_params, _row_params
    from minetrace.graph.rows import declaration_rows

    # the keys of what the store really sends for a declaration's rows and smelters
    decl = synth.declaration("Param Keys Ltd", [synth.smelter_row(5 + i, f) for i, f in enumerate(POOL[:3])],
                             tag="keys")
    plan = declaration_rows(decl, synth.resolve_exact(decl, {f.cid: f for f in POOL}))
    smelter_at = {key: i for i, key in enumerate(plan.smelters)}
    country_at = {iso: i for i, iso in enumerate(plan.countries())}
    sent = {k for r in plan.reports for k in _row_params(r, smelter_at, country_at)}
    sent |= {k for n in plan.smelters.values() for k in _node_params(n)}
    assert "k" in sent and len(sent) >= 13
    names = set(S.PROVENANCE_PROPS) | set(S.NODE_KEYS.values()) | {"from_reference", "seq", "source", "declaration"}
    names |= {p for props in S.NODE_PROPS.values() for p in props} | {p for r in S.REL_TYPES for p in r.props}
    assert not sent & names, sent & names


def test_write_transactions_send_begin_with_their_first_statement() -> None:
    """The store's writes pipeline BEGIN (one round trip less per ingested file) through the switch the driver's
    own execute_query uses. It is not public API: this fails when an installed driver drops it, so that the loss
    is seen (the store still works without it)."""
    from minetrace.graph.neo4j_store import _pipelined_begin

    driver = GraphDatabase.driver("bolt://127.0.0.1:9")  # nothing is sent: sessions connect on first use
    try:
        with driver.session() as session:
            switch = _pipelined_begin(session)
            assert switch is session._pipelined_begin and not session._pipelined_begin
            with switch:
                assert session._pipelined_begin  # execute_write inside opens its transaction without a round trip
            assert not session._pipelined_begin
    finally:
        driver.close()


def test_a_better_located_source_replaces_the_edge_as_in_the_embedded_store(store: Neo4jStore,
                                                                            tmp_path: Path) -> None:
    """LOCATED_IN (read, decided in Python, then written): a country the resolver gives replaces one a supplier
    only declared; a declared one never replaces the resolver's; the reference replaces both."""
    from minetrace.graph.store import SmelterFact
    from minetrace.ingest.records import Resolution

    fac = POOL[3]
    row = synth.smelter_row(5, fac)
    declared_only = [Resolution("resolved", fac.cid, "cid", 100.0, given_cid=fac.cid, metal=fac.metal,
                                standard_name=fac.name, country_iso2=None)]
    first = synth.declaration("Decl One", [row], tag="loc1")
    second = synth.declaration("Decl Two", [synth.smelter_row(5, fac)], tag="loc2")
    third = synth.declaration("Decl Three", [synth.smelter_row(5, fac)], tag="loc3")
    emb = EmbeddedStore(tmp_path / "embedded")
    try:
        for st in (emb, store):
            st.ingest_declaration(first, declared_only, SupplierRecord("decl:one", "One"), 2024)
            st.ingest_declaration(second, synth.resolve_exact(second, FAC), SupplierRecord("decl:two", "Two"), 2024)
            st.ingest_declaration(third, declared_only, SupplierRecord("decl:three", "Three"), 2024)
        edges = [e for e in store.export_edges() if e[0] == S.LOCATED_IN]
        assert len(edges) == 1 and edges[0][5]["source"] == "resolution" and edges[0][5]["sha256"] == second.file.sha256
        assert list(canonical_dump(store)) == list(canonical_dump(emb))
        for st in (emb, store):
            st.upsert_smelter_facts([SmelterFact(fac.cid, fac.metal, fac.name, "BO")])
        edges = [e for e in store.export_edges() if e[0] == S.LOCATED_IN]
        assert len(edges) == 1 and edges[0][5]["source"] == "reference" and edges[0][4] == "BO"
        assert list(canonical_dump(store)) == list(canonical_dump(emb))
    finally:
        emb.close()


# ----------------------------------------------------------------------------- same answers as embedded
def test_same_data_gives_identical_graph_and_answers_in_both_stores(store: Neo4jStore, tmp_path: Path) -> None:
    emb = EmbeddedStore(tmp_path / "embedded")
    batch = [(d, SupplierRecord("decl:" + n.lower(), n)) for d, n in synth.program(25, seed=9, pool=POOL)]
    sub = synth.declaration("Tier Two", many_rows(6, start=10), tag="t2")
    late = synth.declaration("Supplier 00001 Industries", many_rows(4), tag="late", effective=None)
    for st in (emb, store):
        st.upsert_suppliers([SupplierRecord("decl:supplier 00000 industries", "Supplier 00000 Industries",
                                            category="direct", spend=10.0)])
        for d, s in batch:
            put(st, d, s, year=2025)
        put(st, sub, SupplierRecord("decl:tier two", "Tier Two"), year=2025, parent="decl:supplier 00003 industries")
        put(st, late, SupplierRecord("decl:supplier 00001 industries", "x"), year=2025)
        st.delete_declaration(batch[5][0].file.sha256)
    try:
        assert list(canonical_dump(store)) == list(canonical_dump(emb))
        assert store.reports(current_only=False) == emb.reports(current_only=False)
        assert store.reports(metals=["Gold"], countries=["CN", "ID"]) == emb.reports(metals=["Gold"],
                                                                                     countries=["CN", "ID"])
        assert store.supplier_chains() == emb.supplier_chains()
        assert store.declared_mine_countries() == emb.declared_mine_countries()
        assert store.suppliers() == emb.suppliers() and store.smelters() == emb.smelters()
        assert _same_but_received(store, emb)
        key = POOL[0].cid
        assert store.suppliers_for_smelter(key) == emb.suppliers_for_smelter(key)
        s_emb, s_neo = emb.stats(), store.stats()
        assert (s_neo["nodes"], s_neo["relationships"]) == (s_emb["nodes"], s_emb["relationships"])
    finally:
        emb.close()


def _same_but_received(a: Neo4jStore, b: EmbeddedStore) -> bool:
    strip = lambda ds: [{**d.to_json(), "received": None} for d in ds]  # noqa: E731 - ingest time differs
    return strip(a.declarations(current_only=False)) == strip(b.declarations(current_only=False))


# ----------------------------------------------------------------------------- failure mid-ingest
class _KillAt(list):
    """A statement trace that SIGKILLs the server as the `at`-th statement of the write is sent:
    deterministic, the transaction is open and half of its rows are already on the server."""

    def __init__(self, at: int, kill: Callable[[], None]) -> None:
        super().__init__()
        self.at, self.kill = at, kill

    def append(self, item: tuple[str, int]) -> None:
        super().append(item)
        if len(self) == self.at:
            self.kill()


def test_server_killed_mid_ingest_leaves_no_partial_declaration(neo4j_harness, tmp_path: Path) -> None:
    server = neo4j_harness("crash")  # its own server and data folder: killing it spares the session server
    options = {"max_transaction_retry_time": 2.0, "connection_timeout": 3.0}
    st = Neo4jStore(server.uri, batch_size=100, files_dir=tmp_path, driver_options=options)
    kept = synth.declaration("Before", many_rows(3), tag="kept")
    put(st, kept, SupplierRecord("decl:before", "Before"))
    before = list(canonical_dump(st))
    big = synth.declaration("Big Supplier", many_rows(3000), tag="big")
    st.trace_statements = True
    # statements: head (Declaration node, first 100 rows), then 29 row batches of 100: the kill lands
    # as the 20th statement is sent, ~2,000 REPORTS rows already inside the open transaction
    st.statements = _KillAt(20, server.kill)
    with pytest.raises(Neo4jStoreError) as err:
        put(st, big, SupplierRecord("decl:big supplier", "Big Supplier"))
    assert len(st.statements) >= 20
    msg = str(err.value)
    assert f"ingest of {big.file.name} failed" in msg and "nothing of it is stored" in msg and server.uri in msg
    assert not server.running
    st.close()

    again = neo4j_harness("crash")  # restart on the same data folder: Neo4j recovers from its transaction log
    assert again.home == server.home
    st2 = Neo4jStore(again.uri, files_dir=tmp_path)
    try:
        assert not st2.has_declaration(big.file.sha256)
        assert st2.supplier("decl:big supplier") is None
        assert list(canonical_dump(st2)) == before  # exactly as before that file
        assert st2.has_declaration(kept.file.sha256)
        out = put(st2, big, SupplierRecord("decl:big supplier", "Big Supplier"))  # and the retry succeeds whole
        assert out.outcome == "new" and st2.declaration(big.file.sha256).smelter_rows == 3000
        assert st2.stats()["relationships"]["REPORTS"] == 3003
    finally:
        st2.close()


# ----------------------------------------------------------------------------- real supplier files
def test_real_cmrts_give_the_same_graph_in_both_stores_and_twice(store: Neo4jStore, tmp_path: Path) -> None:
    from conftest import shared_path

    from minetrace.graph.ingest import ingest_paths
    from minetrace.graph.resolving import default_resolver

    folder = shared_path("cmrt", "filled")
    resolver, _ = default_resolver(str(tmp_path / "reference"))
    emb = EmbeddedStore(tmp_path / "embedded")
    try:
        first = ingest_paths([folder], store, resolver=resolver)
        ingest_paths([folder], emb, resolver=resolver)
        assert first.counts().get("new", 0) >= 1
        assert list(canonical_dump(store)) == list(canonical_dump(emb))
        assert store.reports(current_only=False) == emb.reports(current_only=False)
        v = store.version()
        again = ingest_paths([folder], store, resolver=resolver)  # same files: all duplicates, nothing changes
        assert {k for k, n in again.counts().items() if n} <= {"duplicate", "unreadable"}
        assert again.counts()["duplicate"] == first.counts()["new"] + first.counts()["invalid_stored"]
        assert store.version() == v
    finally:
        emb.close()
