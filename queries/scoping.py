"""Scoping: which master-list suppliers are surveyed, and why the others are not.

Why: the 2016 report starts from the vendor list and drops service providers, indirect-material
suppliers and suppliers with no purchase for five years; the response rate is computed on what is
left (323). Every decision carries its reason so the figure can be defended line by line, and a
supplier marked out of scope during the survey (`minetrace survey log S1 --event out_of_scope`)
keeps the analyst's note.

Example:
    >>> from datetime import date
    >>> sups = [{"id": "S1", "name": "A", "category": "direct", "last_purchase": "2016-03-01"},
    ...         {"id": "S2", "name": "B", "category": "service"},
    ...         {"id": "S3", "name": "C", "category": "direct", "last_purchase": "2010-01-01"}]
    >>> [(d.supplier_id, d.in_scope, d.code) for d in scope_suppliers(sups, date(2016, 12, 31))]
    [('S1', True, 'in_scope'), ('S2', False, 'service'), ('S3', False, 'inactive')]
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from minetrace.graph.store import GraphStore
from minetrace.queries._access import as_date, get
from minetrace.queries.policy import Policy, load_policy


@dataclass
class ScopeDecision:
    supplier_id: str
    name: str | None
    in_scope: bool
    code: str  # "in_scope" | "service" | "indirect" | "<other excluded category>" | "inactive" | "manual" | "no_date"
    reason: str
    category: str | None = None
    last_purchase: str | None = None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class ScopeSummary:
    total: int
    in_scope: int
    out_of_scope: int
    by_reason: dict[str, int] = field(default_factory=dict)
    reference_date: str | None = None
    inactive_years: int = 5

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def decide_scope(supplier: Any, reference_date: date, policy: Policy | None = None,
                 manual: Mapping[str, str] | None = None) -> ScopeDecision:
    """The scope decision for one supplier. Order: manual out-of-scope, excluded category, inactivity.

    `manual` maps supplier id → reason for suppliers marked out of scope during the survey; a supplier
    whose stored `in_scope` is False with a manual reason counts as manual too."""
    policy = policy or load_policy()
    sid = str(get(supplier, "id"))
    name = get(supplier, "name")
    category = (get(supplier, "category") or None)
    category = category.lower() if isinstance(category, str) else category
    last = as_date(get(supplier, "last_purchase"))
    base = {"supplier_id": sid, "name": name, "category": category,
            "last_purchase": last.isoformat() if last else None}
    manual_reason = (manual or {}).get(sid)
    stored_reason = get(supplier, "scope_reason")
    if manual_reason is None and get(supplier, "in_scope") is False and stored_reason and \
            str(stored_reason).startswith("manual"):
        manual_reason = str(stored_reason).removeprefix("manual:").strip() or "marked out of scope"
    if manual_reason is not None:
        return ScopeDecision(**base, in_scope=False, code="manual",
                             reason=f"marked out of scope: {manual_reason}" if manual_reason else "marked out of scope")
    if category and category in policy.scoping.excluded_categories:
        label = {"service": "service provider", "indirect": "indirect-material supplier"}.get(category, category)
        return ScopeDecision(**base, in_scope=False, code=category, reason=f"{label} (category {category!r})")
    n = policy.scoping.inactive_years
    if last is None:
        if not policy.scoping.keep_unknown_purchase_date:
            return ScopeDecision(**base, in_scope=False, code="no_date", reason="no last purchase date")
        return ScopeDecision(**base, in_scope=True, code="in_scope",
                             reason="in scope (no last purchase date on the master list)")
    if n > 0 and last <= years_before(reference_date, n):
        return ScopeDecision(**base, in_scope=False, code="inactive",
                             reason=f"inactive: last purchase {last.isoformat()}, {n} years or more before "
                                    f"{reference_date.isoformat()}")
    return ScopeDecision(**base, in_scope=True, code="in_scope",
                         reason=f"in scope ({category or 'uncategorised'} supplier, last purchase "
                                f"{last.isoformat()})")


def scope_suppliers(suppliers: Iterable[Any], reference_date: date, policy: Policy | None = None,
                    manual: Mapping[str, str] | None = None) -> list[ScopeDecision]:
    """Scope decisions for every supplier, in input order."""
    policy = policy or load_policy()
    return [decide_scope(s, reference_date, policy, manual) for s in suppliers]


def summarise(decisions: list[ScopeDecision], reference_date: date | None = None,
              policy: Policy | None = None) -> ScopeSummary:
    policy = policy or load_policy()
    counts = Counter(d.code for d in decisions if not d.in_scope)
    inside = sum(1 for d in decisions if d.in_scope)
    return ScopeSummary(total=len(decisions), in_scope=inside, out_of_scope=len(decisions) - inside,
                        by_reason=dict(sorted(counts.items())),
                        reference_date=reference_date.isoformat() if reference_date else None,
                        inactive_years=policy.scoping.inactive_years)


def manual_out_of_scope(events: Iterable[Any]) -> dict[str, str]:
    """Supplier id → note, from `out_of_scope` survey events (the latest one wins; a later
    `in_scope` event puts the supplier back)."""
    out: dict[str, str] = {}
    for ev in sorted(events, key=lambda e: str(get(e, "date") or "")):
        kind = get(ev, "kind")
        sid = str(get(ev, "supplier_id"))
        if kind == "out_of_scope":
            out[sid] = get(ev, "note") or ""
        elif kind == "in_scope":
            out.pop(sid, None)
    return out


def scope_store(store: GraphStore, reference_date: date, policy: Policy | None = None) -> list[ScopeDecision]:
    """Scope every master-list supplier in a graph store (suppliers created from declarations only,
    with no master-list entry, are left out: they were never on the vendor list)."""
    policy = policy or load_policy()
    manual = manual_out_of_scope(store.survey_events())
    sups = [s for s in store.suppliers() if not str(get(s, "id")).startswith("decl:")]
    return scope_suppliers(sups, reference_date, policy, manual)
