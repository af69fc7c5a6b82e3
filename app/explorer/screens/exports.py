"""Exports: download buttons for every export of the query layer — flagged suppliers for mitigation, the
report appendix, the consolidated CMRT, response status and validation findings (xlsx or csv), and the
year's Conflict Minerals Report drafted from the data (docx, or PDF where LibreOffice is installed).

The file is built when the button is clicked (deferred download) by ``queries.exports``, the same code as
``minetrace export …``: formatted xlsx (header, filters, frozen panes) with supplier text neutralised
against formula injection.
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from app.explorer import data, views

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
EXPORTS = [
    ("flagged", "Flagged suppliers for mitigation", "One row per supplier and flagged smelter row: smelter, CID, "
     "metal, risk and reasons, path, declaration file and row, contacts, program strength, survey status.",
     ("xlsx", "csv")),
    ("appendix", "Report appendix", "Appendix A: metal, standard smelter name, location, conformant status as of "
     "the reporting date, the countries of origin and the counts the report states.", ("xlsx", "csv")),
    ("cmrt", "Consolidated CMRT", "The company's own Smelter List of all validated smelters (deduplicated by CID "
     "and metal), in the CMRT 6.x layout — or into your blank RMI template.", ("xlsx",)),
    ("responses", "Response status", "Every master-list supplier with its survey status, dates and follow-ups.",
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
    st.caption(f"Reporting year: {views.year_label()}. Files are built when you click.")
    for kind, title, text, formats in EXPORTS:
        with st.container(border=True):
            st.markdown(f"**{title}**")
            st.caption(text)
            template = None
            if kind == "cmrt":
                up = st.file_uploader("Your blank RMI CMRT template (optional)", type=["xlsx"], key="exp_tpl")
                template = up.getvalue() if up is not None else None
            if kind == "report":
                formats = data.report_formats()
            cols = st.columns(len(formats) + 2)
            for col, fmt in zip(cols, formats, strict=False):
                name = f"minetrace-{kind}-{views.year_label().replace(' ', '-')}.{fmt}"
                col.download_button(f"Download {fmt}", data=_generator(kind, fmt, year, template), file_name=name,
                                    mime=MIME[fmt], key=f"dl_{kind}_{fmt}",
                                    icon=":material/download:", on_click="ignore")
