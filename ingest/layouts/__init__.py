"""Layout tables, one per template generation (see `ingest.layouts.model`).

`ALL_LAYOUTS` is the registry the reader searches; `layout_for(kind, version)` picks the table
that lists a version, `nearest_layout(kind, version)` the closest table of that kind for a
version no table lists (a future CMRT 6.6 reads with the 6.x table, with a finding).
"""

from __future__ import annotations

import re

from minetrace.ingest.layouts.amrt import AMRT_12, AMRT_13
from minetrace.ingest.layouts.cmrt1 import CMRT_1
from minetrace.ingest.layouts.cmrt2 import CMRT_2_00, CMRT_2_02, CMRT_2_03
from minetrace.ingest.layouts.cmrt3 import CMRT_3
from minetrace.ingest.layouts.cmrt6 import CMRT_6
from minetrace.ingest.layouts.cmrt45 import CMRT_4, CMRT_5
from minetrace.ingest.layouts.crt import CRT_2
from minetrace.ingest.layouts.emrt import EMRT_1, EMRT_2, EMRT_2_1
from minetrace.ingest.layouts.model import CompanyQuestion, Layout, Question, TableLayout

ALL_LAYOUTS: tuple[Layout, ...] = (
    CMRT_1, CMRT_2_00, CMRT_2_02, CMRT_2_03, CMRT_3, CMRT_4, CMRT_5, CMRT_6,
    EMRT_1, EMRT_2, EMRT_2_1, CRT_2, AMRT_12, AMRT_13,
)

__all__ = [
    "ALL_LAYOUTS", "CMRT_6", "CompanyQuestion", "Layout", "Question", "TableLayout", "get_layout", "layout_for",
    "nearest_layout", "reader_sheets", "version_key", "version_number", "version_order",
]

_VERSION = re.compile(r"^(\d+)(?:\.(\d+))?([a-z]?)$")


def version_key(version: str | None) -> tuple[int, float, str] | None:
    """The one ordering of template revisions (every module compares versions through it): "2.03a" → (2, 0.03, "a"),
    "6.4" → (6, 0.4, ""), "6.10" → (6, 0.1, ""), so 6.01 < 6.1 < 6.22 < 6.4 and 2.03 < 2.03a; None for a text that
    is no version."""
    if not version:
        return None
    m = _VERSION.match(version.strip().lower())
    if not m:
        return None
    minor = float("0." + m.group(2)) if m.group(2) else 0.0
    return int(m.group(1)), minor, m.group(3)


def version_order(version: str | None) -> tuple[int, float, str]:
    """`version_key` for sorting and comparing: a text that is no version sorts before every version."""
    return version_key(version) or (-1, 0.0, "")


def version_number(version: str | None) -> float | None:
    """Major and minor as one number ("2.03a" → 2.03, "6.4" → 6.4) for generation thresholds; None for no version."""
    key = version_key(version)
    return None if key is None else key[0] + key[1]


def layout_for(kind: str, version: str | None) -> Layout | None:
    """The layout table that lists `kind` `version`, or None when no table covers it exactly."""
    key = version_key(version)
    for layout in ALL_LAYOUTS:
        if layout.kind != kind:
            continue
        if version in layout.versions:
            return layout
        if key is not None and any(version_key(v) == key for v in layout.versions):
            return layout
    return None


def nearest_layout(kind: str, version: str | None) -> Layout | None:
    """The table of `kind` whose versions are closest to `version` (same major first), or None for an unknown kind.

    >>> nearest_layout("CMRT", "6.6").id, nearest_layout("CMRT", "3.02").id, nearest_layout("CMRT", "9.0").id
    ('cmrt-6', 'cmrt-3', 'cmrt-6')
    """
    exact = layout_for(kind, version)
    if exact is not None:
        return exact
    candidates = [layout for layout in ALL_LAYOUTS if layout.kind == kind]
    if not candidates:
        return None
    key = version_key(version)
    if key is None:
        return max(candidates, key=lambda lay: max(version_key(v) or (0, 0.0, "") for v in lay.versions))
    target = key[0] + key[1]
    best: tuple[tuple[int, float], Layout] | None = None
    for layout in candidates:
        for v in layout.versions:
            k = version_key(v)
            if k is None:
                continue
            score = (0 if k[0] == key[0] else 1, abs(k[0] + k[1] - target))
            if best is None or score < best[0]:
                best = (score, layout)
    return best[1] if best else candidates[-1]


def get_layout(layout_id: str) -> Layout:
    """The layout table with this id (as recorded in `TemplateInfo.layout`)."""
    for layout in ALL_LAYOUTS:
        if layout.id == layout_id:
            return layout
    raise KeyError(layout_id)


def reader_sheets(lookups: bool = False) -> tuple[str, ...]:
    """Every sheet the reader (template detection, `ingest.reader`) may read in some layout — what a caller passes
    to `open_workbook(sheets=…)` so they are inflated and parsed together. `lookups`: also the reference sheets
    (Smelter Look-up and its predecessors), which the ingest reads to learn a template release.

    >>> "Smelter List" in reader_sheets() and "Smelter Look-up" in reader_sheets(lookups=True)
    True
    """
    names: dict[str, None] = {"Declaration": None, "Smelter List": None, "Smelter and Mine List": None}
    for layout in ALL_LAYOUTS:
        names[layout.declaration_sheet] = None
        for table in (layout.smelters, layout.products, layout.mines):
            if table is not None:
                names.update(dict.fromkeys((table.sheet, *table.alt_sheets)))
        if layout.checker_sheet:
            names[layout.checker_sheet] = None
        if lookups and layout.lookup_sheet:
            names[layout.lookup_sheet] = None
    if lookups:
        names.update(dict.fromkeys(("Smelter Look-up", "Standard Smelter Names", "Smelter Reference List", "K")))
    return tuple(names)
