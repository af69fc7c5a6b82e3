"""Write CMRT 6.x-layout workbooks with openpyxl: test fixtures, demo data, synthetic programs
and the consolidated-CMRT export all come out of here.

Why one writer: every test fixture, the synthetic supply chain and the company's own consolidated
CMRT must look like what the RMI template produces — same sheet names (hidden ones hidden), same
cells, same answer lists, same Smelter List columns — or the reader is tested against a fiction.
Every address comes from the layout table `ingest.layouts.cmrt6.CMRT_6`; the few fixed cells that
are not data (title, version, hidden answer lists) are named constants below.

Three kinds of cell content, as suppliers' files have them: plain values (the default — look-ups
pasted over, like a real 6.4 file), formulas *with* the values Excel cached (`cached_formulas=True`,
patched into the saved XML — like a file whose look-ups were never pasted over) and formulas with no
cached values at all (`formulas_without_cache=True` — a script-generated file never opened in Excel).

The consolidated export patches a copy of the user's blank RMI template at the XML level
(`patch_xlsx`), so every part of the RMI file other than the cells written stays as shipped.

Public API: `CmrtSpec`, `SmelterSpec`, `ProductSpec`, `Facility`, `write_cmrt(spec, path, ...)`,
`complete_spec(...)` (a valid, Checker-clean form to start from), `write_consolidated_cmrt(...)`,
`patch_xlsx(...)`, `CachedFormula`.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import date, datetime
from pathlib import Path
from typing import Any

import openpyxl
import pycountry
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from minetrace.ingest.layouts import version_order
from minetrace.ingest.layouts.cmrt6 import CMRT_6, Q6_ANSWERS, YES_NO_UNKNOWN
from minetrace.ingest.layouts.model import Layout

TITLE = "Conflict Minerals Reporting Template (CMRT)"

#: revision → release date as printed in Declaration!J3 / Smelter List!Q3
VERSION_DATES: dict[str, str] = {
    "6.01": "May 19, 2020",
    "6.1": "April 28, 2021",
    "6.22": "May 11, 2022",
    "6.31": "May 26, 2023",
    "6.4": "April 26, 2024",
    "6.5": "April 25, 2025",
}
VERSIONS: tuple[str, ...] = tuple(VERSION_DATES)

SHEETS: tuple[str, ...] = ("Revision", "Instructions", "Definitions", "Declaration", "Smelter List", "Checker",
                           "Product List", "Smelter Look-up", "L", "C", "SorP")
HIDDEN_SHEETS: frozenset[str] = frozenset({"L", "C", "SorP"})

LANGUAGES: tuple[str, ...] = ("English", "中文 Chinese", "日本語 Japanese", "한국어 Korean", "Français", "Português",
                              "Deutsch", "Español", "Italiano", "Türkçe")
NOT_LISTED = "Smelter not listed"
NOT_YET_IDENTIFIED = "Smelter not yet identified"
E_ANSWERS = ("Yes, in conformance with IPC1755 (e.g., CMRT)", "Yes, using other format (describe)", "No")
H_ANSWERS = ("Yes, with the SEC", "Yes, with the EU", "Yes, with the SEC and the EU", "No")

#: hidden answer-list cells on the Declaration (rows 96–119 are hidden in the template)
ANSWER_LIST_ROWS = (96, 119)
_LIST_CELLS: dict[str, str] = {
    "yes_no": "$B$96:$B$97",
    "yes_no_unknown": "$B$96:$B$98",
    "q6": "$B$99:$B$104",
    "e": "$B$105:$B$107",
    "h": "$B$108:$B$111",
}
_LIST_VALUES: tuple[Any, ...] = ("Yes", "No", "Unknown", *Q6_ANSWERS, *E_ANSWERS, *H_ANSWERS)

_COMPANY_LABELS_EN: dict[str, str] = {
    "name": "Company Name (*):",
    "scope": "Declaration Scope or Class (*):",
    "scope_description": "Description of Scope:",
    "unique_id": "Company Unique ID:",
    "unique_id_authority": "Company Unique ID Authority:",
    "address": "Address:",
    "contact_name": "Contact Name (*):",
    "contact_email": "Email – Contact (*):",
    "contact_phone": "Phone – Contact (*):",
    "authorizer_name": "Authorizer (*):",
    "authorizer_title": "Title - Authorizer:",
    "authorizer_email": "Email - Authorizer (*):",
    "authorizer_phone": "Phone - Authorizer:",
    "effective_date": "Effective Date (*):",
}
_COMPANY_LABELS_ZH: dict[str, str] = {
    "name": "公司名称 (*):",
    "scope": "申报范围或种类 (*):",
    "scope_description": "范围描述:",
    "unique_id": "公司唯一识别码:",
    "unique_id_authority": "公司唯一识别码授权机构:",
    "address": "地址:",
    "contact_name": "联系人姓名 (*):",
    "contact_email": "电子邮件 – 联系人 (*):",
    "contact_phone": "电话 – 联系人 (*):",
    "authorizer_name": "授权人 (*):",
    "authorizer_title": "职务 - 授权人:",
    "authorizer_email": "电子邮件 - 授权人 (*):",
    "authorizer_phone": "电话 - 授权人:",
    "effective_date": "生效日期 (*):",
}
_METALS_ZH = {"Tantalum": "钽", "Tin": "锡", "Gold": "金", "Tungsten": "钨"}

SMELTER_HEADERS_EN: dict[str, str] = {
    "input_cid": "Smelter Identification Number Input Column",
    "metal": "Metal (*)",
    "lookup": "Smelter Look-up (*)",
    "name": "Smelter Name (1)",
    "country": "Smelter Country (*)",
    "cid": "Smelter Identification",
    "id_source": "Source of Smelter Identification Number",
    "street": "Smelter Street",
    "city": "Smelter City",
    "state": "Smelter Facility Location: State / Province",
    "contact_name": "Smelter Contact Name",
    "contact_email": "Smelter Contact Email",
    "next_steps": "Proposed next steps, if applicable",
    "mine_names": "Name of Mine(s) or if recycled or scrap sourced, enter \"recycled\" or \"scrap\"",
    "mine_countries": "Location (Country) of Mine(s) or if recycled or scrap sourced, enter \"recycled\" or \"scrap\"",
    "recycled": "Does 100% of the smelter's feedstock originate from recycled or scrap sources?",
    "comments": "Comments",
    "standard_name": "Standard Smelter Name",
    "country_code": "Country Code",
}
LOOKUP_HEADERS: tuple[str, ...] = ("Metal", "Smelter Look-up (*)", "Standard Smelter Names", "Country",
                                   "Smelter ID", "Source", "Street", "City", "State/Province", "METAL+Alias", "Key")


@dataclass
class SmelterSpec:
    """One Smelter List row. Field names are `SmelterRow`'s; `cells` overrides any column by letter
    (e.g. {"F": "12 Main Street"} to fake a column shift)."""

    metal: str | None = None
    lookup: str | None = None
    name: str | None = None
    country: str | None = None
    cid: str | None = None
    input_cid: str | None = None
    id_source: str | None = None
    street: str | None = None
    city: str | None = None
    state: str | None = None
    contact_name: str | None = None
    contact_email: str | None = None
    next_steps: str | None = None
    mine_names: str | None = None
    mine_countries: str | None = None
    recycled: str | None = None
    comments: str | None = None
    standard_name: str | None = None
    country_code: str | None = None
    cells: dict[str, Any] = field(default_factory=dict)
    row: int | None = None  # sheet row; None = next free row

    @classmethod
    def listed(cls, facility: Facility, **extra: Any) -> SmelterSpec:
        """A row as Option B fills it: metal + look-up chosen, the rest auto-filled from the Look-up."""
        data: dict[str, Any] = {"street": facility.street, "city": facility.city, "state": facility.state}
        data.update(extra)
        return cls(metal=facility.metal, lookup=facility.name, name=facility.name, country=facility.country,
                   cid=facility.cid, id_source="RMI", standard_name=facility.name, **data)

    @classmethod
    def not_listed(cls, metal: str, name: str | None, country: str | None, **extra: Any) -> SmelterSpec:
        return cls(metal=metal, lookup=NOT_LISTED, name=name, country=country, **extra)

    @classmethod
    def not_yet_identified(cls, metal: str, **extra: Any) -> SmelterSpec:
        return cls(metal=metal, lookup=NOT_YET_IDENTIFIED, name="Unknown", country="Unknown", **extra)


@dataclass
class ProductSpec:
    number: str | None
    name: str | None = None
    comment: str | None = None


@dataclass(frozen=True)
class Facility:
    """A smelter/refiner as a reference list gives it (used for Look-up sheets and synthetic rows).
    `cid` may be None for a facility known only by name (e.g. from an old report's appendix)."""

    cid: str | None
    metal: str
    name: str
    country: str
    street: str | None = None
    city: str | None = None
    state: str | None = None


@dataclass
class CmrtSpec:
    """Everything a supplier types into a CMRT 6.x. Keys are the record names: `company` uses
    `CompanyInfo` attributes (scope as "A"/"B"/"C" or the full text), `answers` is
    question id → metal → value, `company_answers` is letter → value."""

    company: dict[str, Any] = field(default_factory=dict)
    answers: dict[str, dict[str, Any]] = field(default_factory=dict)
    comments: dict[str, dict[str, str]] = field(default_factory=dict)
    company_answers: dict[str, Any] = field(default_factory=dict)
    company_comments: dict[str, str] = field(default_factory=dict)
    policy_url: str | None = None
    smelters: list[SmelterSpec] = field(default_factory=list)
    products: list[ProductSpec] = field(default_factory=list)
    language: str = "English"
    #: cached value for Checker!D2 (e.g. "0" or 3) as Excel would leave it; None = none
    checker_d2: Any = None
    #: raw overrides, "Sheet!A1" or "A1" (Declaration) → value, written last
    cells: dict[str, Any] = field(default_factory=dict)


def version_text(version: str) -> str:
    if version not in VERSION_DATES:
        raise ValueError(f"unknown CMRT version {version!r}; choose one of {', '.join(VERSIONS)}")
    return f"Revision {version}\n{VERSION_DATES[version]}"


def scope_text(scope: str | None, layout: Layout = CMRT_6) -> str | None:
    """Full dropdown text for a scope letter ("B" → "B. Product (or List of Products)")."""
    if scope is None:
        return None
    for text, letter in layout.scopes:
        if scope == letter:
            return text
    return scope


def complete_spec(
    company_name: str = "Acme Components Ltd.",
    metals: Sequence[str] = ("Tantalum", "Tin", "Gold", "Tungsten"),
    smelters: Iterable[SmelterSpec] | None = None,
    scope: str | None = "A",  # None leaves the scope cell empty (a planted defect)
    products: Iterable[ProductSpec] | None = None,
    effective_date: date = date(2025, 6, 30),
    email_domain: str = "example.com",
) -> CmrtSpec:
    """A form the RMI Checker counts as complete (D2 = "0") when `smelters` covers every metal in
    `metals`: Q1/Q2 "Yes" for the metals in scope and "No" for the others, every question and
    company question answered, the policy URL given, a product when scope is B."""
    spec = CmrtSpec(
        company={
            "name": company_name,
            "scope": scope,
            "scope_description": "All products" if scope == "C" else None,
            "address": "1 Example Road, Springfield",
            "contact_name": "Alex Contact",
            "contact_email": f"alex.contact@{email_domain}",
            "contact_phone": "+1 555 0100",
            "authorizer_name": "Sam Authorizer",
            "authorizer_title": "Head of Compliance",
            "authorizer_email": f"sam.authorizer@{email_domain}",
            "authorizer_phone": "+1 555 0101",
            "effective_date": effective_date,
        },
        smelters=list(smelters or []),
        products=list(products or ([ProductSpec("P-1000", "Widget")] if scope == "B" else [])),
        policy_url=f"https://www.{email_domain}/responsible-minerals-policy",
    )
    defaults = {"Q3": "No", "Q4": "No", "Q5": "No", "Q6": "100%", "Q7": "Yes", "Q8": "Yes"}
    for metal in CMRT_6.metals:
        used = metal in metals
        spec.answers.setdefault("Q1", {})[metal] = "Yes" if used else "No"
        spec.answers.setdefault("Q2", {})[metal] = "Yes" if used else "No"
        if used:
            for qid, value in defaults.items():
                spec.answers.setdefault(qid, {})[metal] = value
    spec.company_answers = {"A": "Yes", "B": "Yes", "C": "Yes", "D": "Yes", "E": E_ANSWERS[0], "F": "Yes",
                            "G": "Yes", "H": "No"}
    return spec


# ----------------------------------------------------------------------------------------------
# writing
# ----------------------------------------------------------------------------------------------

_INJECTION_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def _put(ws: Worksheet, ref: str, value: Any, neutralise: bool = False) -> None:
    if value is None:
        return
    if isinstance(value, datetime):
        value = value.replace(tzinfo=None)
    cell = ws[ref]
    cell.value = value
    if isinstance(value, date):
        cell.number_format = "dd-mmm-yyyy"
    if neutralise and isinstance(value, str) and value.startswith(_INJECTION_PREFIXES):
        cell.data_type = "s"  # stored as text: Excel shows it, never evaluates it


def _column_map(layout: Layout) -> dict[str, str]:
    assert layout.smelters is not None
    return dict(layout.smelters.columns)


def _write_declaration(ws: Worksheet, spec: CmrtSpec, version: str, layout: Layout, chinese: bool) -> None:
    ws["D2"] = TITLE
    ws["I3"] = "Revision" if not chinese else "修订"
    ws["J3"] = version_text(version)
    ws["B3"] = "Select Your Language Preference Here:" if not chinese else "请在此选择您的语言偏好:"
    ws["D3"] = spec.language
    ws["P3"] = LANGUAGES.index(spec.language) + 1 if spec.language in LANGUAGES else 1
    ws["B6"] = ("Company Information" if not chinese else "公司信息")
    labels = _COMPANY_LABELS_ZH if chinese else _COMPANY_LABELS_EN
    for field_name, ref in layout.company_cells:
        ws[f"B{ws[ref].row}"] = labels.get(field_name, field_name)
    for i, (text, _letter) in enumerate(layout.scopes):
        ws.cell(row=9, column=16 + i, value=text)  # P9:R9, the scope dropdown source
    company = dict(spec.company)
    if "scope" in company:
        company["scope"] = scope_text(company["scope"], layout)
    for field_name, ref in layout.company_cells:
        _put(ws, ref, company.get(field_name))
    # questions
    for q in layout.questions:
        ws[f"B{q.row}"] = f"{q.qid[1:]}) {q.text}"
        for i, metal in enumerate(layout.metals):
            row = q.row + 1 + i
            label = _METALS_ZH[metal] if chinese else metal
            ws[f"B{row}"] = f"{label} (*)"
            _put(ws, f"{layout.answer_column}{row}", spec.answers.get(q.qid, {}).get(metal))
            _put(ws, f"{layout.comment_column}{row}", spec.comments.get(q.qid, {}).get(metal))
    for cq in layout.company_questions:
        ws[f"B{cq.row}"] = f"{cq.letter}. {cq.text} (*)"
        _put(ws, f"{layout.answer_column}{cq.row}", spec.company_answers.get(cq.letter))
        _put(ws, f"{layout.comment_column}{cq.row}", spec.company_comments.get(cq.letter))
    if layout.policy_url_cell:
        _put(ws, layout.policy_url_cell, spec.policy_url)
    # hidden answer lists + validations
    for i, value in enumerate(_LIST_VALUES):
        cell = ws.cell(row=ANSWER_LIST_ROWS[0] + i, column=2, value=value)
        if value == "100%" and version in {"6.01", "6.1", "6.22"}:
            cell.value, cell.number_format = 1, "0%"  # ≤ 6.22 keeps "100%" as the number 1
    for r in range(ANSWER_LIST_ROWS[0], ANSWER_LIST_ROWS[1] + 1):
        ws.row_dimensions[r].hidden = True
    for col in ("L", "M", "P", "Y"):
        ws.column_dimensions[col].hidden = True
    _add_list(ws, "$P$9:$R$9", "D9")
    _add_list(ws, '"' + ",".join(LANGUAGES) + '"', "D3")
    for q in layout.questions:
        source = _LIST_CELLS["q6"] if q.allowed == Q6_ANSWERS else (
            _LIST_CELLS["yes_no_unknown"] if q.allowed == YES_NO_UNKNOWN else _LIST_CELLS["yes_no"])
        _add_list(ws, source, f"D{q.row + 1}:D{q.row + len(layout.metals)}")
    for cq in layout.company_questions:
        source = _LIST_CELLS["e"] if cq.letter == "E" else _LIST_CELLS["h"] if cq.letter == "H" else _LIST_CELLS[
            "yes_no"]
        _add_list(ws, source, f"D{cq.row}")
    ws["B90"] = "Click here to check required fields completion"
    ws["H67"] = "Click here to enter smelter names"


def _add_list(ws: Worksheet, formula: str, ref: str) -> None:
    dv = DataValidation(type="list", formula1=formula, allow_blank=True)  # stored without "=" (as Excel does)
    dv.add(ref)
    ws.add_data_validation(dv)


def _smelter_values(s: SmelterSpec | Mapping[str, Any], columns: dict[str, str]) -> dict[str, Any]:
    if isinstance(s, Mapping):
        data = {k: v for k, v in s.items() if k in columns}
        cells = dict(s.get("cells", {}) or {})
    else:
        data = {f.name: getattr(s, f.name) for f in fields(s) if f.name in columns}
        cells = dict(s.cells)
    out = {columns[k]: v for k, v in data.items() if v is not None}
    out.update(cells)
    return out


def _row_formulas(r: int) -> dict[str, str]:
    """The template's per-row formulas (6.4/6.5), for pre-filled empty rows and Option A rows."""
    lk = "'Smelter Look-up'"
    return {
        "B": f'=IF(LEN(A{r})=0,"",INDEX({lk}!$A:$A,MATCH($A{r},{lk}!$E:$E,0)))',
        "C": f'=IF(LEN(A{r})=0,"",INDEX({lk}!$C:$C,MATCH($A{r},{lk}!$E:$E,0)))',
        "E": f'=IF(ISERROR($V{r}),"",OFFSET({lk}!$D$4,$V{r}-4,0)&"")',
        "F": f'=IF(ISERROR($V{r}),"",OFFSET({lk}!$E$4,$V{r}-4,0))',
        "G": f'=IF(C{r}=$X$4,IF(ISERROR($V{r}),"Enter smelter details","RMI"),IF(ISERROR($V{r}),"",'
             f'OFFSET({lk}!$F$4,$V{r}-4,0)))',
        "H": f'=IF(ISERROR($V{r}),"",OFFSET({lk}!$G$4,$V{r}-4,0))',
        "I": f'=IF(ISERROR($V{r}),"",OFFSET({lk}!$H$4,$V{r}-4,0))',
        "J": f'=IF(ISERROR($V{r}),"",OFFSET({lk}!$I$4,$V{r}-4,0))',
        "R": f'=IF(ISERROR($V{r}),"",OFFSET({lk}!$C$4,$V{r}-4,0)&"")',
        "V": f'=IF(C{r}="",NA(),IF(OR(C{r}="Smelter not listed",C{r}="Smelter not yet identified"),'
             f'MATCH($B{r}&$D{r},{lk}!$J:$J,0),MATCH($B{r}&$C{r},{lk}!$J:$J,0)))',
        "X": f'=IF(AND(C{r}="Smelter not listed",OR(LEN(D{r})=0,LEN(E{r})=0)),1,0)',
        "AB": f"=B{r}&C{r}",
    }


def _write_smelter_list(ws: Worksheet, rows: Sequence[SmelterSpec | Mapping[str, Any]], version: str, layout: Layout,
                        formulas_without_cache: bool, prefill_rows: int, neutralise: bool = False) -> None:
    assert layout.smelters is not None
    table = layout.smelters
    columns = _column_map(layout)
    ws["B2"] = "Smelter List"
    ws["Q3"] = version_text(version)
    for name, letter in table.columns:
        ws[f"{letter}{table.header_row}"] = SMELTER_HEADERS_EN.get(name, name)
    for i, metal in enumerate(("Tantalum", "Tin", "Tungsten", "Gold")):
        ws.cell(row=3, column=23 + i, value=metal)  # W3:Z3
    ws["W4"], ws["X4"] = NOT_YET_IDENTIFIED, "Smelter Not Listed"
    for i, v in enumerate(YES_NO_UNKNOWN):
        ws[f"AH{2 + i}"] = v
    for col in ("R", "S", "U", "V", "W", "X", "Y", "AB", "AC", "AH"):
        ws.column_dimensions[col].hidden = True
    next_row = table.first_row
    used: set[int] = set()
    for spec in rows:
        explicit = spec.get("row") if isinstance(spec, Mapping) else spec.row
        r = explicit or next_row
        values = _smelter_values(spec, columns)
        if formulas_without_cache:
            formulas = _row_formulas(r)
            if values.get("A") and not values.get("B"):
                values.setdefault("B", formulas["B"])
                values.setdefault("C", formulas["C"])
            values.setdefault("AB", formulas["AB"])
        for letter, value in values.items():
            _put(ws, f"{letter}{r}", value, neutralise=neutralise)
        used.add(r)
        next_row = max(next_row, r + 1)
    if prefill_rows:
        for r in range(table.first_row, table.first_row + prefill_rows):
            if r in used:
                continue
            for letter, formula in _row_formulas(r).items():
                if letter in {"E", "F", "V", "X", "AB"}:
                    ws[f"{letter}{r}"] = formula
    metals = '"Tantalum,Tin,Gold,Tungsten"'
    _add_list(ws, metals, f"B{table.first_row}:B{table.last_row}")
    _add_list(ws, '"' + ",".join(YES_NO_UNKNOWN) + '"', f"P{table.first_row}:P{table.last_row}")


def _write_checker(ws: Worksheet, spec: CmrtSpec, formulas_without_cache: bool) -> None:
    ws["A2"] = "Click here to return to Declaration tab"
    ws["F3"], ws["G3"], ws["H3"] = "necessary?", "complete?", "incomplete"
    ws["A65"], ws["A66"], ws["A67"], ws["A68"] = (f"Smelter List - {m}" for m in ("Tantalum", "Tin", "Gold",
                                                                                   "Tungsten"))
    ws["A69"] = 'All rows with "Smelter not listed" selected, have a name and country listed'
    if formulas_without_cache:
        ws["D2"] = '=IF(H70=0,"0",H70)'
        ws["H70"] = "=SUM(H4:H69)"
    elif spec.checker_d2 is not None:
        ws["D2"] = spec.checker_d2


def _write_products(ws: Worksheet, products: Sequence[ProductSpec], version: str, layout: Layout) -> None:
    assert layout.products is not None
    t = layout.products
    who = "Responder's" if version_order(version) >= version_order("6.5") else "Manufacturer's"
    cols = dict(t.columns)
    ws[f"{cols['number']}{t.header_row}"] = f"{who} Product Number (*)"
    ws[f"{cols['name']}{t.header_row}"] = f"{who} Product Name"
    ws[f"{cols['comment']}{t.header_row}"] = "Comments"
    for i, p in enumerate(products):
        r = t.first_row + i
        _put(ws, f"{cols['number']}{r}", p.number)
        _put(ws, f"{cols['name']}{r}", p.name)
        _put(ws, f"{cols['comment']}{r}", p.comment)
    ws[f"B{t.last_row + 1}"] = "© 2025 Responsible Minerals Initiative. All rights reserved."


def _write_lookup(ws: Worksheet, facilities: Iterable[Facility]) -> None:
    ws["A1"] = "The Smelter Look-up tab lists the smelters and refiners known to the RMI (with their aliases)."
    for i, h in enumerate(LOOKUP_HEADERS, start=1):
        ws.cell(row=4, column=i, value=h)
    r = 5
    rows = sorted(facilities, key=lambda f: (f.metal, f.name))
    for f in rows:
        for i, v in enumerate((f.metal, f.name, f.name, f.country, f.cid, "RMI", f.street, f.city, f.state,
                               f.metal + f.name, f"{f.metal}{r}"), start=1):
            if v is not None:
                ws.cell(row=r, column=i, value=v)
        r += 1
    for metal in ("Gold", "Tantalum", "Tin", "Tungsten"):
        for special in (NOT_LISTED, NOT_YET_IDENTIFIED):
            unknown = "Unknown" if special == NOT_YET_IDENTIFIED else None
            for i, v in enumerate((metal, special, unknown, unknown, None, None, None, None, None, metal + special),
                                  start=1):
                if v is not None:
                    ws.cell(row=r, column=i, value=v)
            r += 1


def _write_hidden(wb: openpyxl.Workbook, lean: bool = False) -> None:
    lsheet = wb["L"]
    for i, h in enumerate(("Key", "Sheet", "Cell", *LANGUAGES), start=1):
        lsheet.cell(row=1, column=i, value=h)
    for i, (field_name, ref) in enumerate(CMRT_6.company_cells, start=2):
        row = int(ref[1:])
        lsheet.cell(row=i, column=1, value=f"DeclarationB{row}")
        lsheet.cell(row=i, column=2, value="Declaration")
        lsheet.cell(row=i, column=3, value=f"B{row}")
        lsheet.cell(row=i, column=4, value=_COMPANY_LABELS_EN[field_name])
        lsheet.cell(row=i, column=5, value=_COMPANY_LABELS_ZH[field_name])
    csheet = wb["C"]
    csheet["A1"], csheet["B1"] = "Code", "Country"
    countries = sorted(pycountry.countries, key=lambda c: c.name)
    for i, c in enumerate(() if lean else countries, start=2):
        csheet.cell(row=i, column=1, value=c.alpha_2)
        csheet.cell(row=i, column=2, value=c.name.upper())
    sorp = wb["SorP"]
    sorp["A1"], sorp["B1"], sorp["C1"] = "subdivision_code", "subdivision_name", "matching_key"
    last = len(countries) + 1
    for name, ref in (("CL", f"'C'!$B$2:$B${last}"), ("LN", "L!$D$1:$M$1"), ("SL", "Declaration!$P$3"),
                      ("SmelterIdetifiedForMetal", "'Smelter List'!$B$5:$B$2504")):
        wb.defined_names[name] = DefinedName(name, attr_text=ref)


def write_cmrt(
    spec: CmrtSpec,
    path: str | Path,
    version: str = "6.5",
    *,
    formulas_without_cache: bool = False,
    facilities: Iterable[Facility] = (),
    prefill_rows: int = 0,
    layout: Layout = CMRT_6,
    reproducible: bool = True,
    lean: bool = False,
    cached_formulas: bool = False,
) -> Path:
    """Write `spec` as a CMRT `version` (6.01 … 6.5) workbook at `path`; returns the path.

    formulas_without_cache: write the template's formulas (Smelter List B/C INDEX/MATCH for rows
    given only a column-A CID, AB = B&C, Checker D2) with no cached values — as a script-generated
    file would. facilities: rows of the Smelter Look-up sheet. prefill_rows: pre-fill that many
    empty Smelter List rows with the template's formulas (the 2,500-row trap). reproducible: the
    same spec gives the same bytes (fixed timestamps). lean: leave the hidden country list empty
    (≈ 2× faster; for mass-generated benchmark programs). cached_formulas: write the template's
    look-up formulas *with* the values Excel computed — Smelter List B/C (rows given a column-A CID),
    E–J and R of look-up rows (empty look-ups cached as the number 0, as Excel leaves them) and
    Checker!D2 (`spec.checker_d2`) — like a real file whose formulas were never pasted over.
    """
    version_text(version)  # validates the version
    chinese = spec.language.startswith("中文")
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name in SHEETS:
        ws = wb.create_sheet(name)
        if name in HIDDEN_SHEETS:
            ws.sheet_state = "hidden"
    wb["Revision"]["A1"] = f"Revision {version}"
    wb["Revision"]["A2"] = f"Released {VERSION_DATES[version]}"
    wb["Instructions"]["A1"] = "Instructions: complete the Declaration, Smelter List and (scope B) Product List tabs."
    wb["Definitions"]["A1"] = "Definitions"
    _write_declaration(wb["Declaration"], spec, version, layout, chinese)
    _write_smelter_list(wb["Smelter List"], spec.smelters, version, layout, formulas_without_cache, prefill_rows)
    _write_checker(wb["Checker"], spec, formulas_without_cache)
    _write_products(wb["Product List"], spec.products, version, layout)
    _write_lookup(wb["Smelter Look-up"], facilities)
    _write_hidden(wb, lean=lean)
    for ref, value in spec.cells.items():
        sheet, _, cell = ref.rpartition("!")
        _put(wb[sheet.strip("'") or "Declaration"], cell, value)
    wb.active = wb.sheetnames.index("Declaration")
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    wb.save(out)
    if cached_formulas:
        patch_xlsx(out, out, _cached_formula_plan(spec, layout), recalc=False)
    if reproducible:
        make_reproducible(out)
    return out


#: look-up columns whose formula has no `&""`: an empty look-up is cached as the number 0
_ZERO_WHEN_EMPTY = frozenset({"F", "G", "H", "I", "J"})


def _cached_formula_plan(spec: CmrtSpec, layout: Layout) -> dict[str, dict[str, Any]]:
    assert layout.smelters is not None
    columns = _column_map(layout)
    cells: dict[str, Any] = {}
    next_row = layout.smelters.first_row
    for s in spec.smelters:
        r = s.row or next_row
        next_row = max(next_row, r + 1)
        values = _smelter_values(s, columns)
        formulas = _row_formulas(r)
        if values.get("A"):
            for letter in ("B", "C"):
                cells[f"{letter}{r}"] = CachedFormula(formulas[letter], values.get(letter, ""))
        lookup = str(values.get("C") or "").strip().casefold()
        if lookup and lookup not in {NOT_LISTED.casefold(), NOT_YET_IDENTIFIED.casefold()}:
            for letter in ("E", "F", "G", "H", "I", "J", "R"):
                value = values.get(letter)
                if value is None or value == "":
                    value = 0 if letter in _ZERO_WHEN_EMPTY else ""
                cells[f"{letter}{r}"] = CachedFormula(formulas[letter], value)
    plan: dict[str, dict[str, Any]] = {layout.smelters.sheet: cells}
    if spec.checker_d2 is not None:
        plan["Checker"] = {"D2": CachedFormula('IF(H70=0,"0",H70)', spec.checker_d2)}
    return plan


#: the timestamp reproducible files carry (zip entries and docProps/core.xml)
FIXED_TIME = (2025, 1, 1, 0, 0, 0)
_CORE_TIMES = re.compile(rb"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:\2>)")


def make_reproducible(path: str | Path) -> None:
    """Rewrite an .xlsx so the same content gives the same bytes (fixed zip and core.xml times)."""
    path = Path(path)
    with zipfile.ZipFile(path) as zin:
        entries = [(info, zin.read(info)) for info in zin.infolist()]
    stamp = datetime(*FIXED_TIME).strftime("%Y-%m-%dT%H:%M:%SZ")
    tmp = path.with_suffix(path.suffix + ".tmp")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zout:
        for info, data in entries:
            if info.filename == "docProps/core.xml":
                data = _CORE_TIMES.sub(lambda m: m.group(1) + stamp.encode() + m.group(3), data)
            fixed = zipfile.ZipInfo(info.filename, date_time=FIXED_TIME)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = info.external_attr
            zout.writestr(fixed, data)
    tmp.replace(path)


_CLEAR = object()  # marker: empty this cell (drop the template's formula)


def _consolidated_plan(rows: Sequence[SmelterSpec | Mapping[str, Any]], declaration: CmrtSpec | None,
                       layout: Layout) -> dict[str, dict[str, Any]]:
    """sheet name → {A1 ref: value or _CLEAR}: every cell the consolidated export writes."""
    assert layout.smelters is not None
    plan: dict[str, dict[str, Any]] = {layout.declaration_sheet: {}, layout.smelters.sheet: {}}
    if declaration is not None:
        cells = plan[layout.declaration_sheet]
        company = dict(declaration.company)
        if "scope" in company:
            company["scope"] = scope_text(company["scope"], layout)
        for field_name, ref in layout.company_cells:
            if company.get(field_name) is not None:
                cells[ref] = company[field_name]
        for q in layout.questions:
            for i, metal in enumerate(layout.metals):
                value = declaration.answers.get(q.qid, {}).get(metal)
                if value is not None:
                    cells[f"{layout.answer_column}{q.row + 1 + i}"] = value
        for cq in layout.company_questions:
            if declaration.company_answers.get(cq.letter) is not None:
                cells[f"{layout.answer_column}{cq.row}"] = declaration.company_answers[cq.letter]
        if layout.policy_url_cell and declaration.policy_url:
            cells[layout.policy_url_cell] = declaration.policy_url
    columns = _column_map(layout)
    keep = sorted({letter for name, letter in layout.smelters.columns
                   if name not in {"input_cid", "standard_name", "country_code"}})
    first = layout.smelters.first_row
    if len(rows) > layout.smelters.last_row - first + 1:
        raise ValueError(f"{len(rows)} rows do not fit the Smelter List (rows {first}–{layout.smelters.last_row})")
    cells = plan[layout.smelters.sheet]
    for i, spec_row in enumerate(rows):
        values = _smelter_values(spec_row, columns)
        for letter in keep:
            value = values.get(letter)
            cells[f"{letter}{first + i}"] = _CLEAR if value is None else value
    return plan


def write_consolidated_cmrt(
    rows: Iterable[SmelterSpec | Mapping[str, Any]],
    path: str | Path,
    *,
    template: str | Path | None = None,
    declaration: CmrtSpec | None = None,
    version: str = "6.5",
    layout: Layout = CMRT_6,
) -> Path:
    """Fill a Smelter List (columns B–Q from row 5) with `rows` and save to `path`.

    With `template` (a blank RMI CMRT 6.x .xlsx the user supplies) the rows go into a copy of it:
    the copy is patched at the XML level, so every other part of the RMI file (conditional
    formatting, comments, images, protection, the other sheets) stays byte-identical and Excel
    recalculates on open; a template that cannot be patched that way (e.g. macro-enabled) is
    re-saved through openpyxl instead. Without `template`, a fresh workbook with the same layout is
    written. `declaration` optionally fills the company block and answers. Text is always stored
    as text: a value starting with =, +, -, @, tab or CR is never evaluated as a formula.
    """
    rows = list(rows)
    plan = _consolidated_plan(rows, declaration, layout)
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    if template is not None:
        try:
            patch_xlsx(template, out, plan)
            return out
        except TemplatePatchError:
            wb = openpyxl.load_workbook(template, keep_vba=False)
    else:
        spec = declaration or CmrtSpec()
        spec = CmrtSpec(**{**spec.__dict__, "smelters": []})
        write_cmrt(spec, out, version=version, layout=layout, reproducible=False)
        wb = openpyxl.load_workbook(out)
        plan.pop(layout.declaration_sheet, None)
    for sheet, cells in plan.items():
        ws = _find_sheet(wb, sheet)
        for ref, value in cells.items():
            if value is _CLEAR:
                if isinstance(ws[ref].value, str) and ws[ref].value.startswith("="):
                    ws[ref].value = None
            else:
                _put(ws, ref, value, neutralise=True)
    wb.save(out)
    if template is None:
        make_reproducible(out)
    return out


# ----------------------------------------------------------------------------------------------
# patching a template at the XML level (no openpyxl round trip)
# ----------------------------------------------------------------------------------------------


class TemplatePatchError(Exception):
    """The template cannot be patched in place (the caller falls back to openpyxl)."""


_SHEET_RE = re.compile(r"<sheet\b([^>]*)>")
_REL_RE = re.compile(r"<Relationship\b([^>]*)>")


def _attr(attrs: str, name: str) -> str:
    m = re.search(rf'(?:^|\s){re.escape(name)}="([^"]*)"', attrs)
    return m.group(1) if m else ""
_ROW_RE = re.compile(r'<row r="(\d+)"([^>]*?)(?:/>|>(.*?)</row>)', re.S)
_CELL_RE = re.compile(r'<c r="([A-Z]+)(\d+)"([^>]*?)(?:/>|>(.*?)</c>)', re.S)
_STYLE_RE = re.compile(r'\ss="(\d+)"')
_BAD_XML_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _xml_text(value: str) -> str:
    value = _BAD_XML_CHARS.sub("", value)
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def _col_index(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


def _excel_serial(value: date, date1904: bool) -> float:
    base = datetime(1904, 1, 1) if date1904 else datetime(1899, 12, 30)
    moment = value if isinstance(value, datetime) else datetime(value.year, value.month, value.day)
    delta = moment.replace(tzinfo=None) - base
    return delta.days + delta.seconds / 86400


@dataclass(frozen=True)
class CachedFormula:
    """A formula cell with the value Excel computed for it (what real files carry)."""

    formula: str
    cached: Any = None


def _cell_xml(ref: str, style: str | None, value: Any, date1904: bool) -> str:
    s = f' s="{style}"' if style else ""
    if isinstance(value, CachedFormula):
        f = f"<f>{_xml_text(value.formula.removeprefix('='))}</f>"
        cached = value.cached
        if isinstance(cached, bool):
            return f'<c r="{ref}"{s} t="b">{f}<v>{int(cached)}</v></c>'
        if isinstance(cached, int | float):
            return f'<c r="{ref}"{s}>{f}<v>{cached!r}</v></c>'
        text = "" if cached is None else _xml_text(str(cached))
        return f'<c r="{ref}"{s} t="str">{f}<v>{text}</v></c>'
    if value is _CLEAR:
        return f'<c r="{ref}"{s}/>'
    if isinstance(value, bool):
        return f'<c r="{ref}"{s} t="b"><v>{int(value)}</v></c>'
    if isinstance(value, int | float):
        return f'<c r="{ref}"{s}><v>{value!r}</v></c>'
    if isinstance(value, date):
        return f'<c r="{ref}"{s}><v>{_excel_serial(value, date1904)!r}</v></c>'
    return f'<c r="{ref}"{s} t="inlineStr"><is><t xml:space="preserve">{_xml_text(str(value))}</t></is></c>'


def _patch_sheet(xml: str, cells: dict[str, Any], date1904: bool) -> str:
    by_row: dict[int, dict[str, Any]] = {}
    for ref, value in cells.items():
        m = re.match(r"([A-Z]+)(\d+)$", ref)
        if not m:
            raise TemplatePatchError(f"bad cell reference {ref!r}")
        by_row.setdefault(int(m.group(2)), {})[m.group(1)] = value
    seen: set[int] = set()

    def patch_row(m: re.Match[str]) -> str:
        r = int(m.group(1))
        wanted = by_row.get(r)
        if not wanted:
            return m.group(0)
        seen.add(r)
        existing: list[tuple[str, str]] = []
        for c in _CELL_RE.finditer(m.group(3) or ""):
            col, attrs, inner = c.group(1), c.group(3), c.group(4) or ""
            if col in wanted:
                if 't="shared"' in inner and "ref=" in inner:
                    raise TemplatePatchError(f"{col}{r} holds a shared formula other cells depend on")
                style = _STYLE_RE.search(attrs)
                existing.append((col, _cell_xml(f"{col}{r}", style.group(1) if style else None, wanted[col],
                                                date1904)))
            else:
                existing.append((col, c.group(0)))
        present = {col for col, _ in existing}
        for col, value in wanted.items():
            if col not in present and value is not _CLEAR:
                existing.append((col, _cell_xml(f"{col}{r}", None, value, date1904)))
        existing.sort(key=lambda item: _col_index(item[0]))
        return f'<row r="{r}"{m.group(2)}>' + "".join(x for _, x in existing) + "</row>"

    patched = _ROW_RE.sub(patch_row, xml)
    missing = set(by_row) - seen
    if missing:
        raise TemplatePatchError(f"rows {sorted(missing)[:5]} do not exist in the template sheet")
    return patched


def patch_xlsx(template: str | Path, out: str | Path, plan: Mapping[str, Mapping[str, Any]], *,
               recalc: bool = True) -> None:
    """Copy `template` to `out` with the cells of `plan` (sheet → {ref: value}) replaced in the sheet XML.

    With `recalc` the calculation chain is dropped and a full recalculation requested, as Excel itself
    does after an edit; everything else is copied unchanged. Raises TemplatePatchError when that is
    not safe. Values may be `CachedFormula`s (formula + the value Excel would have cached).
    """
    try:
        zin = zipfile.ZipFile(template)
    except (zipfile.BadZipFile, OSError) as exc:
        raise TemplatePatchError(f"{template}: not an .xlsx package ({exc})") from exc
    with zin:
        names = zin.namelist()
        if "xl/vbaProject.bin" in names or "xl/workbook.xml" not in names:
            raise TemplatePatchError("macro-enabled or unusual package")
        workbook = zin.read("xl/workbook.xml").decode("utf-8")
        rels = zin.read("xl/_rels/workbook.xml.rels").decode("utf-8")
        targets = {_attr(a, "Id"): _attr(a, "Target") for a in _REL_RE.findall(rels)}
        sheets = {}
        for attrs in _SHEET_RE.findall(workbook):
            name, rid = _attr(attrs, "name"), _attr(attrs, "r:id")
            target = targets.get(rid, "")
            target = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
            sheets[name.replace("&amp;", "&").strip().casefold()] = target
        date1904 = bool(re.search(r'date1904="(1|true)"', workbook))
        patched: dict[str, bytes] = {}
        for sheet, cells in plan.items():
            if not cells:
                continue
            part = sheets.get(sheet.casefold())
            if part is None or part not in names:
                raise TemplatePatchError(f"the template has no {sheet!r} sheet")
            patched[part] = _patch_sheet(zin.read(part).decode("utf-8"), dict(cells), date1904).encode("utf-8")
        if not recalc:
            pass
        elif re.search(r"<calcPr\b", workbook):
            if "fullCalcOnLoad" not in workbook:
                workbook = re.sub(r"<calcPr\b", '<calcPr fullCalcOnLoad="1"', workbook, count=1)
        else:
            workbook = workbook.replace("</workbook>", '<calcPr fullCalcOnLoad="1"/></workbook>')
        patched["xl/workbook.xml"] = workbook.encode("utf-8")
        if not recalc:
            _write_package(zin, out, patched)
            return
        patched["xl/_rels/workbook.xml.rels"] = re.sub(r'<Relationship\b[^>]*?Target="calcChain.xml"[^>]*/>', "",
                                                       rels).encode("utf-8")
        types = zin.read("[Content_Types].xml").decode("utf-8")
        patched["[Content_Types].xml"] = re.sub(r'<Override\b[^>]*?PartName="/xl/calcChain.xml"[^>]*/>', "",
                                                types).encode("utf-8")
        _write_package(zin, out, patched, drop={"xl/calcChain.xml"})


def _write_package(zin: zipfile.ZipFile, out: str | Path, patched: Mapping[str, bytes],
                   drop: frozenset[str] | set[str] = frozenset()) -> None:
    tmp = Path(str(out) + ".tmp")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            if info.filename in drop:
                continue
            data = patched.get(info.filename)
            zout.writestr(info, data if data is not None else zin.read(info))
    tmp.replace(out)


def _find_sheet(wb: openpyxl.Workbook, wanted: str) -> Worksheet:
    for name in wb.sheetnames:
        if name.strip().casefold() == wanted.casefold():
            return wb[name]
    raise KeyError(f"the workbook has no {wanted!r} sheet (sheets: {', '.join(wb.sheetnames)})")
