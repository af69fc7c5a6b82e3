"""Validation: our reimplementation of the RMI Checker, plus the rules an analyst applies on top.

Why here and not in the reader: the reader says what a workbook *contains*; this module says
whether the declaration is *acceptable*. `validate(decl)` mutates the declaration in place:
it keeps findings the reader already emitted (column shifts, consolidated cells), appends its
own, sets `checker_missing` (the number the workbook's own Checker!D2 shows when Excel computed
the file) and sets `status` — `invalid` iff at least one finding has severity `error`
(severities come from the catalogue in `ingest.findings`).

The Checker differs per template generation; each generation's rules were read formula by
formula from the blank templates (Checker sheet, columns F "necessary?", G "complete?",
H = F×G, D2 = total):

* CMRT 6.x (rows 4–69): company fields; Q1 always, Q2 unless Q1 = "No", Q3–Q8 unless Q1 or
  the *gated* Q2 is "No" (Q2 only counts when Q1 = "Yes"; Q3–Q8 only count when Q1 and Q2 are
  "Yes"); company questions A–H when any metal is in scope, plus the URL (G77) when B = "Yes";
  Product List B6 when scope B; ≥ 1 Smelter List row per in-scope metal; every "Smelter not
  listed" row with name and country. Blank template = 52.
* CMRT 3.01 (4.x/5.x assumed alike): authorizer phone also required, Q1/Q2 always, Q3–Q7 unless
  Q1 and Q2 are both "No", URL must contain "www", one smelter in C5:C14. Blank = 48.
* CMRT 2.03/2.03a: Q2–Q6 unless Q1 = "No", company questions unless all Q1 = "No", Product
  List when scope D. Blank = 40.
* CMRT 2.00–2.02: D2 = required − completed, "required" taken from a table by scope and by the
  number of Q1 "Yes"/"No" answers. Answers the template does not require count as completed, so
  the total hides missing fields and can go negative (a real 2.02 file shows −5); 2.00/2.01
  templates ship a broken formula (#VALUE!). We count the required fields that are missing
  (never negative, the same number as D2 whenever nothing extra is answered) and say with a
  ``workbook_checker_error`` finding when the workbook's own total is an error or negative.
* CMRT 1.00 has no Checker: the required (*) fields are counted instead (37 on the blank: company name,
  representative and e-mail, contact name and e-mail, the date, 5 questions × 4 metals, A–K).

Questions are read by what they ask (`Question.role`), not by number: the metal's scope is its "uses"
and "remains" answers, combined per generation (`Layout.scope_rule`); CMRT 1.x/2.x question 2 is a
sourcing question and never takes a metal out of scope. Company questions whose "Yes" (or "No") the
template's instructions require to be explained carry `explain_when`; an answer without its comment is
an ``answer_not_explained`` finding.
* EMRT/CRT/AMRT: the RMI 6-style rules over their own questions and minerals, with each
  template's differences (`RMI_RULES`, `_check_amrt`; what we do not reproduce: `CHECKER_NOTES`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from minetrace.ingest.findings import make_finding, with_catalogue_severity
from minetrace.ingest.layouts import get_layout, layout_for, version_number, version_order
from minetrace.ingest.layouts.model import Layout, Question
from minetrace.ingest.records import Answer, Declaration, Finding, SmelterRow
from minetrace.ingest.reference.old_ids import parse_old_id

CheckerStyle = Literal["rmi6", "emrt1", "emrt2", "crt", "amrt", "cmrt3", "cmrt203", "cmrt202", "cmrt1"]

#: What we know we cannot reproduce, per style (shown by `minetrace validate --explain` later).
CHECKER_NOTES: dict[str, str] = {
    "cmrt202": "2.00/2.01 templates hold a broken F54 (#VALUE!), so their cached D2 is always an error; 2.02's D2 "
               "(required − completed) goes negative when more is answered than required. We count the missing "
               "required fields (never negative; equal to D2 when nothing extra is answered).",
    "cmrt1": "CMRT 1.00 has no Checker sheet; checker_missing counts the (*) fields of the Declaration (blank = 37).",
    "emrt1": "EMRT 1.x: the Checker also reads two rows below the Cobalt/Mica answers of Q1 and Q3 (copied from "
             "the four-metal CMRT); we check the two minerals' own cells. Matches the 1.3 blank (31).",
    "emrt2": "EMRT 2.x: its smelter check compares B&C with the bare mineral name, which a filled row never "
             "matches; we count a mineral as covered when a row names it with a smelter. Matches the blanks (68).",
    "crt": "CRT 2.2x: smelter and 'Smelter not listed' rows are outside the Checker's total; we report them without "
           "counting. Matches the 2.21 blank (23).",
    "amrt": "AMRT: Q2 is shown red but left out of the total, as we do; the 1.3 'Other [specify below]' check is "
            "not reproduced. Matches the 1.21 (26) and 1.3 (9) blanks.",
}

CID_RE = re.compile(r"^CID\d{6}$")
OLD_ID_RE = re.compile(r"^[1-4][A-Z]{3}\d{3}$")
EMAIL_RE = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")
NOT_LISTED = "smelter not listed"
NOT_YET_IDENTIFIED = "smelter not yet identified"


@dataclass(frozen=True)
class ValidationPolicy:
    """Program settings that are a choice, not a fact about the template."""

    #: kind → oldest revision still accepted; older ones get `stale_template_version`.
    min_versions: tuple[tuple[str, str], ...] = (("CMRT", "6.0"),)
    #: days an effective date may lie in the future before it is flagged (time zones, pre-dating).
    future_grace_days: int = 1
    #: days an effective date may precede the template's release before it is flagged.
    release_grace_days: int = 0
    #: validation date; None = today.
    today: date | None = None

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any] | None) -> ValidationPolicy:
        """Build from a policy file section, e.g. {"min_versions": {"CMRT": "6.31"}, "future_grace_days": 7}."""
        data = dict(data or {})
        kwargs: dict[str, Any] = {}
        if "min_versions" in data:
            kwargs["min_versions"] = tuple((str(k), str(v)) for k, v in dict(data["min_versions"]).items())
        for key in ("future_grace_days", "release_grace_days"):
            if key in data:
                kwargs[key] = int(data[key])
        if data.get("today"):
            today = data["today"]
            kwargs["today"] = today if isinstance(today, date) else date.fromisoformat(str(today))
        unknown = set(data) - {"min_versions", "future_grace_days", "release_grace_days", "today"}
        if unknown:
            raise ValueError(f"unknown validation policy key(s): {', '.join(sorted(unknown))}")
        return cls(**kwargs)

    def min_version(self, kind: str) -> str | None:
        for k, v in self.min_versions:
            if k == kind:
                return v
        return None


DEFAULT_POLICY = ValidationPolicy()


@dataclass(frozen=True)
class CheckerItem:
    """One Checker row that is necessary and not complete."""

    code: str  # finding code
    location: str
    message: str
    counted: bool = True  # counts towards checker_missing (per-row detail findings do not)


# ----------------------------------------------------------------------------------------------
# small value tests, in Excel's terms
# ----------------------------------------------------------------------------------------------


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _given(value: Any) -> bool:
    """Excel's `B=0` test inverted: an empty cell (or the number 0 an empty look-up returns) is not given."""
    if value is None:
        return False
    if isinstance(value, bool):
        return True
    if isinstance(value, int | float):
        return value != 0
    return str(value) != ""  # as Excel: a typed space is an answer (the reader strips real values anyway)


