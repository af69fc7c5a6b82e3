"""Importers: the files a user already has → dated facts in the reference store.

Kinds (decided by content, never by file name):
- ``template-lookup``: the "Smelter Look-up" sheet of any CMRT 6.x / EMRT / CRT / AMRT 1.3 template,
  blank or filled (every supplier CMRT carries it). as_of = the template's revision date (Declaration!J3).
- ``template-301``: CMRT 3.01 "Standard Smelter Names" (old ID → CID crosswalk) and hidden sheet K (aliases).
- ``rmi-reference``: RMI Smelter Reference List export (CMRT/EMRT export: alias → standard name → CID).
- ``rmi-conformant`` / ``rmi-active``: RMI facility lists → status snapshots.
- ``rmi-revisions``: RMI revision history → added/removed/renamed/corrections, successors.
- ``watchlist`` (CSV or YAML) and ``policy`` (YAML with country lists, e.g. CAHRA).
- ``cahra-list``: the EU indicative CAHRA list as published (CSV/xlsx: country, region, ISO 3166-2,
  classification) → dated whole-country and sub-national entries (`ingest.reference.cahra`).

Each returns an `ImportResult` (rows imported / skipped, as_of). A file already in the import log
(same sha256, same importer) is reported and left alone — importing twice changes nothing.
as_of: the `--as-of` option, else a date in the file name (…2026-08-22…), else the template's
revision date, else today (and the result says so).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from minetrace.ingest.metals import canonical_metal
from minetrace.ingest.reference.cahra import area_code, cahra_rows, is_whole_country, looks_like_cahra
from minetrace.ingest.reference.countries import country_iso2
from minetrace.ingest.reference.releases import TRUST_RMI, TRUST_SUPPLIER, TRUST_TEMPLATE, lookup_digest, template_trust
from minetrace.ingest.reference.store import CID_RE, ReferenceStore, iso
from minetrace.ingest.reference.tables import (
    Table,
    as_text,
    header_key,
    is_spreadsheetml,
    read_csv,
    read_spreadsheetml,
    sheet_table,
)

OLD_ID_RE = re.compile(r"^[1-4][A-Z]{3}\d{3}$")
_NAME_DATE = re.compile(r"(20\d{2})[-_.]?(0[1-9]|1[0-2])[-_.]?(0[1-9]|[12]\d|3[01])")
_REVISION_DATE = re.compile(r"Revision\s+([\w.]+)\s*\n?\s*([A-Z][a-z]+\.?\s+\d{1,2},?\s+\d{4})")
_MONTHS = {m: i for i, m in enumerate(
    ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
     "november", "december"], start=1)}


class ImportError_(Exception):
    """A file the importers cannot use; the message names the file and why."""


@dataclass
class ImportResult:
    file: str
    kind: str
    rows: int = 0
    skipped: int = 0
    as_of: str | None = None
    as_of_basis: str = ""  # option / file name / template revision / today
    already: bool = False
    messages: list[str] = field(default_factory=list)
    trust: str | None = None  # rmi / template / supplier (proposals only) / None (not facility facts)

    def line(self) -> str:
        if self.already:
            return f"{self.file}: {self.kind} already imported (sha256 match) — nothing changed"
        extra = f" ({'; '.join(self.messages)})" if self.messages else ""
        return (f"{self.file}: {self.kind}: {self.rows} rows imported, {self.skipped} skipped, "
                f"as_of {self.as_of} [{self.as_of_basis}]{extra}")


# ------------------------------------------------------------------------------------------ helpers
def _metal(value: Any) -> str | None:
    """Canonical metal; other minerals RMI lists ("Multiple", "Feldspar") kept in title case."""
    text = as_text(value)
    if not text:
        return None
    return canonical_metal(text) or (text.title() if text.casefold() != "metal" else None)


def _cid(value: Any) -> str | None:
    text = as_text(value)
    if not text:
        return None
    text = text.upper().replace(" ", "")
    return text if CID_RE.match(text) else None


def _as_of_from_name(name: str) -> str | None:
    m = _NAME_DATE.search(Path(name).name) or _NAME_DATE.search(str(name))
    if not m:
        return None
    try:
        return date(int(m.group(1)), int(m.group(2)), int(m.group(3))).isoformat()
    except ValueError:
        return None


def _template_as_of(wb: Any) -> tuple[str | None, str | None]:
    """(version, revision date) from Declaration!J3 ("Revision 6.4\\nApril 26, 2024")."""
    sheet = wb.sheet("Declaration")
    if sheet is None:
        return None, None
    for r in range(1, 6):
        for c in range(0, 20):
            v = sheet.value(r, c)
            if isinstance(v, str):
                m = _REVISION_DATE.search(v)
                if m:
                    parts = m.group(2).replace(",", " ").replace(".", " ").split()
                    month = _MONTHS.get(parts[0].casefold())
                    if month:
                        try:
                            return m.group(1), date(int(parts[2]), month, int(parts[1])).isoformat()
                        except (ValueError, IndexError):
                            return m.group(1), None
    return None, None


def _resolve_as_of(option: str | None, name: str, fallback: str | None = None,
                   fallback_basis: str = "") -> tuple[str, str]:
    if option:
        return iso(option) or option, "option"
    from_name = _as_of_from_name(name)
    if from_name:
        return from_name, "file name"
    if fallback:
        return fallback, fallback_basis
    return date.today().isoformat(), "today (no date found; pass --as-of)"


# ------------------------------------------------------------------------------------------ detection
def detect(data: bytes, name: str) -> tuple[str, Any]:
    """(kind, parsed payload) for a file's bytes. Raises ImportError_ with a reason."""
    head = data[:8]
    if head.startswith(b"PK\x03\x04") or head.startswith(b"\xd0\xcf\x11\xe0"):
        from minetrace.ingest.workbook import UnreadableWorkbook, open_workbook

        try:
            wb = open_workbook(data, name=name)
        except UnreadableWorkbook as exc:
            raise ImportError_(f"{name}: {exc.message}") from None
        if wb.find_sheet_name("Smelter Look-up"):
            return "template-lookup", wb
        ssn = wb.sheet("Standard Smelter Names")
        if ssn is not None and any(header_key(ssn.value(2, c)) in ("newsmelterid", "oldsmelterid") for c in range(8)):
            return "template-301", wb
        if ssn is not None:
            raise ImportError_(f"{name}: a CMRT 2.x template — its Standard Smelter Names carry old IDs only, no CIDs")
        for sheet_name in wb.sheet_names:
            sheet = wb.sheet(sheet_name)
            if sheet is None:
                continue
            table = sheet_table(sheet.rows, sheet_name, {"smelterid", "cid", "basisforrevision", "iso2"})
            if table is not None:
                return _table_kind(table, name), table
        for sheet_name in wb.sheet_names:  # the published CAHRA list: country + region columns
            sheet = wb.sheet(sheet_name)
            table = sheet_table(sheet.rows, sheet_name, {"country", "countryname"}) if sheet is not None else None
            if table is not None and looks_like_cahra(table, name):
                return "cahra-list", table
        raise ImportError_(f"{name}: a workbook with neither a Smelter Look-up nor an RMI list sheet")
    if is_spreadsheetml(data):
        tables = read_spreadsheetml(data, name)
        if not tables:
            raise ImportError_(f"{name}: SpreadsheetML file without rows")
        return _table_kind(tables[0], name), tables[0]
    stripped = data.lstrip(b"\xef\xbb\xbf").lstrip()
    if name.lower().endswith((".yaml", ".yml")) or stripped[:1] in (b"{",) or re.match(
            rb"^(#[^\n]*\n|\s)*[A-Za-z_]+:\s", stripped[:2000]):
        try:
            doc = yaml.safe_load(data.decode("utf-8-sig"))
        except (yaml.YAMLError, UnicodeDecodeError) as exc:
            raise ImportError_(f"{name}: not valid YAML ({exc.__class__.__name__})") from None
        if isinstance(doc, dict):
            if "watchlist" in doc:
                return "watchlist", doc
            if {"country_lists", "cahra", "covered_countries"} & set(doc):
                return "policy", doc
        raise ImportError_(f"{name}: YAML without a 'watchlist' or 'country_lists'/'cahra' key")
    if b"\x00" in data[:1024]:
        raise ImportError_(f"{name}: binary file that is neither a workbook nor an RMI export")
    table = read_csv(data, name)
    return _table_kind(table, name), table


