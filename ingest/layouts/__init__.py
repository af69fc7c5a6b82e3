"""Layout tables, one per template generation (see `ingest.layouts.model`).

`ALL_LAYOUTS` is the registry the reader searches; `layout_for(kind, version)` picks one.
"""

from __future__ import annotations

from ingest.layouts.cmrt6 import CMRT_6
from ingest.layouts.model import CompanyQuestion, Layout, Question, TableLayout

ALL_LAYOUTS: tuple[Layout, ...] = (CMRT_6,)

__all__ = ["ALL_LAYOUTS", "CMRT_6", "CompanyQuestion", "Layout", "Question", "TableLayout", "get_layout", "layout_for"]


def layout_for(kind: str, version: str | None) -> Layout | None:
    """The layout table that reads `kind` `version`, or None when no table covers it."""
    for layout in ALL_LAYOUTS:
        if layout.kind == kind and version in layout.versions:
            return layout
    return None


def get_layout(layout_id: str) -> Layout:
    """The layout table with this id (as recorded in `TemplateInfo.layout`)."""
    for layout in ALL_LAYOUTS:
        if layout.id == layout_id:
            return layout
    raise KeyError(layout_id)