def _excel_given(raw: Any) -> bool:
    """Excel's view of a raw cached value: only an empty cell, "" or the number 0 are missing."""
    if raw is None or isinstance(raw, bool):
        return raw is not None
    if isinstance(raw, int | float):
        return raw != 0
    return str(raw) != ""


def _given_in(decl: Declaration, ref: str | None, value: Any) -> bool:
    """Given for the Checker: the cleaned value, or the raw cell the reader kept when it dropped one."""
    if _given(value):
        return True
    return bool(ref) and _excel_given(decl.raw_cells.get(ref or ""))


def _is(value: Any, word: str) -> bool:
    """Excel `=` on text: case-insensitive equality."""
    return _text(value).casefold() == word.casefold()


def _answer(decl: Declaration, qid: str, metal: str) -> Any:
    ans = decl.answers.get(qid, {}).get(metal)
    if ans is None:
        return None
    if ans.answer is None and ans.cell and _excel_given(decl.raw_cells.get(ans.cell)):
        return decl.raw_cells[ans.cell]  # e.g. a typed space: Excel counts it as answered
    return ans.answer


def _answer_given(decl: Declaration, ans: Answer | None) -> bool:
    if ans is None:
        return False
    return _given_in(decl, ans.cell, ans.answer)


def _company_answer(decl: Declaration, letter: str) -> Answer | None:
    return decl.company_answers.get(letter)


def checker_style(kind: str | None, version: str | None) -> CheckerStyle | None:
    if kind == "AMRT":
        return "amrt"
    if kind == "CRT":
        return "crt"
    if kind == "EMRT":
        return "emrt2" if (version_number(version) or -1.0) >= 2 else "emrt1"
    if kind != "CMRT" or not version:
        return None
    major = version_number(version) or -1.0
    if major >= 6:
        return "rmi6"
    if major >= 3:
        return "cmrt3"
    if major >= 2.03:
        return "cmrt203"
    if major >= 2:
        return "cmrt202"
    if major >= 1:
        return "cmrt1"
    return None


# ----------------------------------------------------------------------------------------------
# layout helpers
# ----------------------------------------------------------------------------------------------


def _resolve_layout(decl: Declaration) -> Layout | None:
    if decl.template.layout:
        try:
            return get_layout(decl.template.layout)
        except KeyError:
            pass
    return layout_for(decl.template.kind, decl.template.version)


def _metal_rows(layout: Layout, question: Question, decl: Declaration) -> list[tuple[str, int | None]]:
    if question.metal_rows:
        return list(question.metal_rows)
    metals = list(layout.metals) or list(decl.metals)
    return [(m, question.row + 1 + i) for i, m in enumerate(metals)]


def _metals(layout: Layout, decl: Declaration) -> list[str]:
    """Metals the declaration asks about: the layout's fixed list, else those the reader found (EMRT 2.x)."""
    return list(layout.metals) or list(decl.metals)


def _role(layout: Layout, role: str) -> Question | None:
    """The per-metal question that asks `role` in this generation (see `ingest.layouts.model.QUESTION_ROLES`)."""
    return next((q for q in layout.questions if q.role == role), None)


def _scope_questions(layout: Layout) -> list[Question]:
    """The questions that put a metal in or out of scope ("uses", "remains"), in template order."""
    return [q for q in layout.questions if q.role in ("uses", "remains")]


def _uses(layout: Layout) -> Question:
    """The "is the metal used" question (Q1 in every CMRT generation)."""
    return _role(layout, "uses") or layout.questions[0]


class _Where:
    """Cell addresses of a declaration's fields, from the layout (falling back to provenance)."""

    def __init__(self, layout: Layout, decl: Declaration) -> None:
        self.layout = layout
        self.decl = decl
        self.sheet = layout.declaration_sheet

    def company(self, field_name: str) -> str:
        cell = self.layout.company_cell(field_name)
        if cell is None and field_name == "effective_date" and self.layout.split_date_cells:
            cell = "/".join(self.layout.split_date_cells)
        if cell is None:
            prov = self.decl.provenance.get(f"company.{field_name}")
            return prov or f"{self.sheet}!{field_name}"
        return f"{self.sheet}!{cell}"

    def answer(self, question: Question, metal: str, row: int | None) -> str:
        ans = self.decl.answers.get(question.qid, {}).get(metal)
        if ans and ans.cell:
            return ans.cell
        if row is None:
            return f"{self.sheet}!{question.qid} {metal}"
        return f"{self.sheet}!{self.layout.answer_column}{row}"

    def company_question(self, letter: str) -> str:
        ans = self.decl.company_answers.get(letter)
        if ans and ans.cell:
            return ans.cell
        for q in self.layout.company_questions:
            if q.letter == letter:
                return f"{self.sheet}!{self.layout.answer_column}{q.row}"
        return f"{self.sheet}!{letter}"

    def policy_url(self) -> str:
        if self.layout.policy_url_cell:
            return f"{self.sheet}!{self.layout.policy_url_cell}"
        for q in self.layout.company_questions:
            if q.role == "policy_public":
                return f"{self.sheet}!{self.layout.comment_column}{q.row}"
        return f"{self.sheet}!policy URL"

    def smelter_sheet(self) -> str:
        return self.layout.smelters.sheet if self.layout.smelters else "Smelter List"

    def smelter_row(self, row: int) -> str:
        return f"{self.smelter_sheet()}!row {row}"

    def product_first(self) -> str:
        products = self.layout.products
        if products is None:
            return "Product List"
        col = products.column("number") or "B"
        return f"{products.sheet}!{col}{products.first_row}"


