"""`report check`: re-read a drafted report after people edited it and list what no longer matches the data.

Why: the most common filing error is a figure in the text that no longer matches the appendix or the data —
typed over in Word, or left behind when a late form changed the counts. The draft carries, for every figure,
a bookmark around its text (finish.py) and, in its custom properties, the year, as-of date and policy it was
computed with and what each figure said then (props.py). This module reads them back, recomputes the
figures from the store with the same parameters (figures.collect), and reports each figure whose text is
no longer what the data says — saying whether the text was edited by hand or the data changed since — plus
Appendix A, the high-risk list and the countries of origin row by row, figures whose bookmark was deleted,
and the placeholders still to complete.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from docx import Document
from docx.oxml.ns import qn

from minetrace.queries.cmr.figures import ReportData
from minetrace.queries.cmr.props import read_metadata

ROW_TABLES = ("high_risk", "appendix", "countries")  # compared row by row (their cells are not figures)
PLACEHOLDER_START = "[To be completed by the Company:"
_SUFFIX = re.compile(r"_\d+$")


class CheckError(ValueError):
    """The file cannot be checked (not a .docx, not a minetrace report); the message names it."""


@dataclass
class FigureMismatch:
    id: str
    label: str
    document: list[str]  # the text(s) the document shows (empty when the figure's bookmark is gone)
    generated: str | None  # what the draft said
    data: str | None  # what the data says now (None: the figure no longer exists)
    why: str  # edited | data_changed | edited_and_data_changed | missing
    command: str = ""
    path: str = ""

    @property
    def message(self) -> str:
        shown = " / ".join(repr(t) for t in self.document) or "nothing (its bookmark was deleted)"
        why = {"edited": "edited by hand", "data_changed": "the data changed since the draft",
               "edited_and_data_changed": "edited by hand, and the data changed since the draft",
               "missing": "figure no longer found in the document"}[self.why]
        data = "no longer in the data" if self.data is None else repr(self.data)
        return f"{self.label} [{self.id}]: the document says {shown}, the data says {data} ({why})"


@dataclass
class TableDiff:
    id: str
    title: str
    found: bool
    document_rows: int
    data_rows: int
    missing: list[list[str]] = field(default_factory=list)  # rows of the data the document lacks
    unexpected: list[list[str]] = field(default_factory=list)  # rows of the document the data lacks

    @property
    def ok(self) -> bool:
        return self.found and not self.missing and not self.unexpected


@dataclass
class CheckResult:
    file: str
    year: int
    as_of: str
    policy: str | None
    figures_checked: int
    mismatches: list[FigureMismatch]
    tables: list[TableDiff]
    placeholders: list[str]

    @property
    def ok(self) -> bool:
        return not self.mismatches and all(t.ok for t in self.tables)

    def to_json(self) -> dict[str, Any]:
        return {"file": self.file, "year": self.year, "as_of": self.as_of, "policy": self.policy, "ok": self.ok,
                "figures_checked": self.figures_checked,
                "mismatches": [{**asdict(m), "message": m.message} for m in self.mismatches],
                "tables": [{**asdict(t), "ok": t.ok} for t in self.tables], "placeholders": self.placeholders}


@dataclass
class ReadBack:
    meta: dict[str, Any]
    bookmarks: dict[str, str]  # bookmark name → its text
    tables: dict[str, list[list[str]]]  # table id → rows below the header
    placeholders: list[str]


def _norm(text: str) -> str:
    return " ".join(text.split())


def read_report(path: str | Path) -> ReadBack:
    """What a drafted (and maybe edited) report holds: metadata, bookmarked texts, tables, placeholders."""
    path = Path(path)
    try:
        doc = Document(str(path))
    except Exception as exc:  # python-docx raises several kinds for a file that is not a .docx
        raise CheckError(f"{path}: not a Word .docx document ({type(exc).__name__})") from exc
    meta = read_metadata(doc)
    if not meta or meta.get("tool") != "minetrace":
        raise CheckError(f"{path}: not a report drafted by minetrace (no minetrace document properties); "
                         "draft one with `minetrace report cmr`")
    if not isinstance(meta.get("year"), int) or not isinstance(meta.get("as_of"), str):
        raise CheckError(f"{path}: its minetrace document properties are damaged (no year or as-of date)")
    body = doc.element.body
    open_marks: dict[str, str] = {}
    texts: dict[str, list[str]] = defaultdict(list)
    table_of: dict[str, Any] = {}
    start, end, w_t, tbl = qn("w:bookmarkStart"), qn("w:bookmarkEnd"), qn("w:t"), qn("w:tbl")
    for el in body.iter(start, end, w_t):
        if el.tag == start:
            name = str(el.get(qn("w:name"), ""))
            if name.startswith("mt_"):
                open_marks[str(el.get(qn("w:id")))] = name
                texts[name]  # noqa: B018 - an empty bookmark still counts as present
                if name.startswith("mt_table_"):
                    t = next(el.iterancestors(tbl), None)
                    if t is not None:
                        table_of[name[len("mt_table_"):]] = t
        elif el.tag == end:
            open_marks.pop(str(el.get(qn("w:id"))), None)
        else:
            for name in open_marks.values():
                texts[name].append(el.text or "")
    tables = {}
    for tid, t in table_of.items():
        rows = []
        for tr in t.findall(qn("w:tr"))[1:]:
            rows.append([_norm("".join(x.text or "" for x in tc.iter(w_t))) for tc in tr.findall(qn("w:tc"))])
        tables[tid] = rows
    placeholders = []
    for p in body.iter(qn("w:p")):
        text = "".join(x.text or "" for x in p.iter(w_t))
        for m in re.finditer(re.escape(PLACEHOLDER_START) + r"([^\]]*)\]", text):
            placeholders.append(_norm(m.group(1)))
    return ReadBack(meta, {k: _norm("".join(v)) for k, v in texts.items()}, tables, list(dict.fromkeys(placeholders)))


def figure_of(name: str, meta: dict[str, Any]) -> str:
    known = meta.get("bookmarks") or {}
    if name in known:
        return str(known[name])
    return _SUFFIX.sub("", name[len("mt_"):])


def compare(path: str | Path, read: ReadBack, data: ReportData) -> CheckResult:
    """The figures and tables of the read-back document against the freshly computed `data`."""
    meta = read.meta
    generated: dict[str, str] = {k: str(v) for k, v in (meta.get("figures") or {}).items()}
    shown: dict[str, list[str]] = defaultdict(list)
    for name, text in read.bookmarks.items():
        fid = figure_of(name, meta)
        if not fid.startswith("table_"):
            shown[fid].append(text)
    expected_in_doc = Counter(figure_of(n, meta) for n in (meta.get("bookmarks") or {}))
    mismatches: list[FigureMismatch] = []
    for fid in sorted(set(shown) | set(generated), key=lambda k: (k not in data.figures, k)):
        fig = data.figures.get(fid)
        now = fig.text if fig else None
        texts = shown.get(fid, [])
        gen = generated.get(fid)
        label = fig.label if fig else fid
        extra = {"command": fig.command, "path": fig.path} if fig else {}
        if not texts:
            if expected_in_doc.get(fid):
                mismatches.append(FigureMismatch(fid, label, [], gen, now, "missing", **extra))
            continue
        if now is not None and all(t == _norm(now) for t in texts):
            continue  # says what the data says (even if someone typed it in)
        edited = gen is not None and any(t != _norm(gen) for t in texts)
        moved = gen is not None and gen != now
        why = "edited_and_data_changed" if edited and moved else "edited" if edited else "data_changed"
        mismatches.append(FigureMismatch(fid, label, list(dict.fromkeys(texts)), gen, now, why, **extra))
    tables = []
    for tid in ROW_TABLES:
        table = data.tables.get(tid)
        if table is None:
            continue
        want = [[_norm(c) for c in row] for row in table.text_rows()]
        if tid not in read.tables:
            if (meta.get("tables") or {}).get(tid) is not None:
                tables.append(TableDiff(tid, table.title, False, 0, len(want), want, []))
            continue
        have = read.tables[tid]
        a, b = Counter(map(tuple, have)), Counter(map(tuple, want))
        tables.append(TableDiff(tid, table.title, True, len(have), len(want),
                                [list(r) for r in (b - a).elements()], [list(r) for r in (a - b).elements()]))
    checked = len([f for f in shown if f in data.figures])
    return CheckResult(str(path), data.year, data.as_of, meta.get("policy"), checked, mismatches, tables,
                       read.placeholders)
