"""Trace: from a supplier, smelter, CID or country to every path Company → Supplier → Smelter → Country.

Shows the paths as a node-link graph coloured by risk (click a node for its details) and as a Sankey,
with the evidence of each hop (file, sheet, row, raw name, resolution) on demand. Large selections are
paged by smelter (highest risk first) and the long tail of suppliers is aggregated into one node.
Deep link: ``/trace?cid=CID002587`` (also ``?supplier=…``, ``?smelter=…``, ``?country=CD``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd
import streamlit as st

from minetrace.app.explorer import charts, data, geo, views
from minetrace.app.explorer import labels as labels_
from minetrace.app.explorer.values import present, shown
from minetrace.app.safe_output import md, md_code
from minetrace.queries import glossary

MODES = ("Supplier", "Smelter", "CID", "Country")
RISKS = ("high", "medium", "low", "unrated")
RISK_RANK = {"high": 0, "medium": 1, "low": 2, "unrated": 3}
#: suppliers drawn one by one in the graph and the Sankey (the others: one "+N more suppliers" node)
MAX_SUPPLIERS = 12
#: smelters per page (the graph draws the page's smelters, the others as one "+N more smelters" node)
PER_PAGE = 15
EVIDENCE_COLS = ["supplier_name", "supplier_id", "file_name", "cell", "raw_name", "raw_cid", "raw_country",
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
        labels = {str(r.id): labels_.supplier_label(r.name, r.id) for r in df.itertuples()}
    elif mode == "Smelter":
        df = data.smelters(k)
        labels = {str(r.key): labels_.smelter_label(r.name, r.metal, r.cid, r.resolution_status)
                  for r in df.itertuples()}
    elif mode == "CID":
        df = data.smelters(k)
        df = df[df["cid"].notna()]
        labels = {str(r.cid): f"{r.cid} — {shown(r.name, '(no name)')} ({shown(r.metal, 'metal unknown')})"
                  for r in df.itertuples()}
    else:
        isos = sorted(c for c in data.located_smelter_counts(k, None) if present(c))
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


def _smelter_order(hops: pd.DataFrame) -> list[str]:
    """Smelter keys, highest risk first, then the most suppliers reporting it, then the name."""
    order = (hops.assign(_rank=hops["risk"].map(lambda x: RISK_RANK.get(x, 3)),
                         _name=hops["smelter_name"].map(lambda x: shown(x, "").lower()))
             .groupby("smelter_key")
             .agg(rank=("_rank", "min"), n=("supplier_id", "nunique"), name=("_name", "first"))
             .sort_values(["rank", "n", "name"], ascending=[True, False, True]))
    return [str(x) for x in order.index]


def _supplier_order(hops: pd.DataFrame) -> list[str]:
    """Supplier ids, those reaching the highest risk first, then the most declaration rows."""
    order = (hops.assign(_rank=hops["risk"].map(lambda x: RISK_RANK.get(x, 3)))
             .groupby("supplier_id").agg(rank=("_rank", "min"), n=("row", "size"))
             .sort_values(["rank", "n"], ascending=[True, False]))
    return [str(x) for x in order.index]


def _page(hops: pd.DataFrame) -> tuple[set[str], int, int]:
    """The smelters of this page (highest risk, then most reported, first); returns (keys, page, pages)."""
    order = _smelter_order(hops)
    per_page = int(st.session_state.get("trace_page_size", PER_PAGE))
    pages = max(1, -(-len(order) // per_page))
    page = 1
    if pages > 1:
        c1, c2 = st.columns([1, 3])
        page = int(c1.number_input(f"Page (of {pages})", 1, pages, 1, key="trace_page"))
        c2.caption(f"{len(order)} smelters, {per_page} per page, highest risk first; the graph draws the others "
                   "as one \"+N more smelters\" node.")
    return set(order[(page - 1) * per_page: page * per_page]), page, pages


@dataclass
class TraceView:
    """What the graph and the Sankey draw: the suppliers and smelters shown one by one, the rest aggregated."""

    hops: pd.DataFrame
    suppliers: list[str]  # shown one by one, in order
    other_suppliers: list[str]
    smelters: set[str]  # this page's smelters
    other_smelters: list[str]
    names: dict[str, str]

    def supplier_node(self, sid: str) -> str:
        return f"s:{sid}" if sid in self.suppliers else "s:__other__"

    def smelter_node(self, key: str) -> str:
        return f"m:{key}" if key in self.smelters else "m:__other__"


def _view(hops: pd.DataFrame, page_keys: set[str], names: dict[str, str]) -> TraceView:
    sups = _supplier_order(hops)
    shown_sups = sups[:MAX_SUPPLIERS]
    others = [k for k in _smelter_order(hops) if k not in page_keys]
    return TraceView(hops, shown_sups, sups[MAX_SUPPLIERS:], page_keys, others, names)


def _worst(risks: Any) -> str:
    return min((str(r) for r in risks), key=lambda r: RISK_RANK.get(r, 3), default="unrated")


def _graph(view: TraceView, chains: dict[str, list[list[str]]]) -> charts.Graph:
    g = charts.Graph()
    hops = view.hops
    g.add_node(charts.Node("company", "Our company", "company", 0, detail={"kind_label": "our company"}))
    depth = 1
    rows_of = hops.groupby("supplier_id").size().to_dict()
    for sid in view.suppliers:
        chain = (chains.get(sid) or [["company", sid]])[0]
        depth = max(depth, len(chain) - 1)
        for i, node in enumerate(chain[1:], start=1):
            label = shown(view.names.get(node), node)
            hover = [f"supplier ID {node}"] if not node.startswith("decl:") else ["not on the master list"]
            if node == sid:
                hover.append(f"{rows_of.get(sid, 0)} declaration row(s) here")
            g.add_node(charts.Node(f"s:{node}", label, "supplier", i,
                                   detail={"supplier_id": node, "kind_label": "supplier", "hover": hover}))
            g.add_edge("company" if i == 1 else f"s:{chain[i - 1]}", f"s:{node}")
    if view.other_suppliers:
        n = len(view.other_suppliers)
        g.add_node(charts.Node("s:__other__", f"+{n} more suppliers", "supplier", 1,
                               detail={"supplier_ids": view.other_suppliers, "kind_label": "suppliers, aggregated",
                                       "hover": [f"{n} suppliers with fewer or lower-risk rows; click for the list"]}))
        g.add_edge("company", "s:__other__", n)
    smelter_layer, country_layer = depth + 1, depth + 2
    page = hops[hops["smelter_key"].isin(view.smelters)]
    for key in _smelter_order(page):
        rows = page[page["smelter_key"] == key]
        h = rows.iloc[0]
        name = labels_.smelter_name(present(h.smelter_name) or present(h.raw_name), h.metal, h.resolution_status)
        hover = [f"{shown(h.cid, 'no RMI smelter ID')} · {shown(h.metal, 'metal unknown')} · "
                 f"{geo.country_name(h.country_iso2)}",
                 f"reported by {rows['supplier_id'].nunique()} supplier(s) in {len(rows)} row(s)"]
        g.add_node(charts.Node(f"m:{key}", name, "smelter", smelter_layer, _worst(rows["risk"]),
                               detail={"smelter_key": key, "kind_label": "smelter", "hover": hover}))
    if view.other_smelters:
        rest = hops[hops["smelter_key"].isin(view.other_smelters)]
        n = len(view.other_smelters)
        countries = sorted({geo.country_name(c) for c in rest["country_iso2"]})
        g.add_node(charts.Node("m:__other__", f"+{n} more smelters", "smelter", smelter_layer, _worst(rest["risk"]),
                               detail={"smelter_keys": view.other_smelters, "kind_label": "smelters on other pages",
                                       "hover": [f"{n} smelters of the other pages (lower or equal risk)",
                                                 "in " + ", ".join(countries[:8])
                                                 + (f" and {len(countries) - 8} more" if len(countries) > 8 else "")]}))
    for h in hops.itertuples():
        sup, smelter = view.supplier_node(str(h.supplier_id)), view.smelter_node(str(h.smelter_key))
        g.add_edge(sup, smelter)
        if smelter == "m:__other__":
            continue  # the aggregate's countries are in its hover: its edges would cross every other one
        iso = present(h.country_iso2)
        country = f"c:{iso}" if iso else "c:__unknown__"
        g.add_node(charts.Node(country, geo.country_name(iso), "country", country_layer,
                               detail={"iso2": iso, "kind_label": "country" if iso else "no country on the row"}))
        g.add_edge(smelter, country)
    return g


def _flows(view: TraceView) -> tuple[list[tuple[str, str, int, str | None]], dict[str, str], dict[str, Any],
                                     dict[str, str]]:
    """(flows, label → kind, smelter label → risk, label → hover) for the Sankey, aggregated like the graph."""
    flows: dict[tuple[str, str], list[Any]] = {}
    kinds: dict[str, str] = {"Our company": "company"}
    risks: dict[str, Any] = {}
    hover: dict[str, str] = {}

    def add(a: str, b: str, risk: str | None) -> None:
        entry = flows.setdefault((a, b), [0, risk])
        entry[0] += 1
        if RISK_RANK.get(risk or "unrated", 3) < RISK_RANK.get(entry[1] or "unrated", 3):
            entry[1] = risk

    n_other_sup, n_other_sm = len(view.other_suppliers), len(view.other_smelters)
    for h in view.hops.itertuples():
        sid = str(h.supplier_id)
        if sid in view.suppliers:
            sup = labels_.supplier_label(view.names.get(sid), sid)
        else:
            sup = f"+{n_other_sup} more suppliers"
        kinds[sup] = "supplier"
        if str(h.smelter_key) in view.smelters:
            base = labels_.smelter_name(present(h.smelter_name) or present(h.raw_name), h.metal, h.resolution_status)
            smelter = base if present(h.resolution_status) == "unidentified" else f"{base} ({shown(h.metal, '?')})"
            hover[smelter] = f"{smelter} · {shown(h.cid, 'no RMI smelter ID')}"
        else:
            smelter = f"+{n_other_sm} more smelters"
        kinds[smelter] = "smelter"
        risk = str(h.risk)
        if RISK_RANK.get(risk, 3) < RISK_RANK.get(risks.get(smelter) or "unrated", 3) or smelter not in risks:
            risks[smelter] = risk if smelter not in risks else _worst([risk, risks[smelter]])
        country = geo.country_name(h.country_iso2)
        kinds[country] = "country"
        add("Our company", sup, risk)
        add(sup, smelter, risk)
        add(smelter, country, risk)
    return [(a, b, v, r) for (a, b), (v, r) in flows.items()], kinds, risks, hover


def _node_details(node_id: str, hops: pd.DataFrame, k: tuple[str, str], year: int | None) -> None:
    kind, _, ident = node_id.partition(":")
    if kind == "s" and ident == "__other__":
        others = sorted(set(hops["supplier_id"]) - set(st.session_state.get("_trace_shown_suppliers", [])))
        st.markdown(f"**{len(others)} more suppliers**")
        views.table(hops[hops["supplier_id"].isin(others)].groupby(["supplier_id", "supplier_name"], dropna=False)
                    .size().reset_index(name="rows"), key="trace_node_other_sup")
    elif kind == "s":
        name = md(shown(data.supplier_names(k).get(ident), ident))
        known = "" if ident.startswith("decl:") else f" {md_code(ident)}"  # a declared-name key says nothing
        st.markdown(f"**Supplier** {name}{known}" + (" — not on the master list" if not known else ""))
        views.table(data.suppliers(k).query("id == @ident"), ["id", "name", "category", "contact_email", "in_scope"],
                    key="trace_node_sup")
        views.table(hops[hops["supplier_id"] == ident], ["smelter_name", "cid", "metal", "risk", "file_name", "row"],
                    key="trace_node_sup_hops")
    elif kind == "m" and ident == "__other__":
        st.markdown("**Smelters on the other pages** (pick the page above to draw them)")
        page_keys = set(st.session_state.get("_trace_page_smelters", []))
        rest = hops[~hops["smelter_key"].isin(page_keys)]
        views.table(rest.groupby(["cid", "smelter_name", "metal", "risk"], dropna=False)["supplier_id"].nunique()
                    .reset_index(name="suppliers"), key="trace_node_other_sm")
    elif kind == "m":
        rows = hops[hops["smelter_key"] == ident]
        first = rows.iloc[0] if not rows.empty else None
        name = labels_.smelter_name(first["smelter_name"], first["metal"], first["resolution_status"]) \
            if first is not None else ident
        st.markdown(f"**Smelter** {md(name)} {md_code(shown(first['cid'] if first is not None else None, ident))}")
        try:
            risk = data.smelter_risk(k, year)
            views.table(risk[risk["key"] == ident], ["cid", "name", "metal", "country_iso2", "risk", "reasons_text",
                                                     "status", "lapses_on"], key="trace_node_risk")
        except Exception as exc:  # a query failure must not hide the rest of the page
            views.unavailable(exc, "Smelter risk")
        views.table(rows, ["supplier_name", "file_name", "cell", "raw_name", "method"],
                    key="trace_node_sm_hops")
    elif kind == "c":
        iso = None if ident == "__unknown__" else ident
        covered = data.countries(k)
        row = covered[covered["iso2"] == iso] if iso else covered.iloc[0:0]
        flag = " — Covered Country" if not row.empty and bool(row.iloc[0]["covered"]) else ""
        st.markdown(f"**Country** {md(geo.country_name(iso))}" + (f" ({md(iso)})" if iso else "") + flag)
        these = hops[hops["country_iso2"] == iso] if iso else hops[hops["country_iso2"].map(present).isna()]
        views.table(these, ["smelter_name", "cid", "metal", "risk", "supplier_name"], key="trace_node_country")
    else:
        st.markdown(f"**Our company** — every path starts here: {hops['supplier_id'].nunique()} supplier(s), "
                    f"{hops['smelter_key'].nunique()} smelter(s), {len(hops)} declaration row(s).")


FLAGGED_COLS = ["supplier_name", "supplier_id", "chain_text", "cid", "smelter_name", "metal", "country_iso2", "risk",
                 "flags_text", "reasons_text", "file_name", "cell", "raw_name", "method"]


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
    chosen = st.multiselect("Flags", flags, key="trace_flag_filter", format_func=lambda f: glossary.value("flag", f),
                            help="High risk, on a watchlist, RMAP state high, located in or sourcing from a Covered "
                                 "Country or a CAHRA")
    view = smelters if not chosen else smelters[smelters["flags_text"].apply(
        lambda t: any(f in str(t) for f in chosen))]
    pages = max(1, -(-len(view) // SMELTERS_PER_PAGE))
    st.caption(f"{len(view)} flagged smelter(s) reported by {int(view['suppliers'].sum())} supplier link(s) in "
               f"{int(view['rows'].sum())} declaration row(s) · watchlisted first, then high risk")
    page = 1
    if pages > 1:
        page = int(st.number_input(f"Smelter page (of {pages})", 1, pages, 1, key="trace_flagged_page"))
    chunk = view.iloc[(page - 1) * SMELTERS_PER_PAGE: page * SMELTERS_PER_PAGE]
    views.table(chunk, SMELTER_COLS, key="trace_flagged_smelters", height=420)
    try:
        with st.spinner("Building the paths of these smelters…"):
            paths = data.flagged_paths(k, year, tuple(chunk["key"]))
    except Exception as exc:  # a query failure must not hide the rest of the page
        views.unavailable(exc, "Flagged paths")
        return
    st.caption(f"{len(paths)} path(s) from {paths['supplier_id'].nunique()} supplier(s) to the "
               f"{paths['smelter_key'].nunique()} flagged smelter(s) of this page · select a row to trace its smelter")
    limit = 500
    event = views.table(paths.head(limit), FLAGGED_COLS, key="trace_flagged", selectable=True, height=420)
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
            st.warning(f"{mode} {md(missing)} is not reported in any stored declaration.")
    value = c2.selectbox(mode, values, format_func=lambda v: labels.get(v, v), key=pick_key, index=None,
                         placeholder=f"Choose a {mode.lower()} (type to search)")
    f1, f2, f3 = st.columns(3)
    metals = f1.multiselect("Metal", sorted(data.smelters(k)["metal"].dropna().unique()), key="trace_metals")
    risks = f2.multiselect("Risk", RISKS, key="trace_risks", help="Only paths ending at smelters of these levels.")
    f3.select_slider("Smelters per page", [10, 15, 20, 30, 50], value=PER_PAGE, key="trace_page_size")
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
        other = sorted({int(y) for y in _hops(mode, value, k, None, metals)["reporting_year"].dropna()}) \
            if year is not None else []
        where = (f" Its forms are filed under {', '.join(map(str, other))}: choose that year (or all years) in the "
                 "sidebar.") if other else ""
        st.warning(f"No paths for {md(labels.get(value, value))} in {views.year_label()} with these filters.{where}")
        return
    n_sup, n_sm = hops["supplier_id"].nunique(), hops["smelter_key"].nunique()
    views.kpis([("Suppliers", n_sup), ("Smelters", n_sm), ("Declaration rows", len(hops)),
                ("High-risk smelters", hops.loc[hops["risk"] == "high", "smelter_key"].nunique())])
    page_keys, _, _ = _page(hops)
    view = _view(hops, page_keys, data.supplier_names(k))
    st.session_state["_trace_shown_suppliers"] = view.suppliers
    st.session_state["_trace_page_smelters"] = sorted(page_keys)
    chains = data.supplier_chains(k, tuple(sorted(view.suppliers)))
    paged = hops[hops["smelter_key"].isin(page_keys)]
    graph_tab, sankey_tab = st.tabs(["Graph", "Sankey"])
    with graph_tab:
        fig, _ids = charts.network(_graph(view, chains))
        event = st.plotly_chart(fig, key="trace_graph", on_select="rerun", selection_mode=("points",))
        points = getattr(getattr(event, "selection", None), "points", None) or []
        picked = next((p.get("customdata") for p in points if p.get("customdata")), None)
        if picked:
            with st.container(border=True):
                _node_details(str(picked), hops, k, year)
        else:
            st.caption(f"Click a node for its details; hover for the full name. The {MAX_SUPPLIERS} suppliers reaching "
                       "the highest risk are drawn one by one, the others as one node.")
    with sankey_tab:
        flows, kinds, node_risks, hover = _flows(view)
        st.plotly_chart(charts.sankey(flows, node_kinds=kinds, node_risks=node_risks, hover=hover), key="trace_sankey")
    if st.toggle("Show the evidence of each hop", key="trace_evidence"):
        views.table(paged.sort_values(["risk", "supplier_name", "row"], key=lambda s: s.map(RISK_RANK)
                                      if s.name == "risk" else s.astype(str)), EVIDENCE_COLS,
                    key="trace_evidence_table")