_LABELS: dict[str, str] = {
    "name": "Company name",
    "scope": "Declaration scope",
    "scope_description": "Description of scope",
    "contact_name": "Contact name",
    "contact_email": "Contact e-mail",
    "contact_phone": "Contact phone",
    "authorizer_name": "Authorizer",
    "authorizer_title": "Authorizer title",
    "authorizer_email": "Authorizer e-mail",
    "authorizer_phone": "Authorizer phone",
    "effective_date": "Effective date",
}


def _company_value(decl: Declaration, field_name: str) -> Any:
    if field_name == "effective_date":
        return decl.company.effective_date or decl.company.effective_date_raw
    if field_name == "scope":
        return decl.company.scope_text or decl.company.scope
    return getattr(decl.company, field_name, None)


def _missing_company(decl: Declaration, where: _Where, field_name: str, email_at: bool = False) -> CheckerItem | None:
    value = _company_value(decl, field_name)
    label = _LABELS.get(field_name, field_name)
    if not _given_in(decl, where.company(field_name), value):
        return CheckerItem("required_field_missing", where.company(field_name), f"{label} is required but empty")
    if email_at and "@" not in _text(value) + str(decl.raw_cells.get(where.company(field_name)) or ""):
        return CheckerItem("required_field_missing", where.company(field_name),
                           f"{label} {_text(value)!r} has no '@' (the RMI Checker counts it as missing)")
    return None


def _required_answer(where: _Where, q: Question, metal: str, row: int | None, why: str = "") -> CheckerItem:
    return CheckerItem("required_field_missing", where.answer(q, metal, row),
                       f"{q.qid} for {metal} is required{why} but unanswered")


def _row_text(row: SmelterRow, letter: str, attr: str) -> Any:
    """A Smelter List cell as the Checker sees it: the raw cached value when the reader kept it."""
    if row.raw and letter in row.raw:
        return row.raw[letter]
    return getattr(row, attr, None)


def _metal_text(row: SmelterRow) -> str:
    raw = row.raw.get("B") if row.raw else None
    return _text(raw) if _given(raw) else _text(row.metal)


def _lookup_text(row: SmelterRow, layout: Layout | None = None) -> str:
    col = layout.smelters.column("lookup") if layout and layout.smelters else "C"
    raw = row.raw.get(col or "C") if row.raw else None
    return _text(raw) if raw is not None else _text(row.lookup)


def _is_not_listed(row: SmelterRow, layout: Layout | None = None) -> bool:
    return row.lookup_kind == "not_listed" or _lookup_text(row, layout).casefold() == NOT_LISTED


def _is_not_yet_identified(row: SmelterRow, layout: Layout | None = None) -> bool:
    return row.lookup_kind == "not_yet_identified" or _lookup_text(row, layout).casefold() == NOT_YET_IDENTIFIED


def _not_listed_gaps(row: SmelterRow, layout: Layout) -> list[str]:
    name_col = (layout.smelters.column("name") if layout.smelters else None) or "D"
    country_col = (layout.smelters.column("country") if layout.smelters else None) or "E"
    name = _row_text(row, name_col, "name")
    if _text(name).casefold() in {NOT_LISTED, ""}:
        name = None
    country = _row_text(row, country_col, "country")
    gaps = []
    if not _given(name):
        gaps.append(f"name ({name_col})")
    if not _given(country):
        gaps.append(f"country ({country_col})")
    return gaps


def _company_questions_required(layout: Layout) -> list[tuple[str, str]]:
    return [(q.letter, q.text) for q in layout.company_questions]


def _policy_url(decl: Declaration) -> str:
    if decl.policy_url:
        return _text(decl.policy_url)
    b = decl.company_answers.get("B")
    return _text(b.comment) if b else ""


def _product_given(decl: Declaration, layout: Layout) -> bool:
    first = layout.products.first_row if layout.products else 6
    return any(p.row == first and _given(p.number) for p in decl.products)


def _smelter_present_in_first_rows(decl: Declaration, layout: Layout, attr: str, letter: str, n: int = 10) -> bool:
    first = layout.smelters.first_row if layout.smelters else 5
    return any(first <= s.row < first + n and _given(_row_text(s, letter, attr)) for s in decl.smelters)


# ----------------------------------------------------------------------------------------------
# the Checker, one function per template generation
# ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _RmiRules:
    """How one RMI 6-framework Checker (CMRT 6.x, EMRT, CRT) differs from the CMRT 6.x one."""

    gated_values: bool = True  # CMRT 6.x counts Q2 only when Q1 = "Yes", Q3+ only when Q1 and Q2 = "Yes"
    no_words: tuple[str, ...] = ("No",)  # answers that take a metal out of scope
    mineral_selection: bool = False  # EMRT 2.x: at least one mineral must be selected
    per_mineral_company: bool = False  # EMRT 2.x: company question C answered per mineral
    count_smelters: bool = True  # the CRT's smelter rows can never count (broken formula)
    count_not_listed: bool = True
    #: EMRT 1.x/CRT: a survey answer "Yes, Using Other Format (Describe)" counts only with the description
    describe_other_format: bool = False


RMI_RULES: dict[str, _RmiRules] = {
    "rmi6": _RmiRules(),
    "emrt1": _RmiRules(gated_values=False, no_words=("No", "Unknown", "Not applicable for this declaration"),
                       describe_other_format=True),
    "emrt2": _RmiRules(gated_values=False, no_words=("No", "Unknown", "Not declaring"), mineral_selection=True,
                       per_mineral_company=True),
    "crt": _RmiRules(gated_values=False, no_words=("No", "Unknown"), count_smelters=False,
                     count_not_listed=False, describe_other_format=True),
}


def _mineral_selection_item(decl: Declaration, layout: Layout, where: _Where) -> CheckerItem | None:
    if decl.metals:
        return None
    cells = layout.mineral_scope_cells
    loc = f"{where.sheet}!{cells[0]}" if cells else where.sheet
    return CheckerItem("required_field_missing", loc, "No mineral or metal is selected for the declaration scope")


