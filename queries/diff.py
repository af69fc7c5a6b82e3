"""Year-over-year diff: smelters added and dropped per supplier and overall, and status changes.

Why: a reporting year is read against the previous one — "which suppliers added a non-conformant
smelter?", "which smelters became conformant?". Each side is rated as of its own year's date.

Example:
    >>> d = year_diff(store, 2015, 2016, facts=reference)       # doctest: +SKIP
    >>> d.added, d.status_changes[0]["from_status"]             # doctest: +SKIP
    (['CID002587'], 'Active')
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass, field
from typing import Any

from minetrace.graph.store import GraphStore, ReferenceStore
from minetrace.queries._access import get
from minetrace.queries.policy import Policy, load_policy
from minetrace.queries.risk import RiskModel, risk_by_key


@dataclass
class YearDiff:
    year_from: int
    year_to: int
    added: list[str] = field(default_factory=list)  # smelter keys reported in year_to only
    dropped: list[str] = field(default_factory=list)
    status_changes: list[dict[str, Any]] = field(default_factory=list)
    suppliers: list[dict[str, Any]] = field(default_factory=list)  # per supplier: added, dropped
    suppliers_new: list[str] = field(default_factory=list)  # declared in year_to only
    suppliers_gone: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def year_diff(store: GraphStore, year_from: int, year_to: int, facts: ReferenceStore | None = None,
              policy: Policy | None = None,
              supplier_ids: list[str] | None = None) -> YearDiff:
    policy = policy or load_policy()
    a_hops = store.reports(year=year_from, supplier_ids=supplier_ids)
    b_hops = store.reports(year=year_to, supplier_ids=supplier_ids)
    per_a: dict[str, set[str]] = defaultdict(set)
    per_b: dict[str, set[str]] = defaultdict(set)
    for h in a_hops:
        per_a[str(get(h, "supplier_id"))].add(str(get(h, "smelter_key")))
    for h in b_hops:
        per_b[str(get(h, "supplier_id"))].add(str(get(h, "smelter_key")))
    all_a = set().union(*per_a.values()) if per_a else set()
    all_b = set().union(*per_b.values()) if per_b else set()
    d = YearDiff(year_from=year_from, year_to=year_to, added=sorted(all_b - all_a), dropped=sorted(all_a - all_b),
                 suppliers_new=sorted(set(per_b) - set(per_a)), suppliers_gone=sorted(set(per_a) - set(per_b)))
    for sid in sorted(set(per_a) | set(per_b)):
        add, drop = sorted(per_b[sid] - per_a[sid]), sorted(per_a[sid] - per_b[sid])
        if add or drop:
            d.suppliers.append({"supplier_id": sid, "added": add, "dropped": drop,
                                "kept": len(per_a[sid] & per_b[sid])})
    if facts is not None:
        ra = risk_by_key(store, RiskModel(facts, policy, year=year_from), year_from, a_hops)
        rb = risk_by_key(store, RiskModel(facts, policy, year=year_to), year_to, b_hops)
        for key in sorted(all_a & all_b):
            x, y = ra[key], rb[key]
            if (x.status, x.level) != (y.status, y.level):
                d.status_changes.append({"smelter_key": key, "cid": y.cid, "name": y.name, "metal": y.metal,
                                         "from_status": x.status, "to_status": y.status, "from_risk": x.level,
                                         "to_risk": y.level, "reasons": [r.text for r in y.reasons]})
    return d