def _table_kind(table: Table, name: str) -> str:
    keys = {header_key(h) for h in table.header}
    if "basisforrevision" in keys:
        return "rmi-revisions"
    if "lastauditdate" in keys or "auditcycle" in keys:
        return "rmi-conformant"
    if "smelterreference" in keys and "smelterid" in keys:
        return "rmi-reference"
    if "smelterid" in keys and "standardsmeltername" in keys:
        return "rmi-active"
    if "cid" in keys and ({"evidence", "reason"} & keys):
        return "watchlist"
    if "iso2" in keys and ({"list", "listname"} & keys):
        return "country-list"
    if looks_like_cahra(table, name):
        return "cahra-list"
    raise ImportError_(f"{name}: unrecognised table (header: {', '.join(table.header[:8])})")


# ------------------------------------------------------------------------------------------ entry point
def import_file(store: ReferenceStore, path: str | Path, as_of: str | None = None,
                data: bytes | None = None, name: str | None = None) -> ImportResult:
    """Import one file; raises ImportError_ (message names the file) when it cannot be used."""
    name = name or str(path)
    if data is None:
        try:
            data = Path(path).read_bytes()
        except OSError as exc:
            raise ImportError_(f"{name}: cannot read ({exc.strerror or exc})") from None
    sha = hashlib.sha256(data).hexdigest()
    kind, payload = detect(data, name)
    done = store.already_imported(sha, kind)
    if done:
        return ImportResult(file=name, kind=kind, rows=done["rows"], skipped=done["skipped"], as_of=done["as_of"],
                            already=True)
    importer = IMPORTERS[kind]
    trust, why, release = _trust_of(store, kind, payload)
    with store.transaction(), store.trusting(trust, release[0] if release else sha):
        result = importer(store, payload, name, as_of, sha)
        if why:
            result.messages.append(why)
        result.trust = trust
        if release is not None and trust == TRUST_TEMPLATE:
            # a blank template (or a known release) imported by hand: supplier files carrying exactly this
            # Look-up are recognised as RMI's from now on, and learning it again is not needed
            version, _ = _template_as_of(payload)
            store.vouch_release(release[0], release[2], version, result.as_of, release[1], Path(name).name)
            store.log_import(release[0], release[1], f"{release[2]} {version or '?'} Look-up (in {Path(name).name})",
                             result.rows, result.skipped, result.as_of)
        store.log_import(sha, kind, Path(name).name, result.rows, result.skipped, result.as_of)
    return result


