"""Read one template workbook into a `Declaration`, driven only by its layout table.

Why one reader for every version: the differences between CMRT 1.00 and 6.5, EMRT, CRT and AMRT
are cells, rows and columns, and those live in `ingest.layouts` as data. This module knows how
to walk a table (company block → answers → Smelter List → Product List → Mine List) and how to
recognise the shapes real files take: 6.x's 2,500 pre-filled formula rows whose "empty" cells are
"" or 0, copyright footers and hidden translation tables below the data, CIDs typed into column A
whose formulas never ran, look-up values standing in for a typed name, "|"-joined consolidated
cells, and rows pasted one column off. Shape problems become findings (`column_shift`,
`consolidated_row`, `layout_unverified`, `unknown_version`); rule checks are `ingest.validate`'s.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache
from operator import itemgetter
from typing import Any

from minetrace.ingest.detect import SMELTER_VERSION_CELLS, detect_template, version_matches
from minetrace.ingest.findings import make_finding
from minetrace.ingest.layouts import Layout, TableLayout
from minetrace.ingest.layouts.model import CompanyQuestion, Question
from minetrace.ingest.metals import canonical_metal
from minetrace.ingest.normalize import (
    clean_cid,
    clean_field,
    clean_text,
    is_blank,
    is_footer,
    lookup_kind,
    match_answer,
    metal_name,
    parse_date,
    scope_letter,
    split_consolidated,
    split_date,
)
from minetrace.ingest.records import (
    Answer,
    CompanyInfo,
    Declaration,
    FileInfo,
    MineRow,
    ProductRow,
    SmelterRow,
)
from minetrace.ingest.workbook import Sheet, Workbook, column_index, parse_cell

#: SmelterRow fields filled from text cells (everything but row/metal/lookup_kind/flags)
_SMELTER_TEXT_FIELDS = frozenset({
    "lookup", "name", "country", "id_source", "street", "city", "state", "contact_name", "contact_email",
    "next_steps", "mine_names", "mine_countries", "recycled", "comments", "standard_name", "country_code",
})
#: a "|" in one of these columns marks a consolidated row
_CONSOLIDATION_KEYS = frozenset({"metal", "lookup", "name", "cid", "input_cid", "country"})
#: columns whose content makes a Smelter List row a data row
_SMELTER_KEY_FIELDS = ("input_cid", "metal", "lookup", "name", "cid")

_CID = re.compile(r"(?i)\bCID\s*\d{3,}")
_OLD_ID = re.compile(r"^\d[A-Za-z]{3}\d{3}$")
_PLACEHOLDER = re.compile(
    r"(?i)^(n/?a|none|nil|unknown|tbd|pending|-+|\?+|no\s*id|not\s+(?:listed|available|applicable|known|found|"
    r"yet\s+identified|on\s+list)|smelter\s+not\b.*|see\s+comments?)$")
_PLACEHOLDER_WORDS = re.compile(
    r"(?i)\b(not|no|none|unknown|n/?a|pending|provided|supplied|available|applicable|listed|identified|progress|"
    r"tbd|see|refer|comments?|requested|awaiting|confidential)\b")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_MAILTO = re.compile(r"(?i)^mailto:\s*")
_TRANSLATION_MARKER = re.compile(r"^A{20,}$")


def read_declaration(wb: Workbook) -> Declaration:
    """Everything the workbook declares, with the `Sheet!Cell` provenance of every filled field.

    Raises `ingest.workbook.UnreadableWorkbook` when the workbook is not a template or misses a
    required sheet; everything else becomes data or findings.
    """
    info, layout = detect_template(wb)
    decl = Declaration(
        file=FileInfo(name=wb.name, sha256=wb.sha256, size=wb.size, path=wb.path, format=wb.format,
                      encrypted=wb.encrypted),
        template=info,
    )
    _template_findings(decl, layout)
    sheet = wb.sheet(layout.declaration_sheet)
    if sheet is not None:
        if layout.language_cell and info.language:
            decl.provenance["template.language"] = f"{sheet.name}!{layout.language_cell}"
        if info.version_text:
            decl.provenance["template.version"] = _version_cell(wb, sheet, info.version_text)
        _read_company(wb, sheet, layout, decl)
        _read_metals(sheet, layout, decl)
        _read_answers(sheet, layout, decl)
        _read_company_answers(sheet, layout, decl)
        _read_policy_url(sheet, layout, decl)
    if layout.smelters is not None:
        _read_smelters(wb, layout, decl)
        _complete_option_a_rows(wb, layout, decl)
    if layout.products is not None:
        _read_products(wb, layout.products, decl)
    if layout.mines is not None:
        _read_mines(wb, layout.mines, decl)
    _read_checker(wb, layout, decl)
    for text in getattr(wb, "warnings", []) or []:
        code = "sheet_truncated" if "were read" in text else "workbook_warning"
        decl.findings.append(make_finding(code, wb.name, text))
    return decl


# ----------------------------------------------------------------------------------------------
# template-level findings
# ----------------------------------------------------------------------------------------------


def _template_findings(decl: Declaration, layout: Layout) -> None:
    info = decl.template
    where = f"Declaration!{layout.version_cells[0]}"
    if info.version is None:
        decl.findings.append(make_finding(
            "unknown_version", where,
            f"no revision text found; read as {info.kind} with the '{layout.id}' layout (judged by the sheets)"))
    elif not version_matches(info.version, layout):
        decl.findings.append(make_finding(
            "unknown_version", where,
            f"{info.kind} {info.version} has no layout table of its own; read with the nearest one "
            f"('{layout.id}', versions {', '.join(layout.versions[:6])})"))
    if not layout.verified:
        decl.findings.append(make_finding(
            "layout_unverified", where,
            f"{info.kind} {info.version or ''} is read with a layout derived without a sample workbook "
            f"('{layout.id}'); check the values against the file"))


# ----------------------------------------------------------------------------------------------
# Declaration sheet
# ----------------------------------------------------------------------------------------------


def _version_cell(wb: Workbook, declaration: Sheet, version_text: str) -> str:
    """Where the revision text was found: Declaration!J3 (1.00: I3+J3) or the Smelter List row-3 copy."""
    j3 = clean_text(declaration.cell("J3"), collapse=False)
    if j3 and j3 in version_text:
        return f"{declaration.name}!J3"
    for name in ("Smelter List", "Smelter and Mine List"):
        smelters = wb.sheet(name) if wb.find_sheet_name(name) else None
        if smelters is None:
            continue
        for ref in SMELTER_VERSION_CELLS:
            if clean_text(smelters.cell(ref), collapse=False) == version_text:
                return f"{smelters.name}!{ref}"
    return f"{declaration.name}!J3"


def _ref(sheet: Sheet, cell: str) -> str:
    return f"{sheet.name}!{cell}"


def _read_company(wb: Workbook, sheet: Sheet, layout: Layout, decl: Declaration) -> None:
    company = CompanyInfo()
    for field_name, cell in layout.company_cells:
        value = sheet.cell(cell)
        if field_name == "scope":
            letter, text = scope_letter(value, layout.scopes)
            company.scope, company.scope_text = letter, text
            if text:
                decl.provenance["company.scope"] = _ref(sheet, cell)
            continue
        if field_name == "effective_date":
            company.effective_date, company.effective_date_raw = parse_date(value, wb.to_date)
            if company.effective_date or company.effective_date_raw:
                decl.provenance["company.effective_date"] = _ref(sheet, cell)
            continue
        text = clean_field(value)
        if text is not None and field_name.endswith("_email"):
            text = _MAILTO.sub("", text) or None
        if text is not None:
            setattr(company, field_name, text)
            decl.provenance[f"company.{field_name}"] = _ref(sheet, cell)
    if layout.split_date_cells:
        day, month, year = (sheet.cell(c) for c in layout.split_date_cells)
        company.effective_date, company.effective_date_raw = split_date(day, month, year)
        if company.effective_date or company.effective_date_raw:
            decl.provenance["company.effective_date"] = _ref(sheet, "/".join(layout.split_date_cells))
    decl.company = company


def _selected_minerals(sheet: Sheet, layout: Layout) -> list[str]:
    """EMRT 2.x / AMRT: the minerals picked in the scope cells, sorted as the template sorts them."""
    others = (layout.extra.get("other_minerals_cells") or "").split(",")
    found: dict[str, str] = {}
    for i, cell in enumerate(layout.mineral_scope_cells):
        text = clean_field(sheet.cell(cell))
        if text is None:
            continue
        if text.casefold().startswith("other"):
            other = clean_field(sheet.cell(others[i])) if i < len(others) and others[i] else None
            text = other or ""
        name = metal_name(text)
        if name:
            found.setdefault(name.casefold(), name)
    return [found[k] for k in sorted(found)]


def _slot_labels(sheet: Sheet, row: int, slots: int) -> list[tuple[str, int]]:
    """(mineral, answer row) for the labelled rows under a question (EMRT 2.x / AMRT column B)."""
    out: list[tuple[str, int]] = []
    for r in range(row + 1, row + 1 + slots):
        name = metal_name(sheet.value(r, 1))
        if name:
            out.append((name, r))
    return out


def _read_metals(sheet: Sheet, layout: Layout, decl: Declaration) -> None:
    if layout.metals:
        decl.metals = list(layout.metals)
        return
    selected = _selected_minerals(sheet, layout)
    if selected:
        decl.metals = selected
        cells = [c for c in layout.mineral_scope_cells if clean_field(sheet.cell(c))]
        decl.provenance["metals"] = ",".join(_ref(sheet, c) for c in cells)
    elif layout.questions and layout.mineral_slots:
        decl.metals = [m for m, _ in _slot_labels(sheet, layout.questions[0].row, layout.mineral_slots)]


def _question_rows(sheet: Sheet, layout: Layout, q: Question, metals: list[str]) -> list[tuple[str, int]]:
    if q.metal_rows:
        return list(q.metal_rows)
    if layout.mineral_slots:
        labelled = _slot_labels(sheet, q.row, layout.mineral_slots)
        if labelled:
            return labelled
        # labels without cached values (a file written by a script): the template sorts the selection
        return [(m, q.row + 1 + i) for i, m in enumerate(metals[:layout.mineral_slots])]
    return [(m, q.row + 1 + i) for i, m in enumerate(metals)]


def _answer(sheet: Sheet, layout: Layout, row: int, allowed: tuple[str, ...]) -> tuple[Answer, bool]:
    cell = f"{layout.answer_column}{row}"
    answer = match_answer(sheet.cell(cell), allowed)
    comment = clean_field(sheet.cell(f"{layout.comment_column}{row}"), collapse=False)
    return Answer(answer=answer, comment=comment, cell=_ref(sheet, cell)), answer is not None or comment is not None


def _read_answers(sheet: Sheet, layout: Layout, decl: Declaration) -> None:
    for q in layout.questions:
        per_metal: dict[str, Answer] = {}
        for metal, row in _question_rows(sheet, layout, q, decl.metals):
            ans, filled = _answer(sheet, layout, row, q.allowed_for(metal))
            per_metal[metal] = ans
            if filled:
                decl.provenance[f"answers.{q.qid}.{metal}"] = ans.cell or ""
        decl.answers[q.qid] = per_metal


def _company_rows(sheet: Sheet, q: CompanyQuestion, metals: list[str]) -> list[tuple[str, int]]:
    if q.metal_rows:
        return list(q.metal_rows)
    if q.slot_rows:
        labelled = _slot_labels(sheet, q.row, q.slot_rows)
        return labelled or [(m, q.row + 1 + i) for i, m in enumerate(metals[:q.slot_rows])]
    return []


def _read_company_answers(sheet: Sheet, layout: Layout, decl: Declaration) -> None:
    for q in layout.company_questions:
        rows = _company_rows(sheet, q, decl.metals)
        if not rows:
            ans, filled = _answer(sheet, layout, q.row, q.allowed)
            decl.company_answers[q.letter] = ans
            if filled:
                decl.provenance[f"company_answers.{q.letter}"] = ans.cell or ""
            continue
        # answered once per metal (EMRT C): "C.Cobalt" …, and "C" summarising them
        parts: list[tuple[str, Answer]] = []
        for metal, row in rows:
            ans, filled = _answer(sheet, layout, row, q.allowed)
            decl.company_answers[f"{q.letter}.{metal}"] = ans
            parts.append((metal, ans))
            if filled:
                decl.provenance[f"company_answers.{q.letter}.{metal}"] = ans.cell or ""
        given = [(m, a) for m, a in parts if a.answer is not None]
        distinct = {a.answer for _, a in given}
        summary = (given[0][1].answer if len(distinct) == 1 else
                   "; ".join(f"{m}: {a.answer}" for m, a in given) if given else None)
        comments = [a.comment for _, a in parts if a.comment]
        decl.company_answers[q.letter] = Answer(answer=summary, comment="\n".join(comments) or None,
                                                cell=parts[0][1].cell if parts else None)


def _read_policy_url(sheet: Sheet, layout: Layout, decl: Declaration) -> None:
    if not layout.policy_url_cell:
        return
    text = clean_field(sheet.cell(layout.policy_url_cell))
    if text:
        decl.policy_url = text
        decl.provenance["policy_url"] = _ref(sheet, layout.policy_url_cell)


# ----------------------------------------------------------------------------------------------
# Smelter List
# ----------------------------------------------------------------------------------------------


def _fast_blank(value: Any) -> bool:
    if value is None or value == "":
        return True
    if type(value) is str and value[0].isalnum():  # no padding, no "#N/A": data without cleaning it
        return False
    return is_blank(value)


class _FieldCleaner(dict[Any, "str | None"]):
    """`clean_field` memoised for one table: columns such as metal, country, ID source and the
    yes/no answers repeat the same few texts over thousands of rows. Only str keys are stored
    (1, 1.0 and True would share a dict slot): index it with text (`cleaner[text]`, a C-level dict
    hit after the first time) and call it with anything."""

    def __missing__(self, value: str) -> str | None:
        text = self[value] = clean_field(value)
        return text

    def __call__(self, value: Any) -> str | None:
        return self[value] if type(value) is str else clean_field(value)


def _id_like(text: str | None, *, digits_ok: bool = True) -> bool:
    if not text:
        return False
    t = text.strip()
    return bool(_CID.search(t) or _OLD_ID.match(t) or (digits_ok and t.isdigit() and len(t) >= 4))


@lru_cache(maxsize=1)
def _country_names() -> frozenset[str]:
    import pycountry

    names: set[str] = set()
    for c in pycountry.countries:
        for attr in ("name", "official_name", "common_name"):
            value = getattr(c, attr, None)
            if value:
                names.add(value.casefold())
    names.update({"usa", "united states", "uk", "russia", "south korea", "korea", "taiwan", "vietnam", "viet nam",
                  "bolivia", "iran", "laos", "congo", "drc", "tanzania", "czech republic", "hong kong"})
    return frozenset(names)


def _is_country(text: str | None) -> bool:
    return bool(text) and text.strip().rstrip(".").casefold() in _country_names()  # type: ignore[union-attr]


def _shift_reason(values: dict[str, str | None], a_value: str | None, a_mapped: bool) -> str | None:
    """Why a Smelter List row looks pasted one column off, or None when it looks in place.

    One strong sign is enough (an address or a country in the ID column, an ID where the country
    belongs, the ID left of the template's columns); weak signs (free text in the ID column, a
    country in the city/state column, an email in the contact-name column) must come in pairs,
    because each alone also occurs in rows typed in the right place.
    """
    strong: list[str] = []
    weak: list[str] = []
    sid = values.get("cid")
    if sid and not _id_like(sid) and not _PLACEHOLDER.match(sid):
        if _is_country(sid):
            strong.append(f"a country ('{sid}') in the smelter ID column")
        elif re.search(r"\d", sid) and re.search(r"[A-Za-z]{2,}", sid) and " " in sid:
            strong.append(f"a street address ('{sid}') in the smelter ID column")
        elif len(sid.split()) >= 2 and not _PLACEHOLDER_WORDS.search(sid):
            weak.append(f"text ('{sid}') in the smelter ID column")
    country = values.get("country")
    if country and _id_like(country, digits_ok=False):
        strong.append(f"a smelter ID ('{country}') in the country column")
    if not a_mapped and a_value and _id_like(a_value, digits_ok=False) and not _id_like(sid):
        strong.append(f"the smelter ID ('{a_value}') in column A, left of the template's columns")
    for field_name in ("city", "state"):
        if _is_country(values.get(field_name)):
            weak.append(f"a country ('{values[field_name]}') in the {field_name} column")
            break
    contact, email = values.get("contact_name"), values.get("contact_email")
    if contact and _EMAIL.fullmatch(contact) and not (email and "@" in email):
        weak.append(f"an email ('{contact}') in the contact-name column")
    if strong:
        return "; ".join(strong + weak)
    if len(weak) >= 2:
        return "; ".join(weak)
    return None


#: lookup_kind of a cleaned Column C text; the Smelter List repeats a few hundred look-up values
_lookup_kind = lru_cache(maxsize=4096)(lookup_kind)


@lru_cache(maxsize=64)
def _column_plan(columns: tuple[tuple[str, str], ...]) -> tuple[tuple[tuple[str, int], ...], dict[str, str]]:
    """(field, 0-based index) pairs and the field → letter map of a layout's column table, computed
    once per table (the layouts are module-level constants, so the cache holds a handful of entries)."""
    return tuple((f, column_index(letter)) for f, letter in columns), {f: letter for f, letter in columns}


def _row_values(cells: list[Any], columns: tuple[tuple[str, str], ...]) -> tuple[dict[str, Any], dict[str, str]]:
    plan, letters = _column_plan(columns)
    n = len(cells)
    raw: dict[str, Any] = {}
    for field_name, idx in plan:
        if idx < n:
            value = cells[idx]
            if value is not None and value != "":
                raw[field_name] = value
    return raw, dict(letters)


def _is_translation_row(cells: list[Any]) -> bool:
    head = cells[:20]
    try:
        joined = "\n".join(head)  # calamine gives "" for empty cells, so most rows are all text
    except TypeError:
        joined = "\n".join([c for c in head if isinstance(c, str)])
    # every sign of a translation table is one of these substrings: rule the common row out in C
    if "English" not in joined and "Chinese" not in joined and "A" * 20 not in joined:
        return False
    english = chinese = False
    for c in cells[:20]:
        if not isinstance(c, str):
            continue
        t = c.strip()
        if not t:
            continue
        if t[0] == "A" and len(t) >= 20 and _TRANSLATION_MARKER.match(t):
            return True
        if t == "English":
            english = True
        elif t == "Chinese":
            chinese = True
    return english and chinese


@lru_cache(maxsize=4096)
def _smelter_metal(value: Any, strict: bool) -> str | None:
    """The canonical metal of a Smelter List cell; for templates with a fixed metal list (`strict`)
    anything else is None (the text stays in `raw`), for EMRT 2.x / AMRT the mineral as written."""
    return canonical_metal(clean_field(value)) if strict else metal_name(value)


def _build_smelter(row: int, raw: dict[str, Any], letters: dict[str, str], sheet_name: str,
                   strict_metal: bool = True, values: dict[str, str | None] | None = None
                   ) -> tuple[SmelterRow, dict[str, str]]:
    """One SmelterRow from a row's non-empty cells. `values` (the cells through `clean_field`) may be
    passed when the caller already has them; each cell is cleaned once."""
    if values is None:
        values = {f: clean_field(v) for f, v in raw.items()}
    split: dict[str, list[str]] = {}
    for field_name, text in values.items():
        # split_consolidated(cell) is the "|"-parts of clean_field(cell): reuse the cleaned text
        if text is not None and "|" in text:
            parts = split_consolidated(text)
            if parts:
                split[field_name] = parts
    # a "|" in one free-text cell (an address "Rodovia 421 | Cx Postal 433") is not a consolidation;
    # a "|" in an identifying column, or in several columns, is
    if split and not (_CONSOLIDATION_KEYS & split.keys()) and len(split) < 2:
        split = {}
    # clean_field is idempotent on its own output, so the cleaned texts stand in for the cells
    metal = _smelter_metal(values.get("metal"), strict_metal)
    if "metal" in split:
        metals = {_smelter_metal(p, strict_metal) for p in split["metal"]}
        metal = metals.pop() if len(metals) == 1 else None
    lookup = values.get("lookup")
    kind = _lookup_kind(lookup)
    typed_name = values.get("name")
    name = typed_name or (lookup if kind == "listed" else None)
    given_cid = clean_cid(raw["cid"]) if "cid" in raw else None
    input_cid = clean_cid(raw["input_cid"]) if "input_cid" in raw else None
    texts = {f: t for f, t in values.items() if t is not None and f in _SMELTER_TEXT_FIELDS}
    texts["name"] = name
    smelter = SmelterRow(row=row, metal=metal, lookup_kind=kind, cid=given_cid or input_cid,  # type: ignore[arg-type]
                         input_cid=input_cid, **texts)
    if "country" not in letters and smelter.street:
        # 1.00 keeps "Street / City / Country" in one cell: take a trailing country name
        last_part = re.split(r"[,\n/]", smelter.street)[-1].strip()
        if _is_country(last_part):
            smelter.country = last_part
            provenance_country = True
        else:
            provenance_country = False
    else:
        provenance_country = False
    smelter.consolidated = bool(split)
    smelter.split = split
    smelter.raw = {letters[f]: v for f, v in raw.items()}
    at = str(row)
    provenance = {f: f"{sheet_name}!{letters[f]}{at}" for f in raw if f == "cid" or values.get(f) is not None}
    if smelter.cid and not given_cid and "input_cid" in provenance:
        provenance["cid"] = provenance["input_cid"]  # the CID came from column A
    elif not smelter.cid:
        provenance.pop("cid", None)
    if name and not typed_name and "lookup" in provenance:
        provenance["name"] = provenance["lookup"]
    if metal is None:
        provenance.pop("metal", None)
    if provenance_country and "street" in provenance:
        provenance["country"] = provenance["street"]
    return smelter, provenance


def _read_smelters(wb: Workbook, layout: Layout, decl: Declaration) -> None:
    table: TableLayout = layout.smelters  # type: ignore[assignment]
    sheet = wb.sheet(table.sheet)
    for alt in table.alt_sheets:
        if sheet is None:
            sheet = wb.sheet(alt)
    if sheet is None:
        return
    rows = sheet.rows
    key_idx = [column_index(letter) for f, letter in table.columns if f in _SMELTER_KEY_FIELDS]
    pick = itemgetter(*key_idx) if len(key_idx) > 1 else (lambda cells: (cells[key_idx[0]],))
    width = max(key_idx) + 1
    a_mapped = any(letter == "A" for _, letter in table.columns)
    clean = _FieldCleaner()
    last = min(table.last_row, len(rows))
    for r in range(table.first_row, last + 1):
        cells = rows[r - 1]
        n = len(cells)
        keys = pick(cells) if n >= width else tuple(cells[i] for i in key_idx if i < n)
        # fast path: 6.x pre-fills 2,500 formula rows whose cached key cells are "" / 0 / None
        if not any(keys) and (a_mapped or not n or not cells[0]):
            continue
        has_key = any(not _fast_blank(v) for v in keys if v)
        a_text = None
        if not a_mapped and n and not _fast_blank(cells[0]):
            a_text = clean_field(cells[0])
            if not _id_like(a_text, digits_ok=False):
                a_text = None
        if not has_key and a_text is None:
            continue
        if _is_translation_row(cells):
            break
        raw, letters = _row_values(cells, table.columns)
        first_text = next((clean_text(raw[f]) for f in ("metal", "lookup", "name", "cid", "input_cid") if f in raw),
                          None)
        if is_footer(first_text) and metal_name(raw.get("metal")) is None:
            continue
        values = {f: clean[v] if type(v) is str else clean_field(v) for f, v in raw.items()}
        reason = _shift_reason(values, a_text, a_mapped)
        note = ""
        if reason and layout.shifted_smelter_columns:
            raw, letters = _row_values(cells, layout.shifted_smelter_columns)
            note = "; read with the previous generation's column order"
        smelter, provenance = _build_smelter(r, raw, letters, sheet.name, strict_metal=bool(layout.metals),
                                             values=None if note else values)
        if not a_mapped and a_text and "A" not in smelter.raw:
            smelter.raw["A"] = cells[0]
        index = len(decl.smelters)
        decl.smelters.append(smelter)
        prefix = f"smelters.{index}."
        decl.provenance.update({prefix + field_name: where for field_name, where in provenance.items()})
        if reason:
            decl.findings.append(make_finding("column_shift", f"{sheet.name}!row {r}",
                                         f"row {r} looks shifted by one column: {reason}{note}"))
        if smelter.consolidated:
            fields = ", ".join(sorted(smelter.split))
            decl.findings.append(make_finding("consolidated_row", f"{sheet.name}!row {r}",
                                         f"row {r} joins several values with '|' ({fields}); kept raw and split"))


def _complete_option_a_rows(wb: Workbook, layout: Layout, decl: Declaration) -> None:
    """Rows whose look-up formulas were never calculated (a file written by a script): take from the
    workbook's own Look-up sheet what Excel's formulas in B/C/E/F would show and the Checker counts.
    Option A (a CID typed in column A): metal, standard name and country; the CID stays as typed.
    Option B (metal + a look-up alias in B/C): the CID and country of that (metal, alias) entry."""
    option_a = [s for s in decl.smelters if s.metal is None and s.input_cid and not s.lookup]
    option_b = [s for s in decl.smelters if s.metal and s.lookup_kind == "listed" and s.lookup and not s.cid
                and not s.input_cid and "F" not in (s.raw or {}) and "E" not in (s.raw or {})]
    if not (option_a or option_b) or not layout.lookup_sheet or not layout.metals or layout.smelters is None \
            or layout.smelters.column("cid") != "F":
        return
    sheet = wb.sheet(layout.lookup_sheet)
    if sheet is None:
        return
    by_cid: dict[str, tuple[int, str, str | None, str | None]] = {}
    by_alias: dict[tuple[str, str], tuple[int, str, str | None]] = {}
    for r, cells in enumerate(sheet.rows, start=1):
        if len(cells) < 5 or not isinstance(cells[4], str) or not cells[4].startswith("CID"):
            continue
        metal = canonical_metal(clean_field(cells[0]))
        cid = clean_cid(cells[4])
        if metal is None or cid is None:
            continue
        by_cid.setdefault(cid, (r, metal, clean_field(cells[2]), clean_field(cells[3])))
        alias = clean_field(cells[1])
        if alias:
            by_alias.setdefault((metal, alias.casefold()), (r, cid, clean_field(cells[3])))
    for smelter in option_b:
        found = by_alias.get((smelter.metal or "", (smelter.lookup or "").casefold()))
        if found is None:
            continue
        r, smelter.cid, country = found
        prefix = f"smelters.{decl.smelters.index(smelter)}."
        decl.provenance[prefix + "cid"] = f"{sheet.name}!E{r}"
        if not smelter.country and country:
            smelter.country = country
            decl.provenance[prefix + "country"] = f"{sheet.name}!D{r}"
    for smelter in option_a:
        hit = by_cid.get(smelter.input_cid or "")
        if hit is None:
            continue
        r, smelter.metal, name, country = hit
        prefix = f"smelters.{decl.smelters.index(smelter)}."
        decl.provenance[prefix + "metal"] = f"{sheet.name}!A{r}"
        if name:  # column C's formula: the standard name, the look-up value the Checker counts
            smelter.lookup, smelter.lookup_kind = name, "listed"
            decl.provenance[prefix + "lookup"] = f"{sheet.name}!C{r}"
        if not smelter.name and name:
            smelter.name = name
            decl.provenance[prefix + "name"] = f"{sheet.name}!C{r}"
        if not smelter.country and country:
            smelter.country = country
            decl.provenance[prefix + "country"] = f"{sheet.name}!D{r}"


# ----------------------------------------------------------------------------------------------
# Product List, Mine List, Checker
# ----------------------------------------------------------------------------------------------


def _table_rows(wb: Workbook, table: TableLayout, keys: tuple[str, ...]
                ) -> Iterator[tuple[int, dict[str, str | None], dict[str, str]]]:
    sheet = wb.sheet(table.sheet)
    for alt in table.alt_sheets:
        if sheet is None:
            sheet = wb.sheet(alt)
    if sheet is None:
        return
    cols = [(f, column_index(letter), letter) for f, letter in table.columns]
    key_set = set(keys)
    last = min(table.last_row, sheet.max_row)
    indices = [idx for _, idx, _ in cols]
    width = max(indices) + 1
    pick = itemgetter(*indices) if len(indices) > 1 else (lambda cells: (cells[indices[0]],))
    rows = sheet.rows
    for r in range(table.first_row, last + 1):
        cells = rows[r - 1]
        n = len(cells)
        # fast path: a 6.x Product List pre-fills 2,000 empty rows (a C-level pick, no generator per row)
        if not any(pick(cells) if n >= width else [cells[i] for i in indices if i < n]):
            continue
        values: dict[str, str | None] = {}
        where: dict[str, str] = {}
        for f, idx, letter in cols:
            v = cells[idx] if idx < n else None
            if _fast_blank(v):
                continue
            text = clean_field(v)
            if text is None:
                continue
            values[f] = text
            where[f] = f"{sheet.name}!{letter}{r}"
        if not key_set & values.keys():
            continue
        if _is_translation_row(cells):
            break
        if any(is_footer(values.get(k)) for k in keys):
            continue
        yield r, values, where


def _read_products(wb: Workbook, table: TableLayout, decl: Declaration) -> None:
    for r, values, where in _table_rows(wb, table, ("number", "name", "requester_number", "requester_name")):
        index = len(decl.products)
        decl.products.append(ProductRow(
            row=r, number=values.get("number"), name=values.get("name"), comment=values.get("comment"),
            requester_number=values.get("requester_number"), requester_name=values.get("requester_name")))
        for f, ref in where.items():
            decl.provenance[f"products.{index}.{f}"] = ref


def _read_mines(wb: Workbook, table: TableLayout, decl: Declaration) -> None:
    for r, values, where in _table_rows(wb, table, ("metal", "smelter_name", "mine_name", "mine_id")):
        index = len(decl.mines)
        mine = MineRow(row=r, metal=metal_name(values.get("metal")))
        for f, text in values.items():
            if f != "metal":
                setattr(mine, f, text)
        decl.mines.append(mine)
        for f, ref in where.items():
            decl.provenance[f"mines.{index}.{f}"] = ref


def _read_checker(wb: Workbook, layout: Layout, decl: Declaration) -> None:
    if not layout.checker_sheet or not layout.checker_total_cell:
        return
    sheet = wb.sheet(layout.checker_sheet)
    if sheet is None:
        return
    row, col = parse_cell(layout.checker_total_cell)
    value = sheet.value(row, col)
    if value is not None:
        decl.workbook_checker = value
        decl.provenance["workbook_checker"] = f"{sheet.name}!{layout.checker_total_cell}"
