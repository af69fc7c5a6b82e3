"""Typed records the reader produces and every later layer consumes.

One `Declaration` is one ingested workbook (CMRT, EMRT, CRT or AMRT). Every field the
reader fills carries its provenance (`Sheet!Cell`) in `Declaration.provenance`, keyed by a
dotted field path (``company.name``, ``answers.Q1.Tin``, ``smelters.12.cid``) so that a flag
in the explorer can link back to the cell that caused it.

`to_json()` is the contract of ``minetrace parse --json`` (documented in the README); keys
may be added, never renamed.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any, Literal

Severity = Literal["error", "warning", "info"]
LookupKind = Literal["listed", "not_listed", "not_yet_identified"]
Status = Literal["valid", "invalid"]


@dataclass(frozen=True)
class Finding:
    """One validation finding: a stable code from the catalogue, where, and what."""

    code: str
    severity: Severity
    location: str  # "Declaration!D8", "Smelter List!row 12", or the file name for file-level findings
    message: str

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class FileInfo:
    name: str
    sha256: str
    size: int
    path: str | None = None
    format: str | None = None  # "xlsx", "xlsm", "xls", "ods" — decided by content
    encrypted: bool = False  # was decrypted with Excel's default password


@dataclass
class TemplateInfo:
    kind: str  # "CMRT", "EMRT", "CRT", "AMRT"
    version: str | None  # "6.4", "2.03a", "1.00" …
    version_text: str | None = None  # raw cached text, e.g. "Revision 6.4\nApril 26, 2024"
    language: str | None = None  # the UI language the filler chose (Declaration!D3)
    layout: str | None = None  # id of the layout table used, e.g. "cmrt-6"
    layout_verified: bool = True  # False for layouts derived without a sample (CMRT 4.x/5.x)
    date_system: int = 1900  # 1900 or 1904


@dataclass
class CompanyInfo:
    name: str | None = None
    scope: str | None = None  # "A", "B", "C" or the 2.x "D"
    scope_text: str | None = None
    scope_description: str | None = None
    unique_id: str | None = None
    unique_id_authority: str | None = None
    address: str | None = None
    contact_name: str | None = None
    contact_email: str | None = None
    contact_phone: str | None = None
    authorizer_name: str | None = None
    authorizer_title: str | None = None
    authorizer_email: str | None = None
    authorizer_phone: str | None = None
    effective_date: date | None = None
    effective_date_raw: str | None = None  # the cell as given, when it was not a clean date


@dataclass
class Answer:
    """One answer cell (per-metal question or company-level question) with its comment."""

    answer: str | None
    comment: str | None = None
    cell: str | None = None  # "Declaration!D26"


@dataclass
class SmelterRow:
    """One non-empty row of the Smelter List, normalised, with the raw cells kept."""

    row: int  # 1-based sheet row
    metal: str | None  # canonical metal name
    lookup: str | None = None  # column C as given (alias chosen from the Look-up)
    lookup_kind: LookupKind | None = None
    name: str | None = None  # column D (typed name) or, when empty, the look-up value
    country: str | None = None  # as written in the template (e.g. "CHINA")
    cid: str | None = None  # smelter ID as given (column F, or A when F is empty), stripped
    input_cid: str | None = None  # 6.x column A ("Smelter Identification Number Input Column")
    id_source: str | None = None
    street: str | None = None
    city: str | None = None
    state: str | None = None
    contact_name: str | None = None
    contact_email: str | None = None
    next_steps: str | None = None
    mine_names: str | None = None
    mine_countries: str | None = None
    recycled: str | None = None  # "Yes" / "No" / "Unknown"
    comments: str | None = None
    standard_name: str | None = None  # 6.x hidden column R
    country_code: str | None = None  # 6.x hidden column S (ISO-2)
    consolidated: bool = False  # some cell held several "|"-joined values
    split: dict[str, list[str]] = field(default_factory=dict)  # field → parts of a "|"-joined cell
    raw: dict[str, Any] = field(default_factory=dict)  # column letter → cached value as read


@dataclass
class ProductRow:
    row: int
    number: str | None
    name: str | None = None
    comment: str | None = None
    requester_number: str | None = None
    requester_name: str | None = None


@dataclass
class MineRow:
    row: int
    metal: str | None
    smelter_name: str | None = None
    mine_name: str | None = None
    mine_id: str | None = None
    id_source: str | None = None
    country: str | None = None
    street: str | None = None
    city: str | None = None
    state: str | None = None
    contact_name: str | None = None
    contact_email: str | None = None
    next_steps: str | None = None
    comments: str | None = None


@dataclass
class Declaration:
    """Everything one workbook says, plus how it was read and validated."""

    file: FileInfo
    template: TemplateInfo
    company: CompanyInfo = field(default_factory=CompanyInfo)
    #: question id ("Q1" …) → metal (canonical) → Answer
    answers: dict[str, dict[str, Answer]] = field(default_factory=dict)
    #: company-level question letter ("A" …) → Answer
    company_answers: dict[str, Answer] = field(default_factory=dict)
    policy_url: str | None = None
    #: metals in scope of the template (CMRT: the four 3TG; EMRT 2.x: those selected)
    metals: list[str] = field(default_factory=list)
    smelters: list[SmelterRow] = field(default_factory=list)
    products: list[ProductRow] = field(default_factory=list)
    mines: list[MineRow] = field(default_factory=list)
    #: our reimplementation of the RMI Checker: number of required items still missing
    checker_missing: int | None = None
    #: the workbook's own cached Checker!D2, when present (for comparison only)
    workbook_checker: Any = None
    status: Status = "valid"
    findings: list[Finding] = field(default_factory=list)
    #: dotted field path → "Sheet!Cell"
    provenance: dict[str, str] = field(default_factory=dict)
    #: "Sheet!Cell" → the cached value as read, for cells whose cleaned value was dropped (whitespace only,
    #: a template prompt …): the Checker judges those as Excel does (a typed space counts as an answer)
    raw_cells: dict[str, Any] = field(default_factory=dict)

    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]

    def to_json(self) -> dict[str, Any]:
        """The `parse --json` contract: plain JSON types, ISO dates, stripped strings."""
        company = asdict(self.company)
        company["effective_date"] = (
            self.company.effective_date.isoformat() if self.company.effective_date else None
        )
        return {
            "file": asdict(self.file),
            "template": asdict(self.template),
            "company": company,
            "answers": {
                q: {m: asdict(a) for m, a in per_metal.items()} for q, per_metal in self.answers.items()
            },
            "company_answers": {k: asdict(a) for k, a in self.company_answers.items()},
            "policy_url": self.policy_url,
            "metals": list(self.metals),
            "smelters": [_smelter_json(s) for s in self.smelters],
            "products": [asdict(p) for p in self.products],
            "mines": [asdict(m) for m in self.mines],
            "checker_missing": self.checker_missing,
            "workbook_checker": _jsonable(self.workbook_checker),
            "status": self.status,
            "findings": [f.to_json() for f in self.findings],
            "provenance": dict(self.provenance),
        }


def _smelter_json(row: SmelterRow) -> dict[str, Any]:
    data = asdict(row)
    data["raw"] = {k: _jsonable(v) for k, v in row.raw.items()}
    return data


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


ResolutionStatus = Literal["resolved", "review", "unresolved", "unidentified"]


@dataclass
class Candidate:
    cid: str
    name: str
    score: float
    country: str | None = None
    #: why this facility is a candidate and what the row's facts say about it ("alias 'X' of the same metal",
    #: "country agrees (JP)", "country contradicts: facility in JP, the row says US")
    reasons: list[str] = field(default_factory=list)


@dataclass
class Resolution:
    """How one smelter row was tied (or not) to a facility. Produced by `ingest.resolve`,
    stored on the graph's REPORTS edge, shown as evidence of every hop."""

    status: ResolutionStatus
    cid: str | None  # the current CID the row resolves to (successor when the given CID was retired)
    method: str  # "cid", "cid_retired", "cid_repaired", "old_id", "alias", "fuzzy", "decision", "none", …
    score: float = 100.0  # 0–100; 100 for exact methods
    given_cid: str | None = None  # the CID as the supplier wrote it, when any
    metal: str | None = None
    standard_name: str | None = None
    country_iso2: str | None = None
    candidates: list[Candidate] = field(default_factory=list)  # review candidates, best first
    notes: list[str] = field(default_factory=list)  # e.g. "CID002587 removed 2025-06-27: not operating"
    findings: list[Finding] = field(default_factory=list)  # e.g. wrong-metal CID, malformed CID
    provisional_key: str | None = None  # stable key for an unresolved row ("metal|normalised name|country")
    #: why the row resolved to `cid` (or went to review): the evidence and the facts weighed
    reasons: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)
