"""The explorer's page registry, so one page can send the user to another (e.g. "Trace this supplier").

Why a module: ``main.py`` builds the navigation from it and pages switch with ``go_trace``; the page
modules are imported lazily here to keep the import graph acyclic.
"""

from __future__ import annotations

from functools import cache

import streamlit as st


@cache
def pages() -> dict[str, st.Page]:
    from minetrace.app.explorer.screens import (
        exports,
        exposure,
        followup,
        ingest,
        overview,
        smelters,
        suppliers,
        trace,
        validation,
    )

    return {
        "overview": st.Page(overview.render, title="Overview", icon=":material/dashboard:",
                            default=True),
        "trace": st.Page(trace.render, title="Trace", icon=":material/account_tree:", url_path="trace"),
        "exposure": st.Page(exposure.render, title="Exposure", icon=":material/public:", url_path="exposure"),
        "suppliers": st.Page(suppliers.render, title="Suppliers", icon=":material/business:", url_path="suppliers"),
        "smelters": st.Page(smelters.render, title="Smelters", icon=":material/factory:", url_path="smelters"),
        "validation": st.Page(validation.render, title="Validation", icon=":material/rule:", url_path="validation"),
        "followup": st.Page(followup.render, title="Follow-up", icon=":material/forward_to_inbox:",
                            url_path="followup"),
        "ingest": st.Page(ingest.render, title="Ingest", icon=":material/upload_file:", url_path="ingest"),
        "exports": st.Page(exports.render, title="Exports", icon=":material/download:", url_path="exports"),
    }


def go_trace(mode: str, value: str) -> None:
    """Open the Trace page on a supplier / smelter / CID / country."""
    st.session_state["trace_mode"] = mode
    st.session_state[f"trace_pick_{mode}"] = value
    st.switch_page(pages()["trace"])
