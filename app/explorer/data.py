"""Cached data access for the explorer: the only module that calls ``graph/`` and ``queries/``.

Why: pages must stay interactive (≤ 2 s per interaction with 1,000 suppliers), so every query
result is cached with ``st.cache_data`` keyed on the store URI and ``store.version()`` — a write
(an upload, a review decision) changes the version and the next run recomputes. The store handle
itself is a ``st.cache_resource`` (one connection per process). Functions here only call the
queries and shape their answers into DataFrames; they hold no rules of their own.

Every query is imported by name from ``queries`` (no string dispatch), so the import graph and the type
checker see what each page depends on.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, is_dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from minetrace.app.explorer.settings import load_settings
from minetrace.graph.store import GraphStore
from minetrace.graph.workspace import Workspace


# ------------------------------------------------------------------ store handle and version
@st.cache_resource(show_spinner=False)
def _open(uri: str) -> GraphStore:
    return workspace_of(uri).open_store()


def workspace_of(uri: str) -> Workspace:
    """The workspace (graph.workspace) the explorer was started on."""
    return Workspace.open(uri)


def store_uri() -> str:
    return load_settings().store


def workspace() -> Workspace:
    return workspace_of(store_uri())


def store() -> GraphStore:
    return _open(store_uri())


def version() -> str:
    return str(store().version())


def _reference_stamp() -> str:
    """Changes when the reference facts or the review decisions change (imports, decisions; graph.workspace)."""
    ws = workspace()
    return ws.reference_stamp(store() if ws.shared else None)


#: session-state key of the policy the sidebar selects (a preset name or the YAML file the explorer was given)
POLICY_KEY = "policy"


def policy_name() -> str:
    """The policy in force: the sidebar's choice, else the one the explorer was started with, else the default."""
    from minetrace.queries.policy import DEFAULT_PRESET

    return str(st.session_state.get(POLICY_KEY) or load_settings().policy or DEFAULT_PRESET)


def policy_choices() -> list[str]:
    """The presets, and the policy file the explorer was started with (when one was given)."""
    from minetrace.queries.policy import presets

    names = list(presets())
    started = load_settings().policy
    if started and started not in names:
        names.append(started)
    return names


@st.cache_resource(show_spinner=False, max_entries=8)
def _load_policy(name: str) -> Any:
    from minetrace.queries.policy import load_policy

    return load_policy(name)


def policy() -> Any:
    return _load_policy(policy_name())


def key() -> tuple[str, str]:
    """The cache key every cached loader takes: (store URI, store version + reference stamp + policy)."""
    return store_uri(), f"{version()}|{_reference_stamp()}|{policy_name()}"


def reset_store() -> None:
    """Forget the open store (after an external change, e.g. a reference import)."""
    _open.clear()


# ------------------------------------------------------------------ shaping helpers
def plain(obj: Any) -> Any:
    """Dataclasses / objects with to_json → dicts (recursively), everything else as is."""
    if hasattr(obj, "to_json"):
        return obj.to_json()
    if is_dataclass(obj) and not isinstance(obj, type):
        return asdict(obj)
    if isinstance(obj, list | tuple):
        return [plain(o) for o in obj]
    if isinstance(obj, dict):
        return {k: plain(v) for k, v in obj.items()}
    return obj


def frame(rows: Any, columns: list[str] | None = None) -> pd.DataFrame:
    data = [plain(r) for r in (rows or [])]
    df = pd.DataFrame(data)
    if columns:
        for c in columns:
            if c not in df.columns:
                df[c] = None
    return df


def _loads(text: Any, default: Any) -> Any:
    if isinstance(text, str):
        try:
            return json.loads(text)
        except ValueError:
            return default
    return default if text is None else text


# ------------------------------------------------------------------ store reads
@st.cache_data(show_spinner=False, max_entries=64)
def years(k: tuple[str, str]) -> list[int]:
    return sorted((int(y) for y in store().years() if y is not None), reverse=True)


def file_names(shas: tuple[str, ...]) -> dict[str, str]:
    """sha256 → the stored form's file name (what a person reads instead of a hash)."""
    out = {}
    for sha in shas:
        d = store().declaration(sha)
        if d is not None and d.file_name:
            out[sha] = d.file_name
    return out


@st.cache_data(show_spinner=False, max_entries=64)
def unfiled_forms(k: tuple[str, str]) -> int:
    """Forms filed under no reporting year (no campaign year given at ingest; no effective date, or one in the
    future)."""
    return sum(1 for d in store().declarations(current_only=False) if d.reporting_year is None)


@st.cache_data(show_spinner=False, max_entries=64)
def stats(k: tuple[str, str]) -> dict[str, Any]:
    return dict(store().stats())


@st.cache_data(show_spinner=False, max_entries=32)
def suppliers(k: tuple[str, str]) -> pd.DataFrame:
    cols = ["id", "name", "category", "origin", "in_scope", "scope_reason", "contact_email", "last_purchase",
            "declarations", "parents", "aliases"]
    return frame(store().suppliers(), cols)


@st.cache_data(show_spinner=False, max_entries=32)
def supplier_names(k: tuple[str, str]) -> dict[str, str]:
    """supplier id → name (what a person reads instead of the id)."""
    return {str(s.id): str(s.name) for s in store().suppliers() if s.name}