def _check_rmi6(decl: Declaration, layout: Layout, where: _Where, rules: _RmiRules = RMI_RULES["rmi6"]
                ) -> list[CheckerItem]:
    items: list[CheckerItem | None] = []
    for f in ("name", "scope"):
        items.append(_missing_company(decl, where, f))
    if _given(_company_value(decl, "scope")) and decl.company.scope not in {"A", "B"}:
        items.append(_missing_company(decl, where, "scope_description"))
    if rules.mineral_selection:
        items.append(_mineral_selection_item(decl, layout, where))
    items.append(_missing_company(decl, where, "contact_name"))
    items.append(_missing_company(decl, where, "contact_email", email_at=True))
    items.append(_missing_company(decl, where, "contact_phone"))
    items.append(_missing_company(decl, where, "authorizer_name"))
    items.append(_missing_company(decl, where, "authorizer_email", email_at=True))
    items.append(_missing_company(decl, where, "effective_date"))

    questions = list(layout.questions)
    in_scope: dict[str, bool] = {}
    if questions:
        q1 = _uses(layout)
        q2 = questions[1] if len(questions) > 1 else None
        rest = questions[2:]
        for metal, row1 in _metal_rows(layout, q1, decl):
            a1 = _answer(decl, q1.qid, metal)
            if not _given(a1):
                items.append(_required_answer(where, q1, metal, row1))
            a1_no = any(_is(a1, w) for w in rules.no_words)
            b2: Any = None
            if q2 is not None:
                rows2 = dict(_metal_rows(layout, q2, decl))
                a2 = _answer(decl, q2.qid, metal)
                # CMRT 6.x: the Checker only counts Q2 when Q1 = "Yes"
                b2 = a2 if (_is(a1, "Yes") or not rules.gated_values) else None
                if not a1_no and not _given(b2):
                    items.append(_required_answer(where, q2, metal, rows2.get(metal),
                                                  " (Q1 is not 'No')" if rules.gated_values and not _is(a1, "Yes")
                                                  else ""))
            # only a "remains" question takes a metal out of scope (the CRT's Q2 asks about CAHRAs)
            b2_no = q2 is not None and q2.role == "remains" and any(_is(b2, w) for w in rules.no_words)
            necessary = not (a1_no or b2_no)
            in_scope[metal] = necessary
            counted = not rules.gated_values or (_is(a1, "Yes") and (q2 is None or _is(b2, "Yes")))
            if necessary:
                for q in rest:
                    raw = _answer(decl, q.qid, metal)
                    if not _given(raw if counted else None):
                        why = " (counted only when Q1 and Q2 are both 'Yes')" if _given(raw) else ""
                        items.append(_required_answer(where, q, metal, dict(_metal_rows(layout, q, decl)).get(metal),
                                                      why))

    if any(in_scope.values()):
        for q in layout.company_questions:
            per_mineral = rules.per_mineral_company and (q.metal_rows or q.slot_rows)
            if per_mineral:
                for metal, ok in in_scope.items():
                    ans = decl.company_answers.get(f"{q.letter}.{metal}")
                    if ok and not _answer_given(decl, ans):
                        loc = ans.cell if ans and ans.cell else where.company_question(q.letter)
                        items.append(CheckerItem("required_field_missing", loc,
                                                 f"Company question {q.letter} for {metal} is required but unanswered"))
                continue
            ans = _company_answer(decl, q.letter)
            if not _answer_given(decl, ans):
                items.append(CheckerItem("required_field_missing", where.company_question(q.letter),
                                         f"Company question {q.letter} is required but unanswered"))
            elif (rules.describe_other_format and ans is not None and q.role == "survey"
                  and _text(ans.answer).casefold().startswith("yes, using other format") and not _given(ans.comment)):
                items.append(CheckerItem("required_field_missing", where.company_question(q.letter).replace(
                    f"!{layout.answer_column}", f"!{layout.comment_column}"),
                    f"Company question {q.letter} says 'other format' but does not describe it in the comment"))
            if q.role == "policy_public" and ans is not None and _is(ans.answer, "Yes") and len(_policy_url(decl)) <= 1:
                items.append(CheckerItem("policy_url_missing", where.policy_url(),
                                         f"Question {q.letter} says the policy is public, but no URL is given"))

    if decl.company.scope == "B" and not _product_given(decl, layout):
        items.append(CheckerItem("product_list_missing", where.product_first(),
                                 "Scope is 'B. Product (or List of Products)' but the Product List has no product "
                                 "number in its first row"))

    items.extend(_smelter_items(decl, layout, where, in_scope, counted=rules.count_smelters))
    not_listed = _not_listed_items(decl, layout, where)
    if not rules.count_not_listed:
        not_listed = [CheckerItem(i.code, i.location, i.message, counted=False) for i in not_listed]
    items.extend(not_listed)
    return [i for i in items if i is not None]


def _smelter_items(decl: Declaration, layout: Layout, where: _Where, in_scope: dict[str, bool],
                   counted: bool = True) -> list[CheckerItem]:
    """One item per in-scope metal with no Smelter List row naming a smelter for it (6.x rows 65-68)."""
    out = []
    for metal in _metals(layout, decl):
        if not in_scope.get(metal, False):
            continue
        has_metal = any(_metal_text(s).casefold() == metal.casefold() for s in decl.smelters)
        has_pair = any((_metal_text(s) + _lookup_text(s, layout)).casefold().startswith(metal.casefold())
                       and len(_metal_text(s) + _lookup_text(s, layout)) > len(metal) for s in decl.smelters)
        if not (has_metal and has_pair):
            out.append(CheckerItem("metal_in_scope_without_smelters", where.smelter_sheet(),
                                   f"{metal} is in scope (Q1/Q2 not 'No') but the Smelter List has no {metal} row "
                                   "with a smelter look-up value", counted=counted))
    return out


def _check_amrt(decl: Declaration, layout: Layout, where: _Where) -> list[CheckerItem]:
    """AMRT 1.2x/1.3: company block, minerals selected, Q1 per selected mineral, ≥ 1 smelter per mineral
    not declared out of scope. The template shows Q2 in red but leaves it out of its total; so do we."""
    items: list[CheckerItem | None] = []
    for f in ("name", "scope"):
        items.append(_missing_company(decl, where, f))
    if _given(_company_value(decl, "scope")) and decl.company.scope not in {"A", "B"}:
        items.append(_missing_company(decl, where, "scope_description"))
    items.append(_mineral_selection_item(decl, layout, where))
    items.append(_missing_company(decl, where, "contact_name"))
    items.append(_missing_company(decl, where, "contact_email", email_at=True))
    items.append(_missing_company(decl, where, "contact_phone"))
    items.append(_missing_company(decl, where, "authorizer_name"))
    items.append(_missing_company(decl, where, "authorizer_email", email_at=True))
    items.append(_missing_company(decl, where, "effective_date"))
    in_scope: dict[str, bool] = {}
    if layout.questions:
        q1 = _uses(layout)
        for metal, row in _metal_rows(layout, q1, decl):
            a1 = _answer(decl, q1.qid, metal)
            if not _given(a1):
                items.append(_required_answer(where, q1, metal, row))
            in_scope[metal] = not any(_is(a1, w) for w in ("No", "Unknown", "Not declaring"))
    if decl.company.scope == "B" and not _product_given(decl, layout):
        items.append(CheckerItem("product_list_missing", where.product_first(),
                                 "Scope is 'B. Product (or List of Products)' but the Product List has no product "
                                 "number in its first row"))
    for metal, ok in in_scope.items():
        if ok and not any(_metal_text(s).casefold() == metal.casefold() for s in decl.smelters):
            items.append(CheckerItem("metal_in_scope_without_smelters", where.smelter_sheet(),
                                     f"{metal} is in scope but the Smelter List has no {metal} row"))
    items.extend(_not_listed_items(decl, layout, where))
    return [i for i in items if i is not None]


