"""What a receipt says about one declaration: findings with cells, rows to fix, high-risk actions, gaps.

Why every form: the 2016 report's program answers each CMRT at once — valid or invalid, the supplier
learns what we found and what we ask. A receipt lists, in plain words and with the template cell each
point refers to, every error and warning of the validation (info notes are ours, not the supplier's
business); every Smelter List row that could not be tied to an RMI smelter (unresolved, ambiguous, or
"not yet identified"); every smelter rated high risk with the rows that list it and the actions asked
(confirm, product-specific CMRT, removal plan) by a due date; and the program questions (policy, due
diligence, supplier review, corrective action) not answered Yes. A declaration gets one receipt ever:
the ledger key `receipt|<declaration id>|<supplier>|1`.

Example:
    >>> contents = receipt_contents(store, model, [store.declaration(sha)])   # doctest: +SKIP
    >>> [s["cid"] for s in contents[0].high_risk]                             # doctest: +SKIP
    ['CID002587']
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from typing import Any

from minetrace.graph.countries import country_name
from minetrace.graph.store import GraphStore
from minetrace.queries._access import as_json, fields, get
from minetrace.queries.campaign.batch import Draft, Held
from minetrace.queries.campaign.contacts import addressee
from minetrace.queries.campaign.highrisk import high_risk_smelters
from minetrace.queries.campaign.ledger import load_messages
from minetrace.queries.campaign.mail import Attachment
from minetrace.queries.campaign.settings import CampaignSettings
from minetrace.queries.program import declaration_program
from minetrace.queries.risk import RiskModel

#: resolution states of a Smelter List row the supplier is asked to fix
ROW_STATES_TO_FIX = ("unresolved", "review", "unidentified")
#: finding severities a receipt lists (info notes stay internal)
RECEIPT_SEVERITIES = ("error", "warning")


@dataclass
class ReceiptContent:
    declaration_id: str
    supplier_id: str
    file_name: str | None
    received: str | None  # ISO date
    status: str
    template: str
    reporting_year: int | None
    scope: str | None
    current: bool = True  # False: stored as history (a newer form of the same scope was already on file)
    findings: list[dict[str, Any]] = field(default_factory=list)
    unresolved: list[dict[str, Any]] = field(default_factory=list)
    high_risk: list[dict[str, Any]] = field(default_factory=list)  # {key, cid, name, metal, country, reasons, rows}
    program_gaps: list[dict[str, Any]] = field(default_factory=list)
    listed_keys: list[str] = field(default_factory=list)  # every smelter key the form reports

    @property
    def valid(self) -> bool:
        return self.status == "valid"

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    def declaration_context(self) -> dict[str, Any]:
        return {"file_name": self.file_name or self.declaration_id[:12], "received": self.received or "",
                "status": self.status, "template": self.template, "reporting_year": self.reporting_year,
                "scope": self.scope}


def _title(code: str) -> str:
    from minetrace.ingest.findings import finding_type

    try:
        return finding_type(code).title
    except KeyError:
        return code.replace("_", " ")


def _findings(decl: Any) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    seen: set[tuple[Any, ...]] = set()
    for f in as_json(get(decl, "findings_json"), []) or []:
        sev = get(f, "severity")
        if sev not in RECEIPT_SEVERITIES:
            continue
        item = {"severity": sev, "code": get(f, "code"), "title": _title(str(get(f, "code"))),
                "location": get(f, "location") or get(decl, "file_name"), "message": get(f, "message") or ""}
        key = (item["code"], item["location"], item["message"])
        if key not in seen:
            seen.add(key)
            out.append(item)
    out.sort(key=lambda f: RECEIPT_SEVERITIES.index(f["severity"]))
    return out


def _gaps(decl: Any) -> list[dict[str, Any]]:
    prog = declaration_program(decl)
    return [{"letter": a.letter, "title": a.title, "answer": a.answer, "cell": a.cell, "role": a.role}
            for a in prog.answers if not a.ok and a.letter]


def receipt_contents(store: GraphStore, model: RiskModel, declarations: list[Any],
                     year: int | None = None) -> list[ReceiptContent]:
    """The receipt content of each declaration (rows read in one store call, smelters rated once)."""
    decls = [d for d in declarations if d is not None]
    if not decls:
        return []
    ids = {str(get(d, "id")) for d in decls}
    rows: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for h in store.reports(supplier_ids=sorted({str(get(d, "supplier_id")) for d in decls}), current_only=False):
        f = fields(h)
        if f["declaration_id"] in ids:
            rows[str(f["declaration_id"])].append(f)
    high = high_risk_smelters(store, model, year, {str(f["smelter_key"]) for hs in rows.values() for f in hs})
    out: list[ReceiptContent] = []
    for d in decls:
        did = str(get(d, "id"))
        hops = sorted(rows.get(did, []), key=lambda f: int(f["row"] or 0))
        c = ReceiptContent(
            declaration_id=did, supplier_id=str(get(d, "supplier_id")), file_name=get(d, "file_name"),
            received=str(get(d, "received") or "")[:10] or None, status=str(get(d, "status")),
            template=f"{get(d, 'template_kind') or 'CMRT'} {get(d, 'template_version') or ''}".strip(),
            reporting_year=get(d, "reporting_year"), scope=get(d, "scope"), current=bool(get(d, "current", True)),
            findings=_findings(d),
            program_gaps=_gaps(d), listed_keys=sorted({str(f["smelter_key"]) for f in hops}))
        by_key: dict[str, dict[str, Any]] = {}
        for f in hops:
            state = f.get("resolution_status")
            if state in ROW_STATES_TO_FIX:
                c.unresolved.append({"row": f["row"], "metal": f.get("metal"), "name": f.get("raw_name"),
                                     "country": f.get("raw_country") or f.get("country_iso2"), "status": state,
                                     "cid_given": f.get("raw_cid")})
            hr = high.get(str(f["smelter_key"]))
            if hr is None:
                continue
            item = by_key.setdefault(hr.key, {
                "key": hr.key, "cid": hr.cid, "name": hr.name or f.get("raw_name"), "metal": hr.metal or f.get("metal"),
                "country": (country_name(hr.country_iso2) if hr.country_iso2 else None) or hr.country_iso2,
                "country_iso2": hr.country_iso2, "reasons": hr.reasons, "watchlisted": hr.watchlisted, "rows": []})
            item["rows"].append(f["row"])
        c.high_risk = sorted(by_key.values(), key=lambda s: (str(s["cid"] or s["key"])))
        out.append(c)
    return out


def declarations_without_receipt(store: GraphStore, year: int | None = None, ids: list[str] | None = None) -> list[Any]:
    """Stored declarations (history included) that have no receipt yet, oldest first; `ids` restricts."""
    done = {m.declaration_id for m in load_messages(store, kind="receipt")}
    if ids is not None:
        found = [store.declaration(i) for i in dict.fromkeys(ids)]
        decls = [d for d in found if d is not None and (year is None or get(d, "reporting_year") == year)]
    else:
        decls = store.declarations(year=year, current_only=False)
    todo = [d for d in decls if str(get(d, "id")) not in done]
    todo.sort(key=lambda d: (str(get(d, "received") or ""), str(get(d, "id"))))
    return todo


def receipt_drafts(store: GraphStore, contents: list[ReceiptContent], settings: CampaignSettings, day: date,
                   template: Attachment | None = None) -> tuple[list[Draft], list[Held]]:
    """A receipt draft per content; those whose supplier has no usable master-list contact are also listed as held
    (their draft carries `hold`: written without a recipient, never sent)."""
    sups = {str(get(s, "id")): s for s in store.suppliers()}
    resubmit = (day + timedelta(days=settings.resubmit_due_days)).isoformat()
    action = (day + timedelta(days=settings.action_due_days)).isoformat()
    drafts: list[Draft] = []
    held: list[Held] = []
    for c in contents:
        sup = sups.get(c.supplier_id, {"id": c.supplier_id, "name": c.supplier_id, "origin": "declaration"})
        who = addressee(sup)
        if not who.ok:
            held.append(Held(c.supplier_id, get(sup, "name"), "receipt", who.reason or "no_contact", who.why,
                             c.declaration_id))
        due = action if c.high_risk else (resubmit if not c.valid else None)
        attach = [template] if template and not c.valid else []
        drafts.append(Draft(
            supplier_id=c.supplier_id, supplier_name=get(sup, "name"), kind="receipt", ref=c.declaration_id,
            to=who.to, language=who.language, year=c.reporting_year, declaration_id=c.declaration_id, due=due,
            attachments=attach, hold=None if who.ok else (who.reason or "no_contact"), hold_detail=who.why,
            detail={"status": c.status, "file_name": c.file_name, "errors": sum(f["severity"] == "error"
                                                                                  for f in c.findings),
                    "warnings": sum(f["severity"] == "warning" for f in c.findings),
                    "unresolved_rows": len(c.unresolved), "high_risk": [s["cid"] or s["key"] for s in c.high_risk],
                    "program_gaps": [g["letter"] for g in c.program_gaps], "action_due": action if c.high_risk
                    else None, "resubmit_due": None if c.valid else resubmit},
            context={"supplier": who.supplier_context(), "year": c.reporting_year or "",
                     "declaration": c.declaration_context(), "valid": c.valid, "findings": c.findings,
                     "unresolved": c.unresolved, "high_risk": c.high_risk, "program_gaps": c.program_gaps,
                     "resubmit_due": resubmit, "action_due": action}))
    return drafts, held