def _trust_of(store: ReferenceStore, kind: str, payload: Any) -> tuple[str | None, str, tuple[str, str, str] | None]:
    """(trust, why, (Look-up digest, importer, template kind) or None) of a file a user imports by hand:
    RMI exports are RMI's; a template is RMI's when its Look-up is a known release or it is blank; a filled
    template with any other Look-up is a supplier's (its facts are proposals that never change a fact)."""
    if kind.startswith("rmi-"):
        return TRUST_RMI, "", None
    if kind not in ("template-lookup", "template-301"):
        return None, "", None
    from minetrace.ingest.detect import detect_template

    try:
        template, _layout = detect_template(payload)
    except Exception:  # not detectable as a template: judge the Look-up without kind and version
        template = None
    tkind = getattr(template, "kind", None)
    found = lookup_digest(tkind, getattr(template, "version", None), payload)
    if found is None:
        return TRUST_SUPPLIER, "a Look-up that is not a known RMI release: kept as proposals", None
    trust, why = template_trust(found[0], payload, store, explicit=True)
    return trust, ("" if trust == TRUST_TEMPLATE and "known" in why else why), (found[0], found[1], tkind or "?")


def _source(label: str, name: str, as_of: str) -> str:
    return f"{label} ({Path(name).name}, as of {as_of})"


# ------------------------------------------------------------------------------------------ templates
def _find_lookup_start(sheet: Any) -> int:
    for r in range(1, min(sheet.max_row, 40) + 1):
        if _cid(sheet.value(r, 4)):
            return r
    return sheet.max_row + 1


def import_template_lookup(store: ReferenceStore, wb: Any, name: str, as_of: str | None, sha: str) -> ImportResult:
    version, rev_date = _template_as_of(wb)
    if as_of:
        day, basis = iso(as_of) or as_of, "option"
    elif rev_date:
        day, basis = rev_date, f"template revision {version}"
    else:
        day, basis = _resolve_as_of(None, name)
    source = _source(f"Smelter Look-up, template {version or '?'}", name, day)
    sheet = wb.sheet("Smelter Look-up")
    res = ImportResult(file=name, kind="template-lookup", as_of=day, as_of_basis=basis)
    for r in range(_find_lookup_start(sheet), sheet.max_row + 1):
        metal, alias = _metal(sheet.value(r, 0)), as_text(sheet.value(r, 1))
        std, country, cid = as_text(sheet.value(r, 2)), as_text(sheet.value(r, 3)), _cid(sheet.value(r, 4))
        if not (metal and cid):
            if metal or alias:
                res.skipped += 1  # "Smelter not listed" / "not yet identified" rows and junk
            continue
        store.upsert_facility(cid, metal, std, country_iso2(country), country, as_text(sheet.value(r, 7)),
                              as_text(sheet.value(r, 8)), day, source, row=r)
        for text in (alias, std):
            if text:
                store.add_alias(metal, text, cid, source, day)
        res.rows += 1
    return res


