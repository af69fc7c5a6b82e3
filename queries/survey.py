"""Survey status per supplier and the program's response figures.

Why: the report's yardstick sentence — "264 of 323 in-scope suppliers responded (81.7 %); 30 of the
forms were invalid" — has to come out of the inputs, with every supplier's status traceable: not
contacted, contacted (dates and follow-up count), responded valid, responded invalid, out of scope.
A supplier has responded when a declaration for the year is on file (or a `responded` event was
logged for a reply that is not a readable CMRT — counted as an invalid response). Valid means every
current declaration of the supplier for the year passed validation.

Example:
    >>> from datetime import date
    >>> sups = [{"id": "S1", "name": "A", "category": "direct"}, {"id": "S2", "name": "B", "category": "direct"}]
    >>> decls = {"S1": [{"id": "h1", "file_name": "a.xlsx", "status": "valid"}]}
    >>> rows = survey_status(sups, decls, events=[], reference_date=date(2016, 12, 31))
    >>> [(r.supplier_id, r.status) for r in rows], survey_figures(rows).response_rate
    ([('S1', 'responded_valid'), ('S2', 'not_contacted')], 50.0)
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from minetrace.graph.store import GraphStore
from minetrace.queries._access import as_date, get, iso
from minetrace.queries.policy import Policy, load_policy
from minetrace.queries.scoping import decide_scope, manual_out_of_scope

STATUSES = ("not_contacted", "contacted", "responded_valid", "responded_invalid", "out_of_scope")
EVENT_KINDS = ("contacted", "follow_up", "responded", "out_of_scope", "in_scope", "note")


@dataclass
class SupplierSurveyStatus:
    supplier_id: str
    name: str | None
    status: str  # one of STATUSES
    in_scope: bool
    scope_reason: str
    contact_email: str | None = None
    category: str | None = None
    contacted_on: str | None = None  # first `contacted` event
    follow_ups: int = 0
    follow_up_dates: list[str] = field(default_factory=list)
    last_contact: str | None = None
    responded_on: str | None = None
    declarations: list[dict[str, Any]] = field(default_factory=list)
    invalid_reasons: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class SurveyFigures:
    master_list: int
    out_of_scope: int
    out_of_scope_by_reason: dict[str, int]
    in_scope: int
    contacted: int
    not_contacted: int
    responded: int
    response_rate: float | None  # percent, one decimal; None without in-scope suppliers (no master list)
    valid: int
    invalid: int
    not_responded: int
    follow_ups: int
    unlisted_responders: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        if self.response_rate is None:
            return (f"no in-scope suppliers (no master list imported): no response rate; {self.valid} valid, "
                    f"{self.invalid} invalid")
        return (f"{self.responded} of {self.in_scope} in-scope suppliers responded ({self.response_rate:.1f} %); "
                f"{self.valid} valid, {self.invalid} invalid")

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["text"] = self.text
        return data


def _decl_summary(d: Any) -> dict[str, Any]:
    return {
        "id": get(d, "id") or get(d, "sha256"),
        "file_name": get(d, "file_name"),
        "status": get(d, "status"),
        "template_version": get(d, "template_version"),
        "reporting_year": get(d, "reporting_year"),
        "received": iso(get(d, "received")),
    }


def _invalid_reasons(d: Any) -> list[str]:
    from minetrace.queries._access import as_json
    findings = as_json(get(d, "findings_json"), None) or get(d, "findings") or []
    out = []
    for f in findings:
        if get(f, "severity") == "error":
            out.append(f"{get(f, 'code')}: {get(f, 'message')} ({get(f, 'location')})")
    return out


def latest_per_scope(decls: list[Any]) -> list[Any]:
    """The newest declaration per declaration scope (by reporting year, then ingest time): a corrected
    form replaces an invalid one even when the two carry effective dates in different years."""
    best: dict[Any, Any] = {}
    for d in decls:
        k = get(d, "scope")
        rank = (get(d, "reporting_year") or 0, str(get(d, "received") or ""))
        if k not in best or rank >= (get(best[k], "reporting_year") or 0, str(get(best[k], "received") or "")):
            best[k] = d
    return list(best.values())


def survey_status(
    suppliers: Iterable[Any],
    declarations: Mapping[str, list[Any]],
    events: Iterable[Any],
    reference_date: date,
    policy: Policy | None = None,
    since: date | None = None,
) -> list[SupplierSurveyStatus]:
    """Status of every master-list supplier. `declarations` maps supplier id → its current declarations
    for the reporting year; `events` are survey events (kind, date, note); events before `since` are ignored."""
    policy = policy or load_policy()
    events = [e for e in events if since is None or (as_date(get(e, "date")) or date.max) >= since]
    manual = manual_out_of_scope(events)
    by_supplier: dict[str, list[Any]] = defaultdict(list)
    for ev in events:
        by_supplier[str(get(ev, "supplier_id"))].append(ev)
    rows: list[SupplierSurveyStatus] = []
    for sup in suppliers:
        sid = str(get(sup, "id"))
        decision = decide_scope(sup, reference_date, policy, manual)
        evs = sorted(by_supplier.get(sid, []), key=lambda e: str(iso(get(e, "date")) or ""))
        contacted = [str(iso(get(e, "date"))) for e in evs if get(e, "kind") == "contacted"]
        follow = [str(iso(get(e, "date"))) for e in evs if get(e, "kind") == "follow_up"]
        responded_ev = [str(iso(get(e, "date"))) for e in evs if get(e, "kind") == "responded"]
        contact_dates = contacted + follow
        row = SupplierSurveyStatus(
            supplier_id=sid, name=get(sup, "name"), status="not_contacted", in_scope=decision.in_scope,
            scope_reason=decision.reason, contact_email=get(sup, "contact_email"), category=decision.category,
            contacted_on=contacted[0] if contacted else (follow[0] if follow else None),
            follow_ups=len(follow) + max(0, len(contacted) - 1), follow_up_dates=follow + contacted[1:],
            last_contact=max(contact_dates) if contact_dates else None,
            notes=[f"{iso(get(e, 'date'))} {get(e, 'kind')}: {get(e, 'note')}" for e in evs if get(e, "note")],
        )
        decls = list(declarations.get(sid, []))
        row.declarations = [_decl_summary(d) for d in decls]
        if not decision.in_scope:
            row.status = "out_of_scope"
        elif decls:
            invalid = [d for d in latest_per_scope(decls) if get(d, "status") != "valid"]
            row.status = "responded_invalid" if invalid else "responded_valid"
            for d in invalid:
                row.invalid_reasons.extend(_invalid_reasons(d) or [f"{get(d, 'file_name')}: invalid"])
            received = sorted(str(iso(get(d, "received")) or "") for d in decls)
            row.responded_on = (responded_ev[0] if responded_ev else None) or (received[0][:10] or None)
        elif responded_ev:
            row.status = "responded_invalid"
            row.responded_on = responded_ev[0]
            row.invalid_reasons.append("response logged without a readable declaration on file")
        elif contact_dates:
            row.status = "contacted"
        rows.append(row)
    return rows


def survey_figures(rows: list[SupplierSurveyStatus], unlisted_responders: Iterable[str] = (),
                   policy: Policy | None = None) -> SurveyFigures:
    """The program's figures from the per-supplier statuses."""
    policy = policy or load_policy()
    status = Counter(r.status for r in rows)
    inside = [r for r in rows if r.in_scope]
    out = [r for r in rows if not r.in_scope]
    reasons = Counter(_reason_code(r.scope_reason) for r in out)
    valid = status["responded_valid"]
    invalid = status["responded_invalid"]
    responded = valid + invalid if policy.survey.count_invalid_as_responded else valid
    rate = round(100.0 * responded / len(inside), 1) if inside else None
    contacted = sum(1 for r in inside if r.contacted_on or r.status.startswith("responded"))
    return SurveyFigures(
        master_list=len(rows), out_of_scope=len(out), out_of_scope_by_reason=dict(sorted(reasons.items())),
        in_scope=len(inside), contacted=contacted, not_contacted=len(inside) - contacted, responded=responded,
        response_rate=rate, valid=valid, invalid=invalid, not_responded=len(inside) - valid - invalid,
        follow_ups=sum(r.follow_ups for r in inside), unlisted_responders=sorted(unlisted_responders))


