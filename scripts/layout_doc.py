"""Write docs/template-layouts.md from the layout tables (see minetrace.ingest.layouts.describe)."""

from pathlib import Path

from minetrace.ingest.layouts.describe import render_markdown

OUT = Path(__file__).resolve().parents[1] / "docs" / "template-layouts.md"

if __name__ == "__main__":
    OUT.write_text(render_markdown(), encoding="utf-8")
    print(f"wrote {OUT}")
