"""Test support: turn a writer `CmrtSpec` into the `Declaration` the reader would produce.

Why: validation rules are tested on declarations built by hand (fast, no file round trip), from
the same spec the fixture writer uses, so one spec can be checked both ways (hand-built here,
written + parsed in the round-trip tests).
"""

from __future__ import annotations

from datetime import date

from minetrace.ingest.layouts import get_layout
from minetrace.ingest.metals import canonical_metal
from minetrace.ingest.records import Answer, CompanyInfo, Declaration, FileInfo, ProductRow, SmelterRow, TemplateInfo
from minetrace.queries.template_writer import VERSION_DATES, CmrtSpec, scope_text, version_text


def declaration_from_spec(spec: CmrtSpec, version: str = "6.5", *, kind: str = "CMRT", layout_id: str = "cmrt-6",
                          workbook_checker: object = None) -> Declaration:
    layout = get_layout(layout_id)
    template = TemplateInfo(kind=kind, version=version,
                            version_text=version_text(version) if version in VERSION_DATES else None,
                            layout=layout_id, layout_verified=layout.verified)
    company = CompanyInfo()
    for key, value in spec.company.items():
        if key == "scope":
            company.scope = value if value in {"A", "B", "C", "D"} else None
            company.scope_text = scope_text(value, layout) if value else None
        elif key == "effective_date":
            if isinstance(value, date):
                company.effective_date = value
            elif value is not None:
                company.effective_date_raw = str(value)
        else:
            setattr(company, key, value)
    decl = Declaration(file=FileInfo(name="hand-built.xlsx", sha256="0" * 64, size=0), template=template,
                       company=company, metals=list(layout.metals), workbook_checker=workbook_checker)
    for q in layout.questions:
        rows = q.metal_rows or tuple((m, q.row + 1 + i) for i, m in enumerate(layout.metals))
        for metal, row in rows:
            value = spec.answers.get(q.qid, {}).get(metal)
            comment = spec.comments.get(q.qid, {}).get(metal)
            if value is not None or comment is not None:
                decl.answers.setdefault(q.qid, {})[metal] = Answer(value, comment, f"Declaration!D{row}")
    for cq in layout.company_questions:
        value = spec.company_answers.get(cq.letter)
        comment = spec.company_comments.get(cq.letter)
        if cq.role == "policy_public" and spec.policy_url:
            comment = spec.policy_url
        if value is not None or comment is not None:
            decl.company_answers[cq.letter] = Answer(value, comment, f"Declaration!D{cq.row}")
    decl.policy_url = spec.policy_url
    first = layout.smelters.first_row if layout.smelters else 5
    for i, s in enumerate(spec.smelters):
        lookup = s.lookup
        text = str(lookup).strip().casefold() if lookup is not None else ""
        kind_ = None
        if text == "smelter not listed":
            kind_ = "not_listed"
        elif text == "smelter not yet identified":
            kind_ = "not_yet_identified"
        elif lookup:
            kind_ = "listed"
        decl.smelters.append(SmelterRow(
            row=s.row or first + i, metal=canonical_metal(s.metal), lookup=lookup, lookup_kind=kind_,
            name=s.name, country=s.country, cid=s.cid or s.input_cid, input_cid=s.input_cid, id_source=s.id_source,
        ))
    for i, p in enumerate(spec.products):
        decl.products.append(ProductRow(row=6 + i, number=p.number, name=p.name, comment=p.comment))
    return decl