@st.cache_data(show_spinner=False, max_entries=32)
def smelters(k: tuple[str, str]) -> pd.DataFrame:
    cols = ["key", "cid", "metal", "name", "country_iso2", "provisional", "resolution_status", "from_reference"]
    return frame(store().smelters(), cols)


@st.cache_data(show_spinner=False, max_entries=32)
def countries(k: tuple[str, str]) -> pd.DataFrame:
    return frame(store().countries(), ["iso2", "name", "covered", "cahra"])


DECL_COLS = ["id", "supplier_id", "file_name", "template_kind", "template_version", "reporting_year", "status",
             "scope", "company_name", "effective_date", "received", "current", "superseded_by", "checker_missing",
             "smelter_rows", "pending"]


@st.cache_data(show_spinner=False, max_entries=64)
def declarations(k: tuple[str, str], year: int | None = None, supplier_id: str | None = None,
                 current_only: bool = True) -> pd.DataFrame:
    rows = store().declarations(supplier_id=supplier_id, year=year, current_only=current_only)
    df = frame(rows, DECL_COLS + ["findings_json"])
    if not df.empty:
        df["errors"] = [sum(1 for f in _loads(t, []) if f.get("severity") == "error") for t in df["findings_json"]]
        df["warnings"] = [sum(1 for f in _loads(t, []) if f.get("severity") == "warning") for t in df["findings_json"]]
    else:
        df["errors"] = []
        df["warnings"] = []
    return df


@st.cache_data(show_spinner=False, max_entries=64)
def findings(k: tuple[str, str], year: int | None = None, current_only: bool = False) -> pd.DataFrame:
    """One row per finding of every stored declaration (file, code, severity, location, message)."""
    out = []
    for d in store().declarations(year=year, current_only=current_only):
        for f in _loads(d.findings_json, []):
            out.append({"file_name": d.file_name, "declaration_id": d.id, "supplier_id": d.supplier_id,
                        "status": d.status, "severity": f.get("severity"), "code": f.get("code"),
                        "location": f.get("location"), "message": f.get("message")})
    return frame(out, ["file_name", "declaration_id", "supplier_id", "status", "severity", "code", "location",
                       "message"])


@st.cache_data(show_spinner=False, max_entries=64)
def declaration_detail(k: tuple[str, str], declaration_id: str) -> dict[str, Any] | None:
    d = store().declaration(declaration_id)
    if d is None:
        return None
    data = plain(d)
    data["findings"] = _loads(data.pop("findings_json", "[]"), [])
    data["answers"] = _loads(data.pop("answers_json", "{}"), {})
    data["company_answers"] = _loads(data.pop("company_answers_json", "{}"), {})
    return data


HOP_COLS = ["supplier_id", "supplier_name", "declaration_id", "file_name", "sha256", "template_version",
            "reporting_year", "status", "current", "metal", "row", "sheet", "raw_name", "raw_cid", "method",
            "score", "smelter_key", "cid", "smelter_name", "country_iso2", "lookup_kind", "resolution_status",
            "given_cid", "raw_country", "cell"]


@st.cache_data(show_spinner=False, max_entries=64)
def reports(k: tuple[str, str], year: int | None = None, smelter_keys: tuple[str, ...] | None = None,
            supplier_ids: tuple[str, ...] | None = None, countries_: tuple[str, ...] | None = None,
            metals: tuple[str, ...] | None = None) -> pd.DataFrame:
    """Supplier→Declaration→Smelter hops with their evidence (the store's traversal primitive)."""
    rows = store().reports(smelter_keys=list(smelter_keys) if smelter_keys else None,
                           supplier_ids=list(supplier_ids) if supplier_ids else None,
                           countries=list(countries_) if countries_ else None,
                           metals=list(metals) if metals else None, year=year)
    return frame(rows, HOP_COLS)


@st.cache_data(show_spinner=False, max_entries=32)
def supplier_chains(k: tuple[str, str], supplier_ids: tuple[str, ...] | None = None) -> dict[str, list[list[str]]]:
    return dict(store().supplier_chains(list(supplier_ids) if supplier_ids else None))


@st.cache_data(show_spinner=False, max_entries=32)
def declared_mine_countries(k: tuple[str, str], year: int | None = None) -> pd.DataFrame:
    rows = [dict(zip(("smelter_key", "iso2", "declaration_id", "row"), r, strict=False))
            for r in store().declared_mine_countries(year)]
    return frame(rows, ["smelter_key", "iso2", "declaration_id", "row"])


@st.cache_data(show_spinner=False, max_entries=32)
def survey_events(k: tuple[str, str], supplier_id: str | None = None) -> pd.DataFrame:
    return frame(store().survey_events(supplier_id), ["supplier_id", "kind", "date", "note"])


# ------------------------------------------------------------------ queries
@st.cache_data(show_spinner=False, max_entries=32)
def survey(k: tuple[str, str], year: int | None) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Per-supplier survey status and the program's response figures (queries.survey), taken at the same
    reference date as the CLI's (`queries.survey.program_reference_date`)."""
    from minetrace.queries.survey import program_reference_date, store_survey

    with reference() as ref:
        model = _model(ref, year)
    ref_date = program_reference_date(model)
    rows, figures = store_survey(store(), year, ref_date, model.policy)
    return frame(rows), plain(figures)


