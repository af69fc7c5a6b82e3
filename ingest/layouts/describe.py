"""The layout tables in words: `docs/template-layouts.md` is rendered from them, never written by hand.

Why: the layout modules cite where each template generation keeps a field; a reader of the code needs that
map without RMI's workbooks or notes outside the repository. Rendering it from the tables the reader runs on
keeps the document true (tests/test_layout_doc.py fails when the committed file is stale; regenerate with
`python scripts/layout_doc.py`).
"""

from __future__ import annotations

from minetrace.ingest.layouts import ALL_LAYOUTS
from minetrace.ingest.layouts.model import QUESTION_ROLES, Layout, TableLayout

HEADER = """# Template layouts, generation by generation

Rendered from the layout tables in `ingest/layouts/` by `python scripts/layout_doc.py` — do not edit by hand.
Cells are Excel A1 addresses, rows 1-based. Per-metal answers sit in the answer column on the rows below each
question (one row per metal, in the order the table gives), their comments in the comment column.
"""


def _cell_table(pairs: tuple[tuple[str, str], ...], left: str, right: str) -> list[str]:
    out = [f"| {left} | {right} |", "|---|---|"]
    out += [f"| {a} | {b} |" for a, b in pairs]
    return out


def _table(t: TableLayout) -> list[str]:
    alt = f" (also named: {', '.join(t.alt_sheets)})" if t.alt_sheets else ""
    out = [f"Sheet **{t.sheet}**{alt}: header row {t.header_row}, records on rows {t.first_row}–{t.last_row}.", ""]
    out += _cell_table(tuple((f, c) for f, c in t.columns), "field", "column")
    return out


def _layout(layout: Layout) -> list[str]:
    out = [f"## {layout.kind} {', '.join(layout.versions)} (`{layout.id}`)", ""]
    facts = [f"verified against a sample workbook: {'yes' if layout.verified else 'no (derived)'}",
             f"earliest release: {layout.release_date or 'unknown'}",
             f"Declaration sheet: {layout.declaration_sheet}; required sheets: {', '.join(layout.required_sheets)}",
             f"version cell(s): {', '.join(layout.version_cells)}; language cell: {layout.language_cell or '—'}",
             f"answers in column {layout.answer_column}, comments in column {layout.comment_column}",
             f"scope questions combine: {layout.scope_rule}"]
    if layout.metals:
        facts.append(f"metals: {', '.join(layout.metals)}")
    if layout.checker_sheet:
        facts.append(f"checker: {layout.checker_sheet}!{layout.checker_total_cell or '—'}"
                     + (f" (broken: {layout.checker_broken})" if layout.checker_broken else ""))
    if layout.lookup_sheet:
        facts.append(f"reference list sheet: {layout.lookup_sheet}")
    if layout.split_date_cells:
        facts.append(f"effective date split over {', '.join(layout.split_date_cells)}")
    if layout.policy_url_cell:
        facts.append(f"policy URL cell: {layout.policy_url_cell}")
    out += [f"- {f}" for f in facts] + [""]
    if layout.notes:
        out += [layout.notes, ""]
    out += ["### Company block", ""] + _cell_table(layout.company_cells, "field", "cell") + [""]
    if layout.questions:
        out += ["### Per-metal questions", "", "| question | row | role | text |", "|---|---|---|---|"]
        out += [f"| {q.qid} | {q.row} | {q.role or '—'} | {q.text.replace('|', '/')} |" for q in layout.questions]
        out.append("")
    if layout.company_questions:
        out += ["### Company questions", "", "| question | row | role | text |", "|---|---|---|---|"]
        out += [f"| {q.letter} | {q.row} | {q.role or '—'} | {q.text.replace('|', '/')} |"
                for q in layout.company_questions]
        out.append("")
    for title, table in (("Smelter list", layout.smelters), ("Product list", layout.products),
                         ("Mine list", layout.mines)):
        if table is not None:
            out += [f"### {title}", ""] + _table(table) + [""]
    return out


def render_markdown() -> str:
    """The whole document: the question roles, then one section per layout table in registry order."""
    lines = HEADER.splitlines() + ["", "## Question roles", "", "| role | meaning |", "|---|---|"]
    lines += [f"| {role} | {text} |" for role, text in QUESTION_ROLES.items()] + [""]
    for layout in ALL_LAYOUTS:
        lines += _layout(layout)
    return "\n".join(lines).rstrip() + "\n"