def _not_listed_items(decl: Declaration, layout: Layout, where: _Where) -> list[CheckerItem]:
    """Checker row 69 counts once; one detail finding per incomplete row (not counted)."""
    out: list[CheckerItem] = []
    for s in decl.smelters:
        if not _is_not_listed(s, layout):
            continue
        gaps = _not_listed_gaps(s, layout)
        if gaps:
            out.append(CheckerItem("smelter_not_listed_incomplete", where.smelter_row(s.row),
                                   f"'Smelter not listed' row without {' and '.join(gaps)}", counted=not out))
    return out


def _check_cmrt3(decl: Declaration, layout: Layout, where: _Where) -> list[CheckerItem]:
    items: list[CheckerItem | None] = []
    for f in ("name", "scope"):
        items.append(_missing_company(decl, where, f))
    if _given(_company_value(decl, "scope")) and decl.company.scope not in {"A", "B"}:
        items.append(_missing_company(decl, where, "scope_description"))
    for f in ("contact_name", "contact_email", "contact_phone", "authorizer_name", "authorizer_email",
              "authorizer_phone", "effective_date"):
        items.append(_missing_company(decl, where, f))
    questions = list(layout.questions)
    in_scope: dict[str, bool] = {}
    if questions:
        scope = _scope_questions(layout) or questions[:1]
        rest = [q for q in questions if q not in scope]
        for metal, _row in _metal_rows(layout, scope[0], decl):
            answers = []
            for q in scope:  # 3.01: Q1 and Q2 always
                a = _answer(decl, q.qid, metal)
                answers.append(a)
                if not _given(a):
                    items.append(_required_answer(where, q, metal, dict(_metal_rows(layout, q, decl)).get(metal)))
            necessary = not all(_is(a, "No") for a in answers)  # Q3–Q7 unless Q1 and Q2 are both "No"
            in_scope[metal] = necessary
            if necessary:
                for q in rest:
                    if not _given(_answer(decl, q.qid, metal)):
                        items.append(_required_answer(where, q, metal, dict(_metal_rows(layout, q, decl)).get(metal)))
    if any(in_scope.values()):
        for q in layout.company_questions:
            ans = _company_answer(decl, q.letter)
            if not _answer_given(decl, ans):
                items.append(CheckerItem("required_field_missing", where.company_question(q.letter),
                                         f"Company question {q.letter} is required but unanswered"))
            public = q.role == "policy_public" and ans is not None and _is(ans.answer, "Yes")
            if public and "www" not in _policy_url(decl):
                items.append(CheckerItem("policy_url_missing", where.policy_url(),
                                         f"Question {q.letter} says the policy is public, but the comment holds no "
                                         "'www' URL (3.x Checker)"))
        if not _smelter_present_in_first_rows(decl, layout, "lookup", "C"):
            items.append(CheckerItem("metal_in_scope_without_smelters", where.smelter_sheet(),
                                     "Metals are in scope but the first ten Smelter List rows name no smelter "
                                     "(C5:C14)"))
    if decl.company.scope == "B" and not _product_given(decl, layout):
        items.append(CheckerItem("product_list_missing", where.product_first(),
                                 "Scope is 'B. Product (or List of Products)' but the Product List's first row has no "
                                 "product number"))
    items.extend(_not_listed_items_uncounted(decl, layout, where))
    return [i for i in items if i is not None]


def _not_listed_items_uncounted(decl: Declaration, layout: Layout, where: _Where) -> list[CheckerItem]:
    """Older Checkers do not count incomplete 'Smelter not listed' rows; we still report them."""
    return [CheckerItem(i.code, i.location, i.message, counted=False) for i in _not_listed_items(decl, layout, where)]


def _q1_all_no(decl: Declaration, layout: Layout) -> bool:
    q1 = _uses(layout)
    return all(_is(_answer(decl, q1.qid, m), "No") for m, _ in _metal_rows(layout, q1, decl))


def _check_cmrt203(decl: Declaration, layout: Layout, where: _Where) -> list[CheckerItem]:
    items: list[CheckerItem | None] = []
    for f in ("name", "scope"):
        items.append(_missing_company(decl, where, f))
    if _given(_company_value(decl, "scope")) and decl.company.scope not in {"A", "D"}:
        items.append(_missing_company(decl, where, "scope_description"))
    for f in ("authorizer_name", "authorizer_email", "effective_date"):
        items.append(_missing_company(decl, where, f))
    questions = list(layout.questions)
    all_no = _q1_all_no(decl, layout) if questions else False
    if questions:
        q1 = _uses(layout)
        rest = [q for q in questions if q is not q1]
        for metal, row1 in _metal_rows(layout, q1, decl):
            a1 = _answer(decl, q1.qid, metal)
            if not _given(a1):
                items.append(_required_answer(where, q1, metal, row1))
            if _is(a1, "No"):
                continue
            for q in rest:
                if not _given(_answer(decl, q.qid, metal)):
                    items.append(_required_answer(where, q, metal, dict(_metal_rows(layout, q, decl)).get(metal)))
    if not all_no:
        for q in layout.company_questions:
            ans = _company_answer(decl, q.letter)
            if not _answer_given(decl, ans):
                items.append(CheckerItem("required_field_missing", where.company_question(q.letter),
                                         f"Company question {q.letter} is required but unanswered"))
        if decl.company.scope == "D" and not _product_given(decl, layout):
            items.append(CheckerItem("product_list_missing", where.product_first(),
                                     "Scope is 'D. Product Level' but the Product List's first row has no product"))
        if not _smelter_present_in_first_rows(decl, layout, "lookup", "C"):
            items.append(CheckerItem("metal_in_scope_without_smelters", where.smelter_sheet(),
                                     "Metals are in scope but the first ten Smelter List rows name no smelter "
                                     "(C5:C14)"))
    items.extend(_not_listed_items_uncounted(decl, layout, where))
    return [i for i in items if i is not None]


