"""Supplier risk roll-up: one line per supplier with everything the mitigation list needs.

Why: the analyst chases suppliers, not smelters. Each supplier gets its worst smelter risk, the count
of high-risk and flagged paths, the validity of its latest declaration, its program strength (with
the answers) and its survey status. Risk is per smelter, so each distinct smelter is rated once
(queries.ratings, remembered per store version / reference state / policy) and the store counts each
supplier's smelters and rows per (risk level, flagged) class in one aggregate query
(`supplier_class_counts`) — a few rows per supplier cross the store boundary, not every hop.
bench/query_speed.py: 10k suppliers / 472k rows in about 2.2 s cold, 1.8–2 s warm (CPU) on the embedded
store of a shared 2-core machine; the aggregate is ~0.6 s of that, survey status ~0.35 s.

Example:
    >>> rows = supplier_rollup(store, RiskModel(reference, year=2016), year=2016)   # doctest: +SKIP
    >>> rows[0].supplier_id, rows[0].worst_risk, rows[0].high_paths                 # doctest: +SKIP
    ('S-104', 'high', 2)
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from minetrace.graph.store import GraphStore
from minetrace.queries._access import gc_paused, get
from minetrace.queries.exposure import supplier_chains_cached
from minetrace.queries.paths import smelter_flags
from minetrace.queries.program import program_strength
from minetrace.queries.ratings import smelter_ratings
from minetrace.queries.risk import LEVEL_RANK, RiskModel, SmelterRisk
from minetrace.queries.sourcing import supplier_answer_flags
from minetrace.queries.survey import latest_per_scope, program_reference_date, survey_status


@dataclass
class SupplierRollup:
    supplier_id: str
    name: str | None
    worst_risk: str | None
    smelters: int = 0
    high: int = 0
    medium: int = 0
    low: int = 0
    data_quality: int = 0  # unresolved / not yet identified / not a smelter …
    high_paths: int = 0  # declaration rows reaching a high-risk smelter (x company chains)
    flagged_paths: int = 0
    high_smelters: list[str] = field(default_factory=list)
    #: "CID002587 Tony Goetz NV" for each high-risk smelter (names where people read; IDs in high_smelters)
    high_smelter_names: list[str] = field(default_factory=list)
    #: supplier-level flags from the form's answers (covered_sourcing, cahra_sourcing — queries.sourcing)
    flags: list[str] = field(default_factory=list)
    #: the answers behind `flags`: "Q3 (…) answered 'Yes' for Tin at Declaration!D34"
    findings: list[str] = field(default_factory=list)
    latest_declaration: str | None = None
    latest_file: str | None = None
    latest_status: str | None = None  # valid / invalid / None (no declaration)
    program: str | None = None  # strong / weak / None (no declaration)
    program_reasons: list[str] = field(default_factory=list)
    program_answers: dict[str, str | None] = field(default_factory=dict)
    survey_status: str | None = None
    in_scope: bool | None = None
    contact_email: str | None = None
    category: str | None = None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


#: (risk level or None for a data-quality finding, flagged) — the classes the roll-up counts smelters by
SmelterClass = tuple[str | None, bool]


ClassCounts = dict[str, dict[SmelterClass, tuple[int, int]]]


def _class_counts(store: GraphStore, model: RiskModel, year: int | None
                  ) -> tuple[ClassCounts, dict[str, list[str]], dict[str, SmelterRisk]]:
    """supplier id → {smelter class → (distinct smelters, smelter-list rows)}, supplier id → its high-risk
    smelter keys, and the ratings. Each smelter is rated once (queries.ratings); the store aggregates per
    supplier and class (`supplier_class_counts`, which also lists the high-risk smelters per supplier).
    Every smelter a row reports is a smelter node (the store contract), so every class is rated."""
    # every smelter node is rated (provisional ones cost nothing): cheaper than asking which ones `year` reports
    risks = smelter_ratings(store, model, year, keys=[str(get(s, "key")) for s in store.smelters()])
    cls = {k: (r.level, bool(smelter_flags(r, model))) for k, r in risks.items()}
    per: ClassCounts = defaultdict(dict)
    high: dict[str, list[str]] = defaultdict(list)

    def add(sid: str, c: SmelterClass, n_smelters: int, n_rows: int) -> None:
        was_smelters, was_rows = per[sid].get(c, (0, 0))
        per[sid][c] = (was_smelters + n_smelters, was_rows + n_rows)

    labels = {k: f"{level or ''}|{int(flagged)}" for k, (level, flagged) in cls.items()}
    for sid, label, n_smelters, n_rows, keys in store.supplier_class_counts(labels, year=year,
                                                                             listed=["high|0", "high|1"]):
        level, _, flagged = str(label).partition("|")
        add(str(sid), (level or None, flagged == "1"), int(n_smelters), int(n_rows))
        high[str(sid)].extend(keys)
    return per, high, risks


def supplier_rollup(store: GraphStore, model: RiskModel, year: int | None = None, reference_date: date | None = None,
                    include_unlisted: bool = True) -> list[SupplierRollup]:
    """Roll-up for every supplier (master list and declaration-only ones), worst first."""
    with gc_paused():
        return _supplier_rollup(store, model, year, reference_date, include_unlisted)


def _supplier_rollup(store: GraphStore, model: RiskModel, year: int | None, reference_date: date | None,
                     include_unlisted: bool) -> list[SupplierRollup]:
    policy = model.policy
    per_class, high_by_supplier, risks = _class_counts(store, model, year)
    sups = store.suppliers()
    chains = supplier_chains_cached(store, [str(get(s, "id")) for s in sups])
    decls: dict[str, list[Any]] = defaultdict(list)
    current = store.declarations(year=year, current_only=True)
    for d in current:
        decls[str(get(d, "supplier_id"))].append(d)
    ref = reference_date or program_reference_date(model)
    answer_flags = supplier_answer_flags(store, year, policy, current)
    listed = [s for s in sups if not str(get(s, "id")).startswith("decl:")]
    statuses = {r.supplier_id: r for r in survey_status(listed, decls, store.survey_events(), ref, policy)}
    programs: dict[tuple[Any, ...], Any] = {}  # the same answers on many forms: rated once
    out: list[SupplierRollup] = []
    for s in sups:
        sid = str(get(s, "id"))
        if not include_unlisted and sid.startswith("decl:"):
            continue
        n_chains = max(1, len(chains.get(sid) or []))
        r = SupplierRollup(supplier_id=sid, name=get(s, "name"), worst_risk=None,
                           contact_email=get(s, "contact_email"), category=get(s, "category"))
        for (level, flagged), (n_smelters, n_rows) in per_class.get(sid, {}).items():
            r.smelters += n_smelters
            if flagged:
                r.flagged_paths += n_rows * n_chains
            if level is None:
                r.data_quality += n_smelters
                continue
            setattr(r, level, getattr(r, level) + n_smelters)
            if level == "high":
                r.high_paths += n_rows * n_chains
            if LEVEL_RANK[level] > LEVEL_RANK[r.worst_risk]:
                r.worst_risk = level
        highs = sorted({risks[k].cid or k: risks[k] for k in high_by_supplier.get(sid, ())}.items())
        r.high_smelters = [cid for cid, _ in highs]
        r.high_smelter_names = [f"{cid} {h.name or ''}".rstrip() for cid, h in highs]
        for f in answer_flags.get(sid, ()):
            if f.flag not in r.flags:
                r.flags.append(f.flag)
            r.findings.append(f"{f.file_name}: {f.text}")
        ds = decls.get(sid, [])
        if len(ds) > 1:  # most suppliers hold one current declaration: nothing to order or pick from
            ds = sorted(ds, key=lambda d: (get(d, "reporting_year") or 0, str(get(d, "received") or "")))
        if ds:
            latest = ds[-1]
            r.latest_declaration = get(latest, "id")
            r.latest_file = get(latest, "file_name")
            newest = latest_per_scope(ds) if len(ds) > 1 else ds
            r.latest_status = "valid" if all(get(d, "status") == "valid" for d in newest) else "invalid"
            pk = (get(latest, "company_answers_json"), get(latest, "template_kind"), get(latest, "template_version"))
            prog = programs.get(pk) if isinstance(pk[0], str | None) else None
            if prog is None:
                prog = program_strength(pk[0], None, pk[1], pk[2], policy)
                if isinstance(pk[0], str | None):
                    programs[pk] = prog
            r.program = prog.level
            r.program_reasons = list(prog.reasons)
            r.program_answers = {a.role: a.answer for a in prog.answers}
        st = statuses.get(sid)
        if st is not None:
            r.survey_status, r.in_scope = st.status, st.in_scope
        out.append(r)
    out.sort(key=lambda x: (-LEVEL_RANK[x.worst_risk], -x.high_paths, x.supplier_id))
    return out
