"""Which declaration of a supplier's (year, scope) is current, and which newer ones wait: the supersede rule.

Why its own module: both stores (embedded SQL, Neo4j Cypher) and the tests must apply one rule, and it
decides whose smelters count in every figure. A file only *claims* a company, so a newer form does not
simply replace the current one. A form is *held* when its identity is not confirmed:

* its link to the supplier was only a fuzzy master-list name match (`hold`, set when it arrived);
* its contact e-mail domain is not the supplier's: the master list's domain when the supplier is on it,
  else the domain of the supplier's earliest form (by effective date, then ingest order) — whatever
  order the files arrive in — or of a form an analyst accepted;

and an invalid form cannot displace a valid one. Either holds until an analyst accepts the form
(`accepted`, `minetrace store accept SHA`) or the supplier sends a fixed form. A newer, held-back form is
*pending*, and says why.

So: current = the newest (effective date, then ingest order) of the valid-or-accepted forms not held;
when there is none, the newest not held; when every form is held, the newest. The Neo4j store runs the
same rule in Cypher (`graph.neo4j_store.current_rule_cypher`); the contract tests hold both to it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from minetrace.graph.store import GraphStore, IngestOutcome

INVALID_PENDING = "invalid form: the valid form {current} stays current until this one is fixed or accepted"
DOMAIN_HOLD = "identity unconfirmed: contact e-mail domain {domain} differs from the supplier's {identity}"


@dataclass(frozen=True)
class GroupForm:
    """One declaration of a (supplier, year, scope) group, as the rule sees it."""

    id: str
    effective_date: str  # ISO, '' when none
    seq: int  # ingest order
    status: str  # valid | invalid
    hold: str | None = None  # why its link is not confirmed (a fuzzy master-list match), set on arrival
    accepted: bool = False
    file_name: str | None = None
    domain: str | None = None  # its contact e-mail domain

    @property
    def order(self) -> tuple[str, int]:
        return self.effective_date or "", self.seq


def email_domain(email: str | None) -> str | None:
    """The domain of a contact e-mail, lower case ("Alex <a@Acme.example>" → "acme.example"), or None."""
    if not email or "@" not in email:
        return None
    return email.rsplit("@", 1)[1].strip().strip(">").strip().lower() or None


def held(forms: list[GroupForm], master_domain: str | None = None) -> dict[str, str]:
    """{id: why} of the forms whose identity is not confirmed (accepted ones never are held)."""
    dated = sorted((f for f in forms if f.domain), key=lambda f: f.order)
    identity = master_domain or (dated[0].domain if dated else None)
    allowed = {identity} | {f.domain for f in forms if f.accepted and f.domain}
    out: dict[str, str] = {}
    for f in forms:
        if f.accepted:
            continue
        if f.hold:
            out[f.id] = f.hold
        elif identity and f.domain and f.domain not in allowed:
            out[f.id] = DOMAIN_HOLD.format(domain=f.domain, identity=identity)
    return out


def current_of(forms: list[GroupForm], master_domain: str | None = None) -> tuple[GroupForm, dict[str, str]]:
    """(the current form, {id of a pending form: why}) for one non-empty group."""
    holds = held(forms, master_domain)
    trusted = [f for f in forms if f.id not in holds]
    strong = [f for f in trusted if f.accepted or f.status == "valid"]
    current = max(strong or trusted or forms, key=lambda f: f.order)
    pending: dict[str, str] = {}
    for f in forms:
        if f.id != current.id and f.order > current.order:
            pending[f.id] = holds.get(f.id) or INVALID_PENDING.format(current=current.file_name or current.id[:12])
    return current, pending


def outcome_of(status: str, sha: str, supplier_id: str, year: int | None, scope: str | None,
               current_id: str | None, supersedes: list[str], pending: str | None) -> IngestOutcome:
    """The outcome of storing declaration `sha` once its group was recomputed."""
    is_current = current_id == sha
    if status == "invalid":
        outcome = "invalid_stored"
    elif is_current:
        outcome = "new"
    else:
        outcome = "pending" if pending else "superseded"
    if supersedes:
        msg = "supersedes " + ", ".join(s[:12] for s in supersedes)
    elif pending:
        msg = f"pending: {pending}"
    elif not is_current:
        msg = f"history: {str(current_id)[:12]} is newer for {supplier_id} {year} scope {scope or '-'}"
    else:
        msg = ""
    return IngestOutcome(outcome, sha, supplier_id, year, scope, is_current, supersedes,  # type: ignore[arg-type]
                         None if is_current else current_id, msg, pending)


def pending_by_supplier(store: GraphStore, year: int | None = None) -> dict[str, list[dict[str, Any]]]:
    """supplier id → its newer forms held back ({declaration_id, file_name, reporting_year, status, reason,
    current}): what "newer form pending" shows on a supplier."""
    out: dict[str, list[dict[str, Any]]] = {}
    for d in store.declarations(year=year, current_only=False):
        if d.pending:
            out.setdefault(d.supplier_id, []).append({
                "declaration_id": d.id, "file_name": d.file_name, "reporting_year": d.reporting_year,
                "status": d.status, "reason": d.pending, "current": d.superseded_by})
    return out