def _check_cmrt202(decl: Declaration, layout: Layout, where: _Where) -> tuple[list[CheckerItem], int]:
    """2.00–2.02. Returns the missing required fields (counted) and the template's own D2 formula,
    required − completed, which answers the template does not require push down (below zero)."""
    completed = 0
    items: list[CheckerItem | None] = []
    for f in ("name", "scope"):
        value = _company_value(decl, f)
        completed += _given(value)
    if _given(decl.company.scope_description):
        completed += 1
    elif decl.company.scope in {"B", "C"}:
        items.append(_missing_company(decl, where, "scope_description"))
    for f in ("name", "scope", "authorizer_name", "authorizer_email", "effective_date"):
        items.append(_missing_company(decl, where, f))
    for f in ("authorizer_name", "authorizer_email", "effective_date"):
        completed += _given(_company_value(decl, f))
    questions = list(layout.questions)
    yes = no = 0
    if questions:
        q1 = _uses(layout)
        for metal, _row in _metal_rows(layout, q1, decl):
            a1 = _answer(decl, q1.qid, metal)
            yes += _is(a1, "Yes")
            no += _is(a1, "No")
        for q in questions:
            for metal, row in _metal_rows(layout, q, decl):
                value = _answer(decl, q.qid, metal)
                completed += _given(value)
                a1 = _answer(decl, q1.qid, metal)
                if not _given(value) and (q is q1 or not _is(a1, "No")):
                    items.append(_required_answer(where, q, metal, row))
    all_no = bool(questions) and no == len(_metal_rows(layout, _uses(layout), decl))
    for q in layout.company_questions:
        ans = _company_answer(decl, q.letter)
        given = _answer_given(decl, ans)
        completed += given
        if not given and not all_no:
            items.append(CheckerItem("required_field_missing", where.company_question(q.letter),
                                     f"Company question {q.letter} is required but unanswered"))
    product = _product_given(decl, layout)
    completed += product
    if decl.company.scope == "D" and not product:
        items.append(CheckerItem("product_list_missing", where.product_first(),
                                 "Scope is 'D. Product Level' but the Product List's first row has no product"))
    name_col = (layout.smelters.column("name") if layout.smelters else None) or "D"
    smelters = _smelter_present_in_first_rows(decl, layout, "name", name_col)
    completed += smelters
    if not smelters and not all_no:
        items.append(CheckerItem("metal_in_scope_without_smelters", where.smelter_sheet(),
                                 "Metals are in scope but the first ten Smelter List rows name no smelter"))
    # required: F53 + F54 + F55 (Checker rows 53–56)
    n12 = {"B": 1, "C": 1, "D": 2}.get(decl.company.scope or "", 0)
    f53 = 2 if n12 == 1 else 1
    f55 = 1 if n12 == 2 else 0
    if yes + no == 0:
        f54 = 39
    elif yes:
        f54 = {1: 24, 2: 29, 3: 34, 4: 39}.get(yes, 0)
    else:
        f54 = {1: 34, 2: 29, 3: 24, 4: 8}.get(no, 0)
    required = f53 + f54 + f55
    items.extend(_not_listed_items_uncounted(decl, layout, where))
    return [i for i in items if i is not None], required - completed


def _check_cmrt1(decl: Declaration, layout: Layout, where: _Where) -> list[CheckerItem]:
    """CMRT 1.00 has no Checker: count the fields its Declaration marks (*) — company name, the
    authorized representative and e-mail, the contact name and e-mail, the date, every question for a
    metal not declared "No" in Q1, every company question unless all metals are "No" (37 on the blank)."""
    items: list[CheckerItem | None] = []
    for f in ("name", "authorizer_name", "authorizer_email", "contact_name", "contact_email", "effective_date"):
        items.append(_missing_company(decl, where, f))
    all_no = _q1_all_no(decl, layout) if layout.questions else False
    if layout.questions:
        q1 = _uses(layout)
        for metal, row in _metal_rows(layout, q1, decl):
            a1 = _answer(decl, q1.qid, metal)
            if not _given(a1):
                items.append(_required_answer(where, q1, metal, row))
            if _is(a1, "No"):
                continue
            for q in layout.questions:
                if q is q1:
                    continue
                if not _given(_answer(decl, q.qid, metal)):
                    items.append(_required_answer(where, q, metal, dict(_metal_rows(layout, q, decl)).get(metal)))
    if not all_no:
        for cq in layout.company_questions:
            ans = _company_answer(decl, cq.letter)
            if not _answer_given(decl, ans):
                items.append(CheckerItem("required_field_missing", where.company_question(cq.letter),
                                         f"Company question {cq.letter} is required but unanswered"))
    items.extend(_not_listed_items_uncounted(decl, layout, where))
    return [i for i in items if i is not None]


def checker(decl: Declaration, layout: Layout | None = None) -> tuple[int | None, list[CheckerItem]]:
    """(checker_missing, items): our RMI Checker for this declaration's template generation.

    checker_missing is None when the template generation is unknown.
    """
    layout = layout or _resolve_layout(decl)
    style = checker_style(decl.template.kind, decl.template.version)
    if layout is None or style is None:
        return None, []
    where = _Where(layout, decl)
    if style == "cmrt202":
        items, _d2 = _check_cmrt202(decl, layout, where)
        return sum(1 for i in items if i.counted), items
    if style in RMI_RULES:
        items = _check_rmi6(decl, layout, where, RMI_RULES[style])
    elif style == "amrt":
        items = _check_amrt(decl, layout, where)
    elif style == "cmrt3":
        items = _check_cmrt3(decl, layout, where)
    elif style == "cmrt203":
        items = _check_cmrt203(decl, layout, where)
    else:
        items = _check_cmrt1(decl, layout, where)
    return sum(1 for i in items if i.counted), items


# ----------------------------------------------------------------------------------------------
# rules beyond the Checker
# ----------------------------------------------------------------------------------------------

_MONTHS = {m: i for i, m in enumerate(
    ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
     "november", "december"], start=1)}


def release_date(decl: Declaration, layout: Layout | None) -> date | None:
    """The template revision's release date, from the version text ("Revision 6.4\\nApril 26, 2024") or the layout."""
    text = decl.template.version_text or ""
    m = re.search(r"([A-Za-z]+)\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})", text)
    if m and m.group(1).lower() in _MONTHS:
        try:
            return date(int(m.group(3)), _MONTHS[m.group(1).lower()], int(m.group(2)))
        except ValueError:
            pass
    if layout and layout.release_date:
        try:
            return date.fromisoformat(layout.release_date)
        except ValueError:
            return None
    return None


