"""Overview: the program at a glance for one reporting year — KPIs, response funnel, risk by metal.

Every KPI is a figure of `queries.figures.program_figures` (the same function the CLI's `risk figures`
and the exports' "Program figures" sheet call); the page only lays them out.
"""

from __future__ import annotations

import streamlit as st

from minetrace.app.explorer import charts, data, views
from minetrace.app.safe_output import md, md_code
from minetrace.queries import glossary


def _pct(value: object) -> str | None:
    return f"{value:.1f} %" if isinstance(value, int | float) else None


def render() -> None:
    st.title("Overview")
    k = data.key()
    year = views.year()
    views.rating_header(k, year)
    survey: dict = {}
    try:
        with st.spinner("Computing survey figures…"):
            _, survey = data.survey(k, year)
    except Exception as exc:  # a query failure must not hide the rest of the page
        views.unavailable(exc, "Survey figures")
    fig: dict = {}
    try:
        with st.spinner("Computing the program's figures…"):
            fig = data.program_figures(k, year)
    except Exception as exc:  # a query failure must not hide the rest of the page
        views.unavailable(exc, "Program figures")
    try:
        risk = data.smelter_risk(k, year)
    except Exception as exc:  # a query failure must not hide the rest of the page
        risk = None
        views.unavailable(exc, "Smelter risk")
    denominator = fig.get("response_denominator")
    views.kpis([
        ("Suppliers in scope", denominator, "master-list suppliers after scoping: the response rate's denominator"),
        ("Responded", fig.get("responded"), survey.get("text")),
        ("Response rate", _pct(fig.get("response_rate")),
         f"responded / {denominator} in-scope suppliers" if denominator else "no master list: no response rate"),
        ("Valid / invalid forms", f"{fig['forms_valid']} / {fig['forms_invalid']}" if fig else None,
         "responding suppliers by their newest form per scope"),
        ("Smelters identified", fig.get("smelters_identified"), "distinct RMI smelters (CIDs) the year's forms report"),
        ("Conformant share", _pct(fig.get("conformant_share")),
         f"{fig.get('conformant_smelters')} of {fig.get('smelters_identified')} identified smelters conformant "
         f"as of {fig.get('as_of')}" if fig else None),
        ("High-risk smelters", fig.get("high_risk_smelters"), "rated high under the policy in force"),
        ("Suppliers with flagged paths", fig.get("flagged_suppliers"),
         f"{fig.get('high_risk_suppliers')} of them reach a high-risk smelter" if fig else None),
    ])
    left, right = st.columns(2)
    with left:
        if survey:  # the funnel's responded / valid are the KPIs' figures
            st.plotly_chart(charts.funnel({**survey, "responded": fig.get("responded", survey.get("responded")),
                                           "valid": fig.get("forms_valid", survey.get("valid"))}), key="funnel")
        else:
            st.info("No survey figures yet: import a supplier master list and ingest CMRTs.")
    with right:
        if risk is not None and not risk.empty:
            st.plotly_chart(charts.risk_by_metal(risk.to_dict("records")), key="risk_by_metal")
        else:
            st.info("No rated smelters for this year yet.")
    try:
        high = data.high_risk_smelters(k, year)
    except Exception as exc:  # a query failure must not hide the rest of the page
        views.unavailable(exc, "High-risk smelters")
        return
    st.subheader(f"High-risk smelters ({len(high)})")
    if high.empty:
        st.caption("No smelter is rated high for this year under the policy in force.")
    else:
        st.caption("Suppliers: how many suppliers' current forms of the year report the smelter. Trace opens the "
                   "paths to it.")
        views.table(high, ["cid", "metal", "name", "country_iso2", "suppliers", "trace", "status", "reasons_text"],
                    key="high_risk", column_config={"trace": st.column_config.LinkColumn(
                        "Trace", display_text="Trace →", help="Open the paths to this smelter")})
    _unlinked(k, year)


def _unlinked(k: tuple[str, str], year: int | None) -> None:
    """Responders the master list does not account for, with a one-click link to each candidate (remembered)."""
    try:
        rows = data.unlinked(k, year)
    except Exception as exc:  # a query failure must not hide the rest of the page
        views.unavailable(exc, "Responders not on the master list")
        return
    if not rows:
        return
    missing = [r for r in rows if r["kind"] == "not_on_master_list"]
    proposals = [r for r in rows if r["kind"] == "name_proposal"]
    st.subheader(f"Responders to link ({len(rows)})")
    st.caption(f"{len(missing)} form(s) from companies not on the master list count for no master-list supplier; "
               f"{len(proposals)} are linked only by a name proposal. Linking is your decision: it is remembered "
               "for later forms under the same name (as `minetrace survey link`).")
    for r in rows:
        with st.container(border=True):
            what = "not on the master list" if r["kind"] == "not_on_master_list" else "linked by a name proposal"
            st.markdown(f"**{md(r['company_name'] or '(no company name on the form)')}** — {md(r['file_name'])} "
                        f"({md(glossary.value('form_status', r['status']))}, {md(r['reporting_year'] or 'no year')})"
                        f" · {what}")
            if not r["candidates"]:
                st.caption("No master-list supplier comes close: add the company to the master list, or link it "
                           f"by ID: {md_code(r['link_command'], 400)}")
                continue
            cols = st.columns(min(3, len(r["candidates"])))
            for col, c in zip(cols, r["candidates"], strict=False):
                verb = "Confirm" if c["supplier_id"] == r["supplier_id"] else "Link to"
                if col.button(f"{verb} {c['supplier_id']} {c['name']} ({c['score']:.0f})",
                              key=f"link_{r['declaration_id'][:16]}_{c['supplier_id']}", help=c["why"]):
                    try:
                        st.toast(md(data.link_responder(r["declaration_id"], c["supplier_id"]), 400))
                    except Exception as exc:  # say it, keep the page
                        st.error(md(exc, 400))
                        return
                    st.rerun()
