"""Validation: every ingested file with its status and findings (with cell locations), files rejected in
this session, and the review queue of uncertain smelter matches (accept / reject, recorded as decisions)."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd
import streamlit as st

from minetrace.app.explorer import data, views
from minetrace.app.explorer.values import present
from minetrace.app.safe_output import md
from minetrace.ingest.reference.decisions import DecisionError
from minetrace.ingest.reference.review_names import by_name, places

#: uncertain names drawn at once: each is an expander with its candidates, a choice and two buttons — a 200-supplier
#: program resolved against the starter set queued 366 rows, and drawing them all took 2.5 s on every rerun
REVIEW_PAGE = 25
#: rows of one uncertain name listed in its expander (the rest are counted)
ROWS_LISTED = 20
#: the Status choice that lists the forms filed under no reporting year
NO_YEAR = "no year"
FILE_COLS = ["file_name", "supplier_id", "company_name", "reporting_year", "template_kind", "template_version",
             "status", "errors", "warnings", "checker_missing", "current", "superseded_by", "smelter_rows", "received"]


def _files(k: tuple[str, str], year: int | None) -> None:
    only_year = st.toggle(f"Only reporting year {views.year_label()}", value=False, key="val_only_year")
    decls = data.declarations(k, year if only_year else None, current_only=False)
    c1, c2 = st.columns([1, 2])
    # "no year": the forms filed under no reporting year (the year banner sends the analyst here for them)
    options = ["all", "valid", "invalid", *([NO_YEAR] if data.unfiled_forms(k) else [])]
    status = c1.segmented_control("Status", options, default="all", key="val_status")
    text = c2.text_input("Search file or company", key="val_search")
    if status == NO_YEAR:
        view = decls[decls["reporting_year"].isna()] if len(decls) else decls
    else:
        view = decls if status in (None, "all") else decls[decls["status"] == status]
    view = views.text_filter(view, text, ["file_name", "company_name", "supplier_id"])
    views.kpis([("Files", len(decls)), ("Valid", int((decls["status"] == "valid").sum()) if len(decls) else 0),
                ("Invalid", int((decls["status"] != "valid").sum()) if len(decls) else 0),
                ("Superseded", int((~decls["current"].astype(bool)).sum()) if len(decls) else 0)])
    st.caption(f"{len(view)} of {len(decls)} files shown · select a file for its findings.")
    event = views.table(view, FILE_COLS, key="val_files", selectable=True, height=320)
    row = views.selected_row(event)
    if row is not None and row < len(view):
        d = view.iloc[row]
        detail = data.declaration_detail(k, str(d["id"])) or {}
        year = present(d.get("reporting_year"))
        st.markdown(f"**{md(d['file_name'])}** — {md(d['status'])} · "
                    + (f"reporting year {int(year)}" if year is not None else "filed under no reporting year"))
        if present(d.get("pending")):
            st.caption(f"Held back: {md(d['pending'], 400)} — to accept it: `minetrace store accept {d['id']}`")
        findings = pd.DataFrame(detail.get("findings", []))
        if findings.empty:
            st.success("No findings.")
        else:
            views.table(findings, ["severity", "code", "location", "message"], key="val_file_findings")


def _all_findings(k: tuple[str, str], year: int | None) -> None:
    df = data.findings(k, year)
    if df.empty:
        st.caption("No findings in the stored files.")
        return
    c1, c2 = st.columns(2)
    sev = c1.multiselect("Severity", sorted(df["severity"].dropna().unique()), key="val_f_sev")
    codes = c2.multiselect("Code", sorted(df["code"].dropna().unique()), key="val_f_code")
    if sev:
        df = df[df["severity"].isin(sev)]
    if codes:
        df = df[df["code"].isin(codes)]
    views.table(df, ["file_name", "supplier_id", "status", "severity", "code", "location", "message"],
                key="val_findings", height=320)


def _rejected() -> None:
    results = st.session_state.get("ingest_results") or []
    bad = [r for r in results if r.get("outcome") == "unreadable"]
    if bad:
        st.subheader("Files not stored (this session's uploads)")
        views.table(pd.DataFrame(bad), ["name", "message"], key="val_rejected")


def _review_groups(queue: pd.DataFrame, files: dict[Any, str]) -> pd.DataFrame:
    """One row per uncertain name — what one decision settles (ingest.reference.review_names) — with the first
    item's fields and the places it stands for (`rows`, `where`), in queue order."""
    out = []
    for name in by_name(queue.to_dict("records")):
        rows = places(name, files)
        out.append({**name.first, "rows": rows, "where": "; ".join(rows)})
    return pd.DataFrame(out)


