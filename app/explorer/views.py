"""Small view helpers shared by the pages: the sidebar, the year and policy selectors, the rating header,
KPI rows, tables, notices.

Why: every page shows the same sidebar (store, version, year, policy) and the same kinds of tables; keeping
them here keeps each page module about its own question.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd
import streamlit as st

from minetrace.app.explorer import data
from minetrace.app.explorer.values import present
from minetrace.app.safe_output import md, md_code
from minetrace.queries import glossary

YEAR_KEY = "year"
ALL_YEARS = "All years"


def sidebar() -> None:
    """Store information and the reporting-year selector (shared by every page through session state). The
    year starts at the newest reporting year with forms — the campaign in progress — as the CLI's."""
    with st.sidebar:
        st.caption(f"Store: {md_code(data.store_uri(), None)}")
        try:
            k = data.key()
            yrs = data.years(k)
        except Exception as exc:  # an unreachable store must not hide the pages
            st.error(f"Store not available: {md(exc, 600)}")
            return
        options: list[Any] = yrs + [ALL_YEARS] if yrs else [ALL_YEARS]
        if st.session_state.get(YEAR_KEY) not in options:
            st.session_state[YEAR_KEY] = options[0]
        st.selectbox("Reporting year", options, key=YEAR_KEY,
                     help="Every page shows this reporting year; it starts at the newest year with forms.")
        choices = data.policy_choices()
        if st.session_state.get(data.POLICY_KEY) not in choices:
            st.session_state[data.POLICY_KEY] = data.policy_name() if data.policy_name() in choices else choices[0]
        st.selectbox("Policy", choices, key=data.POLICY_KEY,
                     help="us-sec-1502: the SEC rule's Covered Countries (default); eu-2017-821: CAHRAs rate high too.")


def year_banner() -> None:
    """The reporting year every page shows, stated at the top: the newest year with forms unless the analyst
    chose another, and the forms filed under no year (no campaign year given, no effective date or one in the
    future)."""
    try:
        k = data.key()
        yrs = data.years(k)
        unfiled = data.unfiled_forms(k)
    except Exception:  # the sidebar already says the store is not available
        return
    chosen = year()
    if not yrs:
        text = "No reporting year on file yet: ingest your suppliers' forms (Ingest page or `minetrace ingest`)."
    elif chosen is None:
        text = f"Reporting year: **all years on file** ({', '.join(map(str, yrs))}); the newest is {yrs[0]}."
    elif chosen == yrs[0]:
        others = f" (also on file: {', '.join(map(str, yrs[1:]))})" if len(yrs) > 1 else ""
        text = f"Reporting year **{chosen}** — the newest reporting year with forms{others}; change it in the sidebar."
    else:
        text = f"Reporting year **{chosen}**, chosen in the sidebar; the newest year with forms is {yrs[0]}."
    if unfiled:
        text += (f" · {unfiled} form(s) filed under no reporting year (no effective date, or one in the future): "
                 "Validation lists them (Status: no year); `minetrace ingest FILE --year YYYY` files one.")
    st.caption(text)


def year() -> int | None:
    """The selected reporting year (None = all years)."""
    value = st.session_state.get(YEAR_KEY)
    return value if isinstance(value, int) else None


def year_label() -> str:
    y = year()
    return str(y) if y is not None else "all years"


def rating_header(k: tuple[str, str], year_: int | None) -> None:
    """What every rating page states first: the no-status-data notice, then policy, year and status lists."""
    try:
        h = data.header(k, year_)
    except Exception as exc:  # a query failure must not hide the rest of the page
        unavailable(exc, "The rating header")
        return
    for notice in h["notices"]:
        st.warning(notice, icon=":material/warning:")
    title = f" ({h['policy_title']})" if h.get("policy_title") else ""
    st.caption(f"Policy **{h['policy']}**{title} · reporting year {year_label()} · {h['statuses']['text']}")


def unavailable(exc: Exception, what: str) -> None:
    st.info(f"{md(what)} is not available yet: {md(exc, 600)}")


def kpis(items: Sequence[tuple[str, Any] | tuple[str, Any, str | None]], per_row: int = 4) -> None:
    for start in range(0, len(items), per_row):
        cols = st.columns(per_row)
        for col, item in zip(cols, items[start:start + per_row], strict=False):
            label, value = item[0], item[1]
            col.metric(label, "—" if value is None else value, help=item[2] if len(item) > 2 else None)


def table(df: pd.DataFrame, columns: Sequence[str] | None = None, key: str | None = None, height: int | None = None,
          selectable: bool = False, labels: dict[str, str] | None = None,
          column_config: dict[str, Any] | None = None) -> Any:
    """A dataframe with the given columns (missing ones skipped), optionally single-row selectable. Headers are
    plain words (`labels`, else the glossary: "file_name" → "File"); codes in the known columns (survey status,
    flags, outcome, linked by) are shown as words too."""
    if columns:
        df = df[[c for c in columns if c in df.columns]]
    df = plain_words(df)
    # a missing value reads as a dash, not "None" (text columns only: numbers and ticks keep their type)
    df = df.assign(**{c: df[c].map(lambda v: "—" if present(v) is None else v)
                      for c in df.columns if df[c].dtype == object})
    headers = {c: (labels or {}).get(c) or glossary.column(c) for c in df.columns}
    df = df.rename(columns=headers)
    kwargs: dict[str, Any] = {"width": "stretch", "hide_index": True}
    if column_config:
        kwargs["column_config"] = {headers.get(c, c): v for c, v in column_config.items()}
    if height:  # a maximum: short tables shrink to their rows instead of showing empty lines
        kwargs["height"] = min(height, 38 + 35 * max(len(df), 1))
    if selectable:
        return st.dataframe(df, key=key, on_select="rerun", selection_mode="single-row", **kwargs)
    return st.dataframe(df, key=key, **kwargs)


#: column → glossary kind of the codes it holds (shown as words in every table)
CODED_COLUMNS = {"survey_status": "survey_status", "outcome": "outcome", "supplier_link": "link",
                 "year_source": "year_source", "method": "method", "resolution_status": "resolution",
                 "origin": "origin", "risk": "risk", "worst_risk": "risk", "action": "campaign_action"}


def plain_words(df: pd.DataFrame) -> pd.DataFrame:
    """The known code columns as words; status columns holding survey codes too."""
    out = df
    for col, kind in CODED_COLUMNS.items():
        if col in out.columns:
            out = out.assign(**{col: [glossary.value(kind, v) if present(v) is not None else v for v in out[col]]})
    if "status" in out.columns and out["status"].isin(list(glossary.known("survey_status"))).any():
        out = out.assign(status=[glossary.value("survey_status", v) if present(v) is not None else v
                                 for v in out["status"]])
    for col in ("flags", "flags_text"):
        if col in out.columns:
            out = out.assign(**{col: [glossary.values("flag", [f.strip() for f in str(v).split(",")])
                                      if present(v) is not None else v for v in out[col]]})
    return out


def selected_row(event: Any) -> int | None:
    try:
        rows = event.selection.rows
    except AttributeError:
        return None
    return rows[0] if rows else None


def text_filter(df: pd.DataFrame, text: str, columns: Sequence[str]) -> pd.DataFrame:
    """Rows where any of the columns contains the text (case-insensitive)."""
    if not text or df.empty:
        return df
    mask = pd.Series(False, index=df.index)
    for c in columns:
        if c in df.columns:
            mask |= df[c].astype(str).str.contains(text, case=False, regex=False, na=False)
    return df[mask]
