"""Smelters: every reported smelter with its risk and reasons, filterable, and a drill-down page per smelter
(RMAP status history, risk reasons, which suppliers report it and on which rows)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from minetrace.app.explorer import data, geo, nav, views
from minetrace.app.safe_output import md, md_code


def _table(k: tuple[str, str], year: int | None) -> pd.DataFrame:
    try:
        df = data.smelter_risk(k, year).copy()
        if not df.empty:
            return df
    except Exception as exc:  # a query failure must not hide the rest of the page
        views.unavailable(exc, "Smelter risk")
    df = data.smelters(k).copy()
    df["risk"] = "unrated"
    return df


def _detail(key: str, row: pd.Series, k: tuple[str, str], year: int | None) -> None:
    st.subheader(f"{md(row.get('name') or key)}  ·  {md_code(row.get('cid') or key)}  ·  {md(row.get('metal') or '?')}")
    country = row.get("country_iso2")
    st.markdown(f"Location: **{md(geo.country_name(country) if country else 'unknown')}** · risk "
                f"**{md(row.get('risk'))}**"
                + (f" · RMAP status as of {md(row.get('as_of'))}: **{md(row.get('status'))}**"
                   if row.get("status") else ""))
    if row.get("reasons_text"):
        st.markdown("**Risk reasons:** " + md(row["reasons_text"], 2000))
    if row.get("findings_text"):
        st.markdown("**Data-quality findings:** " + md(row["findings_text"], 2000))
    tabs = st.tabs(["Reported by", "Status history", "Watchlist", "What if"])
    with tabs[0]:
        hops = data.reports(k, year, smelter_keys=(key,))
        views.table(hops, ["supplier_name", "supplier_id", "reporting_year", "file_name", "cell", "raw_name",
                           "raw_cid", "method", "score", "status"], key="sm_detail_hops")
    with tabs[1]:
        cid = row.get("cid")
        if cid:
            try:
                views.table(data.status_history(k, str(cid)), key="sm_detail_history")
            except Exception as exc:  # a query failure must not hide the rest of the page
                views.unavailable(exc, "Status history")
        else:
            st.caption("Unresolved smelter: no RMI status history.")
    with tabs[2]:
        watch = row.get("watchlist")
        if isinstance(watch, list) and watch:
            views.table(pd.DataFrame(watch), key="sm_detail_watch")
        else:
            st.caption("Not on the watchlist.")
    with tabs[3]:
        _what_if(row, k, year)
    if st.button("Trace this smelter", key="sm_trace", icon=":material/account_tree:"):
        nav.go_trace("Smelter", key)


def _what_if(row: pd.Series, k: tuple[str, str], year: int | None) -> None:
    cid = row.get("cid")
    if not cid:
        st.caption("What-if needs a resolved smelter (CID).")
        return
    try:
        changes = data.what_if_changes()
    except Exception as exc:  # a query failure must not hide the rest of the page
        views.unavailable(exc, "What-if")
        return
    change = st.selectbox(f"If {cid} became …", changes, key="sm_whatif_change",
                          format_func=lambda c: c.replace("_", " "))
    if not st.button("Show who changes flag", key="sm_whatif_go"):
        return
    res = data.what_if(k, str(cid), change, year)
    views.table(pd.DataFrame(res.get("smelters", [])), ["cid", "name", "metal", "before", "after"],
                key="sm_whatif_smelters")
    sups = pd.DataFrame(res.get("suppliers", []))
    if sups.empty:
        st.success("No supplier changes flag or worst risk.")
    else:
        st.markdown(f"**{len(sups)} supplier(s) change**")
        views.table(sups, key="sm_whatif_suppliers")


def render() -> None:
    st.title("Smelters")
    k = data.key()
    year = views.year()
    df = _table(k, year)
    c1, c2, c3, c4 = st.columns([2, 1, 1, 1])
    text = c1.text_input("Search name, CID, country", key="sm_search")
    metals = c2.multiselect("Metal", sorted(df["metal"].dropna().unique()), key="sm_metal")
    risks = c3.multiselect("Risk", ["high", "medium", "low", "unrated"], key="sm_risk")
    countries = c4.multiselect("Country", sorted(df["country_iso2"].dropna().unique()), key="sm_country",
                               format_func=lambda c: f"{geo.country_name(c)} ({c})")
    view = views.text_filter(df, text, ["key", "cid", "name", "country_iso2"])
    if metals:
        view = view[view["metal"].isin(metals)]
    if risks:
        view = view[view["risk"].isin(risks)]
    if countries:
        view = view[view["country_iso2"].isin(countries)]
    st.caption(f"{len(view)} of {len(df)} smelters reported in {views.year_label()} · select a row for details")
    event = views.table(view, ["cid", "metal", "name", "country_iso2", "risk", "reasons_text", "status",
                               "lapses_on", "watchlisted", "declared_countries", "key"], key="sm_table",
                        selectable=True, height=380)
    row = views.selected_row(event)
    if row is not None and row < len(view) and st.session_state.get("_sm_row") != row:
        st.session_state["sm_open"] = str(view.iloc[row]["key"])
    st.session_state["_sm_row"] = row
    labels = {str(r.key): f"{r.name or r.key} — {r.metal or '?'} — {r.cid or 'unresolved'}" for r in df.itertuples()}
    key = st.selectbox("Open a smelter's page", list(labels), index=None, key="sm_open",
                       format_func=lambda v: labels.get(v, v), placeholder="type a name or CID")
    if key:
        st.divider()
        _detail(str(key), df[df["key"] == key].iloc[0], k, year)