def import_template_301(store: ReferenceStore, wb: Any, name: str, as_of: str | None, sha: str) -> ImportResult:
    version, rev_date = _template_as_of(wb)
    if as_of:
        day, basis = iso(as_of) or as_of, "option"
    else:
        day, basis = (rev_date, f"template revision {version}") if rev_date else _resolve_as_of(None, name)
    res = ImportResult(file=name, kind="template-301", as_of=day, as_of_basis=basis)
    src = _source(f"Standard Smelter Names, template {version or '3.01'}", name, day)
    ssn = wb.sheet("Standard Smelter Names")
    crosswalk = 0
    for r in range(3, ssn.max_row + 1):
        metal, std, country = _metal(ssn.value(r, 0)), as_text(ssn.value(r, 1)), as_text(ssn.value(r, 2))
        old, cid = as_text(ssn.value(r, 3)), _cid(ssn.value(r, 4))
        if not (metal and cid):
            if metal or std:
                res.skipped += 1
            continue
        store.upsert_facility(cid, metal, std, country_iso2(country), country, None, None, day, src, row=r)
        if std:
            store.add_alias(metal, std, cid, src, day)
        if old and OLD_ID_RE.match(old.upper()):
            store.add_old_id(old, cid, metal, std, country_iso2(country), src, day)
            crosswalk += 1
        res.rows += 1
    k = wb.sheet("K")
    k_rows = 0
    if k is not None:
        ksrc = _source(f"hidden alias sheet K, template {version or '3.01'}", name, day)
        for r in range(2, k.max_row + 1):
            metal, alias, cid = _metal(k.value(r, 0)), as_text(k.value(r, 1)), _cid(k.value(r, 5))
            if not (metal and cid):
                continue
            for text in (alias, as_text(k.value(r, 3))):
                if text:
                    store.add_alias(metal, text, cid, ksrc, day)
            k_rows += 1
    res.messages.append(f"{crosswalk} old-ID crosswalk rows, {k_rows} sheet-K alias rows")
    return res


# ------------------------------------------------------------------------------------------ RMI exports
def _get(rec: dict[str, Any], *keys: str) -> Any:
    for k in keys:
        if k in rec and rec[k] not in (None, ""):
            return rec[k]
    return None


def import_rmi_reference(store: ReferenceStore, table: Table, name: str, as_of: str | None, sha: str) -> ImportResult:
    day, basis = _resolve_as_of(as_of, name)
    src = _source("RMI Smelter Reference List export", name, day)
    res = ImportResult(file=name, kind="rmi-reference", as_of=day, as_of_basis=basis)
    snap = store.add_snapshot("RMI:Reference", day, src, sha)
    for rec in table.records():
        metal, cid = _metal(_get(rec, "metal")), _cid(_get(rec, "smelterid"))
        if not (metal and cid):
            res.skipped += 1
            continue
        std = as_text(_get(rec, "standardsmeltername"))
        country = as_text(_get(rec, "country", "countrylocation"))
        store.upsert_facility(cid, metal, std, country_iso2(country), country, as_text(_get(rec, "city")),
                              as_text(_get(rec, "stateprovince", "stateprovinceregion")), day, src)
        for text in (as_text(_get(rec, "smelterreference")), std):
            if text:
                store.add_alias(metal, text, cid, src, day)
        store.add_status(cid, metal, "RMI", "Listed", day, src, snapshot_id=snap)
        res.rows += 1
    return res