@st.cache_data(show_spinner=False, max_entries=32)
def program_figures(k: tuple[str, str], year: int | None) -> dict[str, Any]:
    """Every figure shown in more than one place (queries.figures.program_figures): the Overview KPIs."""
    from minetrace.queries.figures import program_figures as figures_program_figures

    with reference() as ref:
        return plain(figures_program_figures(store(), _model(ref, year), year))


@st.cache_data(show_spinner=False, max_entries=32)
def header(k: tuple[str, str], year: int | None) -> dict[str, Any]:
    """The policy / date / status-list header every rating output carries (queries.context.header)."""
    from minetrace.queries.context import header as context_header

    with reference() as ref:
        return context_header(_model(ref, year), year)


@st.cache_data(show_spinner=False, max_entries=64)
def program(k: tuple[str, str], declaration_id: str) -> dict[str, Any] | None:
    from minetrace.queries.program import declaration_program

    d = store().declaration(declaration_id)
    if d is None:
        return None
    return plain(declaration_program(d))


# ------------------------------------------------------------------ reference store and risk
@contextmanager
def reference() -> Iterator[Any]:
    """The dated reference store beside the graph store, opened for one call (SQLite is per thread)."""
    ws = workspace()
    ref = ws.open_reference(graph=store() if ws.shared else None)
    try:
        yield ref
    finally:
        ref.close()


RISK_COLS = ["key", "cid", "metal", "name", "country_iso2", "risk", "level", "reasons_text", "status", "as_of",
             "lapses_on", "watchlisted", "flagged", "declared_countries", "findings_text"]


@st.cache_data(show_spinner=False, max_entries=32)
def smelter_risk(k: tuple[str, str], year: int | None) -> pd.DataFrame:
    """Every reported smelter rated (queries.risk), one row each, with reasons as text, high risk first.

    The ratings come from queries.ratings (each smelter once, from aggregate store reads, remembered per
    store version and shared with the roll-up and the flagged paths) — not from every hop of the year."""
    from minetrace.queries.figures import population
    from minetrace.queries.risk import LEVEL_RANK

    with reference() as ref:
        risks = list(population(store(), _model(ref, year), year).values())
    risks.sort(key=lambda r: (-LEVEL_RANK[r.level], r.level is None, r.metal or "", r.name or "", r.key))
    rows = []
    for r in risks:
        d = r.to_json()
        d["risk"] = r.level or "unrated"
        d["findings_text"] = "; ".join(f.text for f in r.findings)
        d["reasons_text"] = r.reason_text or (f"not rated — {d['findings_text']}" if d["findings_text"] else "")
        d["watchlisted"] = bool(r.watchlist)
        d["declared_countries"] = ", ".join(r.declared_countries)
        rows.append(d)
    return frame(rows, RISK_COLS)


def risk_map(k: tuple[str, str], year: int | None) -> dict[str, str]:
    """smelter key → risk level ("unrated" for a smelter the ratings leave without a level)."""
    df = smelter_risk(k, year)
    return dict(zip(df["key"], df["risk"], strict=False)) if not df.empty else {}


@st.cache_data(show_spinner=False, max_entries=64)
def status_history(k: tuple[str, str], cid: str) -> pd.DataFrame:
    """RMAP status observations of one CID, as recorded in the reference store."""
    with reference() as ref:
        return frame(ref.status_history(cid))


def _model(ref: Any, year: int | None) -> Any:
    """The CLI's model (queries.context.build_model): the selected policy, statuses judged at the filing date
    of `year` — or of the newest year on file when the sidebar shows all years."""
    from minetrace.queries.context import build_model

    return build_model(store(), ref, policy(), year)


@st.cache_data(show_spinner=False, max_entries=32)
def high_risk_smelters(k: tuple[str, str], year: int | None) -> pd.DataFrame:
    """The high-risk smelters of the figures (queries.figures.high_risk_smelters), one row each."""
    from minetrace.queries.figures import high_risk_smelters as figures_high_risk_smelters
    from minetrace.queries.figures import high_risk_smelters_by_supplier

    with reference() as ref:
        rows = figures_high_risk_smelters(store(), _model(ref, year), year)
        by_supplier = high_risk_smelters_by_supplier(store(), _model(ref, year), year)
    reaching: dict[str, int] = {}
    for risks in by_supplier.values():
        for r in risks:
            reaching[str(r.cid or r.key)] = reaching.get(str(r.cid or r.key), 0) + 1
    out = [{**r.to_json(), "reasons_text": r.reason_text, "suppliers": reaching.get(str(r.cid or r.key), 0),
            "trace": f"trace?cid={r.cid}" if r.cid else f"trace?smelter={r.key}"} for r in rows]
    return frame(out, ["cid", "metal", "name", "country_iso2", "suppliers", "reasons_text", "status", "trace"])


PATH_COLS = ["supplier_id", "supplier_name", "top_supplier_id", "chain_text", "cid", "smelter_name", "metal",
             "country_iso2", "risk", "flags_text", "reasons_text", "file_name", "sheet", "row", "cell", "raw_name",
             "method", "smelter_key", "declaration_id"]


