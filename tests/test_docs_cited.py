"""Documentation the code cites lives in the repository: every `docs/….md` a module names exists, and no module
cites a document a reader of the repository cannot open (design notes kept elsewhere). Data files keep their
source citations as they were loaded."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUTSIDE = re.compile(r"REFERENCE-DATA|DESIGN\.md|DESIGN §|FORMAT\.md|STORE_API|\.helpers/")
CITED = re.compile(r"docs/[\w./-]+\.md")


def _sources() -> list[Path]:
    return [p for d in ("app", "graph", "ingest", "queries", "scripts") for p in (ROOT / d).rglob("*")
            if p.suffix in {".py", ".md"} and "__pycache__" not in p.parts]


def test_no_module_cites_a_document_outside_the_repository() -> None:
    hits = [f"{p.relative_to(ROOT)}:{n}" for p in _sources()
            for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1) if OUTSIDE.search(line)]
    assert hits == []


def test_every_cited_document_exists() -> None:
    cited = {m for p in _sources() for m in CITED.findall(p.read_text(encoding="utf-8"))}
    assert "docs/template-layouts.md" in cited
    assert sorted(c for c in cited if not (ROOT / c).exists()) == []
