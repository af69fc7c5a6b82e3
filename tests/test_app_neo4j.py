"""The explorer on a Neo4j store (`minetrace app --store bolt://…`): the same pages, the same answers.

A real Neo4j 5.26 (tests/neo4j_server.py), the generated program ingested through graph.ingest, the
reference DB in ./.minetrace of a temporary working directory (a URI store keeps it there).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

pytest_plugins = ["neo4j_server"]
pytestmark = pytest.mark.neo4j

PAGE_SCRIPT = """
import importlib
from minetrace.app.explorer import views
views.sidebar()
importlib.import_module("minetrace.app.explorer.screens.{page}").render()
"""


def test_pages_on_neo4j(neo4j_clean: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from minetrace.app.explorer import data
    from minetrace.app.synthetic.workbooks import generate_program, starter_facilities, starter_watchlist
    from minetrace.graph.ingest import ingest_paths
    from minetrace.graph.open import open_store
    from minetrace.graph.resolving import default_resolver

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MINETRACE_STORE", neo4j_clean)
    manifest = generate_program(tmp_path / "program", 6, seed=7, facilities=starter_facilities(),
                                watchlist=starter_watchlist(), master_list=True, watchlist_share=0.5)
    store = open_store(neo4j_clean)
    try:
        resolver, _ = default_resolver(str(tmp_path / ".minetrace"))
        ingest_paths([tmp_path / "program" / "cmrt"], store, resolver=resolver,
                     supplier_map=tmp_path / "program" / "suppliers.csv")
    finally:
        store.close()
    data.reset_store()
    assert data.store_uri() == neo4j_clean and data.store().stats()["kind"] == "neo4j"
    at = AppTest.from_string(PAGE_SCRIPT.format(page="overview"), default_timeout=120).run()
    assert not at.exception, [e.value for e in at.exception]
    figures = manifest.figures()
    assert next(m.value for m in at.metric if m.label == "Valid / invalid forms") == \
        f"{figures['valid']} / {figures['invalid']}"
    watch: dict[str, list[str]] = {}
    for s in manifest.suppliers:
        for cid in s.watchlisted:
            watch.setdefault(cid, []).append(s.supplier_id)
    cid, suppliers = sorted(watch.items())[0]
    at = AppTest.from_string(PAGE_SCRIPT.format(page="trace"), default_timeout=120)
    at.session_state["trace_mode"] = "CID"
    at.session_state["trace_pick_CID"] = cid
    at.session_state["trace_evidence"] = True
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    evidence = next(df.value for df in at.dataframe if {"Country as written", "Cell"} <= set(df.value.columns))
    assert sorted(set(evidence["Supplier ID"])) == sorted(set(suppliers))
    assert evidence["Cell"].str.match(r"^Smelter List!\w+$").all()  # the cell the reader read, from Neo4j
    data.reset_store()