FLAGGED_SMELTER_COLS = ["key", "cid", "name", "metal", "country_iso2", "risk", "flags_text", "reasons_text",
                        "suppliers", "rows", "watchlisted"]
FLAG_ORDER = {"watchlist": 0, "high": 1}


@st.cache_data(show_spinner=False, max_entries=32)
def flagged_smelters(k: tuple[str, str], year: int | None) -> pd.DataFrame:
    """One row per flagged smelter reported in `year` with its flags and how many suppliers / declaration
    rows reach it — from per-smelter ratings and one aggregate store read, no path built (the Trace
    page's first view: building every flagged path takes seconds at 1,000 suppliers). Watchlisted
    first, then high risk, then by how many suppliers report it."""
    from minetrace.queries.paths import smelter_flags
    from minetrace.queries.ratings import smelter_ratings

    s = store()
    counts = {str(key): (int(n_sup), int(n_rows)) for key, n_sup, n_rows in s.smelter_supplier_counts(year=year)}
    with reference() as ref:
        model = _model(ref, year)
        # every smelter node, as the roll-up and queries.paths ask: the remembered ratings are then shared
        risks = smelter_ratings(s, model, year, keys=[str(x.key) for x in s.smelters()])
        rows: list[dict[str, Any]] = []
        for key, r in risks.items():
            flags = smelter_flags(r, model) if key in counts else []
            if not flags:
                continue
            n_sup, n_rows = counts.get(key, (0, 0))
            rows.append({"key": key, "cid": r.cid, "name": r.name, "metal": r.metal, "country_iso2": r.country_iso2,
                         "risk": r.level or "unrated", "flags_text": ", ".join(flags),
                         "reasons_text": "; ".join(x.text for x in r.reasons), "suppliers": n_sup, "rows": n_rows,
                         "watchlisted": "watchlist" in flags,
                         "_rank": min(FLAG_ORDER.get(f, 2) for f in flags)})
    rows.sort(key=lambda d: (d["_rank"], -d["suppliers"], str(d["cid"] or d["key"])))
    return frame(rows, FLAGGED_SMELTER_COLS)[FLAGGED_SMELTER_COLS]


@st.cache_data(show_spinner=False, max_entries=32)
def flagged_paths(k: tuple[str, str], year: int | None, smelter_keys: tuple[str, ...] | None = None) -> pd.DataFrame:
    """Every path ending at a flagged smelter (queries.paths), one row per path with its REPORTS evidence;
    `smelter_keys` builds only the paths ending at those smelters (one page of the Trace page)."""
    from minetrace.queries.paths import flagged_paths as paths_flagged_paths

    with reference() as ref:
        paths = paths_flagged_paths(store(), _model(ref, year), year=year,
                                    smelter_keys=list(smelter_keys) if smelter_keys is not None else None)
    rows = []
    for p in paths:  # attribute access only: asdict() of every path costs minutes at 1,000 suppliers
        reports_hop = next((h.evidence for h in p.hops if h.kind == "REPORTS"), {})
        rows.append({
            "supplier_id": p.supplier_id, "supplier_name": p.supplier_name, "top_supplier_id": p.top_supplier_id,
            "chain_text": p.path_text, "cid": p.smelter.get("cid"),
            "smelter_name": p.smelter.get("name"),
            "metal": p.smelter.get("metal"), "country_iso2": p.smelter.get("country_iso2"),
            "risk": p.risk or "unrated", "flags_text": ", ".join(p.flags), "reasons_text": "; ".join(p.reasons),
            "file_name": p.declaration.get("file_name"), "sheet": reports_hop.get("sheet"),
            "row": reports_hop.get("row"), "cell": reports_hop.get("cell"), "raw_name": reports_hop.get("raw_name"),
            "method": reports_hop.get("method"), "smelter_key": p.smelter.get("key"),
            "declaration_id": p.declaration.get("declaration_id")})
    return frame(rows, PATH_COLS)


def flagged_supplier_count(k: tuple[str, str], year: int | None) -> int:
    """Suppliers with at least one flagged path (queries.figures.suppliers_with_flagged_paths)."""
    return int(program_figures(k, year)["flagged_suppliers"])


@st.cache_data(show_spinner=False, max_entries=32)
def supplier_risk(k: tuple[str, str], year: int | None) -> pd.DataFrame:
    """The supplier roll-up (queries.rollup): worst risk, high/flagged paths, latest status, program strength."""
    from minetrace.queries.rollup import supplier_rollup

    with reference() as ref:
        rows = supplier_rollup(store(), _model(ref, year), year=year)
    df = frame(rows)
    if df.empty:
        return pd.DataFrame(columns=["supplier_id", "worst_risk", "high_paths", "flagged_paths", "program_strength",
                                     "latest_status"])
    df = df.rename(columns={"program": "program_strength"})
    keep = ["supplier_id", "worst_risk", "smelters", "high", "medium", "low", "high_paths", "flagged_paths",
            "program_strength", "program_reasons", "latest_status", "latest_file"]
    return df[[c for c in keep if c in df.columns]]


