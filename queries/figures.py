"""One figure, one function: every number shown in more than one place is computed here, once.

Why: a user who finds two answers to one question trusts neither. "How many smelters are high risk",
"which suppliers reach one", "how many smelters were identified, how many are conformant", "how many
forms are valid", "what is the response rate, out of what" appear in the CLI, the JSON, every
export and the explorer; each is defined by one function below, and every surface calls it (the
Overview KPIs, `minetrace risk figures`, the "Figures" sheet of each xlsx export, the appendix's
"Counts").

Definitions (the same store, reference data, policy and year everywhere):
* the smelter population — smelters reported by the current declarations of the year, valid and
  invalid forms alike (an invalid form still names the smelters a supplier buys from), each rated
  once (`queries.ratings`);
* high-risk smelters — distinct smelters (by current CID) rated high;
* high-risk suppliers — suppliers whose current forms report a high-risk smelter
  (`high_risk_smelters_by_supplier`, the answer to "which smelters are high risk for which supplier");
* suppliers with flagged paths — suppliers whose current forms report a flagged smelter;
* smelters identified — distinct RMI CIDs of the population that name a smelter (not unknown, split
  or removed as not a smelter); conformant share — the conformant ones among them, in percent;
* valid / invalid forms — responding in-scope suppliers by their newest form per scope (the survey's
  valid / invalid; every declaring supplier when there is no master list);
* response rate — responding in-scope suppliers out of in-scope master-list suppliers (the
  denominator is given; no master list, no rate).

Example:
    >>> f = program_figures(store, model, 2016)                 # doctest: +SKIP
    >>> f.high_risk_smelters, f.response_rate, f.response_denominator   # doctest: +SKIP
    (3, 81.7, 323)
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass, field
from typing import Any

from minetrace.graph.store import GraphStore
from minetrace.queries._access import get
from minetrace.queries.ratings import reported_smelter_keys, smelter_ratings
from minetrace.queries.risk import LEVEL_RANK, RiskModel, SmelterRisk, flags_of
from minetrace.queries.survey import SurveyFigures, latest_per_scope, program_reference_date, store_survey

#: findings that mean a reported CID does not identify a smelter
NOT_IDENTIFIED = ("unknown_cid", "cid_split", "not_a_smelter")
#: above this many smelter keys, supplier pairs are read for every smelter and filtered here
MAX_KEYS_PER_READ = 5000

#: figure key → label, the wording every surface shows
LABELS: dict[str, str] = {
    "high_risk_smelters": "High-risk smelters",
    "high_risk_suppliers": "Suppliers reaching a high-risk smelter",
    "flagged_suppliers": "Suppliers with flagged paths",
    "smelters_identified": "Smelters identified",
    "conformant_smelters": "Conformant smelters",
    "conformant_share": "Conformant share (%)",
    "forms_valid": "Valid forms",
    "forms_invalid": "Invalid forms",
    "responded": "Suppliers responded",
    "response_denominator": "In-scope suppliers (response-rate denominator)",
    "response_rate": "Response rate (%)",
}


# ------------------------------------------------------------------------ the smelter population
def population(store: GraphStore, model: RiskModel, year: int | None) -> dict[str, SmelterRisk]:
    """smelter key → rating for every smelter the current declarations of `year` report (all forms)."""
    return smelter_ratings(store, model, year, keys=reported_smelter_keys(store, year))


def _distinct(risks: list[SmelterRisk]) -> list[SmelterRisk]:
    """One rating per smelter (current CID; provisional smelters by key) — the worst when a retired CID and
    its successor are both reported — by metal and name."""
    seen: dict[str, SmelterRisk] = {}
    for r in sorted(risks, key=lambda r: (-LEVEL_RANK[r.level], r.key)):
        seen.setdefault(r.cid or r.key, r)
    return sorted(seen.values(), key=lambda r: (r.metal or "", r.name or "", r.cid or r.key))


def rated_smelters(store: GraphStore, model: RiskModel, year: int | None) -> list[SmelterRisk]:
    """Every smelter of the population once, high → low, then data-quality findings, then by metal and name
    (`minetrace risk smelters`)."""
    out = _distinct(list(population(store, model, year).values()))
    out.sort(key=lambda r: (-LEVEL_RANK[r.level], r.level is None, r.metal or "", r.name or "", r.key))
    return out


def high_risk_smelters(store: GraphStore, model: RiskModel, year: int | None) -> list[SmelterRisk]:
    """The distinct smelters (by current CID) rated high, by metal and name."""
    return _distinct([r for r in population(store, model, year).values() if r.level == "high"])


def _suppliers_reporting(store: GraphStore, year: int | None, keys: set[str]) -> dict[str, set[str]]:
    """supplier id → the smelter keys among `keys` its current declarations of `year` report."""
    out: dict[str, set[str]] = defaultdict(set)
    if not keys:
        return out
    wanted = sorted(keys) if len(keys) <= MAX_KEYS_PER_READ else None
    for sid, key, _ in store.supplier_smelter_counts(year=year, smelter_keys=wanted):
        if str(key) in keys:
            out[str(sid)].add(str(key))
    return out


def high_risk_smelters_by_supplier(store: GraphStore, model: RiskModel,
                                   year: int | None) -> dict[str, list[SmelterRisk]]:
    """Which smelters are high risk for which supplier: supplier id → the distinct high-risk smelters its
    current declarations of `year` report (the mitigation list; campaigns and the drafted report read it)."""
    risks = population(store, model, year)
    high = {k for k, r in risks.items() if r.level == "high"}
    return {sid: _distinct([risks[k] for k in keys])
            for sid, keys in sorted(_suppliers_reporting(store, year, high).items())}


def high_risk_suppliers(store: GraphStore, model: RiskModel, year: int | None) -> list[str]:
    """Suppliers whose current forms report a high-risk smelter."""
    return sorted(high_risk_smelters_by_supplier(store, model, year))


def suppliers_with_flagged_paths(store: GraphStore, model: RiskModel, year: int | None) -> list[str]:
    """Suppliers whose current forms report a flagged smelter (`queries.risk.flags_of`)."""
    flagged = {k for k, r in population(store, model, year).items() if flags_of(r)}
    return sorted(_suppliers_reporting(store, year, flagged))


def identified_smelters(store: GraphStore, model: RiskModel, year: int | None) -> list[SmelterRisk]:
    """The distinct RMI smelters (current CIDs) the population names."""
    return _distinct([r for r in population(store, model, year).values()
                      if r.cid and not any(f.code in NOT_IDENTIFIED for f in r.findings)])


@dataclass
class Share:
    part: int
    whole: int
    known: bool = True

    @property
    def percent(self) -> float | None:
        return round(100.0 * self.part / self.whole, 1) if self.whole and self.known else None


def conformant_share(store: GraphStore, model: RiskModel, year: int | None) -> Share:
    """Conformant (and current at the as-of date) smelters out of the smelters identified; with no status data
    at all the share is unknown (`known` False, percent None), not 0 %."""
    ident = identified_smelters(store, model, year)
    return Share(sum(1 for r in ident if r.conformant), len(ident), known=model.basis.has_status_data)


# ------------------------------------------------------------------------ forms and responses
def _survey(store: GraphStore, model: RiskModel, year: int | None) -> SurveyFigures:
    return store_survey(store, year, program_reference_date(model), model.policy)[1]


def form_counts(store: GraphStore, model: RiskModel, year: int | None,
                survey: SurveyFigures | None = None) -> tuple[int, int]:
    """(valid, invalid) forms: responding in-scope suppliers by their newest form per scope (the survey's
    figures); without a master list, every declaring supplier by its newest forms."""
    fig = survey or _survey(store, model, year)
    if fig.master_list:
        return fig.valid, fig.invalid
    per: dict[str, list[Any]] = defaultdict(list)
    for d in store.declarations(year=year, current_only=True):
        per[str(get(d, "supplier_id"))].append(d)
    valid = sum(1 for ds in per.values() if all(get(d, "status") == "valid" for d in latest_per_scope(ds)))
    return valid, len(per) - valid


def response_rate(store: GraphStore, model: RiskModel, year: int | None, survey: SurveyFigures | None = None) -> Share:
    """Responding in-scope suppliers out of the in-scope master-list suppliers (whole 0: no master list)."""
    fig = survey or _survey(store, model, year)
    return Share(fig.responded, fig.in_scope)


# ------------------------------------------------------------------------ all of them
@dataclass
class ProgramFigures:
    year: int | None
    as_of: str
    policy: str
    statuses: str
    notices: list[str]
    high_risk_smelters: int
    high_risk_suppliers: int
    flagged_suppliers: int
    smelters_identified: int
    conformant_smelters: int | None  # None: no status data, conformance unknown
    conformant_share: float | None
    forms_valid: int
    forms_invalid: int
    responded: int
    response_denominator: int
    response_rate: float | None
    high_risk_smelter_ids: list[str] = field(default_factory=list)
    high_risk_supplier_ids: list[str] = field(default_factory=list)
    flagged_supplier_ids: list[str] = field(default_factory=list)

    def rows(self) -> list[dict[str, Any]]:
        """(figure, value) rows for a "Figures" sheet, labelled as everywhere else."""
        return [{"figure": label, "value": getattr(self, k)} for k, label in LABELS.items()]

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def program_figures(store: GraphStore, model: RiskModel, year: int | None) -> ProgramFigures:
    """Every shared figure for (store, reference, policy, year), from the functions above."""
    high = high_risk_smelters(store, model, year)
    by_supplier = high_risk_smelters_by_supplier(store, model, year)
    flagged = suppliers_with_flagged_paths(store, model, year)
    share = conformant_share(store, model, year)
    survey = _survey(store, model, year)
    valid, invalid = form_counts(store, model, year, survey)
    rate = response_rate(store, model, year, survey)
    return ProgramFigures(
        year=year, as_of=model.as_of.isoformat(), policy=model.policy.label, statuses=model.basis.text,
        notices=[model.basis.notice] if model.basis.notice else [],
        high_risk_smelters=len(high), high_risk_suppliers=len(by_supplier), flagged_suppliers=len(flagged),
        smelters_identified=share.whole, conformant_smelters=share.part if share.known else None,
        conformant_share=share.percent,
        forms_valid=valid, forms_invalid=invalid, responded=rate.part, response_denominator=rate.whole,
        response_rate=rate.percent, high_risk_smelter_ids=[r.cid or r.key for r in high],
        high_risk_supplier_ids=sorted(by_supplier), flagged_supplier_ids=flagged)
