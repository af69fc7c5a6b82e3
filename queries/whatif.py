"""What-if: "if smelter X became non-conformant (or left the watchlist), which suppliers change flag?"

Why: before escalating or closing a case the analyst wants the blast radius. The scenario is applied
as an overlay on the reference facts (`OverlayFacts`, a real `ReferenceFacts` that answers from the
changes first and from the store otherwise), both sides are rated, and the suppliers and
declarations (product-scoped ones included) whose flag or worst risk changes are listed.

Example:
    >>> w = what_if(store, reference, {"CID001070": "non_conformant"}, year=2016)   # doctest: +SKIP
    >>> [(s["supplier_id"], s["before"], s["after"]) for s in w.suppliers]          # doctest: +SKIP
    [('S-7', 'low', 'high')]
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from datetime import date
from typing import Any

from minetrace.graph.store import GraphStore, ReferenceStore
from minetrace.queries._access import get
from minetrace.queries.policy import Policy, load_policy
from minetrace.queries.risk import RiskModel
from minetrace.queries.rollup import supplier_rollup

CHANGES = ("non_conformant", "not_conformant", "conformant", "on_watchlist", "off_watchlist")


@dataclass
class _Status:
    cid: str
    as_of: str
    status: str
    last_audit: str | None = None
    audit_cycle: str | None = None
    reaudit_in_progress: bool = False
    lapsed: bool = False
    removed_on: str | None = None
    removal_reason: str | None = None
    basis: str = "what-if"
    source: str = "what-if"


class OverlayFacts:
    """Reference facts with hypothetical changes on top (cid → one of CHANGES)."""

    def __init__(self, base: ReferenceStore, changes: dict[str, str]) -> None:
        bad = {c: v for c, v in changes.items() if v not in CHANGES}
        if bad:
            raise ValueError(f"unknown what-if change(s) {bad}; use one of {', '.join(CHANGES)}")
        self.base = base
        self.changes = {c.upper(): v for c, v in changes.items()}

    def facility(self, cid: str) -> Any:
        return self.base.facility(cid)

    def current_cid(self, cid: str) -> Any:
        return self.base.current_cid(cid)

    def status_as_of(self, cid: str, when: date | str | None = None, scheme: str = "RMAP") -> Any:
        st = self.base.status_as_of(cid, when, scheme)
        change = self.changes.get(cid.upper())
        as_of = str(get(st, "as_of") or when)
        if change == "non_conformant":
            return _Status(cid, as_of, "Non Conformant")
        if change == "not_conformant":
            return _Status(cid, as_of, "Not listed")
        if change == "conformant":
            return _Status(cid, as_of, "Conformant", last_audit=as_of, audit_cycle="1 Year")
        return st

    def watchlist(self, when: date | str | None = None) -> list[dict[str, Any]]:
        items = [w for w in self.base.watchlist(when)
                 if self.changes.get(str(get(w, "cid")).upper()) != "off_watchlist"]
        for cid, change in self.changes.items():
            if change == "on_watchlist":
                items.append({"cid": cid, "list_name": "what-if", "reason": "hypothetical watchlist entry",
                              "source": "what-if"})
        return items

    def is_covered_country(self, iso2: str | None) -> bool:
        return self.base.is_covered_country(iso2)

    def cahra_as_of(self, when: date | str | None = None) -> list[dict[str, Any]]:
        return self.base.cahra_as_of(when)

    def status_snapshots(self, scheme: str = "RMAP") -> list[dict[str, Any]] | None:
        return self.base.status_snapshots(scheme)

    def covered_countries(self) -> set[str]:
        return self.base.covered_countries()

    def summary(self) -> dict[str, Any] | None:
        return self.base.summary()

    def version(self) -> str | None:
        """None: a rating under hypothetical changes is never remembered."""
        return None


@dataclass
class WhatIf:
    changes: dict[str, str]
    smelters: list[dict[str, Any]] = field(default_factory=list)
    suppliers: list[dict[str, Any]] = field(default_factory=list)
    declarations: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def what_if(store: GraphStore, facts: ReferenceStore, changes: dict[str, str], year: int | None = None,
            policy: Policy | None = None, as_of: date | None = None) -> WhatIf:
    """Suppliers and declarations whose flag or worst risk changes under `changes`."""
    policy = policy or load_policy()
    if not changes:
        raise ValueError("no change given: pass e.g. {'CID002587': 'off_watchlist'}")
    overlay = OverlayFacts(facts, changes)
    before_m = RiskModel(facts, policy, as_of=as_of, year=year)
    after_m = RiskModel(overlay, policy, as_of=as_of, year=year)
    result = WhatIf(changes=dict(overlay.changes))
    for cid in overlay.changes:
        b, a = before_m.rate_cid(cid), after_m.rate_cid(cid)
        result.smelters.append({"cid": cid, "name": a.name, "metal": a.metal, "before": b.level, "after": a.level,
                                "after_reasons": [r.text for r in a.reasons]})
    before = {r.supplier_id: r for r in supplier_rollup(store, before_m, year)}
    after = {r.supplier_id: r for r in supplier_rollup(store, after_m, year)}
    changed_ids = []
    for sid, sa in after.items():
        sb = before.get(sid) or replace(sa, worst_risk=None, flagged_paths=0, high_paths=0)
        if (sb.worst_risk, sb.flagged_paths > 0, sb.high_paths) != (sa.worst_risk, sa.flagged_paths > 0,
                                                                     sa.high_paths):
            changed_ids.append(sid)
            result.suppliers.append({"supplier_id": sid, "name": sa.name, "before": sb.worst_risk,
                                     "after": sa.worst_risk, "flagged_before": sb.flagged_paths > 0,
                                     "flagged_after": sa.flagged_paths > 0, "high_paths_before": sb.high_paths,
                                     "high_paths_after": sa.high_paths, "contact_email": sa.contact_email})
    if changed_ids:
        keys = set()
        for cid in overlay.changes:
            keys.add(cid)
            chain = facts.current_cid(cid)
            if get(chain, "current"):
                keys.add(str(get(chain, "current")))
        seen = set()
        for h in store.reports(smelter_keys=sorted(keys), supplier_ids=changed_ids, year=year):
            did = get(h, "declaration_id")
            if did in seen:
                continue
            seen.add(did)
            info = store.declaration(did)
            result.declarations.append({"declaration_id": did, "supplier_id": get(h, "supplier_id"),
                                        "file_name": get(h, "file_name"), "scope": get(info, "scope"),
                                        "scope_description": get(info, "scope_description"),
                                        "reporting_year": get(h, "reporting_year")})
    return result
