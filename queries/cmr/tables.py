"""Real Word tables for the report: header row repeated on every page, borders, traced cells bookmarked.

Why built as XML here: a template cannot loop a 300-row appendix through Jinja quickly or keep its look,
and python-docx's cell API is slow for hundreds of rows. The table carries its own borders and widths
(no dependence on a style the user's template may lack); its first header cell holds the bookmark
`mt_table_<id>` that `report check` finds it by, and every figure cell holds that figure's bookmark.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from docx.oxml import OxmlElement
from docx.oxml.ns import qn

from minetrace.queries.cmr.figures import Figure, Table
from minetrace.queries.cmr.markers import clean

HEADER_FILL = "D9E2F3"
BORDER = "8C8C8C"


def _el(tag: str, **attrs: str) -> Any:
    e = OxmlElement(tag)
    for k, v in attrs.items():
        e.set(qn(f"w:{k}"), v)
    return e


def _tbl_pr(width_twips: int) -> Any:
    pr = _el("w:tblPr")
    pr.append(_el("w:tblW", w=str(width_twips), type="dxa"))
    borders = _el("w:tblBorders")
    for side in ("top", "left", "bottom", "right", "insideH", "insideV"):
        borders.append(_el(f"w:{side}", val="single", sz="4", space="0", color=BORDER))
    pr.append(borders)
    pr.append(_el("w:tblLayout", type="fixed"))
    margins = _el("w:tblCellMar")
    for side, v in (("left", "70"), ("right", "70")):
        margins.append(_el(f"w:{side}", w=v, type="dxa"))
    pr.append(margins)
    pr.append(_el("w:tblLook", val="04A0", firstRow="1", lastRow="0", firstColumn="0", lastColumn="0",
                  noHBand="0", noVBand="1"))
    return pr


def _run(text: str, size_half_points: int, bold: bool = False) -> Any:
    r = _el("w:r")
    rpr = _el("w:rPr")
    if bold:
        rpr.append(_el("w:b"))
    rpr.append(_el("w:sz", val=str(size_half_points)))
    rpr.append(_el("w:szCs", val=str(size_half_points)))
    r.append(rpr)
    t = _el("w:t")
    t.text = clean(text)
    t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
    r.append(t)
    return r


def _cell(width: int, fill: str | None = None) -> tuple[Any, Any]:
    tc = _el("w:tc")
    pr = _el("w:tcPr")
    pr.append(_el("w:tcW", w=str(width), type="dxa"))
    if fill:
        pr.append(_el("w:shd", val="clear", color="auto", fill=fill))
    tc.append(pr)
    p = _el("w:p")
    ppr = _el("w:pPr")
    spacing = _el("w:spacing", before="0", after="0")
    ppr.append(spacing)
    p.append(ppr)
    tc.append(p)
    return tc, p


def build_table(table: Table, width_twips: int, bookmark: Callable[[Any, str, list[Any]], None]) -> Any:
    """The w:tbl element of `table`. `bookmark(paragraph, name_id, runs)` wraps runs in a bookmark named
    after a figure id (or `table_<id>` for the table itself) and appends them to the paragraph."""
    n = len(table.columns)
    rel = table.widths if len(table.widths) == n else [1.0] * n
    total = sum(rel)
    widths = [max(400, int(width_twips * w / total)) for w in rel]
    size = int(round(table.font_size * 2))
    tbl = _el("w:tbl")
    tbl.append(_tbl_pr(sum(widths)))
    grid = _el("w:tblGrid")
    for w in widths:
        grid.append(_el("w:gridCol", w=str(w)))
    tbl.append(grid)
    head = _el("w:tr")
    trpr = _el("w:trPr")
    trpr.append(_el("w:tblHeader"))
    trpr.append(_el("w:cantSplit"))
    head.append(trpr)
    for i, (col, w) in enumerate(zip(table.columns, widths, strict=True)):
        tc, p = _cell(w, HEADER_FILL)
        run = _run(col, size, bold=True)
        if i == 0:
            bookmark(p, f"table_{table.id}", [run])
        else:
            p.append(run)
        head.append(tc)
    tbl.append(head)
    for row in table.rows:
        tr = _el("w:tr")
        trpr = _el("w:trPr")
        trpr.append(_el("w:cantSplit"))
        tr.append(trpr)
        for value, w in zip(row, widths, strict=True):
            tc, p = _cell(w)
            if isinstance(value, Figure):
                bookmark(p, value.id, [_run(value.text, size)])
            else:
                p.append(_run(str(value), size))
            tr.append(tc)
        tbl.append(tr)
    return tbl