@st.cache_data(show_spinner=False, max_entries=32)
def cid_exposure(k: tuple[str, str], cids: tuple[str, ...], year: int | None) -> list[dict[str, Any]]:
    from minetrace.queries.exposure import cid_exposure as exposure_cid_exposure

    with reference() as ref:
        return [plain(r) for r in exposure_cid_exposure(store(), list(cids), facts=ref, year=year)]


@st.cache_data(show_spinner=False, max_entries=32)
def country_exposure(k: tuple[str, str], countries_: tuple[str, ...], year: int | None) -> dict[str, Any]:
    from minetrace.queries.exposure import country_exposure as exposure_country_exposure

    return plain(exposure_country_exposure(store(), list(countries_) or None, year=year))


@st.cache_data(show_spinner=False, max_entries=32)
def located_smelter_counts(k: tuple[str, str], year: int | None) -> dict[str, int]:
    """ISO-2 → reported smelters located there (small: no hop table is unpickled per rerun for a map)."""
    from minetrace.queries.exposure import located_smelter_counts as exposure_located_smelter_counts

    return exposure_located_smelter_counts(store(), year)


@st.cache_data(show_spinner=False, max_entries=32)
def declared_country_rows(k: tuple[str, str], year: int | None) -> dict[str, int]:
    """ISO-2 → smelter-list rows declaring that mine country."""
    from minetrace.queries.exposure import declared_country_rows as exposure_declared_country_rows

    return exposure_declared_country_rows(store(), year)


@st.cache_data(show_spinner=False, max_entries=32)
def countries_of_origin(k: tuple[str, str], year: int | None) -> pd.DataFrame:
    from minetrace.queries.origin import countries_of_origin as origin_countries_of_origin

    with reference() as ref:
        rows = origin_countries_of_origin(store(), _model(ref, year), year)
    return frame(rows, ["iso2", "name", "covered", "sources", "smelters_located", "declared_by"])


@st.cache_data(show_spinner=False, max_entries=8)
def covered_countries(k: tuple[str, str]) -> list[str]:
    """The Covered Countries of the policy in force (the Exposure preset)."""
    return sorted(policy().risk.covered_countries)


@st.cache_data(show_spinner=False, max_entries=8)
def smelter_aliases(k: tuple[str, str]) -> dict[str, list[str]]:
    """CID → aliases known to the reference store (to search CIDs by alias)."""
    out: dict[str, list[str]] = {}
    with reference() as ref:
        for r in ref.all_aliases():
            out.setdefault(str(r["cid"]), []).append(str(r["alias_raw"]))
    return out


@st.cache_data(show_spinner=False, max_entries=8)
def reviews(k: tuple[str, str]) -> pd.DataFrame:
    """Open review-queue entries (uncertain smelter matches) from the reference store."""
    with reference() as ref:
        return frame(ref.open_reviews(), ["id", "declaration_sha256", "row", "metal", "raw_name", "country", "status",
                                          "candidates", "created_at"])


@st.cache_data(show_spinner=False, max_entries=8)
def products(k: tuple[str, str]) -> pd.DataFrame:
    """Product-list rows of the stored declarations, with the declaring supplier and file."""
    decls = {d.id: d for d in store().declarations(current_only=False)}
    rows = []
    for label, _key, props in store().export_nodes():
        if label != "Product":
            continue
        d = decls.get(str(props.get("declaration_id")))
        rows.append({"supplier_id": d.supplier_id if d else None, "file_name": d.file_name if d else None,
                     "reporting_year": d.reporting_year if d else None, **props})
    return frame(rows, ["supplier_id", "file_name", "reporting_year", "declaration_id", "row", "number", "name",
                        "comment"])


# ------------------------------------------------------------------ writes (through the same code as the CLI)
def _master_linker() -> Any:
    """A supplier linker over the master-list suppliers already in the store and the analysts' links, so an
    uploaded CMRT lands on its master-list supplier (as `minetrace ingest` does) instead of a declared-name node."""
    from minetrace.graph.supplier_link import linker_for_store

    return linker_for_store(store())


def ingest_files(paths: list[Path], year: int | None = None, parent_supplier_id: str | None = None,
                 progress: Callable[[Any], None] | None = None, names: dict[Path, str] | None = None) -> Any:
    """Ingest uploaded files through graph.ingest (the CLI's ingest: same parsing, resolution, outcomes);
    `names` maps each temporary path to the name the user uploaded, which is what the store records."""
    from minetrace.graph.ingest import ingest_sources
    from minetrace.ingest.sources import iter_sources

    if parent_supplier_id is not None and store().supplier(parent_supplier_id) is None:
        raise KeyError(f"no such supplier in the store: {parent_supplier_id}")
    sources = []
    for path in paths:
        shown = (names or {}).get(path, path.name)
        for src in iter_sources([path]):
            src.name = shown + src.name[len(str(path)):] if src.name.startswith(str(path)) else shown
            sources.append(src)
    resolver, _ = workspace().resolver(graph=store())
    try:
        return ingest_sources(sources, store(), resolver=resolver, linker=_master_linker(), year=year,
                              parent_supplier_id=parent_supplier_id, progress=progress)
    finally:
        resolver.store.close()  # a shared workspace sends what the batch added to the reference DB


