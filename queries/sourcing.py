"""Declared sourcing that means something: which mine countries and answers may raise a flag.

Why: suppliers state sourcing in two places, both noisy. (1) Smelter List mine-country cells, parsed
into countries at read time (`ingest.mine_countries`: recycled / unknown / various are no countries):
a row that names more countries than the policy's `declared_sourcing.max_countries` is an RCOI list
pasted from RMI — "unspecific", it flags nothing on its own — and a row naming the smelter's own
country says nothing the location rule does not. (2) Per-metal questions whose role is
`covered_sourcing` (CMRT 1.00/2.x Q2, 3.x-6.x Q3) or `cahra_sourcing` (6.x Q4): a Yes is a
supplier-level finding and flag, never a rating of any smelter — the question is about the
supplier's metal, not about a smelter. Which roles count is the policy's `answer_flags` (the EU
preset adds cahra_sourcing).

Example:
    >>> rcoi = "AU BR CN ID MY PE RU TH US VN ZA".split()
    >>> rows = [("K", "CD", "d1", 5), ("K", "RW", "d1", 5)] + [("K", c, "d2", 7) for c in rcoi]
    >>> declared_sourcing(rows, max_countries=10)["K"]
    DeclaredSourcing(countries=('CD', 'RW'), unspecific_rows=1)
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from functools import lru_cache
from typing import Any

from minetrace.graph.store import GraphStore
from minetrace.queries._access import as_json, get
from minetrace.queries.policy import Policy
from minetrace.queries.reasons import REASONS


@dataclass(frozen=True)
class DeclaredSourcing:
    """A smelter's declared mine countries that count: from specific rows only, sorted."""

    countries: tuple[str, ...] = ()
    unspecific_rows: int = 0  # rows ignored as RCOI lists (more countries than the threshold)


def declared_sourcing(rows: Iterable[tuple[Any, ...]], max_countries: int) -> dict[str, DeclaredSourcing]:
    """smelter key → its declared sourcing, from (smelter key, iso2, declaration id, row) tuples
    (`store.declared_mine_countries`). Rows naming more than `max_countries` countries are left out."""
    per_row: dict[tuple[str, str, int], set[str]] = defaultdict(set)
    for item in rows:
        skey, iso2, decl, row = str(item[0]), item[1], str(item[2]), int(item[3] or 0)
        if iso2:
            per_row[(skey, decl, row)].add(str(iso2).upper())
    specific: dict[str, set[str]] = defaultdict(set)
    unspecific: dict[str, int] = defaultdict(int)
    for (skey, _, _), codes in per_row.items():
        if len(codes) > max_countries:
            unspecific[skey] += 1
        else:
            specific[skey] |= codes
    return {k: DeclaredSourcing(tuple(sorted(specific.get(k, ()))), unspecific.get(k, 0))
            for k in set(specific) | set(unspecific)}


def store_declared_sourcing(store: GraphStore, year: int | None, policy: Policy) -> dict[str, DeclaredSourcing]:
    """`declared_sourcing` over the current declarations of `year` in a store. From the store's aggregate
    (`smelter_mine_countries`: distinct smelter/country pairs) first: rows are read only for the smelters declared
    with more countries than the threshold in all — no row of the others can be unspecific (10k suppliers:
    0.2 s instead of 2.5 s for 300k mine-country rows)."""
    limit = policy.risk.max_declared_countries
    per: dict[str, set[str]] = defaultdict(set)
    for skey, iso2 in store.smelter_mine_countries(year=year):
        if iso2:
            per[str(skey)].add(str(iso2).upper())
    wide = {k for k, codes in per.items() if len(codes) > limit}
    out = {k: DeclaredSourcing(tuple(sorted(codes))) for k, codes in per.items() if k not in wide}
    if wide:
        out.update(declared_sourcing((r for r in store.declared_mine_countries(year=year) if str(r[0]) in wide),
                                     limit))
    return out


# ------------------------------------------------------------------------ supplier-level answers
@dataclass
class AnswerFlag:
    """A Yes to a sourcing question on a supplier's form: a supplier-level finding and flag."""

    code: str  # covered_sourcing_answer | cahra_sourcing_answer
    flag: str  # covered_sourcing | cahra_sourcing
    supplier_id: str
    declaration_id: str | None
    file_name: str | None
    reporting_year: int | None
    status: str | None  # the form's validity
    question: str  # "Q3"
    metal: str
    answer: str
    cell: str | None
    text: str

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@lru_cache(maxsize=256)
def _sourcing_questions(kind: str | None, version: str | None) -> tuple[tuple[str, str, str], ...]:
    """(qid, role, question text) of the sourcing questions in a template generation."""
    from minetrace.ingest.layouts import layout_for

    layout = layout_for(kind or "CMRT", version) if version else None
    if layout is None:
        return ()
    return tuple((q.qid, q.role, q.text) for q in layout.questions if q.role in ("covered_sourcing", "cahra_sourcing"))


def _is_yes(answer: Any, yes: tuple[str, ...]) -> bool:
    text = str(answer or "").strip().casefold()
    return bool(text) and any(text == y.casefold() or text.startswith(y.casefold() + " ")
                              or text.startswith(y.casefold() + ",") for y in yes)


def declaration_answer_flags(decl: Any, policy: Policy) -> list[AnswerFlag]:
    """The sourcing answers of one declaration (store DeclarationInfo-like) that raise a flag under `policy`."""
    questions = _sourcing_questions(get(decl, "template_kind"), get(decl, "template_version"))
    if not questions:
        return []
    answers = as_json(get(decl, "answers_json"), None) or get(decl, "answers") or {}
    out: list[AnswerFlag] = []
    for qid, role, text in questions:
        if role not in policy.risk.answer_flags:
            continue
        for metal, ans in sorted((answers.get(qid) or {}).items()):
            value = get(ans, "answer") if not isinstance(ans, str) else ans
            if not _is_yes(value, policy.program.yes_answers):
                continue
            code = f"{role}_answer"
            cell = str(get(ans, "cell") or "") if not isinstance(ans, str) else ""
            where = (cell if "!" in cell else f"Declaration!{cell}") if cell else qid
            out.append(AnswerFlag(code=code, flag=REASONS[code].flag, supplier_id=str(get(decl, "supplier_id")),
                                  declaration_id=get(decl, "id"), file_name=get(decl, "file_name"),
                                  reporting_year=get(decl, "reporting_year"), status=get(decl, "status"), question=qid,
                                  metal=str(metal), answer=str(value), cell=where,
                                  text=f"{qid} ({text[:90]}) answered {value!r} for {metal} at {where}"))
    return out


def supplier_answer_flags(store: GraphStore, year: int | None, policy: Policy,
                          declarations: Iterable[Any] | None = None) -> dict[str, list[AnswerFlag]]:
    """supplier id → the flags its current declarations' sourcing answers raise (`declarations`: the current
    declarations of `year` when the caller has read them already)."""
    out: dict[str, list[AnswerFlag]] = defaultdict(list)
    decls = store.declarations(year=year, current_only=True) if declarations is None else declarations
    for d in decls:
        for f in declaration_answer_flags(d, policy):
            out[f.supplier_id].append(f)
    return dict(out)
