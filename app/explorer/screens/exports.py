"""Exports: download buttons for every export — flagged suppliers for mitigation, the
report appendix, the consolidated CMRT, response status and validation findings (xlsx or csv), and the
year's Conflict Minerals Report drafted from the data (docx, or PDF where LibreOffice is installed).

The file is built when the button is clicked (deferred download) by ``queries.exports``, the same code as
``minetrace export …``: formatted xlsx (header, filters, frozen panes) with supplier text neutralised
against formula injection.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import streamlit as st

from minetrace.app.explorer import data, views
from minetrace.app.safe_output import md

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
EXPORTS = [
    ("flagged", "Flagged suppliers for mitigation", "One row per supplier and flagged smelter row: smelter, CID, "
     "metal, risk and reasons, path, declaration file and row, contacts, program strength, survey status.",
     ("xlsx", "csv")),
    ("appendix", "Report appendix", "Appendix A: metal, standard smelter name, location, conformant status as of "
     "the reporting date, the countries of origin and the counts the report states.", ("xlsx", "csv")),
    ("cmrt", "Consolidated CMRT", "The company's own CMRT: your company block and answers, and the Smelter List of "
     "all validated smelters (deduplicated by CID and metal), in the CMRT 6.x layout — or into your blank RMI "
     "template. It is checked by minetrace's validator before you download it.", ("xlsx",)),
    ("responses", "Response status", "Every master-list supplier with its survey status, dates and follow-ups, then "
     "every responder not on the master list (or linked only by a name proposal) with its best candidates.",
     ("xlsx", "csv")),
    ("findings", "Validation findings", "Every finding of every stored form, with its cell location.",
     ("xlsx", "csv")),
    ("report", "Conflict Minerals Report (draft)", "The year's Form SD report drafted from the data: RCOI and survey "
     "figures, risk criteria, the high-risk smelters with their reasons, program strength, Appendix A and the "
     "countries of origin — highlighted placeholders for your own text (`minetrace report cmr` for your template).",
     ("docx", "pdf")),
]
MIME = {"xlsx": XLSX, "csv": "text/csv", "pdf": "application/pdf",
        "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}


def _generator(kind: str, fmt: str, year: int | None, template: bytes | None) -> Callable[[], bytes]:
    k = data.key()

    def build() -> bytes:
        if template:
            return data.export_bytes(kind, fmt, year, template)
        return data.export_cached(k, kind, fmt, year)

    return build


def render() -> None:
    st.title("Exports")
    year = views.year()
    st.caption("Files are built when you click, for the reporting year stated above.")
    for kind, title, text, formats in EXPORTS:
        with st.container(border=True):
            st.markdown(f"**{title}**")
            st.caption(text)
            template = None
            if kind == "cmrt":
                _cmrt(year)
                continue
            if kind == "report":
                formats = data.report_formats()
            cols = st.columns(len(formats) + 2)
            for col, fmt in zip(cols, formats, strict=False):
                name = f"minetrace-{kind}-{views.year_label().replace(' ', '-')}.{fmt}"
                col.download_button(f"Download {fmt}", data=_generator(kind, fmt, year, template), file_name=name,
                                    mime=MIME[fmt], key=f"dl_{kind}_{fmt}",
                                    icon=":material/download:", on_click="ignore")


def _cmrt(year: int | None) -> None:
    """The consolidated CMRT: the company block (saved beside the store, as `export cmrt` reads it), a build that
    validates the form, its findings, then the download."""
    from minetrace.queries.company_block import FIELDS

    try:
        block = data.company_block()
    except Exception as exc:  # a company file edited by hand that cannot be read: say so, keep the page
        st.error(f"The company block cannot be read: {md(exc, 600)}")
        block = {}
    with st.expander("Your company block (Declaration sheet)", expanded=not block.get("name")):
        st.caption(f"Saved in {md(data.company_block_path(), None)}; the answers to Q1–Q8 and A–H go in the same "
                   "file (keys `answers`, `company_answers`, see `minetrace export cmrt --help`).")
        with st.form("exp_company"):
            values: dict[str, object] = {}
            cols = st.columns(2)
            for i, (key, label) in enumerate(FIELDS):
                col = cols[i % 2]
                if key == "effective_date":
                    values[key] = col.date_input(label, value=block.get(key), key=f"exp_co_{key}")
                elif key == "scope":
                    options = ["A", "B", "C"]
                    values[key] = col.selectbox(label, options, index=options.index(block["scope"])
                                                if block.get("scope") in options else 0, key=f"exp_co_{key}")
                else:
                    values[key] = col.text_input(label, value=str(block.get(key) or ""), key=f"exp_co_{key}")
            if st.form_submit_button("Save company block"):
                path = data.save_company_block(values)
                st.success(f"Saved to {md(path, None)}.")
    up = st.file_uploader("Your blank RMI CMRT template (optional)", type=["xlsx"], key="exp_tpl")
    template = up.getvalue() if up is not None else None
    if st.button("Build and check the consolidated CMRT", key="exp_cmrt_build", icon=":material/fact_check:"):
        try:
            with st.spinner("Writing and validating the form…"):
                st.session_state["exp_cmrt"] = (year, *data.build_cmrt(year, template))
        except Exception as exc:  # a bad template or company file: say it, keep the page
            st.error(md(exc, 600))
    built = st.session_state.get("exp_cmrt")
    if not built or built[0] != year:
        return
    _, payload, result = built
    findings = result.get("findings") or []
    errors = [f for f in findings if f.get("severity") == "error"]
    if result.get("status") == "valid":
        st.success(f"Checked by minetrace's validator: valid, {result['rows']} smelters — ready to send "
                   f"({len(findings)} note(s) below).")
    else:
        st.warning(f"Checked by minetrace's validator: invalid ({len(errors)} error(s)) — not ready to send. Fill the "
                   "company block and answers, then build again.")
    if findings:
        views.table(pd.DataFrame(findings), ["severity", "location", "message"], key="exp_cmrt_findings", height=300)
    name = f"minetrace-cmrt-{views.year_label().replace(' ', '-')}.xlsx"
    st.download_button("Download xlsx", data=payload, file_name=name, mime=XLSX, key="dl_cmrt_xlsx",
                       icon=":material/download:", on_click="ignore")