def _import_status_list(store: ReferenceStore, table: Table, name: str, as_of: str | None, sha: str,
                        status: str) -> ImportResult:
    day, basis = _resolve_as_of(as_of, name)
    src = _source(f"RMI {status} facilities list", name, day)
    kind = f"rmi-{status.lower()}"
    res = ImportResult(file=name, kind=kind, as_of=day, as_of_basis=basis)
    snap = store.add_snapshot(f"RMAP:{status}", day, src, sha)
    future = 0
    for rec in table.records():
        metal, cid = _metal(_get(rec, "metal")), _cid(_get(rec, "smelterid"))
        if not (metal and cid):
            res.skipped += 1
            continue
        std = as_text(_get(rec, "standardsmeltername"))
        country = as_text(_get(rec, "countrylocation", "country"))
        region = as_text(_get(rec, "stateprovinceregion", "companystateprovinceregion", "stateprovince"))
        # "Kigali, City of Kigali" / "Toyama City, Toyama": city, then state — the state fills a gap only
        state = region.split(",")[-1].strip() or None if region else None
        store.upsert_facility(cid, metal, std, country_iso2(country), country, None, state, None, src)
        if std:
            store.add_alias(metal, std, cid, src, day)
        last_audit = iso(_get(rec, "lastauditdate"))
        if last_audit and last_audit > day:
            future += 1
        reaudit = (as_text(_get(rec, "reauditinprogress")) or "").casefold() in ("yes", "y", "true", "1")
        store.add_status(cid, metal, "RMAP", status, day, src, snapshot_id=snap, last_audit=last_audit,
                         audit_cycle=as_text(_get(rec, "auditcycle")), reaudit=reaudit,
                         lbma_rg=as_text(_get(rec, "lbmarg")), rjc=as_text(_get(rec, "rjc")))
        res.rows += 1
    if future:
        res.messages.append(f"{future} last-audit date(s) after as_of (kept as given)")
    return res


def import_rmi_conformant(store: ReferenceStore, table: Table, name: str, as_of: str | None, sha: str) -> ImportResult:
    return _import_status_list(store, table, name, as_of, sha, "Conformant")


def import_rmi_active(store: ReferenceStore, table: Table, name: str, as_of: str | None, sha: str) -> ImportResult:
    return _import_status_list(store, table, name, as_of, sha, "Active")


_REVISION_KINDS = {
    "added": "added", "removed": "removed", "namecorrection": "name_correction",
    "locationcorrection": "location_correction", "metalcorrection": "metal_correction",
}


def import_rmi_revisions(store: ReferenceStore, table: Table, name: str, as_of: str | None, sha: str) -> ImportResult:
    day, basis = _resolve_as_of(as_of, name)
    src = _source("RMI revision history", name, day)
    res = ImportResult(file=name, kind="rmi-revisions", as_of=day, as_of_basis=basis)
    for rec in table.records():
        metal, cid = _metal(_get(rec, "metal")), _cid(_get(rec, "smelterid"))
        basis_text = as_text(_get(rec, "basisforrevision"))
        if not (metal and cid and basis_text):
            res.skipped += 1
            continue
        raw_details = str(_get(rec, "details") or "")
        kinds = [k for k in (header_key(p) for p in str(_get(rec, "basisforrevision")).splitlines()) if k]
        details = [d.strip() for d in raw_details.splitlines() if d.strip()] or [""]
        std = as_text(_get(rec, "standardsmeltername"))
        country = as_text(_get(rec, "country"))
        when = iso(_get(rec, "revisiondate"))
        added = iso(_get(rec, "smelteraddeddate"))
        for i, k in enumerate(kinds):
            kind = _REVISION_KINDS.get(k, k)
            detail = details[i] if i < len(details) and len(details) == len(kinds) else " ".join(details)
            store.add_revision(cid, metal, kind, detail, when, std, country_iso2(country), added, src, day)
        store.upsert_facility(cid, metal, std, country_iso2(country), country, None, None, when, src)
        if std:
            store.add_alias(metal, std, cid, src, when)
        res.rows += 1
    return res


# ------------------------------------------------------------------------------------------ watchlist, policy
def _watch_rows(store: ReferenceStore, rows: list[dict[str, Any]], name: str, as_of: str, list_default: str,
                res: ImportResult) -> None:
    for rec in rows:
        norm = {header_key(k): v for k, v in rec.items()}
        cid = _cid(norm.get("cid"))
        if not cid:
            res.skipped += 1
            continue
        metal = _metal(norm.get("metal"))
        country = as_text(norm.get("country")) or as_text(norm.get("countryiso2"))
        src = as_text(norm.get("source")) or _source("watchlist", name, as_of)
        store.add_watch(cid, metal, as_text(norm.get("name")), country_iso2(country),
                        as_text(norm.get("list")) or as_text(norm.get("listname")) or list_default,
                        as_text(norm.get("reason")) or as_text(norm.get("group")),
                        as_text(norm.get("evidence")), src, iso(norm.get("asof")) or as_of)
        res.rows += 1


