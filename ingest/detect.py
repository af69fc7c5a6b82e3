"""Which template (CMRT, EMRT, CRT, AMRT), which version, which layout table — from content only.

Why its own module: suppliers rename files ("CMRT_final_v3.xlsx" holding a 2.03a), so the kind and
version come from cells the template itself writes: the Declaration!D2 title (CMRT 1.x/2.x say
"Conflict Minerals Reporting Template"; later titles end in "(CMRT)", "(EMRT)" …, translated
except for the acronym), the version text in Declaration!J3 (1.00: I3 "Revision" + J3 "1.   July
18th 2011"), repeated on the Smelter List (Q3 / O3 / N3 / R3), and the sheet set (a Mine List means
EMRT 2.x or AMRT, "Minerals Scope" means AMRT, "Smelter and Mine List" means CMRT 1.00).
A workbook that is no template raises `UnreadableWorkbook(…, "not_a_template", …)`; a template
with its Declaration or Smelter List deleted or renamed raises "missing_sheet".
"""

from __future__ import annotations

import re

from minetrace.ingest.layouts import Layout, layout_for, nearest_layout, version_key
from minetrace.ingest.normalize import clean_text, language_name
from minetrace.ingest.records import TemplateInfo
from minetrace.ingest.workbook import Sheet, UnreadableWorkbook, Workbook

KINDS = ("CMRT", "EMRT", "CRT", "AMRT")
_KIND = re.compile(r"\((CMRT|EMRT|CRT|AMRT)\)", re.IGNORECASE)
_CMRT_TITLE = re.compile(r"conflict\s+minerals?\s+reporting\s+template", re.IGNORECASE)
_OTHER_TITLES = (
    (re.compile(r"extended\s+minerals?\s+reporting\s+template", re.IGNORECASE), "EMRT"),
    (re.compile(r"cobalt\s+reporting\s+template", re.IGNORECASE), "CRT"),
    (re.compile(r"additional\s+minerals?\s+reporting\s+template", re.IGNORECASE), "AMRT"),
)
_REVISION = re.compile(r"(?:Revision|Version|Rev\.?)\s*([0-9]+(?:\.[0-9]+)?[a-z]?)", re.IGNORECASE)
_LEADING_NUMBER = re.compile(r"^\s*([0-9]+(?:\.[0-9]+)?[a-z]?)")

#: cells of the Smelter List row 3 where each generation repeats its version text
SMELTER_VERSION_CELLS = ("Q3", "O3", "N3", "R3", "M3", "P3")
#: sheets only templates have — used to tell "a template missing a sheet" from "not a template"
TEMPLATE_SHEETS = ("Declaration", "Smelter List", "Smelter and Mine List", "Checker", "Product List",
                   "Smelter Look-up", "Standard Smelter Names", "Smelter Reference List", "Mine List",
                   "Minerals Scope", "Revision", "Instructions", "Definitions")


def _text(sheet: Sheet | None, ref: str) -> str | None:
    if sheet is None:
        return None
    value = sheet.cell(ref)
    return None if isinstance(value, bool) else clean_text(value, collapse=False)


def kind_from_title(title: str | None) -> str | None:
    """'CMRT' / 'EMRT' / 'CRT' / 'AMRT' from a Declaration!D2 title, or None."""
    if not title:
        return None
    m = _KIND.search(title)
    if m:
        return m.group(1).upper()
    if _CMRT_TITLE.search(title):
        return "CMRT"
    for pattern, kind in _OTHER_TITLES:
        if pattern.search(title):
            return kind
    return None


def normalise_version(kind: str | None, raw: str) -> str:
    """"2" → "2.00" and "1" → "1.00" for the CMRT generations that printed a bare major number."""
    v = raw.strip().lower().rstrip(".")
    if kind == "CMRT" and re.fullmatch(r"[12]", v):
        return v + ".00"
    if re.fullmatch(r"\d+", v):
        return v + ".0"
    return v


def version_from_text(text: str | None, *, allow_leading_number: bool = False) -> str | None:
    """The version number in a revision text ("Revision 6.4\\nApril 26, 2024" → "6.4")."""
    if not text:
        return None
    m = _REVISION.search(text)
    if m:
        return m.group(1)
    if allow_leading_number:
        m = _LEADING_NUMBER.match(text)
        if m:
            return m.group(1)
    return None


def _sheet_set(wb: Workbook) -> set[str]:
    return {" ".join(n.split()).casefold() for n in wb.sheet_names}


def _has(names: set[str], sheet: str) -> bool:
    return sheet.casefold() in names


def _kind_from_sheets(names: set[str]) -> str | None:
    if _has(names, "Minerals Scope"):
        return "AMRT"
    if _has(names, "Mine List"):
        return "EMRT"
    if _has(names, "Smelter and Mine List") or _has(names, "Standard Smelter Names"):
        return "CMRT"
    return None