def import_master_list(path: Path) -> Any:
    """Upsert the supplier master list (CSV/xlsx) — the same path as `minetrace ingest --supplier-map`: the forms
    stored before it are filed under their master-list suppliers (`report.relinked`)."""
    from minetrace.graph.ingest import ingest_paths

    return ingest_paths([], store(), supplier_map=path)


@st.cache_data(show_spinner=False, max_entries=16)
def unlinked(k: tuple[str, str], year: int | None) -> list[dict[str, Any]]:
    """Responders not on the master list, or linked only by a name proposal, with their best master-list candidates
    (queries.linking, as `minetrace survey status` lists them)."""
    from minetrace.queries.linking import unlinked_responders

    return [u.to_json() for u in unlinked_responders(store(), year)]


def link_responder(declaration_id: str, supplier_id: str) -> str:
    """An analyst links a responder to a master-list supplier (as `minetrace survey link`): remembered under the
    declared company name, applied at once to every stored form with that name. Returns what changed."""
    from minetrace.graph.store import SupplierRecord
    from minetrace.graph.supplier_link import linker_for_store, relink_store, remember_link
    from minetrace.ingest.suppliers import normalise_company

    gs = store()
    form, target = gs.declaration(declaration_id), gs.supplier(supplier_id)
    if form is None or target is None:
        raise KeyError(f"no stored form {declaration_id[:12]} or supplier {supplier_id}")
    if not form.company_name:
        gs.relink_declaration(form.id, SupplierRecord(target.id, target.name), None)
        return f"{form.file_name}: linked to {target.id} {target.name} (no company name on the form: this form only)"
    remember_link(gs, form.company_name, supplier_id)
    key = normalise_company(form.company_name)
    same = [d.id for d in gs.declarations(current_only=False)
            if d.company_name and normalise_company(d.company_name) == key]
    report = relink_store(gs, linker_for_store(gs), declaration_ids=same)
    changed = len(report.moved) + report.holds_changed
    return (f"{form.company_name!r} linked to {target.id} {target.name}: {changed} stored form(s) changed; "
            "remembered for later forms under this name")


def import_reference(path: Path, name: str, as_of: str | None = None) -> tuple[bool, str]:
    """Import one reference file (RMI export, template Look-up, watchlist …); (ok, one-line message)."""
    from minetrace.ingest.reference import ImportError_, import_file

    with reference() as ref:
        try:
            res = import_file(ref, path, as_of=as_of, name=name)
        except ImportError_ as exc:
            return False, str(exc)
        except Exception as exc:  # an importer defect must not stop the batch
            return False, f"{name}: internal error while importing ({exc.__class__.__name__}: {exc})"
    return True, res.line()


def decide(metal: str, raw_name: str, country: str | None, accept: str | None = None, reject: str | None = None,
           note: str | None = None) -> str:
    """Record an accept/reject decision (ingest.reference.decisions.record_decision: the checks of `minetrace
    reference decide`, DecisionError when one fails), close the review items it settles and apply it at once to the
    rows already stored (graph.relink); says how many changed."""
    from minetrace.graph.relink import apply_decisions
    from minetrace.ingest.reference.decisions import record_decision
    from minetrace.ingest.resolve import Resolver

    with reference() as ref:
        rec = record_decision(ref, metal, raw_name, country, accept=accept, reject=reject, note=note)
        d, closed = rec.decision, rec.closed_reviews
        applied = apply_decisions(store(), Resolver(ref))
    reviews.clear()
    verb = f"accepted {d.accept}" if accept else f"rejected {reject}"
    files = sorted({r.file_name or r.declaration_id[:12] for r in applied.rows})
    return (f"{metal} {raw_name!r} {d.country or '(any country)'}: {verb}; {closed} review item(s) closed; "
            f"{applied.relinked} stored row(s) changed in {applied.declarations} form(s)"
            + (f" ({', '.join(files)})" if files else ""))


@st.cache_data(show_spinner=False, max_entries=8)
def decisions(k: tuple[str, str]) -> pd.DataFrame:
    with reference() as ref:
        entries = ref.decisions().entries
    return frame([e.to_yaml() for e in entries])


# ------------------------------------------------------------------ exports (queries.exports)
EXPORT_KINDS = ("flagged", "appendix", "cmrt", "responses", "findings", "report")


def report_formats() -> tuple[str, ...]:
    """The formats the Conflict Minerals Report can be downloaded in here (PDF needs LibreOffice)."""
    from minetrace.queries.cmr.pdf import find_soffice

    try:
        find_soffice()
    except Exception:  # PdfError: not installed
        return ("docx",)
    return ("docx", "pdf")


def _report(out: Path, year: int | None, ref: Any) -> None:
    """The year's Conflict Minerals Report (queries.cmr.draft, as `minetrace report cmr`): the selected year,
    else the newest year on file."""
    from minetrace.app.explorer.geo import country_shapes
    from minetrace.queries.cmr.draft import ReportOptions, draft_report
    from minetrace.queries.context import QueryContext
    from minetrace.queries.policy import load_policy

    newest: list[int | None] = [*years(key()), None]
    chosen = year if year is not None else newest[0]
    ctx = QueryContext(store(), ref, load_policy(), chosen)
    draft_report(ctx, out, ReportOptions(shapes=country_shapes, json_path=out.with_suffix(".report.json")))


