"""Trace: from a supplier, smelter, CID or country to every path Company → Supplier → Smelter → Country.

Shows the paths as a node-link graph coloured by risk (click a node for its details) and as a Sankey,
with the evidence of each hop (file, sheet, row, raw name, resolution) on demand. Large selections are
paged by smelter (highest risk first) and the long tail of suppliers is aggregated into one node.
Deep link: ``/trace?cid=CID002587`` (also ``?supplier=…``, ``?smelter=…``, ``?country=CD``).
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from app.explorer import charts, data, geo, views
from app.safe_output import md, md_code

MODES = ("Supplier", "Smelter", "CID", "Country")
RISKS = ("high", "medium", "low", "unrated")
RISK_RANK = {"high": 0, "medium": 1, "low": 2, "unrated": 3}
MAX_SUPPLIERS = 40
EVIDENCE_COLS = ["supplier_name", "supplier_id", "file_name", "sheet", "row", "raw_name", "raw_cid", "raw_country",
                 "method", "score", "resolution_status", "cid", "smelter_name", "metal", "country_iso2", "risk",
                 "reporting_year", "status"]


def _deep_link() -> None:
    """Apply ?cid= / ?supplier= / ?smelter= / ?country= once per session."""
    params = st.query_params
    for mode, param in (("CID", "cid"), ("Supplier", "supplier"), ("Smelter", "smelter"), ("Country", "country")):
        value = params.get(param)
        if value and st.session_state.get("_trace_link") != (param, value):
            st.session_state["_trace_link"] = (param, value)
            st.session_state["trace_mode"] = mode
            st.session_state[f"trace_pick_{mode}"] = value.upper() if param in ("cid", "country") else value
            return


def _options(mode: str, k: tuple[str, str]) -> tuple[list[str], dict[str, str]]:
    """(option values, value → label) for the picker of a mode."""
    if mode == "Supplier":
        df = data.suppliers(k)
        labels = {str(r.id): f"{r.name or r.id} ({r.id})" for r in df.itertuples()}
    elif mode == "Smelter":
        df = data.smelters(k)
        labels = {str(r.key): f"{r.name or r.key} — {r.metal or '?'} — {r.cid or 'unresolved'}"
                  for r in df.itertuples()}
    elif mode == "CID":
        df = data.smelters(k)
        df = df[df["cid"].notna()]
        labels = {str(r.cid): f"{r.cid} — {r.name or ''} ({r.metal or '?'})" for r in df.itertuples()}
    else:
        hops = data.reports(k, None)
        isos = sorted({str(c) for c in hops["country_iso2"].dropna()})
        labels = {c: f"{geo.country_name(c)} ({c})" for c in isos}
    values = sorted(labels, key=lambda v: labels[v].lower())
    return values, labels


def _hops(mode: str, value: str, k: tuple[str, str], year: int | None, metals: list[str]) -> pd.DataFrame:
    metals_t = tuple(metals) if metals else None
    if mode == "Supplier":
        return data.reports(k, year, supplier_ids=(value,), metals=metals_t)
    if mode == "Country":
        return data.reports(k, year, countries_=(value,), metals=metals_t)
    if mode == "CID":
        keys = data.smelters(k)
        keys = tuple(keys[keys["cid"] == value]["key"]) or (value,)
        return data.reports(k, year, smelter_keys=keys, metals=metals_t)
    return data.reports(k, year, smelter_keys=(value,), metals=metals_t)


def _page(hops: pd.DataFrame) -> tuple[pd.DataFrame, int, int]:
    """Page the hops by smelter (highest risk, then most reported, first); returns (hops, page, pages)."""
    order = (hops.groupby("smelter_key")
             .agg(rank=("risk", lambda s: min(RISK_RANK.get(x, 3) for x in s)), n=("supplier_id", "nunique"))
             .sort_values(["rank", "n"], ascending=[True, False]))
    per_page = st.session_state.get("trace_page_size", 30)
    pages = max(1, -(-len(order) // per_page))
    page = 1
    if pages > 1:
        c1, c2 = st.columns([1, 3])
        page = c1.number_input(f"Page (of {pages})", 1, pages, 1, key="trace_page")
        c2.caption(f"{len(order)} smelters, {per_page} per page, highest risk first.")
    keys = set(order.index[(page - 1) * per_page: page * per_page])
    return hops[hops["smelter_key"].isin(keys)], page, pages


def _graph(hops: pd.DataFrame, chains: dict[str, list[list[str]]], names: dict[str, str]) -> charts.Graph:
    g = charts.Graph()
    g.add_node(charts.Node("company", "Our company", "company", 0))
    counts = hops.groupby("supplier_id").size().sort_values(ascending=False)
    shown = set(counts.index[:MAX_SUPPLIERS])
    other = [s for s in counts.index if s not in shown]
    depth = 1
    for sid in shown:
        chain = (chains.get(sid) or [["company", sid]])[0]
        depth = max(depth, len(chain) - 1)
        for i, node in enumerate(chain[1:], start=1):
            g.add_node(charts.Node(f"s:{node}", names.get(node, node), "supplier", i, detail={"supplier_id": node}))
            g.add_edge("company" if i == 1 else f"s:{chain[i - 1]}", f"s:{node}")
    if other:
        g.add_node(charts.Node("s:__other__", f"+{len(other)} more suppliers", "supplier", 1,
                               detail={"supplier_ids": other}))
        g.add_edge("company", "s:__other__", len(other))
    for h in hops.itertuples():
        sup = f"s:{h.supplier_id}" if h.supplier_id in shown else "s:__other__"
        smelter = f"m:{h.smelter_key}"
        g.add_node(charts.Node(smelter, h.smelter_name or h.raw_name or h.smelter_key, "smelter", depth + 1, h.risk,
                               detail={"smelter_key": h.smelter_key}))
        g.add_edge(sup, smelter)
        if h.country_iso2:
            g.add_node(charts.Node(f"c:{h.country_iso2}", geo.country_name(h.country_iso2), "country", depth + 2,
                                   detail={"iso2": h.country_iso2}))
            g.add_edge(smelter, f"c:{h.country_iso2}")
    return g


def _flows(hops: pd.DataFrame, shown: set[str]) -> list[tuple[str, str, int, str | None]]:
    flows: dict[tuple[str, str], list[Any]] = {}

    def add(a: str, b: str, risk: str | None) -> None:
        entry = flows.setdefault((a, b), [0, risk])
        entry[0] += 1
        if RISK_RANK.get(risk or "unrated", 3) < RISK_RANK.get(entry[1] or "unrated", 3):
            entry[1] = risk

    for h in hops.itertuples():
        sup = f"{h.supplier_name or h.supplier_id}" if h.supplier_id in shown else "other suppliers"
        smelter = f"{h.smelter_name or h.raw_name or h.smelter_key} [{h.metal or '?'}]"
        add("Our company", sup, h.risk)
        add(sup, smelter, h.risk)
        add(smelter, geo.country_name(h.country_iso2) if h.country_iso2 else "country unknown", h.risk)
    return [(a, b, v, r) for (a, b), (v, r) in flows.items()]


def _node_details(node_id: str, hops: pd.DataFrame, k: tuple[str, str], year: int | None) -> None:
    kind, _, ident = node_id.partition(":")
    if kind == "s" and ident != "__other__":
        st.markdown(f"**Supplier** {md_code(ident)}")
        views.table(data.suppliers(k).query("id == @ident"), ["id", "name", "category", "contact_email", "in_scope"],
                    key="trace_node_sup")
        views.table(hops[hops["supplier_id"] == ident], ["smelter_name", "cid", "metal", "risk", "file_name", "row"],
                    key="trace_node_sup_hops")
    elif kind == "m":
        st.markdown(f"**Smelter** {md_code(ident)}")
        try:
            risk = data.smelter_risk(k, year)
            views.table(risk[risk["key"] == ident], ["cid", "name", "metal", "country_iso2", "risk", "reasons_text",
                                                     "status", "lapses_on"], key="trace_node_risk")
        except Exception as exc:  # a query failure must not hide the rest of the page
            views.unavailable(exc, "Smelter risk")
        views.table(hops[hops["smelter_key"] == ident], ["supplier_name", "file_name", "sheet", "row", "raw_name",
                                                          "method"], key="trace_node_sm_hops")
    elif kind == "c":
        covered = data.countries(k)
        row = covered[covered["iso2"] == ident]
        flag = " — Covered Country" if not row.empty and bool(row.iloc[0]["covered"]) else ""
        st.markdown(f"**Country** {md(geo.country_name(ident))} ({md(ident)}){flag}")
        views.table(hops[hops["country_iso2"] == ident], ["smelter_name", "cid", "metal", "risk", "supplier_name"],
                    key="trace_node_country")
    else:
        st.markdown(f"**{md(node_id)}**")


FLAGGED_COLS = ["supplier_name", "supplier_id", "chain_text", "cid", "smelter_name", "metal", "country_iso2", "risk",
                 "flags_text", "reasons_text", "file_name", "sheet", "row", "raw_name", "method"]


SMELTER_COLS = ["cid", "name", "metal", "country_iso2", "risk", "flags_text", "suppliers", "rows", "reasons_text"]
SMELTERS_PER_PAGE = 10


def _flagged(k: tuple[str, str], year: int | None) -> None:
    """The flagged smelters (cheap: per-smelter ratings and counts), then the paths of one page of them
    (queries.paths for those smelters only) with their source rows; select a row to trace it."""
    st.subheader(f"Flagged paths · {views.year_label()}")
    try:
        with st.spinner("Finding flagged smelters…"):
            smelters = data.flagged_smelters(k, year)
    except Exception as exc:  # a query failure must not hide the rest of the page
        views.unavailable(exc, "Flagged paths")
        return
    if smelters.empty:
        st.success("No path ends at a flagged smelter.")
        return
    flags = sorted({f.strip() for text in smelters["flags_text"].dropna() for f in text.split(",") if f.strip()})
    chosen = st.multiselect("Flags", flags, key="trace_flag_filter",
                            help="high, watchlist, non_conformant, covered/cahra location or sourcing")
    view = smelters if not chosen else smelters[smelters["flags_text"].apply(
        lambda t: any(f in str(t) for f in chosen))]
    pages = max(1, -(-len(view) // SMELTERS_PER_PAGE))
    st.caption(f"{len(view)} flagged smelter(s) reported by {int(view['suppliers'].sum())} supplier link(s) in "
               f"{int(view['rows'].sum())} declaration row(s) · watchlisted first, then high risk")
    page = 1
    if pages > 1:
        page = int(st.number_input(f"Smelter page (of {pages})", 1, pages, 1, key="trace_flagged_page"))
    chunk = view.iloc[(page - 1) * SMELTERS_PER_PAGE: page * SMELTERS_PER_PAGE]
    views.table(chunk, SMELTER_COLS, key="trace_flagged_smelters", height=420,
                labels={"flags_text": "flags", "reasons_text": "reasons", "country_iso2": "country",
                        "rows": "declaration rows"})
    try:
        with st.spinner("Building the paths of these smelters…"):
            paths = data.flagged_paths(k, year, tuple(chunk["key"]))
    except Exception as exc:  # a query failure must not hide the rest of the page
        views.unavailable(exc, "Flagged paths")
        return
    st.caption(f"{len(paths)} path(s) from {paths['supplier_id'].nunique()} supplier(s) to the "
               f"{paths['smelter_key'].nunique()} flagged smelter(s) of this page · select a row to trace its smelter")
    limit = 500
    event = views.table(paths.head(limit), FLAGGED_COLS, key="trace_flagged", selectable=True, height=420,
                        labels={"chain_text": "path", "flags_text": "flags", "reasons_text": "reasons",
                                "country_iso2": "country"})
    if len(paths) > limit:
        st.caption(f"First {limit} shown; pick the smelter above to trace it, or export the full list from Exports.")
    row = views.selected_row(event)
    if row is not None and row < min(limit, len(paths)):
        r = paths.iloc[row]
        mode, value = ("CID", str(r["cid"])) if r["cid"] else ("Smelter", str(r["smelter_key"]))
        st.session_state["_trace_goto"] = (mode, value)  # applied before the pickers exist on the next run
        st.rerun()


def render() -> None:
    st.title("Trace")
    k = data.key()
    year = views.year()
    _deep_link()
    goto = st.session_state.pop("_trace_goto", None)
    if goto:
        st.session_state["trace_mode"] = goto[0]
        st.session_state[f"trace_pick_{goto[0]}"] = goto[1]
    c1, c2 = st.columns([1, 2])
    mode = c1.radio("Trace from", MODES, horizontal=True, key="trace_mode")
    values, labels = _options(mode, k)
    pick_key = f"trace_pick_{mode}"
    if st.session_state.get(pick_key) not in values:
        missing = st.session_state.pop(pick_key, None)
        if missing:
            st.warning(f"{mode} {missing} is not reported in any stored declaration.")
    value = c2.selectbox(mode, values, format_func=lambda v: labels.get(v, v), key=pick_key, index=None,
                         placeholder=f"Choose a {mode.lower()} (type to search)")
    f1, f2, f3 = st.columns(3)
    metals = f1.multiselect("Metal", sorted(data.smelters(k)["metal"].dropna().unique()), key="trace_metals")
    risks = f2.multiselect("Risk", RISKS, key="trace_risks", help="Only paths ending at smelters of these levels.")
    f3.select_slider("Smelters per page", [10, 20, 30, 50, 100], value=30, key="trace_page_size")
    if not value:
        st.info("Pick a supplier, smelter, CID or country to see its paths — or start from a flagged path below.")
        _flagged(k, year)
        return
    hops = _hops(mode, value, k, year, metals).copy()
    risk_of = data.risk_map(k, year)
    hops["risk"] = [risk_of.get(str(key), "unrated") for key in hops["smelter_key"]]
    if risks:
        hops = hops[hops["risk"].isin(risks)]
    if hops.empty:
        st.warning(f"No paths for {labels.get(value, value)} in {views.year_label()} with these filters.")
        return
    n_sup, n_sm = hops["supplier_id"].nunique(), hops["smelter_key"].nunique()
    views.kpis([("Suppliers", n_sup), ("Smelters", n_sm), ("Declaration rows", len(hops)),
                ("High-risk smelters", hops.loc[hops["risk"] == "high", "smelter_key"].nunique())])
    paged, _, _ = _page(hops)
    names = dict(zip(data.suppliers(k)["id"], data.suppliers(k)["name"], strict=False))
    shown = set(paged.groupby("supplier_id").size().sort_values(ascending=False).index[:MAX_SUPPLIERS])
    chains = data.supplier_chains(k, tuple(sorted(shown)))
    graph_tab, sankey_tab = st.tabs(["Graph", "Sankey"])
    with graph_tab:
        fig, ids = charts.network(_graph(paged, chains, names))
        event = st.plotly_chart(fig, key="trace_graph", on_select="rerun", selection_mode=("points",))
        points = getattr(getattr(event, "selection", None), "points", None) or []
        picked = next((p.get("customdata") for p in points if p.get("customdata")), None)
        if picked:
            with st.container(border=True):
                _node_details(str(picked), paged, k, year)
        else:
            st.caption("Click a node for its details. Colours: red high, orange medium, green low, grey unrated.")
    with sankey_tab:
        st.plotly_chart(charts.sankey(_flows(paged, shown)), key="trace_sankey")
    if st.toggle("Show the evidence of each hop", key="trace_evidence"):
        views.table(paged.sort_values(["risk", "supplier_name", "row"], key=lambda s: s.map(RISK_RANK)
                                      if s.name == "risk" else s), EVIDENCE_COLS, key="trace_evidence_table")
