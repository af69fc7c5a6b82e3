"""Supplier program strength: strong or weak, from the company-level answers of its declaration.

Why by role and not by letter: the 2016 report rates a supplier's program strong when it has a
policy, due-diligence measures, reviews its suppliers' information and manages corrective action.
In CMRT 6.x those are questions A, D, F and G, but older templates number them differently; the
layout tables (ingest/layouts) tag each `CompanyQuestion` with a `role`, so this module asks
"what did they answer to the *policy* question?" and works for every version a layout exists for.

Example:
    >>> from ingest.records import Answer
    >>> answers = {"A": Answer("Yes"), "D": Answer("Yes"), "F": Answer("Yes"), "G": Answer("No")}
    >>> r = program_strength(answers, layout_id="cmrt-6")
    >>> r.level, r.failed_roles
    ('weak', ['corrective_action'])
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from typing import Any

from minetrace.graph.store import GraphStore
from minetrace.ingest.layouts import ALL_LAYOUTS, layout_for
from minetrace.ingest.layouts.model import Layout
from minetrace.queries.policy import Policy, load_policy

ROLE_TITLES = {
    "policy": "Responsible minerals sourcing policy",
    "due_diligence": "Due-diligence measures implemented",
    "review": "Reviews suppliers' due-diligence information",
    "corrective_action": "Corrective-action management",
}

#: the CMRT 6.x letters, used only when no layout table can be found for the declaration
FALLBACK_ROLE_LETTERS = {"policy": "A", "due_diligence": "D", "review": "F", "corrective_action": "G"}


@dataclass
class RoleAnswer:
    role: str
    title: str
    letter: str | None  # the question letter in this template version; None when not asked
    question: str | None
    answer: str | None
    comment: str | None = None
    cell: str | None = None
    ok: bool = False


@dataclass
class ProgramStrength:
    level: str  # "strong" | "weak"
    strong: bool
    answers: list[RoleAnswer] = field(default_factory=list)
    failed_roles: list[str] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)
    layout: str | None = None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@lru_cache(maxsize=256)
def _layout(layout_id: str | None, kind: str | None, version: str | None) -> Layout | None:
    if layout_id:
        for layout in ALL_LAYOUTS:
            if layout.id == layout_id:
                return layout
    if version:
        return layout_for(kind or "CMRT", version)
    return None


def _answer_parts(value: Any) -> tuple[str | None, str | None, str | None]:
    """(answer, comment, cell) from an `Answer`, its JSON dict, or a bare string."""
    if value is None:
        return None, None, None
    if isinstance(value, str):
        return value, None, None
    if isinstance(value, Mapping):
        return value.get("answer"), value.get("comment"), value.get("cell")
    return getattr(value, "answer", None), getattr(value, "comment", None), getattr(value, "cell", None)


def _is_yes(answer: str | None, yes_answers: tuple[str, ...]) -> bool:
    if answer is None:
        return False
    text = str(answer).strip().casefold()
    if not text:
        return False
    for yes in yes_answers:
        y = yes.casefold()
        # "Yes, in conformance with IPC1755" counts as yes; "Yesterday" does not
        if text == y or text.startswith(y + ",") or text.startswith(y + " "):
            return True
    return False


def program_strength(
    company_answers: Mapping[str, Any] | str | None,
    layout_id: str | None = None,
    template_kind: str | None = None,
    template_version: str | None = None,
    policy: Policy | None = None,
) -> ProgramStrength:
    """Rate one declaration's program. `company_answers` maps question letter → Answer (or its JSON,
    or a JSON string as stored on the graph). Strong iff every policy role is answered yes."""
    policy = policy or load_policy()
    if isinstance(company_answers, str):
        try:
            company_answers = json.loads(company_answers) or {}
        except ValueError:
            company_answers = {}
    company_answers = company_answers or {}
    layout = _layout(layout_id, template_kind, template_version)
    role_letters: dict[str, tuple[str, str]] = {}
    if layout is not None:
        for q in layout.company_questions:
            if q.role and q.role not in role_letters:
                role_letters[q.role] = (q.letter, q.text)
    else:
        role_letters = {r: (letter, ROLE_TITLES.get(r, r)) for r, letter in FALLBACK_ROLE_LETTERS.items()}
    result = ProgramStrength(level="weak", strong=False, layout=layout.id if layout else None)
    for role in policy.program.strong_roles:
        title = ROLE_TITLES.get(role, role)
        if role not in role_letters:
            result.answers.append(RoleAnswer(role, title, None, None, None))
            result.failed_roles.append(role)
            where = f"layout {layout.id}" if layout else "this template"
            result.reasons.append(f"{title}: not asked in {where}")
            continue
        letter, text = role_letters[role]
        answer, comment, cell = _answer_parts(company_answers.get(letter))
        ok = _is_yes(answer, policy.program.yes_answers)
        result.answers.append(RoleAnswer(role, title, letter, text, answer, comment, cell, ok))
        if not ok:
            result.failed_roles.append(role)
            shown = "no answer" if answer in (None, "") else f"answered {answer!r}"
            result.reasons.append(f"{title} (question {letter}): {shown}")
    result.strong = not result.failed_roles
    result.level = "strong" if result.strong else "weak"
    if result.strong:
        result.reasons.append("answered Yes to " + ", ".join(f"{a.letter}" for a in result.answers))
    return result


def declaration_program(decl: Any, policy: Policy | None = None) -> ProgramStrength:
    """Program strength of an `ingest.records.Declaration` or of a store's DeclarationInfo-like object
    (attributes `company_answers` / `company_answers_json`, `template_version`, `layout`)."""
    answers = getattr(decl, "company_answers", None)
    if answers is None:
        answers = getattr(decl, "company_answers_json", None)
    template = getattr(decl, "template", None)
    if template is not None:
        return program_strength(answers, template.layout, template.kind, template.version, policy)
    return program_strength(
        answers,
        getattr(decl, "layout", None) or getattr(decl, "layout_id", None),
        getattr(decl, "template_kind", None),
        getattr(decl, "template_version", None),
        policy,
    )


@dataclass
class StorePrograms:
    """Program strength of every supplier's newest current declaration, with the program's counts."""

    rows: list[dict[str, Any]]
    counts: dict[str, int]  # in-scope (surveyed) suppliers
    counts_valid_forms: dict[str, int]  # in-scope suppliers whose form is valid
    counts_all: dict[str, int]  # every supplier with a form


def store_programs(store: GraphStore, year: int | None, policy: Policy | None = None,
                   in_scope: Mapping[str, bool] | None = None) -> StorePrograms:
    """Rate the program of each supplier's newest current declaration of `year` (one per supplier).

    `in_scope` maps supplier id → in scope (from `queries.survey.store_survey`); the program's figures
    count surveyed suppliers, `counts_all` every form. `minetrace risk programs` and the report read this."""
    from collections import Counter

    policy = policy or load_policy()
    in_scope = in_scope or {}
    latest: dict[str, Any] = {}
    for d in store.declarations(year=year, current_only=True):
        old = latest.get(d.supplier_id)
        if old is None or (d.reporting_year or 0, d.received) >= (old.reporting_year or 0, old.received):
            latest[d.supplier_id] = d
    rows = []
    for d in latest.values():
        p = program_strength(d.company_answers_json, None, d.template_kind, d.template_version, policy)
        rows.append({"supplier_id": d.supplier_id, "in_scope": in_scope.get(d.supplier_id),
                     "declaration_id": d.id, "file_name": d.file_name, "status": d.status, **p.to_json()})
    return StorePrograms(
        rows=rows,
        counts=dict(Counter(r["level"] for r in rows if r["in_scope"])),
        counts_valid_forms=dict(Counter(r["level"] for r in rows if r["in_scope"] and r["status"] == "valid")),
        counts_all=dict(Counter(r["level"] for r in rows)))
