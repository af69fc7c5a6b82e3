"""Re-resolve what is already stored after an analyst decides: `minetrace reference apply-decisions`.

Why: a decision (``minetrace reference decide --accept/--reject``) changes how *later* ingests resolve a
raw name + metal + country, but the declarations already in the graph still point at the provisional
smelter (or the rejected CID) they were stored with. This module finds the stored REPORTS edges whose
raw name + metal + country has a decision, re-resolves each row from its stored raw evidence with the
reference resolver, and re-points the edges through `GraphStore.relink_reports` — one transaction per
declaration, on either store.

Only what the decision settles changes: an edge moves when the re-resolution used the decision
(method "decision") or when the edge points at a CID the decision rejects. Rows whose own CID
resolved them are left alone (the CID outranks a name decision, as at ingest).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from minetrace.graph.countries import to_iso2
from minetrace.graph.rows import smelter_key_for
from minetrace.graph.store import GraphStore, ReportHop, ReportRelink
from minetrace.ingest.records import SmelterRow


@dataclass
class RelinkedRow:
    declaration_id: str
    file_name: str | None
    supplier_id: str
    row: int
    metal: str | None
    raw_name: str | None
    raw_country: str | None
    old_key: str
    new_key: str
    method: str

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class ApplyReport:
    decisions: int = 0
    edges_checked: int = 0  # stored edges whose raw name + metal + country has a decision
    rows: list[RelinkedRow] = field(default_factory=list)
    declarations: int = 0
    relinked: int = 0  # edges the store changed (0 on a dry run)
    dry_run: bool = False

    def to_json(self) -> dict[str, Any]:
        return {"decisions": self.decisions, "edges_checked": self.edges_checked, "declarations": self.declarations,
                "relinked": self.relinked, "dry_run": self.dry_run, "rows": [r.to_json() for r in self.rows]}

    def summary(self) -> str:
        verb = "would relink" if self.dry_run else "relinked"
        n = len(self.rows) if self.dry_run else self.relinked
        return (f"{self.decisions} decision(s); {self.edges_checked} stored row(s) match one; {verb} {n} row(s) "
                f"in {self.declarations} form(s)")


def _row(hop: ReportHop) -> SmelterRow:
    """The smelter-list row as far as the edge kept it (raw name, raw CID, raw country, look-up kind)."""
    return SmelterRow(row=hop.row, metal=hop.metal, lookup_kind=hop.lookup_kind,  # type: ignore[arg-type]
                      name=hop.raw_name, country=hop.raw_country, cid=hop.raw_cid)


def plan(store: GraphStore, resolver: Any) -> tuple[ApplyReport, dict[str, list[ReportRelink]]]:
    """What applying the resolver's decisions would change: (report, declaration id → updates)."""
    decisions = resolver.decisions
    report = ApplyReport(decisions=len(decisions))
    updates: dict[str, list[ReportRelink]] = {}
    metals = sorted({d.metal for d in decisions.entries})
    if not metals:
        return report, updates
    for hop in store.reports(metals=metals, current_only=False):
        decision = decisions.find(hop.metal, hop.raw_name, to_iso2(hop.raw_country))
        if decision is None:
            continue
        report.edges_checked += 1
        row = _row(hop)
        res = resolver.resolve(row)
        key = smelter_key_for(row, res)
        if key == hop.smelter_key:
            continue
        if res.method != "decision" and hop.smelter_key not in decision.reject:
            continue  # the decision does not settle this row (its CID did, or nothing changed)
        declared = to_iso2(hop.raw_country)
        updates.setdefault(hop.declaration_id, []).append(ReportRelink(
            row=hop.row, smelter_key=key, cid=res.cid, metal=res.metal or hop.metal,
            name=res.standard_name or hop.raw_name, country_iso2=res.country_iso2 or declared, method=res.method,
            score=float(res.score), resolution_status=res.status, given_cid=res.given_cid,
            country_source="resolution" if res.country_iso2 else "declared"))
        report.rows.append(RelinkedRow(hop.declaration_id, hop.file_name, hop.supplier_id, hop.row, hop.metal,
                                       hop.raw_name, hop.raw_country, hop.smelter_key, key, res.method))
    report.declarations = len(updates)
    return report, updates


def apply_decisions(store: GraphStore, resolver: Any, dry_run: bool = False) -> ApplyReport:
    """Re-point every stored edge a decision settles; one `relink_reports` transaction per declaration."""
    report, updates = plan(store, resolver)
    report.dry_run = dry_run
    if not dry_run:
        for declaration_id, ups in updates.items():
            report.relinked += store.relink_reports(declaration_id, ups)
    return report