def _email_findings(decl: Declaration, where: _Where) -> Iterable[Finding]:
    for f in ("contact_email", "authorizer_email"):
        value = _text(getattr(decl.company, f, None))
        value = re.sub(r"^[^<]*<([^>]+)>.*$", r"\1", value)  # "Name <a@b.com>"
        if not value or "@" not in value:
            continue  # empty / no '@' is a Checker item (required_field_missing)
        parts = [p.strip() for p in re.split(r"[;,/\s]+(?=[^@]*@)|;", value) if p.strip()]
        bad = [p for p in parts if not EMAIL_RE.match(p)] if parts else [value]
        if bad:
            yield make_finding("malformed_email", where.company(f),
                               f"{_LABELS[f]} {value!r} is not a valid e-mail address")


def _date_findings(decl: Declaration, layout: Layout, where: _Where, policy: ValidationPolicy) -> Iterable[Finding]:
    eff = decl.company.effective_date
    loc = where.company("effective_date")
    if eff is None:
        if _given(decl.company.effective_date_raw):
            yield make_finding("effective_date_unparsed", loc,
                               f"Effective date {decl.company.effective_date_raw!r} is not a readable date")
        return
    today = policy.today or date.today()
    if (eff - today).days > policy.future_grace_days:
        yield make_finding("effective_date_future", loc, f"Effective date {eff.isoformat()} is in the future "
                                                         f"(validated on {today.isoformat()})")
    released = release_date(decl, layout)
    if released and (released - eff).days > policy.release_grace_days:
        yield make_finding("effective_date_before_release", loc,
                           f"Effective date {eff.isoformat()} is before {decl.template.kind} "
                           f"{decl.template.version or ''} was released ({released.isoformat()})")


def _declared_no(decl: Declaration, layout: Layout, metal: str) -> str | None:
    """The question ids that declare `metal` out of scope, if any ("Q1", "Q1/Q2"). Read by role: only the
    "uses" / "remains" questions decide scope (a 2.x Q2 "No" says the metal does not come from the DRC region);
    in generations whose rule is "any" (3.x–5.x) a metal is out only when every scope question says "No"."""
    scope = _scope_questions(layout)
    no = [q.qid for q in scope if _is(_answer(decl, q.qid, metal), "No")]
    if not no:
        return None
    if layout.scope_rule == "any" and len(no) < len(scope):
        return None
    return "/".join(no)


def _smelter_findings(decl: Declaration, layout: Layout, where: _Where) -> Iterable[Finding]:
    metals = {m.casefold(): m for m in _metals(layout, decl)}
    by_metal: dict[str, list[SmelterRow]] = {}
    for s in decl.smelters:
        if s.metal:
            by_metal.setdefault(s.metal.casefold(), []).append(s)
        elif _given(s.name) or _given(s.cid) or _given(s.lookup):
            yield make_finding("smelter_row_without_metal", where.smelter_row(s.row),
                               f"Row {s.row} names a smelter ({_text(s.name or s.lookup or s.cid)}) but no metal")
    # metal declared No but smelters listed
    for key, rows in by_metal.items():
        metal = metals.get(key)
        if metal is None:
            continue
        qid = _declared_no(decl, layout, metal)
        if qid:
            listed = [r for r in rows if not _is_not_yet_identified(r, layout)] or rows
            first = min(r.row for r in listed)
            yield make_finding("metal_declared_no_but_smelters_listed", where.smelter_row(first),
                               f"{qid} declare{'s' if '/' not in qid else ''} {metal} out of scope ('No') but the "
                               f"Smelter List has {len(listed)} {metal} row(s) (first: row {first})")
    # Q7 yes with unidentified rows
    q7 = _identified_all_question(layout)
    if q7 is not None:
        for metal, row in _metal_rows(layout, q7, decl):
            if not _text(_answer(decl, q7.qid, metal)).casefold().startswith("yes"):
                continue
            unidentified = [r for r in by_metal.get(metal.casefold(), []) if _is_not_yet_identified(r, layout)]
            if unidentified:
                yield make_finding("q7_yes_with_unidentified_smelters", where.answer(q7, metal, row),
                                   f"{q7.qid} says all {metal} smelters are identified, but {len(unidentified)} row(s) "
                                   f"say 'Smelter not yet identified' (first: row {unidentified[0].row})")
    # malformed CIDs and duplicates (one finding per repeated smelter, naming every repeat row)
    rows_by_key: dict[tuple[str, ...], list[int]] = {}
    for s in decl.smelters:
        cid = _text(s.cid)
        if cid and not CID_RE.match(cid) and not OLD_ID_RE.match(cid):
            yield make_finding("malformed_cid", where.smelter_row(s.row),
                               f"Smelter ID {cid!r} is not a CID (CID + 6 digits) nor an old-style ID")
        elif OLD_ID_RE.match(cid) and parse_old_id(cid) is None:
            yield make_finding("malformed_cid", where.smelter_row(s.row),
                               f"Old-style smelter ID {cid!r}: {cid[1:4]} is no ISO 3166 alpha-3 country code")
        if _is_not_yet_identified(s, layout):
            continue
        metal = (s.metal or "").casefold()
        if CID_RE.match(cid):
            key: tuple[str, ...] = (metal, cid)
        else:
            name = _text(s.name if _given(s.name) else s.lookup).casefold()
            if not name or name == NOT_LISTED:
                continue
            key = (metal, name, _text(s.country).casefold())
        rows_by_key.setdefault(key, []).append(s.row)
    for key, rows in rows_by_key.items():
        if len(rows) < 2:
            continue
        repeats = rows[1:]
        shown = ", ".join(str(r) for r in repeats[:10]) + (f" (+{len(repeats) - 10} more)" if len(repeats) > 10 else "")
        what = " / ".join(k for k in key if k)
        lead = f"Row {shown} repeats" if len(repeats) == 1 else f"Rows {shown} repeat"
        yield make_finding("duplicate_smelter_row", where.smelter_row(repeats[0]),
                           f"{lead} row {rows[0]} ({what})")


def _identified_all_question(layout: Layout) -> Question | None:
    return _role(layout, "smelters_identified")


