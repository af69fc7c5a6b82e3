"""The Streamlit explorer: where an analyst sees, traces, queries and exports the supply chain.

Why a package of small modules: one module per page (``pages/``), one for cached data access
(``data``), one for figures (``charts``) and a few view helpers. There is no business logic here —
every number, flag and path comes from ``queries/`` and ``graph/``; this package only lays them out.
Start it with ``minetrace app`` (or ``streamlit run app/explorer/main.py -- --store DIR``).
"""
