"""Overview: the program at a glance for one reporting year — KPIs, response funnel, risk by metal."""

from __future__ import annotations

import streamlit as st

from app.explorer import charts, data, views


def render() -> None:
    st.title("Overview")
    k = data.key()
    year = views.year()
    st.caption(f"Reporting year: {views.year_label()} · every figure below comes from the query layer.")
    figures: dict = {}
    try:
        with st.spinner("Computing survey figures…"):
            _, figures = data.survey(k, year)
    except Exception as exc:  # a query failure must not hide the rest of the page
        views.unavailable(exc, "Survey figures")
    decls = data.declarations(k, year)
    try:
        with st.spinner("Rating smelters…"):
            risk = data.smelter_risk(k, year)
    except Exception as exc:  # a query failure must not hide the rest of the page
        risk = None
        views.unavailable(exc, "Smelter risk")
    flagged_suppliers = None
    try:
        with st.spinner("Rolling up supplier risk…"):
            flagged_suppliers = data.flagged_supplier_count(k, year)
    except Exception as exc:  # a query failure must not hide the rest of the page
        views.unavailable(exc, "Flagged paths")
    rated = risk[risk["level"].notna()] if risk is not None and not risk.empty else None
    identified = int(risk["cid"].notna().sum()) if risk is not None and not risk.empty else 0
    conformant = (f"{100.0 * rated['conformant'].astype(bool).mean():.1f} %"
                  if rated is not None and len(rated) and "conformant" in rated else None)
    high = int((risk["risk"] == "high").sum()) if risk is not None and not risk.empty else 0
    valid = int((decls["status"] == "valid").sum()) if not decls.empty else 0
    invalid = int((decls["status"] != "valid").sum()) if not decls.empty else 0
    rate = figures.get("response_rate")
    views.kpis([
        ("Suppliers in scope", figures.get("in_scope"), "master-list suppliers after scoping"),
        ("Responded", figures.get("responded"), figures.get("text")),
        ("Response rate", f"{rate:.1f} %" if isinstance(rate, int | float) else None),
        ("Valid / invalid forms", f"{valid} / {invalid}", "current declarations on file for the year"),
        ("Smelters identified", identified, "reported smelters resolved to an RMI CID"),
        ("Conformant share", conformant, "of the rated smelters, RMAP conformant as of the reporting date"),
        ("High-risk smelters", high),
        ("Suppliers with flagged paths", flagged_suppliers),
    ])
    left, right = st.columns(2)
    with left:
        if figures:
            st.plotly_chart(charts.funnel(figures), key="funnel")
        else:
            st.info("No survey figures yet: import a supplier master list and ingest CMRTs.")
    with right:
        if risk is not None and not risk.empty:
            st.plotly_chart(charts.risk_by_metal(risk.to_dict("records")), key="risk_by_metal")
        else:
            st.info("No rated smelters for this year yet.")
    if risk is not None and not risk.empty:
        st.subheader("High-risk smelters")
        views.table(risk[risk["risk"] == "high"], ["cid", "metal", "name", "country_iso2", "reasons_text", "status"],
                    key="high_risk", labels={"reasons_text": "reasons", "country_iso2": "country"})
