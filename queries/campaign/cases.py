"""Mitigation cases: one per supplier × high-risk smelter, followed from opening to closure.

Why a case: the report's goal is the "progressive elimination" of high-risk smelters from the supply
chain, and that is only measurable when every supplier–smelter link the receipts asked about is
followed until it ends. A case opens when a receipt names a high-risk smelter (state `open`; it is
`requested` once the receipt carrying the request is written), moves to `replied` when the supplier
answers, and is `closed` for one of three reasons: `removed` (the smelter left the supply chain),
`product_cmrt_no_use` (a product-specific CMRT shows our products do not use it) or `risk_accepted`
(with the reason, required). Every change is dated in `history`; notes and the files that closed it
(kept content-addressed in the store's files folder) stay with the case.

A later form of the same supplier that no longer lists the smelter *proposes* closing (reason
`product_cmrt_no_use` for a product-scope form, else `removed`); the analyst confirms with
`minetrace mitigation update KEY --accept-proposal`. A closed case whose smelter is listed again is
reopened (unless its risk was accepted). Cases are `CampaignRecord`s of kind "case" keyed
`<supplier id>|<smelter key>`.

`year_progress` is the year-over-year figure: per reporting year, the high-risk smelter–supplier
links found in that year's forms (at start), how many are closed (by reason) and how many remain.

Example:
    >>> c = Case.new("S1", "CID002587", cid="CID002587", name="Tony Goetz NV", metal="Gold", year=2016,
    ...              day="2017-02-01")
    >>> try:
    ...     transition(c, "closed", "2017-03-01", reason="risk_accepted")
    ... except CaseError as exc:
    ...     print(exc)
    S1|CID002587: closing with risk_accepted needs a note saying why
    >>> transition(c, "closed", "2017-03-01", reason="removed").state
    'closed'
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from minetrace.graph import schema as S
from minetrace.graph.store import CampaignRecord, GraphStore
from minetrace.queries.xlsx import Column, SheetSpec, write_csv, write_xlsx

STATES = ("open", "requested", "replied", "closed")
CLOSE_REASONS = ("removed", "product_cmrt_no_use", "risk_accepted")
#: allowed moves (a closed case is reopened by `reopen`, never moved by hand)
TRANSITIONS = {"open": ("requested", "replied", "closed"), "requested": ("replied", "closed", "requested"),
               "replied": ("requested", "closed"), "closed": ("open",)}
REASON_TEXT = {"removed": "smelter removed from the supply chain",
               "product_cmrt_no_use": "product-specific CMRT shows no use", "risk_accepted": "risk accepted"}


class CaseError(ValueError):
    """A case update that is not allowed (unknown case, state, reason; missing note)."""


@dataclass
class Case:
    key: str
    supplier_id: str
    smelter_key: str
    cid: str | None = None
    smelter_name: str | None = None
    metal: str | None = None
    country_iso2: str | None = None
    supplier_name: str | None = None
    year: int | None = None  # reporting year of the form that opened it
    state: str = "open"
    opened_on: str | None = None
    state_dates: dict[str, str] = field(default_factory=dict)  # state → date it was last entered
    due: str | None = None
    reasons: list[str] = field(default_factory=list)  # why the smelter is high risk
    listed_in: list[dict[str, Any]] = field(default_factory=list)  # {declaration_id, file_name, rows, year, received}
    receipts: list[str] = field(default_factory=list)  # Message-IDs of the receipts that asked
    notes: list[dict[str, Any]] = field(default_factory=list)  # {date, text}
    files: list[dict[str, Any]] = field(default_factory=list)  # {name, sha256, path, date}
    closed_reason: str | None = None
    closed_note: str | None = None
    closed_on: str | None = None
    proposal: dict[str, Any] | None = None  # {reason, declaration_id, file_name, date}
    history: list[dict[str, Any]] = field(default_factory=list)  # {date, from, to, note}

    @classmethod
    def new(cls, supplier_id: str, smelter_key: str, *, day: str, cid: str | None = None, name: str | None = None,
            metal: str | None = None, country_iso2: str | None = None, year: int | None = None,
            supplier_name: str | None = None, reasons: list[str] | None = None) -> Case:
        c = cls(key=case_key(supplier_id, smelter_key), supplier_id=supplier_id, smelter_key=smelter_key, cid=cid,
                smelter_name=name, metal=metal, country_iso2=country_iso2, year=year, supplier_name=supplier_name,
                opened_on=day, reasons=list(reasons or []))
        c.state_dates["open"] = day
        c.history.append({"date": day, "from": None, "to": "open", "note": "high-risk smelter listed"})
        return c

    @property
    def is_open(self) -> bool:
        return self.state != "closed"

    @property
    def years(self) -> list[int]:
        ys = {int(x["year"]) for x in self.listed_in if x.get("year") is not None}
        if self.year is not None:
            ys.add(int(self.year))
        return sorted(ys)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    def to_record(self) -> CampaignRecord:
        data = asdict(self)
        data.pop("key")
        data.pop("supplier_id")
        return CampaignRecord(S.CAMPAIGN_CASE, self.key, self.supplier_id, data)

    @classmethod
    def from_record(cls, rec: CampaignRecord) -> Case:
        known = {f.name for f in fields(cls)}
        return cls(key=rec.key, supplier_id=rec.supplier_id, **{k: v for k, v in rec.data.items() if k in known})


def case_key(supplier_id: str, smelter_key: str) -> str:
    return f"{supplier_id}|{smelter_key}"


def load_cases(store: GraphStore, supplier_id: str | None = None) -> list[Case]:
    return [Case.from_record(r) for r in store.campaign_records(S.CAMPAIGN_CASE, supplier_id)]


def save_cases(store: GraphStore, cases: Iterable[Case]) -> None:
    recs = [c.to_record() for c in cases]
    if recs:
        store.save_campaign_records(recs)


def find_case(store: GraphStore, key: str) -> Case:
    """The case with this key, or with a unique key ending in it / CID match ("S1|CID002587", "CID002587" when
    only one supplier has a case for it); CaseError otherwise."""
    cases = load_cases(store)
    exact = [c for c in cases if c.key == key]
    if exact:
        return exact[0]
    hits = [c for c in cases if c.key.endswith("|" + key) or c.cid == key]
    if len(hits) == 1:
        return hits[0]
    raise CaseError(f"{key}: {'no' if not hits else f'{len(hits)} cases match, give the full key:'} case"
                    + ("" if not hits else " " + ", ".join(c.key for c in hits[:5])))


def transition(case: Case, to: str, day: str, *, reason: str | None = None, note: str | None = None) -> Case:
    """Move `case` to state `to` (validated), dated `day`."""
    if to not in STATES:
        raise CaseError(f"{case.key}: unknown state {to!r} (one of {', '.join(STATES)})")
    if to not in TRANSITIONS[case.state] and to != case.state:
        raise CaseError(f"{case.key}: cannot go from {case.state} to {to}")
    if to == "closed":
        if reason not in CLOSE_REASONS:
            raise CaseError(f"{case.key}: closing needs --reason, one of {', '.join(CLOSE_REASONS)}")
        if reason == "risk_accepted" and not (note or "").strip():
            raise CaseError(f"{case.key}: closing with risk_accepted needs a note saying why")
        case.closed_reason, case.closed_note, case.closed_on = reason, note or None, day
        case.proposal = None
    elif reason:
        raise CaseError(f"{case.key}: --reason is only for closing")
    if to != case.state:
        case.history.append({"date": day, "from": case.state, "to": to,
                             "note": note or (REASON_TEXT.get(reason or "", "") if to == "closed" else "")})
        case.state = to
        case.state_dates[to] = day
    if note:
        case.notes.append({"date": day, "text": note})
    return case


def record_listing(cases: dict[str, Case], supplier_id: str, supplier_name: str | None, item: dict[str, Any],
                   decl: dict[str, Any], day: str, receipt_id: str | None, due: str | None) -> tuple[Case, str]:
    """A form listed high-risk smelter `item`: open its case, or add the listing to the existing one (reopening a
    case closed as removed / no use). `receipt_id` set: the receipt asking for action was written → requested.
    Returns (case, what happened: opened | listed | reopened | unchanged)."""
    key = case_key(supplier_id, str(item["key"]))
    listing = {"declaration_id": decl["declaration_id"], "file_name": decl.get("file_name"), "rows": item["rows"],
               "year": decl.get("reporting_year"), "received": decl.get("received")}
    case = cases.get(key)
    what = "listed"
    if case is None:
        case = Case.new(supplier_id, str(item["key"]), day=day, cid=item.get("cid"), name=item.get("name"),
                        metal=item.get("metal"), country_iso2=item.get("country_iso2"),
                        year=decl.get("reporting_year"), supplier_name=supplier_name, reasons=item.get("reasons"))
        cases[key] = case
        what = "opened"
    elif any(x["declaration_id"] == listing["declaration_id"] for x in case.listed_in):
        if receipt_id and receipt_id not in case.receipts:
            _ask(case, receipt_id, day, due)
            return case, "listed"
        return case, "unchanged"
    case.listed_in.append(listing)
    case.reasons = list(item.get("reasons") or case.reasons)
    if case.proposal is not None:
        case.history.append({"date": day, "from": case.state, "to": case.state,
                             "note": f"closure proposal withdrawn: listed again in {listing['file_name']}"})
        case.proposal = None
    if not case.is_open:
        if case.closed_reason == "risk_accepted":
            case.notes.append({"date": day, "text": f"listed again in {listing['file_name']} (risk accepted)"})
            return case, "listed"
        transition(case, "open", day, note=f"reopened: listed again in {listing['file_name']}")
        case.closed_reason = case.closed_note = case.closed_on = None
        what = "reopened"
    if receipt_id:
        _ask(case, receipt_id, day, due)
    return case, what


def _ask(case: Case, receipt_id: str, day: str, due: str | None) -> None:
    case.receipts.append(receipt_id)
    case.due = due or case.due
    if case.state in ("open", "replied"):
        transition(case, "requested", day, note="receipt asked for action")


def propose_closures(cases: dict[str, Case], supplier_id: str, decl: dict[str, Any], listed_keys: Iterable[str],
                     day: str) -> list[Case]:
    """Open cases of `supplier_id` whose smelter the (later) form `decl` no longer lists get a closure proposal."""
    listed = set(listed_keys)
    year = decl.get("reporting_year")
    out = []
    for case in cases.values():
        if case.supplier_id != supplier_id or not case.is_open or case.smelter_key in listed:
            continue
        if any(x["declaration_id"] == decl["declaration_id"] for x in case.listed_in):
            continue
        if year is not None and case.year is not None and int(year) < int(case.year):
            continue  # an older year's form says nothing about now
        if case.proposal is not None and case.proposal.get("declaration_id") == decl["declaration_id"]:
            continue  # proposed already from this form
        reason = "product_cmrt_no_use" if str(decl.get("scope") or "").upper() == "B" else "removed"
        case.proposal = {"reason": reason, "declaration_id": decl["declaration_id"],
                         "file_name": decl.get("file_name"), "date": day,
                         "text": f"{decl.get('file_name')} no longer lists {case.cid or case.smelter_key}"
                                 + (" (product-specific form)" if reason == "product_cmrt_no_use" else "")}
        case.history.append({"date": day, "from": case.state, "to": case.state,
                             "note": f"closure proposed ({REASON_TEXT[reason]}): {case.proposal['text']}"})
        out.append(case)
    return out


def update_case(store: GraphStore, key: str, day: str, *, state: str | None = None, reason: str | None = None,
                note: str | None = None, files: Iterable[str | Path] = (), accept_proposal: bool = False) -> Case:
    """Apply one analyst update to a case and save it (files are kept content-addressed in the store)."""
    case = find_case(store, key)
    if accept_proposal:
        if case.proposal is None:
            raise CaseError(f"{case.key}: no closure proposal to accept")
        state, reason = "closed", reason or case.proposal["reason"]
        note = note or case.proposal.get("text")
    kept = [_keep_file(store, f, day) for f in files]
    if state is None and not note and not kept:
        raise CaseError(f"{case.key}: nothing to update (give --state, --note or --file)")
    if state is not None:
        transition(case, state, day, reason=reason, note=note)
    elif note:
        case.notes.append({"date": day, "text": note})
    case.files.extend(kept)
    if kept:
        case.history.append({"date": day, "from": case.state, "to": case.state,
                             "note": "files: " + ", ".join(k["name"] for k in kept)})
    save_cases(store, [case])
    return case


def _keep_file(store: GraphStore, path: str | Path, day: str) -> dict[str, Any]:
    import hashlib

    from minetrace.graph.ingest import retain_file

    p = Path(path)
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise CaseError(f"{p}: cannot read the file ({exc.strerror or exc})") from None
    sha = hashlib.sha256(data).hexdigest()
    kept = retain_file(store.files_dir, sha, data)
    return {"name": p.name, "sha256": sha, "path": str(kept) if kept else None, "date": day}


def filter_cases(cases: list[Case], state: str | None = None, supplier: str | None = None,
                 smelter: str | None = None, year: int | None = None, open_only: bool = False) -> list[Case]:
    out = []
    for c in cases:
        if state and c.state != state:
            continue
        if open_only and not c.is_open:
            continue
        if supplier and c.supplier_id != supplier:
            continue
        if smelter and smelter not in (c.smelter_key, c.cid):
            continue
        if year is not None and year not in c.years:
            continue
        out.append(c)
    out.sort(key=lambda c: (not c.is_open, str(c.cid or c.smelter_key), c.supplier_id))
    return out


CASE_COLUMNS = [
    Column("key", "Case"), Column("supplier_id", "Supplier ID"), Column("supplier_name", "Supplier", width=30),
    Column("cid", "Smelter ID"), Column("smelter_name", "Smelter", width=36), Column("metal", "Metal"),
    Column("country_iso2", "Country"), Column("state", "State"), Column("opened_on", "Opened"),
    Column("requested_on", "Requested"), Column("replied_on", "Replied"), Column("due", "Due"),
    Column("closed_on", "Closed"), Column("closed_reason", "Closed because"), Column("closed_note", "Closing note",
                                                                                   width=40),
    Column("proposal", "Proposal", width=40), Column("years", "Years listed"), Column("files", "Files", width=30),
    Column("listed_in", "Listed in", width=40), Column("reasons", "Why high risk", width=60),
    Column("notes", "Notes", width=60),
]


def case_rows(cases: list[Case]) -> list[dict[str, Any]]:
    """One flat row per case (exports, the explorer)."""
    rows = []
    for c in cases:
        rows.append({
            "key": c.key, "supplier_id": c.supplier_id, "supplier_name": c.supplier_name, "cid": c.cid or c.smelter_key,
            "smelter_name": c.smelter_name, "metal": c.metal, "country_iso2": c.country_iso2, "state": c.state,
            "opened_on": c.opened_on, "requested_on": c.state_dates.get("requested"),
            "replied_on": c.state_dates.get("replied"), "due": c.due, "closed_on": c.closed_on,
            "closed_reason": c.closed_reason, "closed_note": c.closed_note,
            "proposal": c.proposal["text"] if c.proposal else None, "years": c.years,
            "files": [f["name"] for f in c.files],
            "listed_in": [f"{x.get('file_name')} rows {','.join(str(r) for r in x.get('rows') or [])}"
                          for x in c.listed_in],
            "reasons": c.reasons, "notes": [f"{n['date']}: {n['text']}" for n in c.notes]})
    return rows


def year_progress(cases: list[Case]) -> list[dict[str, Any]]:
    """Per reporting year: high-risk smelter–supplier links found in that year's forms (`at_start`), how many
    of them are closed now (`closed`, and `closed_by_reason`) and how many remain open."""
    by_year: dict[int, list[Case]] = defaultdict(list)
    for c in cases:
        for y in c.years:
            by_year[y].append(c)
    out = []
    for y in sorted(by_year):
        cs = by_year[y]
        closed = [c for c in cs if not c.is_open]
        out.append({"year": y, "at_start": len(cs), "closed": len(closed),
                    "closed_by_reason": dict(sorted(Counter(str(c.closed_reason) for c in closed).items())),
                    "remaining": len(cs) - len(closed),
                    "suppliers": len({c.supplier_id for c in cs}), "smelters": len({c.smelter_key for c in cs}),
                    "proposed_to_close": sum(1 for c in cs if c.is_open and c.proposal)})
    return out


def export_cases(cases: list[Case], out: str | Path) -> int:
    """Cases to xlsx (with a "Progress" sheet) or csv, through queries.xlsx (supplier text neutralised)."""
    rows = case_rows(cases)
    if str(out).lower().endswith(".csv"):
        write_csv(out, CASE_COLUMNS, rows)
    else:
        progress_cols = [Column("year", "Year"), Column("at_start", "Links at start"), Column("closed", "Closed"),
                         Column("remaining", "Remaining"), Column("closed_by_reason", "Closed by reason", width=50),
                         Column("suppliers", "Suppliers"), Column("smelters", "Smelters"),
                         Column("proposed_to_close", "Proposed to close")]
        write_xlsx(out, [SheetSpec("Cases", CASE_COLUMNS, rows),
                         SheetSpec("Progress", progress_cols, year_progress(cases))])
    return len(rows)
