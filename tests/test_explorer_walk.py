"""A new analyst's walk, in-process (Streamlit AppTest): every page and every kind of deep link of the demo store and
of a store built from every real and invalid workbook in ../shared (master list imported after the forms) renders
without an exception element — rows without a country, a CID or a name included — and every node of every traced
graph opens its details. Then what the walk found must read as words: no code, no key, no hash.

The browser half (screenshots, the request log) is tests/test_browser_walk.py.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qsl

import pytest
from streamlit.testing.v1 import AppTest
from walk_support import PAGES, build_demo, build_real, deep_links

TIMEOUT = 120
PAGE_SCRIPT = """
import importlib
from minetrace.app.explorer import views
views.sidebar()
views.year_banner()
importlib.import_module("minetrace.app.explorer.screens.{page}").render()
"""
#: after a trace renders, open the details of every node of its graph (as a click would) and draw its Sankey
NODES_SCRIPT = """
import streamlit as st
from minetrace.app.explorer import charts, data, views
from minetrace.app.explorer.screens import trace
views.sidebar()
k, year = data.key(), views.year()
mode, value = st.session_state["walk_mode"], st.session_state["walk_value"]
hops = trace._hops(mode, value, k, year, []).copy()
risk_of = data.risk_map(k, year)
hops["risk"] = [risk_of.get(str(x), "unrated") for x in hops["smelter_key"]]
if not hops.empty:
    keys = set(trace._smelter_order(hops)[:trace.PER_PAGE])
    view = trace._view(hops, keys, data.supplier_names(k))
    st.session_state["_trace_shown_suppliers"] = view.suppliers
    st.session_state["_trace_page_smelters"] = sorted(keys)
    graph = trace._graph(view, data.supplier_chains(k, tuple(sorted(view.suppliers))))
    charts.network(graph)
    flows, kinds, risks, hover = trace._flows(view)
    charts.sankey(flows, node_kinds=kinds, node_risks=risks, hover=hover)
    for node_id in graph.nodes:
        trace._node_details(node_id, hops, k, year)
    st.session_state["walk_nodes"] = len(graph.nodes)
"""
MODES = {"cid": "CID", "supplier": "Supplier", "smelter": "Smelter", "country": "Country"}


@pytest.fixture(scope="module", params=["demo", "real"])
def walk_store(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    folder = tmp_path_factory.mktemp(f"walk-{request.param}")
    if request.param == "demo":
        store = build_demo(folder, suppliers=24)
    else:
        from conftest import shared_path

        store = build_real(folder, shared_path())
    old = os.environ.get("MINETRACE_STORE")
    os.environ["MINETRACE_STORE"] = str(store)
    try:
        yield store
    finally:
        if old is None:
            os.environ.pop("MINETRACE_STORE", None)
        else:
            os.environ["MINETRACE_STORE"] = old


def run(script: str, query: dict[str, str] | None = None, **state: object) -> AppTest:
    at = AppTest.from_string(script, default_timeout=TIMEOUT)
    for key, value in state.items():
        at.session_state[key] = value
    if query:
        at.query_params.update(query)
    return at.run()


def no_exception(at: AppTest, where: str) -> None:
    assert not at.exception, f"{where}: " + "\n".join(str(e.value) for e in at.exception)


def shown_text(at: AppTest) -> str:
    """Everything a person reads on the page: titles, captions, markdown, notices, metrics, table headers."""
    parts = [e.value for kind in ("title", "subheader", "caption", "markdown", "info", "warning", "success", "error")
             for e in getattr(at, kind)]
    parts += [f"{m.label} {m.value}" for m in at.metric]
    parts += [" ".join(map(str, df.value.columns)) for df in at.dataframe]
    return "\n".join(str(p) for p in parts)


#: code words that must never reach a person (they stay in JSON and the store)
CODE_WORDS = re.compile(r"responded_valid|responded_invalid|not_contacted|cahra_location|covered_location|"
                        r"invalid_stored|store version|query layer|classic-six|default_resolver|\bdecl:|"
                        r"\b[0-9a-f]{64}\b|supersedes [0-9a-f]{12}")


@pytest.mark.parametrize("all_years", [False, True], ids=["newest-year", "all-years"])
def test_every_page_renders(walk_store: Path, all_years: bool) -> None:
    state = {"year": "All years"} if all_years else {}
    for path, title in PAGES:
        at = run(PAGE_SCRIPT.format(page=path or "overview"), **state)
        no_exception(at, path or "overview")
        assert at.title[0].value == title
        text = shown_text(at)
        found = CODE_WORDS.findall(text)
        assert not found, f"{path or 'overview'} shows code words {sorted(set(found))}"
        headers = [c for df in at.dataframe for c in df.value.columns]
        assert not [h for h in headers if re.fullmatch(r"[a-z]+(_[a-z0-9]+)+", str(h))], headers


def test_the_year_shown_first_is_the_newest_with_forms(walk_store: Path) -> None:
    from minetrace.graph.open import open_store

    st = open_store(str(walk_store))
    try:
        newest = max(st.years())
    finally:
        st.close()
    at = run(PAGE_SCRIPT.format(page="overview"))
    assert at.sidebar.selectbox[0].value == newest
    assert any(f"Reporting year **{newest}** — the newest reporting year with forms" in c.value for c in at.caption)


def test_every_deep_link_renders_and_every_node_opens(walk_store: Path) -> None:
    links = deep_links(walk_store)
    kinds = {link.split("=")[0] for link in links}
    assert {"trace?supplier", "trace?smelter", "trace?cid", "trace?country"} <= kinds, links
    for link in links:
        query = dict(parse_qsl(link.split("?", 1)[1]))
        at = run(PAGE_SCRIPT.format(page="trace"), query=query)  # the newest year: drawn, or says which years
        no_exception(at, link)
        assert len(at.get("plotly_chart")) == 2 or any("Its forms are filed under" in w.value for w in at.warning)
        at = run(PAGE_SCRIPT.format(page="trace"), query=query, year="All years")
        no_exception(at, link)
        assert not any("is not reported in any stored declaration" in w.value for w in at.warning), link
        assert len(at.get("plotly_chart")) == 2, link  # the graph and the Sankey
        param, value = next(iter(query.items()))
        nodes = run(NODES_SCRIPT, walk_mode=MODES[param], walk_value=value.upper() if param in ("cid", "country")
                    else value, year="All years")
        no_exception(nodes, f"{link} (node details)")
        assert nodes.session_state["walk_nodes"] >= 3, link
        assert not CODE_WORDS.findall(shown_text(nodes)), link


def test_a_row_without_country_cid_or_name_reads_as_words(walk_store: Path) -> None:
    links = [link for link in deep_links(walk_store) if link.startswith("trace?smelter=")]
    for link in links:
        at = run(PAGE_SCRIPT.format(page="trace"), query=dict(parse_qsl(link.split("?", 1)[1])),
                 trace_evidence=True, year="All years")
        no_exception(at, link)
        labels = " ".join(str(o) for sb in at.selectbox for o in sb.options)
        assert "nan" not in labels.split() and "— nan" not in labels, labels
