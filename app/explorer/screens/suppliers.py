"""Suppliers: a filterable table of every supplier with survey status, and a drill-down page per supplier
(declarations across years, answers, program strength, smelters and findings)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from minetrace.app.explorer import data, nav, views
from minetrace.app.safe_output import md, md_code
from minetrace.queries import glossary


def _table(k: tuple[str, str], year: int | None) -> pd.DataFrame:
    df = data.suppliers(k).copy()
    try:
        survey, _ = data.survey(k, year)
        if not survey.empty:
            status = dict(zip(survey["supplier_id"], survey["status"], strict=False))
            df["survey_status"] = [glossary.value("survey_status", status.get(i) or "not_on_master_list")
                                   for i in df["id"]]
            for col in ("in_scope", "scope_reason", "follow_ups", "last_contact"):  # scoping as the survey decided
                if col in survey:
                    values = dict(zip(survey["supplier_id"], survey[col], strict=False))
                    df[col] = [values.get(i) for i in df["id"]]
    except Exception as exc:  # a query failure must not hide the rest of the page
        views.unavailable(exc, "Survey status")
    try:
        with st.spinner("Rolling up supplier risk…"):
            roll = data.supplier_risk(k, year)
        if not roll.empty:
            df = df.merge(roll, how="left", left_on="id", right_on="supplier_id", suffixes=("", "_risk"))
    except Exception as exc:  # a query failure must not hide the rest of the page
        views.unavailable(exc, "Supplier risk roll-up")
    return df


def _detail(sid: str, k: tuple[str, str], year: int | None) -> None:
    sup = data.suppliers(k).query("id == @sid")
    name = sup.iloc[0]["name"] if not sup.empty else sid
    st.subheader(f"{md(name)}  ·  {md_code(sid)}")
    views.table(sup, ["category", "origin", "in_scope", "scope_reason", "contact_email", "last_purchase", "aliases",
                      "parents"], key="sup_detail_info")
    decls = data.declarations(k, None, supplier_id=sid, current_only=False)
    st.markdown("**Declarations across years**")
    if decls.empty:
        st.info("No declaration on file for this supplier.")
        return
    held = decls[decls["pending"].notna()] if "pending" in decls else decls.iloc[0:0]
    for r in held.itertuples():
        st.warning(f"**Newer form pending:** {md(r.file_name)} ({md(r.status)}) — {md(r.pending, 400)}. It does not "
                   "count in the figures until it is fixed or accepted (`minetrace store accept`).")
    views.table(decls.sort_values(["reporting_year", "received"], ascending=False),
                ["reporting_year", "file_name", "template_kind", "template_version", "status", "current", "scope",
                 "effective_date", "errors", "warnings", "smelter_rows", "received"], key="sup_detail_decls")
    current = decls[decls["current"].astype(bool)] if "current" in decls else decls
    latest = (current if not current.empty else decls).sort_values(["reporting_year", "received"]).iloc[-1]
    tabs = st.tabs(["Program strength", "Answers", "Smelters", "Findings", "Year over year"])
    with tabs[0]:
        try:
            prog = data.program(k, latest["id"])
            if prog:
                st.markdown(f"**{md(prog['level'])}** (from {md(latest['file_name'])}) — "
                            + md("; ".join(prog.get("reasons", [])), 2000))
                views.table(pd.DataFrame(prog.get("answers", [])),
                            ["letter", "title", "answer", "ok", "comment", "cell"], key="sup_detail_prog")
        except Exception as exc:  # a query failure must not hide the rest of the page
            views.unavailable(exc, "Program strength")
    detail = data.declaration_detail(k, latest["id"]) or {}
    with tabs[1]:
        rows = []
        for section, answers in (("metal", detail.get("answers", {})), ("company", detail.get("company_answers", {}))):
            for q, a in (answers or {}).items():
                if isinstance(a, dict) and any(isinstance(v, dict) for v in a.values()):
                    rows += [{"section": section, "question": f"{q} · {m}", **(v if isinstance(v, dict) else
                              {"value": v})} for m, v in a.items()]
                else:
                    rows.append({"section": section, "question": q, **(a if isinstance(a, dict) else {"value": a})})
        if rows:
            views.table(pd.DataFrame(rows), key="sup_detail_answers")
        else:
            st.caption("No answers recorded.")
    with tabs[2]:
        hops = data.reports(k, year, supplier_ids=(sid,))
        risk_of = data.risk_map(k, year)
        hops = hops.assign(risk=[risk_of.get(str(x), "unrated") for x in hops["smelter_key"]])
        views.table(hops, ["metal", "smelter_name", "cid", "country_iso2", "risk", "raw_name", "method", "file_name",
                           "row"], key="sup_detail_smelters")
        if st.button("Trace this supplier", key="sup_trace", icon=":material/account_tree:"):
            nav.go_trace("Supplier", sid)
    with tabs[3]:
        views.table(pd.DataFrame(detail.get("findings", [])), ["severity", "code", "location", "message"],
                    key="sup_detail_findings")
    with tabs[4]:
        _year_over_year(sid, decls, k)


def _year_over_year(sid: str, decls: pd.DataFrame, k: tuple[str, str]) -> None:
    years = sorted({int(y) for y in decls["reporting_year"].dropna()})
    if len(years) < 2:
        st.caption("One reporting year on file: nothing to compare yet.")
        return
    c1, c2 = st.columns(2)
    y_from = c1.selectbox("From", years[:-1], index=len(years) - 2, key="sup_yoy_from")
    y_to = c2.selectbox("To", [y for y in years if y > y_from], key="sup_yoy_to")
    try:
        diff = data.year_diff(k, int(y_from), int(y_to), sid)
    except Exception as exc:  # a query failure must not hide the rest of the page
        views.unavailable(exc, "Year-over-year diff")
        return
    views.kpis([("Smelters added", len(diff.get("added", []))), ("Smelters dropped", len(diff.get("dropped", []))),
                ("Status changes", len(diff.get("status_changes", [])))], per_row=3)
    st.markdown("**Added:** " + (md(", ".join(diff.get("added", [])), 4000) or "—"))
    st.markdown("**Dropped:** " + (md(", ".join(diff.get("dropped", [])), 4000) or "—"))
    if diff.get("status_changes"):
        views.table(pd.DataFrame(diff["status_changes"]), key="sup_yoy_status")


def render() -> None:
    st.title("Suppliers")
    k = data.key()
    year = views.year()
    df = _table(k, year)
    c1, c2, c3 = st.columns([2, 1, 1])
    text = c1.text_input("Search name, ID, e-mail", key="sup_search")
    cats = c2.multiselect("Category", sorted(df["category"].dropna().unique()), key="sup_category")
    statuses = (c3.multiselect("Survey status", sorted(df["survey_status"].dropna().unique()), key="sup_status")
                if "survey_status" in df else [])
    view = views.text_filter(df, text, ["id", "name", "contact_email", "aliases"])
    if cats:
        view = view[view["category"].isin(cats)]
    if statuses:
        view = view[view["survey_status"].isin(statuses)]
    st.caption(f"{len(view)} of {len(df)} suppliers · select a row for the supplier's page")
    cols = ["id", "name", "category", "survey_status", "worst_risk", "high_paths", "flagged_paths", "program_strength",
            "latest_status", "in_scope", "scope_reason", "follow_ups", "contact_email", "declarations"]
    event = views.table(view, cols, key="sup_table", selectable=True, height=360)
    row = views.selected_row(event)
    if row is not None and row < len(view) and st.session_state.get("_sup_row") != row:
        st.session_state["sup_open"] = str(view.iloc[row]["id"])
    st.session_state["_sup_row"] = row
    names = dict(zip(df["id"], df["name"], strict=False))
    sid = st.selectbox("Open a supplier's page", df["id"].tolist(), index=None, key="sup_open",
                       format_func=lambda v: f"{names.get(v) or v} ({v})", placeholder="type a name or ID")
    if sid:
        st.divider()
        _detail(str(sid), k, year)