def export_bytes(kind: str, fmt: str, year: int | None, template: bytes | None = None) -> bytes:
    """Run one export of queries.exports into a temporary file and return its bytes (for a download)."""
    import tempfile

    from minetrace.queries.exports import (
        export_appendix,
        export_cmrt,
        export_findings,
        export_flagged,
        export_responses,
    )

    with tempfile.TemporaryDirectory(prefix="minetrace-export-") as tmp:
        out = Path(tmp) / f"export.{fmt}"
        with reference() as ref:
            model = _model(ref, year)
            if kind == "flagged":
                export_flagged(store(), model, out, year=year)
            elif kind == "appendix":
                export_appendix(store(), model, out, year)
            elif kind == "cmrt":
                tpl = None
                if template:
                    tpl = Path(tmp) / "template.xlsx"
                    tpl.write_bytes(template)
                export_cmrt(store(), model, out, year, template=tpl, company=company_block())
            elif kind == "responses":
                export_responses(store(), out, year, model=model)
            elif kind == "findings":
                export_findings(store(), out, year, model=model)
            elif kind == "report":
                _report(out, year, ref)
            else:
                raise ValueError(f"unknown export {kind!r}")
        return out.read_bytes()


def company_block_path() -> Path:
    """The store's company block (`<store folder>/company.yaml`, as `minetrace export cmrt` reads it)."""
    return workspace().company_file


def company_block() -> dict[str, Any]:
    """The company block the consolidated CMRT is written with ({} when none is saved yet)."""
    from minetrace.queries.company_block import load

    return load(company_block_path())


def save_company_block(fields: dict[str, Any]) -> Path:
    """Save the edited company fields, keeping the answers and other keys the file already holds."""
    from minetrace.queries.company_block import save

    return save(company_block_path(), {**company_block(), **fields})


def build_cmrt(year: int | None, template: bytes | None = None) -> tuple[bytes, dict[str, Any]]:
    """The consolidated CMRT with the store's company block, checked by minetrace's validator: (bytes, the
    export result with status and findings)."""
    import tempfile

    from minetrace.queries.exports import export_cmrt

    with tempfile.TemporaryDirectory(prefix="minetrace-export-") as tmp:
        out = Path(tmp) / "cmrt.xlsx"
        tpl = None
        if template:
            tpl = Path(tmp) / "template.xlsx"
            tpl.write_bytes(template)
        with reference() as ref:
            res = export_cmrt(store(), _model(ref, year), out, year, template=tpl,
                                                  company=company_block() or None)
        return out.read_bytes(), res.to_json()


@st.cache_data(show_spinner=False, max_entries=16)
def export_cached(k: tuple[str, str], kind: str, fmt: str, year: int | None) -> bytes:
    return export_bytes(kind, fmt, year)


# ------------------------------------------------------------------ what-if and year-over-year
@st.cache_data(show_spinner=False, max_entries=16)
def what_if(k: tuple[str, str], cid: str, change: str, year: int | None) -> dict[str, Any]:
    """queries.whatif: suppliers whose flag or worst risk changes if `cid` became `change`."""
    from minetrace.queries.whatif import what_if as whatif_what_if

    with reference() as ref:
        model = _model(ref, year)
        return plain(whatif_what_if(store(), ref, {cid: change}, year=year, policy=model.policy, as_of=model.as_of))


def what_if_changes() -> tuple[str, ...]:
    from minetrace.queries.whatif import CHANGES

    return tuple(CHANGES)


@st.cache_data(show_spinner=False, max_entries=16)
def year_diff(k: tuple[str, str], year_from: int, year_to: int, supplier_id: str | None = None) -> dict[str, Any]:
    """queries.diff: smelters added and dropped, status changes (overall or for one supplier)."""
    from minetrace.queries.diff import year_diff as diff_year_diff

    with reference() as ref:
        return plain(diff_year_diff(store(), year_from, year_to, facts=ref, policy=policy(),
                        supplier_ids=[supplier_id] if supplier_id else None))


# ------------------------------------------------------------------ the supplier campaign (queries.campaign)
def _campaign_ctx(ref: Any, year: int | None) -> Any:
    """What the campaign steps read: the store, a risk model for `year`, its policy (as a QueryContext holds)."""
    from types import SimpleNamespace

    model = _model(ref, year)
    return SimpleNamespace(store=store(), model=model, policy=model.policy, year=year)


@st.cache_data(show_spinner=False, max_entries=16)
def campaign_funnel(k: tuple[str, str], year: int | None) -> dict[str, Any]:
    """The response funnel from real contact dates (queries.campaign.funnel; counts = survey status figures)."""
    from minetrace.queries.campaign.funnel import campaign_funnel as funnel_campaign_funnel
    from minetrace.queries.survey import program_reference_date

    with reference() as ref:
        model = _model(ref, year)
        return plain(funnel_campaign_funnel(store(), year, program_reference_date(model), model.policy))


MESSAGE_COLS = ["created", "kind", "seq", "supplier_id", "supplier_name", "to", "subject", "state", "last_error",
                "due", "path", "declaration_id", "file_name", "status", "high_risk"]


