"""Ingest: upload supplier CMRTs (xlsx, xls, xlsm, zip) through the same ingest as the CLI, with progress and
a per-file outcome; import the supplier master list and reference data (RMI exports, watchlist …).

Limits: Streamlit refuses files above ``server.maxUploadSize`` (set by ``minetrace app``); this page also
checks the size of each file and the number of files per upload, so a huge batch is refused with a message
instead of stalling the server. A bad file shows its message and the rest carry on.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from minetrace.app.explorer import data, views
from minetrace.app.explorer.settings import load_settings
from minetrace.app.safe_output import md, md_code
from minetrace.queries import glossary

CMRT_TYPES = ["xlsx", "xls", "xlsm", "zip"]
OUTCOME_COLS = ["name", "outcome", "status", "supplier_name", "supplier_id", "supplier_link", "reporting_year",
                "template", "smelter_rows", "unresolved_rows", "errors", "current", "message"]


def _safe_name(name: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "._- " else "_" for ch in Path(name).name) or "upload"


def check_limits(files: list[Any], max_files: int, max_mb: int) -> list[str]:
    """Problems with an upload batch (too many files, files too large); empty when it may go ahead."""
    problems = []
    if len(files) > max_files:
        problems.append(f"{len(files)} files chosen; at most {max_files} per upload — split the batch.")
    for f in files:
        if f.size > max_mb * 1024 * 1024:
            problems.append(f"{f.name}: {f.size / 1048576:.1f} MB is above the {max_mb} MB limit.")
    return problems


def _save(files: list[Any], folder: Path) -> dict[Path, str]:
    """Write the uploads to a temporary folder; temporary path → the name the user uploaded."""
    saved = {}
    for i, f in enumerate(files):
        target = folder / f"{i:04d}" / _safe_name(f.name)
        target.parent.mkdir(parents=True)
        target.write_bytes(f.getvalue())
        saved[target] = Path(f.name).name
    return saved


def _cmrt_section() -> None:
    settings = load_settings()
    st.subheader("Supplier declarations")
    files = st.file_uploader("CMRT / EMRT / CRT / AMRT files or zip archives", type=CMRT_TYPES,
                             accept_multiple_files=True, key="ing_files",
                             help=f"Up to {settings.max_upload_files} files of at most {settings.max_upload_mb} MB.")
    c1, c2 = st.columns(2)
    year = c1.number_input("Campaign year (blank: each form's effective date)", min_value=2000, max_value=2100,
                           value=None, step=1, key="ing_year",
                           help="The reporting year the forms answer for, as `minetrace ingest --year`. Without it, a "
                                "form with no effective date, or one in the future, is filed under no year and flagged "
                                "(never under today's date); upload it again with the year to file it.")
    sups = data.suppliers(data.key())
    names = dict(zip(sups["id"], sups["name"], strict=False))  # once: a dict per option was 6 s at 1k suppliers
    parent = c2.selectbox("File under supplier (multi-tier, optional)", sups["id"].tolist(), index=None,
                          format_func=lambda v: f"{names.get(v)} ({v})", key="ing_parent")
    if not files:
        return
    problems = check_limits(files, settings.max_upload_files, settings.max_upload_mb)
    for p in problems:
        st.error(p)
    if problems or not st.button(f"Ingest {len(files)} file(s)", type="primary", key="ing_go"):
        return
    bar = st.progress(0.0, text="starting…")
    results: list[dict[str, Any]] = []
    total = len(files)

    def step(result: Any) -> None:
        results.append(result.to_json())
        bar.progress(min(1.0, len(results) / max(total, 1)), text=f"{len(results)} file(s) done: {md(result.name)}")

    with tempfile.TemporaryDirectory(prefix="minetrace-upload-") as tmp:
        saved = _save(files, Path(tmp))
        try:
            report = data.ingest_files(list(saved), year=int(year) if year else None, parent_supplier_id=parent,
                                       progress=step, names=saved)
        except Exception as exc:  # e.g. an unknown parent supplier: say it, keep the page
            st.error(f"Ingest failed: {md(exc, 600)}")
            return
    summary = f"{len(report.files)} file(s): {glossary.counts_text('outcome', report.counts())}"
    bar.progress(1.0, text=md(summary))
    st.session_state["ingest_results"] = results
    st.session_state["ingest_summary"] = summary
    st.rerun()  # redraw every part of the page (sidebar years, version) from the updated store


def _show_results() -> None:
    results = st.session_state.get("ingest_results")
    if not results:
        return
    st.success(md(st.session_state.get("ingest_summary", "")))
    df = pd.DataFrame(results)
    if not df.empty:  # forms named by file, not by hash ("replaces acme_2024.xlsx")
        names = data.file_names(tuple(sorted({x for r in results for x in [*(r.get("supersedes") or []),
                                                                             r.get("superseded_by")] if x})))
        df["message"] = [glossary.ingest_note(r, names) for r in results]
    views.table(df, OUTCOME_COLS, key="ing_results")
    bad = df[df["outcome"] == "unreadable"] if "outcome" in df else df.iloc[0:0]
    for r in bad.itertuples():
        st.error(md(f"{r.name}: {r.message}", 600))
    held = df[df["pending"].notna()] if "pending" in df else df.iloc[0:0]
    for r in held.itertuples():
        who = glossary.supplier(r.supplier_id, getattr(r, "supplier_name", None))
        st.warning(f"Newer form pending for {md(who)}: {md(r.name)} — {md(r.pending, 400)}")


def _master_list_section() -> None:
    st.subheader("Supplier master list")
    f = st.file_uploader("Master list (CSV or xlsx: supplier ID, name, category, last purchase date, e-mail, spend)",
                         type=["csv", "xlsx", "xls"], key="ing_master")
    if f is None or not st.button("Import master list", key="ing_master_go"):
        return
    with tempfile.TemporaryDirectory(prefix="minetrace-master-") as tmp:
        path = Path(tmp) / _safe_name(f.name)
        path.write_bytes(f.getvalue())
        try:
            report = data.import_master_list(path)
        except Exception as exc:  # a bad list: say it, keep the page
            st.error(md(f"{f.name}: {exc}", 600))
            return
    st.success(f"{md(f.name)}: master list imported.")
    relinked = getattr(report, "relinked", None)
    if relinked is not None:
        st.info(md(relinked.summary(), 600) + " — the Overview lists responders still to link.")
    for finding in getattr(report, "supplier_map_findings", []) or []:
        st.warning(md(finding, 600))


def _reference_section() -> None:
    st.subheader("Reference data")
    files = st.file_uploader("RMI exports (.xml/.csv/.xlsx), CMRT templates (Smelter Look-up), watchlist "
                             "(.csv/.yaml)", accept_multiple_files=True, key="ing_ref")
    as_of = st.date_input("Facts valid on (blank: from the file)", value=None, key="ing_ref_asof")
    if not files or not st.button("Import reference files", key="ing_ref_go"):
        return
    with tempfile.TemporaryDirectory(prefix="minetrace-ref-") as tmp:
        for f in files:
            path = Path(tmp) / _safe_name(f.name)
            path.write_bytes(f.getvalue())
            ok, message = data.import_reference(path, f.name, as_of.isoformat() if as_of else None)
            (st.success if ok else st.error)(md(message, 600))


def render() -> None:
    st.title("Ingest")
    st.caption(f"Store: {md_code(data.store_uri(), None)} · files go through the same ingest as `minetrace ingest`.")
    _cmrt_section()
    _show_results()
    st.divider()
    _master_list_section()
    st.divider()
    _reference_section()