def _reason_code(reason: str) -> str:
    if reason.startswith("marked out of scope"):
        return "manual"
    if reason.startswith("service"):
        return "service"
    if reason.startswith("indirect"):
        return "indirect"
    if reason.startswith("inactive"):
        return "inactive"
    if reason.startswith("no last purchase"):
        return "no_date"
    return reason.split(" ", 1)[0]


def program_reference_date(model: Any) -> date:
    """The date scoping measures inactivity back from and survey statuses are taken at: 31 December of the
    year the model rates (`model.year`), else the model's as-of date. The CLI, the roll-up, the exports
    and the explorer all use it, so one program gives one set of survey figures."""
    year = getattr(model, "year", None)
    return date(year, 12, 31) if year else model.as_of


def store_survey(store: GraphStore, year: int | None, reference_date: date | None = None, policy: Policy | None = None,
                 since: date | None = None) -> tuple[list[SupplierSurveyStatus], SurveyFigures]:
    """Statuses and figures straight from a graph store, for one reporting year (None = every year)."""
    policy = policy or load_policy()
    ref = reference_date or (date(year, 12, 31) if year else date.today())
    sups = [s for s in store.suppliers() if not str(get(s, "id")).startswith("decl:")]
    listed = {str(get(s, "id")) for s in sups}
    decls: dict[str, list[Any]] = defaultdict(list)
    unlisted: set[str] = set()
    for d in store.declarations(year=year, current_only=True):
        sid = str(get(d, "supplier_id"))
        decls[sid].append(d)
        if sid not in listed:
            unlisted.add(sid)
    rows = survey_status(sups, decls, store.survey_events(), ref, policy, since)
    return rows, survey_figures(rows, unlisted, policy)