def import_watchlist(store: ReferenceStore, payload: Any, name: str, as_of: str | None, sha: str) -> ImportResult:
    day, basis = _resolve_as_of(as_of, name)
    res = ImportResult(file=name, kind="watchlist", as_of=day, as_of_basis=basis)
    if isinstance(payload, Table):
        _watch_rows(store, payload.records(), name, day, "user watchlist", res)
    else:
        entries = payload.get("watchlist") or []
        list_name = str(payload.get("list_name") or "user watchlist")
        day = iso(payload.get("as_of")) or day
        res.as_of = day
        _watch_rows(store, [e for e in entries if isinstance(e, dict)], name, day, list_name, res)
    return res


def import_policy(store: ReferenceStore, doc: dict[str, Any], name: str, as_of: str | None, sha: str) -> ImportResult:
    """YAML: ``cahra: {as_of, source, areas: [{country, area}|"CD"]}`` and/or ``country_lists: {name: {...}}``."""
    day, basis = _resolve_as_of(as_of, name)
    res = ImportResult(file=name, kind="policy", as_of=day, as_of_basis=basis)
    lists: dict[str, Any] = dict(doc.get("country_lists") or {})
    if "cahra" in doc:
        lists["cahra"] = doc["cahra"]
    if "covered_countries" in doc:
        lists["covered"] = doc["covered_countries"]
    for list_name, spec in lists.items():
        if isinstance(spec, list):
            spec = {"countries": spec}
        if not isinstance(spec, dict):
            res.skipped += 1
            continue
        list_day = iso(spec.get("as_of")) or day
        src = str(spec.get("source") or _source(f"country list {list_name}", name, list_day))
        for entry in spec.get("countries") or spec.get("areas") or []:
            area, sub_code = "", ""
            if isinstance(entry, dict):
                area = str(entry.get("area") or "").strip()
                sub_code = str(entry.get("code") or entry.get("iso3166_2") or "").strip().upper()
                entry = entry.get("country") or entry.get("iso2")
            code = country_iso2(entry)
            if not code:
                res.skipped += 1
                res.messages.append(f"unknown country {entry!r}")
                continue
            if is_whole_country(area) and not sub_code:
                area = ""
            store.add_country(str(list_name), code, list_day, src, area or sub_code,
                              sub_code or area_code(code, area))
            res.rows += 1
    return res


def import_cahra_list(store: ReferenceStore, table: Table, name: str, as_of: str | None, sha: str) -> ImportResult:
    """The EU indicative CAHRA list as published: one entry per (country, area); a row without an area is a
    whole-country entry. Rows dated in the file keep their date, else the list's as_of applies."""
    day, basis = _resolve_as_of(as_of, name)
    res = ImportResult(file=name, kind="cahra-list", as_of=day, as_of_basis=basis)
    rows, res.skipped, res.messages = cahra_rows(table)
    src = _source("EU indicative CAHRA list (Regulation 2017/821 Art. 14(2))", name, day)
    areas = 0
    for r in rows:
        when = day if as_of else (iso(r["as_of"]) or day)
        store.add_country("cahra", r["iso2"], when, src, r["area"], r["area_code"])
        res.rows += 1
        areas += bool(r["area"])
    res.messages.append(f"{areas} sub-national areas, {res.rows - areas} whole-country entries")
    return res


def import_country_list_table(store: ReferenceStore, table: Table, name: str, as_of: str | None,
                              sha: str) -> ImportResult:
    day, basis = _resolve_as_of(as_of, name)
    res = ImportResult(file=name, kind="country-list", as_of=day, as_of_basis=basis)
    for rec in table.records():
        code = country_iso2(rec.get("iso2"))
        list_name = as_text(rec.get("list")) or as_text(rec.get("listname"))
        if not (code and list_name):
            res.skipped += 1
            continue
        area = as_text(rec.get("area")) or ""
        store.add_country(list_name, code, iso(rec.get("asof")) or day,
                          as_text(rec.get("source")) or _source("country list", name, day),
                          "" if is_whole_country(area) else area, area_code(code, area))
        res.rows += 1
    return res


IMPORTERS: dict[str, Callable[[ReferenceStore, Any, str, str | None, str], ImportResult]] = {
    "template-lookup": import_template_lookup,
    "template-301": import_template_301,
    "rmi-reference": import_rmi_reference,
    "rmi-conformant": import_rmi_conformant,
    "rmi-active": import_rmi_active,
    "rmi-revisions": import_rmi_revisions,
    "watchlist": import_watchlist,
    "policy": import_policy,
    "country-list": import_country_list_table,
    "cahra-list": import_cahra_list,
}
