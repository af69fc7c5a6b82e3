"""Turn the markers of a rendered template into the finished document.

Why a pass after rendering: see `markers.py`. Here each marked run is split where its markers are, and
  - a figure becomes its own run (same formatting) between `w:bookmarkStart`/`w:bookmarkEnd` named
    `mt_<figure id>` (`_2`, `_3` … for later occurrences) — the text stays a plain run of its paragraph,
    so python-docx, Word, LibreOffice and pdftotext all read it as ordinary text;
  - a placeholder still to write becomes a highlighted run; user text keeps its line breaks;
  - a table marker puts a real Word table (tables.py) in place of its paragraph;
  - a chart marker becomes an inline picture with its alternative text.
"""

from __future__ import annotations

import hashlib
import io
from collections import Counter
from copy import deepcopy
from dataclasses import dataclass, field
from typing import Any

from docx.enum.text import WD_COLOR_INDEX
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Emu, Inches

from minetrace.queries.cmr import markers as mk
from minetrace.queries.cmr.figures import ReportData
from minetrace.queries.cmr.tables import build_table

W_T, W_R, W_P, W_RPR = qn("w:t"), qn("w:r"), qn("w:p"), qn("w:rPr")
XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"


@dataclass
class Finished:
    bookmarks: dict[str, str] = field(default_factory=dict)  # bookmark name → figure id (or table_<id>)
    occurrences: Counter[str] = field(default_factory=Counter)  # figure id → times it appears
    placeholders: list[str] = field(default_factory=list)  # keys of the user texts still to write
    tables: list[str] = field(default_factory=list)
    charts: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # markers that could not be placed (e.g. a table in a header)


def bookmark_name(ident: str, n: int) -> str:
    """Word bookmark names: ≤ 40 characters (3 + 34 + "_99"), a letter first, letters/digits/_ only."""
    base = f"mt_{ident}" if len(ident) <= 34 else "mt_h" + hashlib.sha1(ident.encode()).hexdigest()[:12]
    return base if n == 1 else f"{base}_{n}"