@st.cache_data(show_spinner=False, max_entries=16)
def campaign_messages(k: tuple[str, str], year: int | None) -> pd.DataFrame:
    """Every campaign message of the ledger (requests, reminders, receipts) with its state."""
    from minetrace.queries.campaign.ledger import load_messages

    rows = []
    for m in load_messages(store(), year=year):
        d = m.to_json()
        d["to"] = ", ".join(m.to)
        d["file_name"] = m.detail.get("file_name")
        d["status"] = m.detail.get("status")
        d["high_risk"] = ", ".join(m.detail.get("high_risk") or [])
        rows.append(d)
    return frame(rows, MESSAGE_COLS)[MESSAGE_COLS]


CASE_COLS = ["key", "cid", "smelter_name", "metal", "supplier_id", "supplier_name", "state", "opened_on",
             "requested_on", "due", "proposal", "closed_on", "closed_reason", "years", "reasons"]


@st.cache_data(show_spinner=False, max_entries=16)
def campaign_cases(k: tuple[str, str], year: int | None = None) -> pd.DataFrame:
    """Mitigation cases (queries.campaign.cases), open ones first, as flat rows."""
    from minetrace.queries.campaign.cases import case_rows, filter_cases, load_cases

    cases = filter_cases(load_cases(store()),
                                                            year=year)
    rows = case_rows(cases)
    return frame(rows, CASE_COLS)[CASE_COLS]


@st.cache_data(show_spinner=False, max_entries=16)
def reminder_plan(k: tuple[str, str], year: int, day: str) -> pd.DataFrame:
    """Who would get a reminder if the batch were written on `day`, and who is held (and why) — nothing written."""
    from datetime import date as _date

    from minetrace.queries.campaign.reminders import reminder_drafts
    from minetrace.queries.campaign.settings import load_settings
    from minetrace.queries.survey import program_reference_date

    settings = load_settings()
    with reference() as ref:
        ctx = _campaign_ctx(ref, year)
        ref_date = program_reference_date(ctx.model)  # as `survey status` does
        drafts, held = reminder_drafts(ctx.store, year, ref_date, ctx.policy, settings, _date.fromisoformat(day))
    rows = [{"supplier_id": d.supplier_id, "name": d.supplier_name, "action": f"reminder {d.seq}",
             "status": d.detail.get("status"), "to": ", ".join(d.to), "why": ""} for d in drafts]
    rows += [{"supplier_id": h.supplier_id, "name": h.name, "action": h.reason, "status": None, "to": None,
              "why": h.detail} for h in held]
    return frame(rows, ["supplier_id", "name", "action", "status", "to", "why"])


@st.cache_data(show_spinner=False, max_entries=16)
def receipts_pending(k: tuple[str, str], year: int | None) -> int:
    """Stored forms without a receipt yet."""
    from minetrace.queries.campaign.receipts import declarations_without_receipt

    return len(declarations_without_receipt(store(), year))


def smtp_status() -> tuple[bool, str]:
    """(configured, description or the reason it is not) — from the MINETRACE_SMTP_* environment."""
    from minetrace.queries.campaign.smtp import SmtpConfig, SmtpConfigError

    try:
        return True, SmtpConfig.from_env().describe()
    except SmtpConfigError as exc:
        return False, str(exc)


def campaign_step(step: str, year: int | None, send: bool = False, template: bytes | None = None,
                  template_name: str = "blank-template.xlsx") -> dict[str, Any]:
    """Run one campaign step as `minetrace survey request|remind|receipts|outbox --send` does (settings, sender
    and SMTP from the environment, the store's outbox) and return its result as JSON."""
    import tempfile
    from datetime import date as _date

    from minetrace.queries.campaign.render import Renderer
    from minetrace.queries.campaign.run import default_outbox, run_receipts, run_reminders, run_requests, run_send
    from minetrace.queries.campaign.settings import load_settings
    from minetrace.queries.campaign.smtp import SmtpConfig

    settings = load_settings()
    smtp = SmtpConfig.from_env() if send else None
    outbox = default_outbox(store_uri())
    day = _date.today()
    with tempfile.TemporaryDirectory(prefix="minetrace-template-") as tmp, reference() as ref:
        ctx = _campaign_ctx(ref, year)
        tpl = None
        if template:
            tpl = Path(tmp) / Path(template_name).name
            tpl.write_bytes(template)
        if step == "request":
            if year is None or tpl is None:
                raise ValueError("requests need a reporting year and the blank template")
            res = run_requests(ctx, year, settings, Renderer(), outbox, day, template_path=tpl, send=smtp)
        elif step == "remind":
            if year is None:
                raise ValueError("reminders need a reporting year")
            res = run_reminders(ctx, year, settings, Renderer(), outbox, day, template_path=tpl, send=smtp)
        elif step == "receipts":
            res = run_receipts(ctx, settings, Renderer(), outbox, day, year=year, template_path=tpl, send=smtp)
        elif step == "send":
            if smtp is None:
                raise ValueError("sending needs the SMTP environment")
            res = run_send(ctx, smtp, year=year, outbox=outbox)
        else:
            raise ValueError(f"unknown campaign step {step!r}")
    return res.to_json()