def _review_page(groups: pd.DataFrame, rows: int) -> pd.DataFrame:
    """The names to draw now: those the search keeps (name as written, metal, country, file), REVIEW_PAGE at a
    time, with a caption that says how many wait and which are shown."""
    c1, c2 = st.columns([2, 1])
    text = c1.text_input("Search name as written, metal, country or file", key="rev_search")
    found = views.text_filter(groups, text, ["raw_name", "metal", "country", "where"])
    pages = max(1, math.ceil(len(found) / REVIEW_PAGE))
    # a search or a decision can leave fewer pages than the one chosen: start again from the last one
    st.session_state["rev_page"] = min(int(st.session_state.get("rev_page") or 1), pages)
    page = int(c2.number_input(f"Page (of {pages})", min_value=1, max_value=pages, step=1, key="rev_page"))
    start = (page - 1) * REVIEW_PAGE
    shown = found.iloc[start:start + REVIEW_PAGE]
    of = f", {len(found)} found by the search" if text else ""
    st.caption(f"{rows} uncertain smelter row(s) waiting under {len(groups)} name(s){of} — one decision settles "
               "every row of a name" + (f" · showing {start + 1}–{start + len(shown)}" if len(shown)
                                        else " · none matches the search"))
    return shown


def _reviews(k: tuple[str, str]) -> None:
    decided = st.session_state.pop("val_decided", None)
    if decided:  # what the last decision changed (kept across the rerun the button triggers)
        st.success(md(decided, 800))
    try:
        queue = data.reviews(k)
    except Exception as exc:  # a reference-store failure must not hide the rest of the page
        views.unavailable(exc, "Review queue")
        return
    if queue.empty:
        st.success("No uncertain smelter matches waiting for review.")
    else:
        decls = data.declarations(k, None, current_only=False)
        files = dict(zip(decls["id"], decls["file_name"], strict=False))
        for item in _review_page(_review_groups(queue, files), len(queue)).to_dict("records"):
            cands = item.get("candidates") or []
            rows = item["rows"]
            where = rows[0] if len(rows) == 1 else f"{len(rows)} rows"
            title = (f"{md(item.get('metal') or '?')} · “{md(item.get('raw_name'))}” · "
                     f"{md(item.get('country') or 'no country')} — {md(where)}")
            with st.expander(title):
                if len(rows) > 1:
                    listed = "; ".join(rows[:ROWS_LISTED]) + (f"; and {len(rows) - ROWS_LISTED} more"
                                                              if len(rows) > ROWS_LISTED else "")
                    st.caption(f"Written so in: {md(listed, 4000)}")
                if not cands:
                    st.caption("No candidate.")
                    continue
                shown = [{**c, "reasons": "; ".join(c.get("reasons") or [])} for c in cands]  # why each candidate
                views.table(pd.DataFrame(shown), ["cid", "name", "country", "score", "reasons"],
                            key=f"rev_c_{item['id']}")
                options = [str(c.get("cid")) for c in cands]
                labels = {str(c.get("cid")): md(f"{c.get('cid')} {c.get('name') or ''} ({c.get('score')})")
                          for c in cands}
                pick = st.radio("Candidate", options, format_func=labels.get,
                                key=f"rev_pick_{item['id']}", horizontal=True)
                c1, c2 = st.columns(2)
                accepted = c1.button("Accept", key=f"rev_accept_{item['id']}", type="primary")
                rejected = c2.button("Reject", key=f"rev_reject_{item['id']}")
                if accepted or rejected:
                    try:  # the checks of `minetrace reference decide` (one function records every decision)
                        st.session_state["val_decided"] = data.decide(
                            item["metal"], item["raw_name"], item.get("country"),
                            accept=pick if accepted else None, reject=pick if rejected else None)
                    except DecisionError as exc:
                        st.error(md(str(exc), 400))
                    else:
                        st.rerun()
    dec = data.decisions(k)
    if not dec.empty:
        st.markdown("**Recorded decisions** (applied to the stored rows when made, and to every later file)")
        views.table(dec, key="val_decisions")


def render() -> None:
    st.title("Validation")
    k = data.key()
    year = views.year()
    tab_files, tab_findings, tab_review = st.tabs(["Files", "All findings", "Review queue"])
    with tab_files:
        _files(k, year)
        _rejected()
    with tab_findings:
        _all_findings(k, year)
    with tab_review:
        _reviews(k)