def _kind_from_smelter_sheet(smelters: Sheet | None) -> str | None:
    """The metal names 6.x-style templates keep in hidden Smelter List row 3 (W3:Z3 or AA3:AB3)."""
    if smelters is None or not smelters.rows:
        return None
    row = smelters.rows[2] if len(smelters.rows) > 2 else []
    values = {str(v).strip().casefold() for v in row if isinstance(v, str)}
    if {"tantalum", "tin", "tungsten", "gold"} <= values:
        return "CMRT"
    if "cobalt" in values and "mica" in values:
        return "EMRT"
    if "cobalt" in values:
        return "CRT"
    return None


def detect_template(wb: Workbook) -> tuple[TemplateInfo, Layout]:
    """Kind, version, language and the layout table of a workbook, from its content.

    Raises `UnreadableWorkbook` with reason "not_a_template" or "missing_sheet".
    """
    names = _sheet_set(wb)
    declaration = wb.sheet("Declaration")
    smelter_sheet_name = "Smelter and Mine List" if _has(names, "Smelter and Mine List") else "Smelter List"
    smelters = wb.sheet(smelter_sheet_name) if _has(names, smelter_sheet_name.casefold()) else None

    title = _text(declaration, "D2")
    kind = kind_from_title(title)

    # version: Declaration J3 (I3 + J3 for 1.00), then the Smelter List's row-3 copy
    version_text: str | None = None
    raw_version: str | None = None
    if declaration is not None:
        j3 = _text(declaration, "J3")
        i3 = _text(declaration, "I3")
        raw_version = version_from_text(j3)
        if raw_version:
            version_text = j3
        elif i3 and i3.strip().casefold().startswith("revision") and j3:
            raw_version = version_from_text(j3, allow_leading_number=True)
            version_text = f"{i3} {j3}" if raw_version else None
    if raw_version is None and smelters is not None:
        for ref in SMELTER_VERSION_CELLS:
            text = _text(smelters, ref)
            found = version_from_text(text)
            if found:
                raw_version, version_text = found, text
                break

    if kind is None:
        kind = _kind_from_sheets(names) or (_kind_from_smelter_sheet(smelters) if raw_version else None)
        if kind is None and raw_version and smelters is not None:
            kind = "CMRT"

    template_sheets = sum(1 for s in TEMPLATE_SHEETS if _has(names, s))
    if kind is None and declaration is not None and smelters is not None and template_sheets >= 4:
        # title and revision cleared (or formulas never calculated) but the sheet set is a template's
        kind = _kind_from_smelter_sheet(smelters) or "CMRT"
    if kind is None:
        raise UnreadableWorkbook(wb.name, "not_a_template",
                                 "not a CMRT/EMRT/CRT/AMRT workbook (no template title in Declaration!D2, no "
                                 "revision text, sheets: " + ", ".join(wb.sheet_names[:8]) + ")")
    if declaration is None:
        if template_sheets < 2 and raw_version is None:
            raise UnreadableWorkbook(wb.name, "not_a_template", "not a CMRT/EMRT/CRT/AMRT workbook (no Declaration "
                                     "sheet, no template title)")

    version = normalise_version(kind, raw_version) if raw_version else None
    layout = layout_for(kind, version) if version else None
    if layout is None:
        layout = _layout_by_sheets(kind, names) if version is None else nearest_layout(kind, version)
    if layout is None:
        raise UnreadableWorkbook(wb.name, "not_a_template", f"{kind} workbook of an unknown generation")

    label = f"{kind} {version}" if version else kind
    for required in layout.required_sheets:
        alternatives = (required,) + (layout.smelters.alt_sheets if layout.smelters
                                      and required == layout.smelters.sheet else ())
        if not any(_has(names, alt.casefold()) for alt in alternatives):
            raise UnreadableWorkbook(wb.name, "missing_sheet",
                                     f"{label} template but sheet '{required}' is missing (deleted or renamed)")

    language = language_name(declaration.cell(layout.language_cell)) if (declaration and layout.language_cell) else None
    info = TemplateInfo(
        kind=kind,
        version=version,
        version_text=version_text,
        language=language,
        layout=layout.id,
        layout_verified=layout.verified,
        date_system=wb.date_system,
    )
    return info, layout


def _layout_by_sheets(kind: str, names: set[str]) -> Layout | None:
    """The generation a version-less workbook belongs to, judged by its sheets."""
    if kind == "CMRT":
        if _has(names, "Smelter and Mine List"):
            return layout_for("CMRT", "1.00")
        if _has(names, "Standard Smelter Names"):
            return layout_for("CMRT", "2.03a") if _has(names, "L") else layout_for("CMRT", "2.00")
        if _has(names, "Smelter Reference List"):
            return layout_for("CMRT", "4.0")
        return layout_for("CMRT", "6.5")
    if kind == "EMRT":
        return layout_for("EMRT", "2.1") if _has(names, "Mine List") else layout_for("EMRT", "1.3")
    if kind == "AMRT":
        return layout_for("AMRT", "1.3") if _has(names, "Smelter Look-up") else layout_for("AMRT", "1.21")
    return nearest_layout(kind, None)


def version_matches(version: str | None, layout: Layout) -> bool:
    """True when `layout` lists `version` (so no "unknown version" finding is due)."""
    key = version_key(version)
    return version in layout.versions or (key is not None and any(version_key(v) == key for v in layout.versions))

