"""Which supplier a declaration belongs to: the master list when there is one, else its own name.

Why its own module: the link decides whose smelters are whose, so it must be predictable and
explainable (the method is shown per file). Matching itself (ID, exact name/alias, e-mail
domain, rapidfuzz on the name) is `ingest.suppliers.match_supplier`, shared with the
programme views; this module turns the result into a graph `SupplierRecord` and makes the
fallback id ``decl:<normalised company name>`` so the same company always lands on the same
node, across files and across runs.

Identity: the link is shown with the names it compared (`match_shown`), and a fuzzy or name-variant
master-list match is a proposal kept on the form as a hold (`identity_hold`): such a form never displaces
the supplier's current form until an analyst accepts it (graph.current has the whole supersede rule).

Nothing is dropped: a master list imported (or changed) after the forms relinks the stored ones
(`relink_store`, run by `survey import-suppliers`, `ingest --supplier-map`, the explorer's import and
`minetrace survey relink`); a responder still not on the master list keeps its declared-name supplier and
is listed with its best master-list candidates (queries.linking). An analyst's link (`survey link`, the
Overview's button) is a decision: remembered in the store (a `supplier_link` record keyed by the declared
name), applied to the stored forms at once and to every later form under that name, before any matching.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from minetrace.graph import schema as S
from minetrace.graph.current import email_domain
from minetrace.graph.store import GraphStore, SupplierRecord
from minetrace.ingest.records import Declaration
from minetrace.ingest.suppliers import MasterSupplier, match_supplier, normalise_company, read_supplier_list


def declared_supplier_id(company_name: str | None, sha256: str) -> str:
    """`decl:<normalised name>`; a declaration without a company name gets its own `decl:?<sha12>`."""
    key = normalise_company(company_name)
    if key:
        return S.DECLARED_SUPPLIER_PREFIX + key
    return f"{S.DECLARED_SUPPLIER_PREFIX}?{hashlib.sha256(sha256.encode()).hexdigest()[:12]}"


def to_record(m: MasterSupplier) -> SupplierRecord:
    return SupplierRecord(id=m.id, name=m.name, aliases=list(m.aliases), category=m.category,
                          last_purchase=m.last_purchase.isoformat() if m.last_purchase else None,
                          contact_email=m.contact_email, email_domain=m.email_domain or email_domain(m.contact_email),
                          spend=m.spend, contact_name=m.contact_name, language=m.language)


#: link method of an analyst's decision (remembered, applied before any matching)
ANALYST = "analyst"


class SupplierLinker:
    """Links declarations to suppliers; without a master list every company is its own supplier.

    `decisions`: normalised declared company name → master-list supplier id (an analyst's links)."""

    def __init__(self, masters: list[MasterSupplier] | None = None, decisions: dict[str, str] | None = None) -> None:
        self.masters = list(masters or [])
        self.records = [to_record(m) for m in self.masters]
        self._by_id = {r.id: r for r in self.records}
        self.decisions = {k: v for k, v in (decisions or {}).items() if v in self._by_id}

    @classmethod
    def from_file(cls, path: str | Path) -> tuple[SupplierLinker, list[str]]:
        """(linker, finding messages) from a master-list file (CSV, xlsx, xls, ods)."""
        result = read_supplier_list(path)
        msgs = [f"{f.location}: {f.message}" for f in result.findings]
        return cls(result.suppliers), msgs

    def _disambiguate(self, company: str | None, email: str | None, first: str) -> str:
        """Several master suppliers share the normalised name ("Atlas Components Inc." and "… Pte. Ltd."):
        the literal name, then the contact e-mail's domain, picks one when it can; else the first stands."""
        key = normalise_company(company)
        same = [m for m in self.masters
                if normalise_company(m.name) == key or any(normalise_company(a) == key for a in m.aliases)]
        if len(same) < 2:
            return first
        exact = " ".join((company or "").casefold().split())
        literal = [m for m in same if exact in {" ".join(n.casefold().split()) for n in (m.name, *m.aliases)}]
        if len(literal) == 1:
            return literal[0].id
        domain = email_domain(email)
        if not domain:
            return first
        by_domain = [m for m in same if (m.email_domain or email_domain(m.contact_email)) == domain]
        return by_domain[0].id if len(by_domain) == 1 else first

    def link(self, decl: Declaration) -> tuple[SupplierRecord, str]:
        """(supplier, method): method is id/name/alias/email_domain/fuzzy, or "declared"."""
        c = decl.company
        decided = self.decisions.get(normalise_company(c.name)) if c.name else None
        if decided is not None:
            return self._by_id[decided], ANALYST
        if self.masters:
            hit = match_supplier(c.name, c.contact_email, self.masters, unique_id=c.unique_id)
            if hit is not None and hit.method in ("name", "alias"):
                hit_id = self._disambiguate(c.name, c.contact_email, hit.supplier_id)
                if hit_id != hit.supplier_id:
                    return self._by_id[hit_id], f"{hit.method} (disambiguated)"
            if hit is not None and hit.supplier_id in self._by_id:
                method = f"fuzzy {hit.score:.0f}" if hit.method == "fuzzy" else hit.method
                return self._by_id[hit.supplier_id], method
        sid = declared_supplier_id(c.name, decl.file.sha256)
        name = c.name or f"(no company name: {decl.file.name})"
        rec = SupplierRecord(id=sid, name=name, contact_email=c.contact_email,
                             email_domain=email_domain(c.contact_email))
        return rec, "declared" if not self.masters else "declared (not on master list)"


def _best_name(company: str | None, record: SupplierRecord) -> str:
    """The master-list name (or alias) closest to what the file typed."""
    names = [record.name, *(record.aliases or [])]
    key = normalise_company(company)
    exact = [n for n in names if normalise_company(n) == key]
    if exact or not key:
        return (exact or names)[0]
    from rapidfuzz import fuzz

    return max(names, key=lambda n: fuzz.token_sort_ratio(key, normalise_company(n)))


def match_shown(decl: Declaration, record: SupplierRecord, method: str) -> str:
    """How the file was tied to the supplier, with the names compared (shown per file and kept)."""
    typed = decl.company.name or "(no company name)"
    if method.startswith("declared"):
        return f"{typed!r}: the name the file declares (no master-list link)"
    if method == "id":
        return f"unique ID {decl.company.unique_id!r} = master-list ID {record.id}"
    if method == "email_domain":
        return f"contact domain {email_domain(decl.company.contact_email)} = master list's {record.email_domain}"
    if method == ANALYST:
        return f"{typed!r} linked to {record.id} {record.name!r} by an analyst"
    sign = "~" if is_proposal(method) else "="
    return f"{typed!r} {sign} {_best_name(decl.company.name, record)!r} ({method})"


def identity_hold(decl: Declaration, record: SupplierRecord, method: str) -> str | None:
    """Why this form's link to its supplier is not confirmed (kept on the form: it may not displace the
    supplier's current form until an analyst accepts it), or None. A file only claims a company: a fuzzy
    master-list name match is not enough to speak for that supplier. (Another contact e-mail domain than
    the supplier's is judged over the supplier's forms by graph.current.)"""
    if method.startswith("fuzzy"):
        return f"identity unconfirmed: {match_shown(decl, record, method)} is only a fuzzy master-list match"
    if method == "name_variant":
        return (f"identity unconfirmed: {match_shown(decl, record, method)} matches only without the legal form or "
                "parent wording")
    return None


def is_proposal(method: str) -> bool:
    """A name match that only proposes the link (fuzzy, name variant): the form is linked but held."""
    return method.startswith("fuzzy") or method == "name_variant"


# ---------------------------------------------------------------------------------------------- the store's linker
def masters_in(store: GraphStore) -> list[MasterSupplier]:
    """The master-list suppliers the store holds, as the linker reads them."""
    out = []
    for s in store.suppliers():
        if getattr(s, "origin", None) != S.ORIGIN_MASTER:
            continue
        try:
            last = date.fromisoformat(str(s.last_purchase)[:10]) if s.last_purchase else None
        except ValueError:
            last = None
        out.append(MasterSupplier(id=s.id, name=s.name, aliases=list(s.aliases or []), category=s.category,
                                  last_purchase=last, contact_email=s.contact_email, email_domain=s.email_domain,
                                  spend=s.spend, contact_name=getattr(s, "contact_name", None),
                                  language=getattr(s, "language", None)))
    return out


def link_decisions(store: GraphStore) -> dict[str, dict[str, Any]]:
    """The analysts' links remembered in the store: normalised declared name → {declared_name, supplier_id,
    decided, note}."""
    return {r.key: {**r.data, "supplier_id": r.supplier_id} for r in store.campaign_records(kind=S.SUPPLIER_LINK)}


def linker_for_store(store: GraphStore) -> SupplierLinker:
    """A linker over the store's master list and its analysts' links (what every ingest without a master-list
    file, and every relink, uses)."""
    return SupplierLinker(masters_in(store), {k: v["supplier_id"] for k, v in link_decisions(store).items()})


def remember_link(store: GraphStore, company_name: str, supplier_id: str, note: str = "",
                  day: date | None = None) -> str:
    """Record an analyst's link of a declared company name to a master-list supplier (kept in the store, applied
    to every stored and later form under that name). Returns the key (the normalised name)."""
    from minetrace.graph.store import CampaignRecord

    key = normalise_company(company_name)
    if not key:
        raise ValueError("a form without a company name cannot be linked by name; link it by its file instead")
    store.save_campaign_records([CampaignRecord(S.SUPPLIER_LINK, key, supplier_id, {
        "declared_name": company_name, "decided": (day or date.today()).isoformat(), "note": note})])
    return key


@dataclass
class MovedForm:
    declaration_id: str
    file_name: str | None
    company_name: str | None
    from_id: str
    to_id: str
    to_name: str
    method: str
    hold: str | None = None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class RelinkReport:
    """What a relink changed: forms filed under another supplier, holds cleared or set."""

    checked: int = 0
    moved: list[MovedForm] = field(default_factory=list)
    holds_changed: int = 0
    dry_run: bool = False

    def to_json(self) -> dict[str, Any]:
        return {"checked": self.checked, "moved": [m.to_json() for m in self.moved],
                "holds_changed": self.holds_changed, "dry_run": self.dry_run}

    def summary(self) -> str:
        verb = "would file" if self.dry_run else "filed"
        n = len(self.moved)
        return (f"{self.checked} stored form(s) checked against the master list: {verb} {n} under a master-list "
                f"supplier" + (f", {self.holds_changed} identity hold(s) updated" if self.holds_changed else ""))


def as_declaration(info: Any) -> Any:
    """The parts of a stored form the linker reads (company block, file), from a `DeclarationInfo`."""
    company = SimpleNamespace(name=info.company_name, contact_email=info.contact_email,
                              unique_id=info.company_unique_id)
    return SimpleNamespace(company=company, file=SimpleNamespace(sha256=info.id, name=info.file_name))


def relink_store(store: GraphStore, linker: SupplierLinker | None = None, dry_run: bool = False,
                 declaration_ids: list[str] | None = None) -> RelinkReport:
    """Link every stored form again with the store's master list and analysts' links: a form on a declared-name
    supplier that now matches a master-list supplier moves there (a name proposal held, an analyst's link or an
    exact match not); a form already on a master-list supplier moves only to another master-list supplier, never
    back to its declared name (nothing a user linked is undone by a master list that lost a row)."""
    linker = linker or linker_for_store(store)
    report = RelinkReport(dry_run=dry_run)
    if not linker.masters:
        return report
    masters = {r.id for r in linker.records}
    wanted = set(declaration_ids) if declaration_ids is not None else None
    for info in store.declarations(current_only=False):
        if wanted is not None and info.id not in wanted:
            continue
        report.checked += 1
        decl = as_declaration(info)
        record, method = linker.link(decl)
        if record.id not in masters:
            continue  # still no master-list supplier: stays where it is (listed as not on the master list)
        hold = identity_hold(decl, record, method)
        if record.id == info.supplier_id:
            if info.hold and hold is None:  # the link became certain (an analyst's link, a new alias): hold cleared
                report.holds_changed += 1
                if not dry_run:
                    store.relink_declaration(info.id, record, None)
            continue
        if info.supplier_id in masters and method != ANALYST and is_proposal(method):
            continue  # a master-list link is not replaced by a mere name proposal
        report.moved.append(MovedForm(info.id, info.file_name, info.company_name, info.supplier_id, record.id,
                                      record.name, method, hold))
        if not dry_run:
            store.relink_declaration(info.id, record, hold)
    return report