class _Finisher:
    def __init__(self, document: Any, data: ReportData, charts: dict[str, tuple[bytes, str]]) -> None:
        self.doc = document
        self.data = data
        self.charts = charts
        self.out = Finished()
        ids = [int(b.get(qn("w:id"), "0")) for b in document.element.iter(qn("w:bookmarkStart"))
               if str(b.get(qn("w:id"), "0")).isdigit()]
        self.next_id = max([0, *ids]) + 1
        self.blocks: list[tuple[Any, str, str]] = []  # (paragraph, kind, id)
        sec = document.sections[-1]
        width = (sec.page_width or Inches(8.5)) - (sec.left_margin or 0) - (sec.right_margin or 0)
        self.text_width = Emu(int(width))

    # ---------------------------------------------------------------- bookmarks
    def bookmark(self, parent: Any, ident: str, runs: list[Any]) -> None:
        self.out.occurrences[ident] += 1
        name = bookmark_name(ident, self.out.occurrences[ident])
        self.out.bookmarks[name] = ident
        start = OxmlElement("w:bookmarkStart")
        start.set(qn("w:id"), str(self.next_id))
        start.set(qn("w:name"), name)
        end = OxmlElement("w:bookmarkEnd")
        end.set(qn("w:id"), str(self.next_id))
        self.next_id += 1
        for el in (start, *runs, end):
            parent.append(el)

    # ---------------------------------------------------------------- runs
    @staticmethod
    def _run(rpr: Any, text: str | None = None) -> Any:
        r = OxmlElement("w:r")
        if rpr is not None:
            r.append(deepcopy(rpr))
        if text is not None:
            t = OxmlElement("w:t")
            t.text = text
            t.set(XML_SPACE, "preserve")
            r.append(t)
        return r

    def _text_runs(self, rpr: Any, text: str) -> list[Any]:
        r = self._run(rpr)
        for i, line in enumerate(text.split("\n")):
            if i:
                r.append(OxmlElement("w:br"))
            t = OxmlElement("w:t")
            t.text = line
            t.set(XML_SPACE, "preserve")
            r.append(t)
        return [r]

    def _highlight(self, rpr: Any, text: str) -> Any:
        r = self._run(rpr, text)
        r.get_or_add_rPr().highlight_val = WD_COLOR_INDEX.YELLOW  # python-docx keeps the schema's element order
        return r

    def _picture(self, rpr: Any, ident: str, part: Any) -> list[Any]:
        png, alt = self.charts[ident]
        inline = part.new_pic_inline(io.BytesIO(png), width=min(self.text_width, Inches(6.5)))
        doc_pr = inline.find(qn("wp:docPr"))
        if doc_pr is not None:
            doc_pr.set("descr", mk.clean(alt))
            doc_pr.set("name", f"minetrace chart {ident}")
        r = self._run(rpr)
        r.add_drawing(inline)
        return [r]

    def split(self, t: Any, part: Any, body: bool) -> None:
        r = t.getparent()
        if r is None or r.tag != W_R:
            t.text = mk.MARKER_RE.sub(lambda m: m.group(3), t.text)
            return
        container = r.getparent()
        rpr = r.find(W_RPR)
        kids = [k for k in r if k.tag != W_RPR]
        i = kids.index(t)
        new: list[Any] = []
        if i:
            a = self._run(rpr)
            a.extend(kids[:i])
            new.append(a)
        holder = OxmlElement("w:r")  # collects the pieces (bookmarks are siblings of runs)
        paragraph = next((a for a in r.iterancestors(W_P)), None)
        for kind, ident, text in mk.segments(t.text or ""):
            if kind is None:
                clean = mk.clean(text)
                if clean:
                    holder.append(self._run(rpr, clean))
            elif kind == mk.FIGURE:
                self.bookmark(holder, ident, [self._run(rpr, text)])
            elif kind == mk.WARNING:
                run = self._highlight(rpr, text)
                run.get_or_add_rPr().b_val = True
                holder.append(run)
            elif kind == mk.PLACEHOLDER:
                holder.append(self._highlight(rpr, text))
                if ident not in self.out.placeholders:
                    self.out.placeholders.append(ident)
            elif kind == mk.USER_TEXT:
                holder.extend(self._text_runs(rpr, text))
            elif kind == mk.CHART and body and ident in self.charts:
                holder.extend(self._picture(rpr, ident, part))
                self.out.charts.append(ident)
            elif kind == mk.TABLE and body and paragraph is not None and ident in self.data.tables:
                self.blocks.append((paragraph, kind, ident))
            else:
                self.out.skipped.append(f"{kind}:{ident}")
        new.extend(list(holder))
        if i < len(kids) - 1:
            b = self._run(rpr)
            b.extend(kids[i + 1:])
            new.append(b)
        pos = container.index(r)
        container.remove(r)
        for k, el in enumerate(new):
            container.insert(pos + k, el)

    def process(self, root: Any, part: Any, body: bool) -> None:
        for t in [t for t in root.iter(W_T) if mk.has_marker(t.text)]:
            self.split(t, part, body)
        for paragraph, _kind, ident in self.blocks:
            self._place_table(paragraph, ident)
        self.blocks.clear()

    def _place_table(self, paragraph: Any, ident: str) -> None:
        width_twips = int(self.text_width / 635)  # EMU → twentieths of a point
        tbl = build_table(self.data.tables[ident], width_twips, self.bookmark)
        paragraph.addnext(tbl)
        self.out.tables.append(ident)
        text = "".join(t.text or "" for t in paragraph.iter(W_T)).strip()
        has_other = any(True for _ in paragraph.iter(qn("w:drawing")))
        parent = paragraph.getparent()
        if not text and not has_other:
            parent.remove(paragraph)
        nxt = tbl.getnext()
        if nxt is None or nxt.tag in (qn("w:sectPr"), qn("w:tbl")):
            tbl.addnext(OxmlElement("w:p"))  # Word needs a paragraph after a table at the end of a cell/body


def finish(document: Any, data: ReportData, charts: dict[str, tuple[bytes, str]]) -> Finished:
    """Replace every marker of the rendered `document` (body, headers, footers) in place."""
    f = _Finisher(document, data, charts)
    f.process(document.element.body, document.part, body=True)
    for rel in document.part.rels.values():
        if rel.reltype in (RT.HEADER, RT.FOOTER) and not rel.is_external:
            part = rel.target_part
            element = getattr(part, "_element", None)
            if element is not None:
                f.process(element, part, body=False)
    for n, doc_pr in enumerate(document.element.body.iter(qn("wp:docPr")), start=1):
        doc_pr.set("id", str(n))  # unique drawing ids (two charts in one run would otherwise share one)
    props = document.core_properties
    for name in ("title", "subject", "author", "comments", "keywords", "category", "identifier", "language"):
        value = getattr(props, name, None)
        if isinstance(value, str) and mk.has_marker(value):
            setattr(props, name, mk.clean(mk.MARKER_RE.sub(lambda m: m.group(3), value)))
    return f.out
