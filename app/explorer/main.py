"""The explorer's entry script: ``streamlit run app/explorer/main.py -- --store DIR_OR_URI``.

Why this file is tiny: it sets the page, asks for the password when one is configured, draws the shared
sidebar and hands over to the selected page (``app/explorer/screens/<page>.py``, each with ``render()``).
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from minetrace.app.explorer import auth, nav, views  # the installed package (`pip install -e .`)

# a local image: a :material/…: or emoji icon is fetched from a CDN by the browser (the explorer works offline)
ICON = Path(__file__).resolve().parent / "assets" / "favicon.png"
st.set_page_config(page_title="minetrace explorer", page_icon=str(ICON), layout="wide")
if not auth.gate():
    st.stop()
page = st.navigation(list(nav.pages().values()))
views.sidebar()
views.year_banner()
page.run()
st.html('<span id="mt-ready"></span>')  # marks a finished run (browser tests wait for it)
