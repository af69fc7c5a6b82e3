"""Flagged paths: Company → Supplier (→ sub-supplier …) → Declaration → Smelter → Country, with evidence.

Why: "which of our suppliers reach a high-risk smelter, and by which path?" is the analyst's first
question, and the answer is only actionable with the evidence on every hop — which file, sheet and
row named the smelter, how the name was resolved, where the smelter is and what the suppliers
declared as mine countries. A smelter is *flagged* when it is high risk, watchlisted, in a
non-conformant member-DB state, or located in / declared as sourcing from a Covered Country or CAHRA
(a flag asks for a look; only `risk == "high"` is the rating).

Example:
    >>> model = RiskModel(reference, year=2016)                     # doctest: +SKIP
    >>> for p in flagged_paths(store, model, year=2016):            # doctest: +SKIP
    ...     print(" → ".join(p.chain), p.smelter["cid"], p.flags)
    company → S-104 → CID002587 ['high', 'watchlist']
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from queries._access import fields, gc_paused, get
from queries.risk import RiskModel, SmelterRisk, declared_countries_by_smelter, risk_by_key

FLAG_CODES = ("high", "watchlist", "non_conformant", "covered_location", "cahra_location", "covered_sourcing",
              "cahra_sourcing", "not_conformant")


def smelter_flags(risk: SmelterRisk, model: RiskModel, include_not_conformant: bool = False) -> list[str]:
    """Why a smelter is flagged (empty list: not flagged)."""
    flags: list[str] = []
    if risk.level == "high":
        flags.append("high")
    if risk.watchlist:
        flags.append("watchlist")
    if any(r.code == "high_state" for r in risk.reasons):
        flags.append("non_conformant")
    loc = risk.country_iso2
    if model.is_covered(loc):
        flags.append("covered_location")
    elif model.is_cahra(loc):
        flags.append("cahra_location")
    declared = risk.declared_countries
    if any(model.is_covered(c) for c in declared):
        flags.append("covered_sourcing")
    if any(model.is_cahra(c) and not model.is_covered(c) for c in declared):
        flags.append("cahra_sourcing")
    if include_not_conformant and risk.level == "medium":
        flags.append("not_conformant")
    return flags


@dataclass
class Hop:
    kind: str  # "SOURCES_FROM" | "DECLARED" | "REPORTS" | "LOCATED_IN" | "SOURCES_FROM_COUNTRY"
    source: str
    target: str
    evidence: dict[str, Any] = field(default_factory=dict)


@dataclass
class FlaggedPath:
    chain: list[str]  # node ids: company, suppliers…, declaration, smelter, country
    supplier_id: str  # the supplier whose declaration reports the smelter
    supplier_name: str | None
    top_supplier_id: str  # the company's direct supplier at the head of the chain
    declaration: dict[str, Any]
    smelter: dict[str, Any]
    flags: list[str]
    risk: str | None
    reasons: list[str]
    hops: list[Hop] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def _company_chains(store: Any, supplier_ids: list[str]) -> dict[str, list[list[str]]]:
    chains = store.supplier_chains(supplier_ids) or {}
    return {sid: (chains.get(sid) or [["company", sid]]) for sid in supplier_ids}


def flagged_paths(store: Any, model: RiskModel, year: int | None = None, supplier_ids: list[str] | None = None,
                  flags: list[str] | None = None, include_not_conformant: bool = False) -> list[FlaggedPath]:
    """Every path ending at a flagged smelter, for current declarations of `year` (None = all years).

    `flags` restricts to paths carrying at least one of the given flag codes (e.g. ["high"])."""
    with gc_paused():
        return _flagged_paths(store, model, year, supplier_ids, flags, include_not_conformant)


def _flagged_paths(store: Any, model: RiskModel, year: int | None, supplier_ids: list[str] | None,
                   flags: list[str] | None, include_not_conformant: bool) -> list[FlaggedPath]:
    hops = store.reports(supplier_ids=supplier_ids, year=year)
    declared = declared_countries_by_smelter(store, year)
    risks = risk_by_key(store, model, year, hops, declared=declared)
    flag_cache = {k: smelter_flags(r, model, include_not_conformant) for k, r in risks.items()}
    flagged_hops = [h for h in hops if flag_cache.get(str(fields(h)["smelter_key"]))]
    if flags:
        wanted = set(flags)
        flagged_hops = [h for h in flagged_hops if wanted & set(flag_cache[str(get(h, "smelter_key"))])]
    chains = _company_chains(store, sorted({str(get(h, "supplier_id")) for h in flagged_hops}))
    # declared Covered-Country / CAHRA mine countries, indexed by (smelter, declaration): evidence stays
    # on the path of the declaration that wrote it, other declarations are summarised by a count
    risky_declared: dict[tuple[str, str], list[tuple[str, int]]] = {}
    other_declared: dict[str, int] = {}
    for skey, items in declared.items():
        for iso2, did, row in items:
            if model.is_covered(iso2) or model.is_cahra(iso2):
                risky_declared.setdefault((skey, did), []).append((iso2, row))
                other_declared[skey] = other_declared.get(skey, 0) + 1
    out: list[FlaggedPath] = []
    decl_keys = ("declaration_id", "file_name", "sha256", "template_version", "reporting_year", "status")
    row_keys = ("sheet", "row", "raw_name", "raw_cid", "given_cid", "method", "score", "lookup_kind",
                "resolution_status", "metal", "raw_country", "file_name")
    for hop in flagged_hops:
        h = fields(hop)
        key = str(h.get("smelter_key"))
        risk = risks[key]
        sid = str(h.get("supplier_id"))
        decl = {k: h.get(k) for k in decl_keys}
        smelter = {"key": key, "cid": risk.cid, "metal": h.get("metal") or risk.metal, "name": risk.name,
                   "country_iso2": risk.country_iso2, "status": risk.status}
        row_evidence = {k: h.get(k) for k in row_keys}
        reasons = [r.text for r in risk.reasons]
        for chain in chains[sid]:
            path_hops: list[Hop] = []
            for a, b in zip(chain, chain[1:], strict=False):
                path_hops.append(Hop("SOURCES_FROM", a, b, {"tier": chain.index(b)}))
            path_hops.append(Hop("DECLARED", sid, decl["declaration_id"], decl))  # shared, not copied
            path_hops.append(Hop("REPORTS", decl["declaration_id"], key, row_evidence))
            tail = [risk.country_iso2] if risk.country_iso2 else []
            if risk.country_iso2:
                path_hops.append(Hop("LOCATED_IN", key, risk.country_iso2, {"source": "reference facility location"}))
            for iso2, row in risky_declared.get((key, decl["declaration_id"]), ()):
                path_hops.append(Hop("SOURCES_FROM_COUNTRY", key, iso2, {"declaration_id": decl["declaration_id"],
                                                                        "row": row, "source": "declared mine country"}))
            others = other_declared.get(key, 0) - len(risky_declared.get((key, decl["declaration_id"]), ()))
            if others > 0 and any(f.endswith("_sourcing") for f in flag_cache[key]):
                path_hops.append(Hop("SOURCES_FROM_COUNTRY", key, "*", {
                    "source": "declared mine country", "other_declarations": others,
                    "note": f"{others} other declaration row(s) declare Covered-Country/CAHRA mine countries"}))
            out.append(FlaggedPath(
                chain=[*chain, decl["declaration_id"], key, *tail], supplier_id=sid,
                supplier_name=h.get("supplier_name"), top_supplier_id=chain[1] if len(chain) > 1 else sid,
                declaration=decl, smelter=smelter, flags=flag_cache[key], risk=risk.level,
                reasons=reasons, hops=path_hops))
    out.sort(key=lambda p: (p.top_supplier_id, p.supplier_id, p.smelter["metal"] or "", p.smelter["key"],
                            p.declaration["declaration_id"] or ""))
    return out
