"""Which supplier a declaration belongs to: the master list when there is one, else its own name.

Why its own module: the link decides whose smelters are whose, so it must be predictable and
explainable (the method is shown per file). Matching itself (ID, exact name/alias, e-mail
domain, rapidfuzz on the name) is `ingest.suppliers.match_supplier`, shared with the
programme views; this module turns the result into a graph `SupplierRecord` and makes the
fallback id ``decl:<normalised company name>`` so the same company always lands on the same
node, across files and across runs.

Identity: the link is shown with the names it compared (`match_shown`), and a fuzzy master-list match
is kept on the form as a hold (`identity_hold`): such a form never displaces the supplier's current
form until an analyst accepts it (graph.current has the whole supersede rule).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from graph import schema as S
from graph.current import email_domain
from graph.store import SupplierRecord
from ingest.records import Declaration
from ingest.suppliers import MasterSupplier, match_supplier, normalise_company, read_supplier_list


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


class SupplierLinker:
    """Links declarations to suppliers; without a master list every company is its own supplier."""

    def __init__(self, masters: list[MasterSupplier] | None = None) -> None:
        self.masters = list(masters or [])
        self.records = [to_record(m) for m in self.masters]
        self._by_id = {r.id: r for r in self.records}

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
        if self.masters:
            hit = match_supplier(c.name, c.contact_email, self.masters, unique_id=c.unique_id)
            if hit is not None and hit.method in ("name", "alias"):
                hit_id = self._disambiguate(c.name, c.contact_email, hit.supplier_id)
                if hit_id != hit.supplier_id:
                    return self._by_id[hit_id], f"{hit.method} (disambiguated)"
            if hit is not None and hit.supplier_id in self._by_id:
                method = hit.method if hit.method != "fuzzy" else f"fuzzy {hit.score:.0f}"
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
    sign = "~" if method.startswith("fuzzy") else "="
    return f"{typed!r} {sign} {_best_name(decl.company.name, record)!r} ({method})"


def identity_hold(decl: Declaration, record: SupplierRecord, method: str) -> str | None:
    """Why this form's link to its supplier is not confirmed (kept on the form: it may not displace the
    supplier's current form until an analyst accepts it), or None. A file only claims a company: a fuzzy
    master-list name match is not enough to speak for that supplier. (Another contact e-mail domain than
    the supplier's is judged over the supplier's forms by graph.current.)"""
    if method.startswith("fuzzy"):
        return f"identity unconfirmed: {match_shown(decl, record, method)} is only a fuzzy master-list match"
    return None
