"""docs/template-layouts.md is the layout tables rendered: stale when a table changes without regenerating."""

from __future__ import annotations

from pathlib import Path

from minetrace.ingest.layouts import ALL_LAYOUTS
from minetrace.ingest.layouts.describe import render_markdown

DOC = Path(__file__).resolve().parents[1] / "docs" / "template-layouts.md"


def test_the_committed_document_is_the_rendered_tables() -> None:
    assert DOC.read_text(encoding="utf-8") == render_markdown(), "run: python scripts/layout_doc.py"


def test_every_table_and_cell_is_in_the_document() -> None:
    text = render_markdown()
    for layout in ALL_LAYOUTS:
        assert f"(`{layout.id}`)" in text
        for field_name, cell in layout.company_cells:
            assert f"| {field_name} | {cell} |" in text
