"""Cached data access for the explorer: the only module that calls ``graph/`` and ``queries/``.

Why: pages must stay interactive (≤ 2 s per interaction with 1,000 suppliers), so every query
result is cached with ``st.cache_data`` keyed on the store URI and ``store.version()`` — a write
(an upload, a review decision) changes the version and the next run recomputes. The store handle
itself is a ``st.cache_resource`` (one connection per process). Functions here only call the
queries and shape their answers into DataFrames; they hold no rules of their own.

Query families that have not landed yet (or fail) come back as ``Unavailable`` with the reason,
so a page can say so instead of crashing.
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, is_dataclass
from typing import Any

import pandas as pd
import streamlit as st

from app.explorer.settings import load_settings


class Unavailable(Exception):
    """A query the page needs is not available (module missing or failed); `str()` says why."""


# ------------------------------------------------------------------ store handle and version
@st.cache_resource(show_spinner=False)
def _open(uri: str) -> Any:
    from graph.store import open_store

    return open_store(uri)


def store_uri() -> str:
    return load_settings().store


def store() -> Any:
    return _open(store_uri())


def version() -> str:
    return str(store().version())


def key() -> tuple[str, str]:
    """The cache key every cached loader takes: (store URI, store version)."""
    return store_uri(), version()


def reset_store() -> None:
    """Forget the open store (after an external change, e.g. a reference import)."""
    _open.clear()


def query(module: str, name: str) -> Any:
    """A function from ``queries.<module>`` (or any dotted module), or raise Unavailable."""
    full = module if "." in module else f"queries.{module}"
    try:
        mod = importlib.import_module(full)
    except ImportError as exc:
        raise Unavailable(f"{full} is not available ({exc})") from exc
    fn = getattr(mod, name, None)
    if fn is None:
        raise Unavailable(f"{full}.{name} is not available")
    return fn


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


@st.cache_data(show_spinner=False, max_entries=64)
def stats(k: tuple[str, str]) -> dict[str, Any]:
    return dict(store().stats())


@st.cache_data(show_spinner=False, max_entries=32)
def suppliers(k: tuple[str, str]) -> pd.DataFrame:
    cols = ["id", "name", "category", "origin", "in_scope", "scope_reason", "contact_email", "last_purchase",
            "declarations", "parents", "aliases"]
    return frame(store().suppliers(), cols)


@st.cache_data(show_spinner=False, max_entries=32)
def smelters(k: tuple[str, str]) -> pd.DataFrame:
    cols = ["key", "cid", "metal", "name", "country_iso2", "provisional", "resolution_status", "from_reference"]
    return frame(store().smelters(), cols)


@st.cache_data(show_spinner=False, max_entries=32)
def countries(k: tuple[str, str]) -> pd.DataFrame:
    return frame(store().countries(), ["iso2", "name", "covered", "cahra"])


DECL_COLS = ["id", "supplier_id", "file_name", "template_kind", "template_version", "reporting_year", "status",
             "scope", "company_name", "effective_date", "received", "current", "superseded_by", "checker_missing",
             "smelter_rows"]


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
            "given_cid", "raw_country"]


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
    """Per-supplier survey status and the program's response figures (queries.survey)."""
    rows, figures = query("survey", "store_survey")(store(), year)
    return frame(rows), plain(figures)


@st.cache_data(show_spinner=False, max_entries=64)
def program(k: tuple[str, str], declaration_id: str) -> dict[str, Any] | None:
    d = store().declaration(declaration_id)
    if d is None:
        return None
    return plain(query("program", "declaration_program")(d))


# ------------------------------------------------------------------ reference store and risk
@contextmanager
def reference() -> Iterator[Any]:
    """The dated reference store beside the graph store, opened for one call (SQLite is per thread)."""
    from ingest.reference.store import ReferenceStore, store_dir

    ref = ReferenceStore.open(store_dir(store_uri()))
    try:
        yield ref
    finally:
        ref.close()


RISK_COLS = ["key", "cid", "metal", "name", "country_iso2", "risk", "level", "reasons_text", "status", "as_of",
             "lapses_on", "watchlisted", "flagged", "declared_countries", "findings_text"]


@st.cache_data(show_spinner=False, max_entries=32)
def smelter_risk(k: tuple[str, str], year: int | None) -> pd.DataFrame:
    """Every reported smelter rated (queries.risk), one row each, with reasons as text."""
    rate = query("risk", "rate_store_smelters")
    with reference() as ref:
        risks = rate(store(), ref, year=year)
    rows = []
    for r in risks:
        d = r.to_json()
        d["risk"] = r.level or "unrated"
        d["reasons_text"] = r.reason_text
        d["findings_text"] = "; ".join(f.text for f in r.findings)
        d["watchlisted"] = bool(r.watchlist)
        d["declared_countries"] = ", ".join(r.declared_countries)
        rows.append(d)
    return frame(rows, RISK_COLS)


def risk_map(k: tuple[str, str], year: int | None) -> dict[str, str]:
    """smelter key → risk level ("unrated" when the risk query is unavailable)."""
    try:
        df = smelter_risk(k, year)
    except Unavailable:
        return {}
    return dict(zip(df["key"], df["risk"], strict=False)) if not df.empty else {}


@st.cache_data(show_spinner=False, max_entries=64)
def status_history(k: tuple[str, str], cid: str) -> pd.DataFrame:
    """RMAP status observations of one CID, as recorded in the reference store."""
    with reference() as ref:
        return frame(ref.status_history(cid))