def _explanation_findings(decl: Declaration, layout: Layout, where: _Where) -> Iterable[Finding]:
    """Answers the template's instructions require to be explained ("If 'Yes', please describe how you manage
    your corrective action process") given without a comment."""
    for q in layout.company_questions:
        if not q.explain_when:
            continue
        ans = decl.company_answers.get(q.letter)
        if ans is None or not _given(ans.answer):
            continue
        text = _text(ans.answer).casefold()
        if not any(text.startswith(w.casefold()) for w in q.explain_when):
            continue
        comment = _text(ans.comment)
        if q.role == "policy_public":
            comment = comment or _policy_url(decl)
        if len(comment) > 1:
            continue
        loc = where.company_question(q.letter).replace(f"!{layout.answer_column}", f"!{layout.comment_column}")
        yield make_finding("answer_not_explained", loc,
                           f"Question {q.letter} is {_text(ans.answer)!r} but its comment is empty; the template's "
                           f"instructions ask for {q.explain_what or 'an explanation'}")


def _answer_value_findings(decl: Declaration, layout: Layout, where: _Where) -> Iterable[Finding]:
    for q in layout.questions:
        if not q.allowed:
            continue
        allowed = {a.strip().casefold() for a in q.allowed}
        for metal, row in _metal_rows(layout, q, decl):
            value = _answer(decl, q.qid, metal)
            if _given(value) and _text(value).casefold() not in allowed:
                yield make_finding("unknown_answer_value", where.answer(q, metal, row),
                                   f"{q.qid} for {metal}: {_text(value)!r} is not one of {', '.join(q.allowed)}")
    for cq in layout.company_questions:
        ans = decl.company_answers.get(cq.letter)
        if ans is None or not _given(ans.answer) or not cq.allowed:
            continue
        if _text(ans.answer).casefold() not in {a.strip().casefold() for a in cq.allowed}:
            yield make_finding("unknown_answer_value", where.company_question(cq.letter),
                               f"Question {cq.letter}: {_text(ans.answer)!r} is not one of {', '.join(cq.allowed)}")
    if _given(decl.company.scope_text) and decl.company.scope is None and layout.scopes:
        yield make_finding("unknown_answer_value", where.company("scope"),
                           f"Declaration scope {_text(decl.company.scope_text)!r} is not one of the template's scopes")


def _template_findings(decl: Declaration, layout: Layout | None, policy: ValidationPolicy) -> Iterable[Finding]:
    t = decl.template
    if layout is None or checker_style(t.kind, t.version) is None:
        yield make_finding("unknown_version", decl.file.name,
                           f"Template {t.kind} revision {t.version or '?'} is not recognised; the Checker could not be "
                           "reproduced")
    if not t.layout_verified:
        yield make_finding("layout_unverified", decl.file.name,
                           f"{t.kind} {t.version or ''} was read with a layout derived without a sample workbook")
    minimum = policy.min_version(t.kind)
    if minimum and t.version and version_order(t.version) < version_order(minimum):
        yield make_finding("stale_template_version", decl.file.name,
                           f"{t.kind} revision {t.version} is older than the accepted minimum {minimum}")


_EXCEL_ERRORS = ("#VALUE!", "#REF!", "#N/A", "#NAME?", "#DIV/0!", "#NUM!", "#NULL!")


def _workbook_checker_error(decl: Declaration, layout: Layout, total: int | None) -> Finding | None:
    """A finding when the workbook's own Checker total cannot be read as a count: an Excel error (the 2.00/2.01
    template's broken formula), or a negative number (2.0x's required − completed when more is answered than
    required). Our count is the missing required fields, never negative."""
    if not layout.checker_sheet or not layout.checker_total_cell:
        return None
    loc = f"{layout.checker_sheet}!{layout.checker_total_cell}"
    raw = decl.workbook_checker
    number = _workbook_number(raw)
    ours = f"minetrace counts {total} missing required field(s)" if total is not None else ""
    if isinstance(raw, str) and raw.strip().upper() in _EXCEL_ERRORS:
        return make_finding("workbook_checker_error", loc, f"The workbook's Checker total is {raw.strip()}; {ours}")
    if number is None and layout.checker_broken:
        return make_finding("workbook_checker_error", loc,
                            f"The workbook's Checker total cannot be a count: {layout.checker_broken}; {ours}")
    if number is not None and number < 0:
        d2 = f"{number:g}"
        return make_finding("workbook_checker_error", loc,
                            f"The workbook's Checker total is {d2}: its formula subtracts the fields answered from a "
                            f"fixed number required, so answers the template does not require push it below zero; "
                            f"{ours}")
    return None


def _workbook_number(value: Any) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    try:
        return float(str(value).strip())
    except ValueError:
        return None


# ----------------------------------------------------------------------------------------------
# entry point
# ----------------------------------------------------------------------------------------------


@dataclass
class _Collector:
    findings: list[Finding]
    keys: set[tuple[str, str, str]] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.keys = {(f.code, f.location, f.message) for f in self.findings}

    def add(self, finding: Finding) -> None:
        key = (finding.code, finding.location, finding.message)
        if key not in self.keys:
            self.keys.add(key)
            self.findings.append(finding)


def validate(decl: Declaration, policy: ValidationPolicy | None = None) -> None:
    """Validate `decl` in place: append findings, set `checker_missing` and `status`."""
    policy = policy or DEFAULT_POLICY
    # one severity per code, whoever emitted it (the reader's findings included)
    decl.findings[:] = [with_catalogue_severity(f) for f in decl.findings]
    out = _Collector(decl.findings)
    layout = _resolve_layout(decl)
    for f in _template_findings(decl, layout, policy):
        if f.code == "layout_unverified" and any(x.code == "layout_unverified" for x in decl.findings):
            continue
        out.add(f)
    if layout is not None:
        where = _Where(layout, decl)
        total, items = checker(decl, layout)
        decl.checker_missing = total
        for item in items:
            out.add(make_finding(item.code, item.location, item.message))
        for f in _email_findings(decl, where):
            out.add(f)
        for f in _date_findings(decl, layout, where, policy):
            out.add(f)
        for f in _answer_value_findings(decl, layout, where):
            out.add(f)
        for f in _smelter_findings(decl, layout, where):
            out.add(f)
        for f in _explanation_findings(decl, layout, where):
            out.add(f)
        cached = _workbook_number(decl.workbook_checker)
        broken = _workbook_checker_error(decl, layout, total)
        if broken is not None:
            out.add(broken)
        elif total is not None and cached is not None and cached != total:
            loc = f"{layout.checker_sheet or 'Checker'}!{layout.checker_total_cell}"
            out.add(make_finding("checker_mismatch", loc,
                                 f"Our Checker counts {total} missing item(s); the workbook's cached "
                                 f"{layout.checker_total_cell} says {decl.workbook_checker!r} (meaningful only if "
                                 "Excel computed the file)"))
    else:
        decl.checker_missing = None
    decl.status = "invalid" if any(f.severity == "error" for f in decl.findings) else "valid"
