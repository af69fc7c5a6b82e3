"""Responders the master list does not (yet) account for: forms filed under the name they declare, and forms
linked only by a name proposal — each with the master-list suppliers it may be and the command that links it.

Why: a response must never be dropped silently. A company whose form names it differently from the master
list ("EMD Electronics, a business of Merck KGaA, Darmstadt, Germany" vs "EMD Electronics") would otherwise
show as "not contacted" while its form sits under a declared-name supplier, and the analyst would chase a
supplier who already answered. `survey status` (text and JSON), the explorer's Overview and the responses
export list them from here; the link itself is an analyst's decision (`minetrace survey link`,
graph.supplier_link.remember_link), remembered for later forms.

Example:
    >>> rows = unlinked_responders(store, 2024)                                  # doctest: +SKIP
    >>> rows[0].company_name, rows[0].candidates[0].supplier_id, rows[0].link_command   # doctest: +SKIP
    ('EMD Electronics, a business of Merck KGaA, …', 'S001', "minetrace survey link 'EMD Electronics, …' --to S001")
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field
from typing import Any

from minetrace.graph import schema as S
from minetrace.graph.store import GraphStore
from minetrace.graph.supplier_link import masters_in
from minetrace.ingest.suppliers import SupplierCandidate, candidates

#: why a responder is listed
NOT_ON_MASTER_LIST = "not_on_master_list"
NAME_PROPOSAL = "name_proposal"


@dataclass
class UnlinkedResponder:
    """One form the master list does not account for."""

    declaration_id: str
    file_name: str | None
    company_name: str | None
    supplier_id: str  # where the form is filed now (a declared-name supplier, or the proposed master supplier)
    reporting_year: int | None
    status: str
    kind: str  # not_on_master_list | name_proposal
    contact_email: str | None = None
    hold: str | None = None
    candidates: list[SupplierCandidate] = field(default_factory=list)

    @property
    def link_command(self) -> str:
        """The one command that links it to its best candidate (remembered for later forms)."""
        target = self.candidates[0].supplier_id if self.candidates else "SUPPLIER_ID"
        what = self.company_name or self.file_name or self.declaration_id
        return f"minetrace survey link {shlex.quote(str(what))} --to {shlex.quote(target)}"

    def to_json(self) -> dict[str, Any]:
        return {"declaration_id": self.declaration_id, "file_name": self.file_name,
                "company_name": self.company_name, "supplier_id": self.supplier_id,
                "reporting_year": self.reporting_year, "status": self.status, "kind": self.kind,
                "contact_email": self.contact_email, "hold": self.hold,
                "candidates": [c.to_json() for c in self.candidates], "link_command": self.link_command}


def unlinked_responders(store: GraphStore, year: int | None, limit: int = 3) -> list[UnlinkedResponder]:
    """Current forms of `year` (None: every year) filed under a declared-name supplier while a master list exists,
    and forms linked to a master-list supplier only by a name proposal (held); each with its best master-list
    candidates. Empty without a master list (every company is then its own supplier)."""
    masters = masters_in(store)
    if not masters:
        return []
    names = {m.id: m for m in masters}
    every = store.declarations(current_only=False)
    # contact domains of the forms already filed under a master-list supplier: a stranger's form with the same
    # domain is that supplier's candidate too
    domains: dict[str, set[str]] = {}
    for d in every:
        if d.supplier_id in names and d.contact_domain and not d.hold:
            domains.setdefault(d.contact_domain, set()).add(d.supplier_id)
    out: list[UnlinkedResponder] = []
    for d in (every if year is None else [x for x in every if x.reporting_year == year]):
        if not (d.current or d.pending):
            continue
        declared = str(d.supplier_id).startswith(S.DECLARED_SUPPLIER_PREFIX) or d.supplier_id not in names
        proposal = not declared and bool(d.hold) and "identity unconfirmed" in str(d.hold) and \
            ("fuzzy" in str(d.hold) or "parent wording" in str(d.hold))
        if not (declared or proposal):
            continue
        cands = candidates(d.company_name, d.contact_email, masters, limit=limit)
        for sid in sorted(domains.get(d.contact_domain or "", set()) - {c.supplier_id for c in cands}):
            cands.insert(0, SupplierCandidate(sid, names[sid].name, 90.0,
                                              f"contact e-mail domain {d.contact_domain} of {sid}'s other forms"))
        cands = sorted(cands, key=lambda c: -c.score)[:limit]
        if proposal and not any(c.supplier_id == d.supplier_id for c in cands):
            m = names[d.supplier_id]
            cands = [SupplierCandidate(m.id, m.name, 0.0, "the proposed link"), *cands][:limit]
        if proposal:  # the proposed supplier first: confirming it is the likely action
            cands.sort(key=lambda c: (c.supplier_id != d.supplier_id, -c.score))
        out.append(UnlinkedResponder(d.id, d.file_name, d.company_name, d.supplier_id, d.reporting_year, d.status,
                                     NOT_ON_MASTER_LIST if declared else NAME_PROPOSAL, d.contact_email,
                                     d.hold if proposal else None, cands))
    out.sort(key=lambda r: (r.kind != NOT_ON_MASTER_LIST, str(r.company_name or r.file_name or "").lower()))
    return out
