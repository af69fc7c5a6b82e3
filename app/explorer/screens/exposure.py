"""Exposure: who is exposed to given smelters (CIDs, searchable by name or alias) or countries (Covered
Countries preset) — the exposed suppliers, their products and paths — and a world map of smelter
locations and declared sourcing countries."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from minetrace.app.explorer import charts, data, geo, views
from minetrace.app.safe_output import md


def _cid_options(k: tuple[str, str]) -> tuple[list[str], dict[str, str]]:
    sm = data.smelters(k)
    sm = sm[sm["cid"].notna()]
    try:
        aliases = data.smelter_aliases(k)
    except Exception:  # no reference store yet: search by standard name only
        aliases = {}
    labels: dict[str, str] = {}
    for r in sm.itertuples():
        extra = [a for a in aliases.get(str(r.cid), []) if a != r.name][:4]
        labels[str(r.cid)] = f"{r.cid} — {r.name or ''} ({r.metal or '?'})" + (
            f" · aka {'; '.join(extra)}" if extra else "")
    return sorted(labels), labels


def _cid_section(k: tuple[str, str], year: int | None) -> None:
    values, labels = _cid_options(k)
    cids = st.multiselect("Smelters (CID, name or alias — type to search)", values, key="exp_cids",
                          format_func=lambda v: labels.get(v, v))
    extra = st.text_input("…or CIDs not reported by anyone yet (comma-separated, retired CIDs are followed)",
                          key="exp_cids_extra")
    wanted = list(dict.fromkeys(cids + [c.strip().upper() for c in extra.split(",") if c.strip()]))
    if not wanted:
        return
    try:
        results = data.cid_exposure(k, tuple(wanted), year)
    except Exception as exc:  # a query failure must not hide the rest of the page
        views.unavailable(exc, "CID exposure")
        return
    sup_rows, path_rows, evidence = [], [], []
    for res in results:
        for note in res.get("notes", []):
            st.caption(f"{md(res['cid'])}: {md(note, 400)}")
        for s in res["suppliers"]:
            sup_rows.append({"cid": res["cid"], "supplier_id": s["supplier_id"], "supplier_name": s["supplier_name"],
                             "metals": ", ".join(s["metals"]), "years": ", ".join(map(str, s["years"])),
                             "declarations": len(s["declarations"])})
            for chain in s["paths"]:
                path_rows.append({"cid": res["cid"], "path": " → ".join([*chain, res["cid"]])})
            for d in s["declarations"]:
                for r in d["rows"]:
                    evidence.append({"cid": res["cid"], "supplier_id": s["supplier_id"], "file_name": d["file_name"],
                                     "reporting_year": d["reporting_year"], "status": d["status"], **r})
    views.kpis([("CIDs asked", len(results)), ("Exposed suppliers", len({r["supplier_id"] for r in sup_rows})),
                ("Declarations", sum(r.get("declarations", 0) for r in results)),
                ("Rows", sum(r.get("rows", 0) for r in results))])
    if not sup_rows:
        st.success(f"No supplier reports {md(', '.join(wanted), 400)} in {views.year_label()}.")
        return
    t1, t2, t3, t4 = st.tabs(["Exposed suppliers", "Products", "Paths", "Evidence"])
    with t1:
        views.table(pd.DataFrame(sup_rows), key="exp_cid_suppliers")
    with t2:
        _products(k, {r["supplier_id"] for r in sup_rows}, {e["declaration_id"] for e in evidence
                                                            if e.get("declaration_id")})
    with t3:
        views.table(pd.DataFrame(path_rows).drop_duplicates(), key="exp_cid_paths")
    with t4:
        views.table(pd.DataFrame(evidence), key="exp_cid_evidence")


def _products(k: tuple[str, str], supplier_ids: set[str], declaration_ids: set[str]) -> None:
    try:
        df = data.products(k)
    except Exception as exc:  # a query failure must not hide the rest of the page
        views.unavailable(exc, "Products")
        return
    view = df[df["supplier_id"].isin(supplier_ids)] if not df.empty else df
    if view.empty:
        st.caption("No product list in these declarations (company-level scope).")
    else:
        views.table(view, ["supplier_id", "file_name", "number", "name", "comment"], key="exp_products")


def _country_section(k: tuple[str, str], year: int | None) -> tuple[list[str], dict]:
    covered = data.covered_countries(k)
    known = sorted(set(data.located_smelter_counts(k, year)) | set(covered))
    if st.button("Covered Countries preset", key="exp_covered_btn", help="The DRC and its nine neighbours"):
        st.session_state["exp_countries"] = list(covered)
    chosen = st.multiselect("Countries", known, key="exp_countries",
                            format_func=lambda c: f"{geo.country_name(c)} ({c})")
    if not chosen:
        return [], {}
    try:
        res = data.country_exposure(k, tuple(chosen), year)
    except Exception as exc:  # a query failure must not hide the rest of the page
        views.unavailable(exc, "Country exposure")
        return chosen, {}
    views.kpis([("Smelters located there", len(res.get("by_location", []))),
                ("Suppliers (by location)", len(res.get("suppliers_by_location", []))),
                ("Declared mine-country rows", len(res.get("by_declared_mine_country", []))),
                ("Suppliers (by declared origin)", len(res.get("suppliers_by_declared", [])))])
    t1, t2 = st.tabs(["By smelter location", "By declared mine country"])
    with t1:
        loc = pd.DataFrame([{**r, "suppliers": ", ".join(r["suppliers"]), "rows": len(r.get("evidence", []))}
                            for r in res.get("by_location", [])])
        views.table(loc, ["country_iso2", "cid", "name", "metal", "suppliers", "rows"], key="exp_by_location")
    with t2:
        dec = pd.DataFrame([{k2: (", ".join(map(str, v)) if isinstance(v, list | set) and k2 != "evidence" else v)
                             for k2, v in r.items() if k2 != "evidence"} for r in res.get("by_declared_mine_country",
                                                                                          [])])
        views.table(dec, key="exp_by_declared")
    return chosen, res


def _map(k: tuple[str, str], year: int | None) -> None:
    located = data.located_smelter_counts(k, year)
    declared = data.declared_country_rows(k, year)
    st.plotly_chart(charts.world_map(located, declared, set(data.covered_countries(k))), key="exp_map")
    st.caption("Circles: where reported smelters are located (size = smelters). Triangles: mine countries "
               "suppliers declared. Shaded: Covered Countries.")


def render() -> None:
    st.title("Exposure")
    k = data.key()
    year = views.year()
    st.subheader("Exposure to smelters")
    _cid_section(k, year)
    st.subheader("Exposure to countries")
    _country_section(k, year)
    st.subheader("World map")
    _map(k, year)
