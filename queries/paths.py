"""Flagged paths: Company → Supplier (→ sub-supplier …) → Declaration → Smelter → Country, with evidence.

Why: "which of our suppliers reach a high-risk smelter, and by which path?" is the analyst's first
question, and the answer is only actionable with the evidence on every hop — which file, sheet and
row named the smelter, how the name was resolved, where the smelter is and what the suppliers
declared as mine countries. A smelter is *flagged* when it is high risk, watchlisted, in a
non-conformant member-DB state, or — not conformant — located in / specifically declared as sourcing
from a Covered Country or CAHRA (a flag asks for a look; only `risk == "high"` is the rating).

Example:
    >>> model = RiskModel(reference, year=2016)                     # doctest: +SKIP
    >>> for p in flagged_paths(store, model, year=2016):            # doctest: +SKIP
    ...     print(" → ".join(p.chain), p.smelter["cid"], p.flags)
    company → S-104 → CID002587 ['high', 'watchlist']
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from minetrace.graph.store import GraphStore
from minetrace.queries._access import fields, gc_paused, get
from minetrace.queries.ratings import smelter_ratings
from minetrace.queries.risk import RiskModel, SmelterRisk, declared_countries_by_smelter, flags_of, risk_by_key

#: above this many flagged smelters, all hops are read and filtered here (query parameter limits)
MAX_KEYS_PER_READ = 5000

FLAG_CODES = ("high", "watchlist", "non_conformant", "covered_location", "cahra_location", "covered_sourcing",
              "cahra_sourcing", "not_conformant")


def smelter_flags(risk: SmelterRisk, model: RiskModel | None = None, include_not_conformant: bool = False) -> list[str]:
    """Why a smelter is flagged (empty list: not flagged) — from its reasons (`queries.risk.flags_of`): a
    conformant smelter in a Covered Country carries no flag, an unspecific mine-country list none either."""
    return flags_of(risk, include_not_conformant)


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
    #: the chain as people read it: "S00001 Acme Corp → acme_cmrt_2025.xlsx → CID002587 Tony Goetz NV → BE"
    #: (suppliers by ID and name, the declaration by its file name, the smelter by CID and name; no hashes)
    path_text: str = ""

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def supplier_label(supplier_id: str, name: str | None) -> str:
    """"S00001 Acme Corp"; a supplier known only by the name its form gives ("decl:…") by that name alone."""
    if name and str(supplier_id).startswith("decl:"):
        return str(name)
    return f"{supplier_id} {name}" if name and name != supplier_id else str(supplier_id)


def smelter_label(cid: str | None, key: str, name: str | None) -> str:
    return f"{cid or key} {name}".rstrip() if name else str(cid or key)


def file_label(file_name: str | None, declaration_id: str | None) -> str:
    """A declaration by the name of its file (archive!member kept), never by its hash."""
    text = str(file_name or declaration_id or "")
    return text.replace("\\", "/").rsplit("/", 1)[-1]


def _company_chains(store: GraphStore, supplier_ids: list[str]) -> dict[str, list[list[str]]]:
    chains = store.supplier_chains(supplier_ids) or {}
    return {sid: (chains.get(sid) or [["company", sid]]) for sid in supplier_ids}


def flagged_paths(store: GraphStore, model: RiskModel, year: int | None = None, supplier_ids: list[str] | None = None,
                  flags: list[str] | None = None, include_not_conformant: bool = False,
                  smelter_keys: list[str] | None = None) -> list[FlaggedPath]:
    """Every path ending at a flagged smelter, for current declarations of `year` (None = all years).

    `flags` restricts to paths carrying at least one of the given flag codes (e.g. ["high"]);
    `smelter_keys` to paths ending at those smelters (the explorer builds one page of smelters at a time)."""
    with gc_paused():
        return _flagged_paths(store, model, year, supplier_ids, flags, include_not_conformant, smelter_keys)


def _flagged_paths(store: GraphStore, model: RiskModel, year: int | None, supplier_ids: list[str] | None,
                   flags: list[str] | None, include_not_conformant: bool,
                   smelter_keys: list[str] | None = None) -> list[FlaggedPath]:
    # flags per smelter, once (ratings remembered per store version / reference state / policy); then only
    # the hops of flagged smelters are read
    declared = declared_countries_by_smelter(store, year)
    risks = smelter_ratings(store, model, year, keys=[str(get(s, "key")) for s in store.smelters()])
    flag_cache = {k: smelter_flags(r, model, include_not_conformant) for k, r in risks.items()}
    wanted = set(flags or ())
    keys = sorted(k for k, f in flag_cache.items() if f and (not wanted or wanted & set(f)))
    if smelter_keys is not None:
        only = set(smelter_keys)
        keys = [k for k in keys if k in only]
    if len(keys) <= MAX_KEYS_PER_READ:
        hops = [fields(h) for h in store.reports(smelter_keys=keys, supplier_ids=supplier_ids, year=year)]
    else:  # too many to name in one query: read every hop and keep the flagged smelters' ones
        flagged_keys = set(keys)
        hops = [f for f in map(fields, store.reports(supplier_ids=supplier_ids, year=year))
                if str(f["smelter_key"]) in flagged_keys]
    missing = {str(h["smelter_key"]) for h in hops} - risks.keys()
    if missing:  # a hop whose smelter node the store did not list: rate it from the hop (as risk_by_key does)
        risks = {**risks, **risk_by_key(store, model, year, [h for h in hops if h["smelter_key"] in missing],
                                        declared=declared)}
    chains = _company_chains(store, sorted({str(h["supplier_id"]) for h in hops}))
    names: dict[str, str | None] = {str(h["supplier_id"]): h.get("supplier_name") for h in hops}
    for sid in {x for cs in chains.values() for c in cs for x in c[1:]} - names.keys():
        names[sid] = get(store.supplier(sid), "name")
    # declared Covered-Country / CAHRA mine countries, indexed by (smelter, declaration): evidence stays
    # on the path of the declaration that wrote it, other declarations are summarised by a count
    risky_declared: dict[tuple[str, str], list[tuple[str, int]]] = {}
    other_declared: dict[str, int] = {}
    for skey, items in declared.items():
        for iso2, did, row in items:
            if model.is_covered(iso2) or model.geo.is_cahra_country(iso2):
                risky_declared.setdefault((skey, did), []).append((iso2, row))
                other_declared[skey] = other_declared.get(skey, 0) + 1
    out: list[FlaggedPath] = []
    decl_keys = ("declaration_id", "file_name", "sha256", "template_version", "reporting_year", "status")
    row_keys = ("sheet", "row", "cell", "raw_name", "raw_cid", "given_cid", "method", "score", "lookup_kind",
                "resolution_status", "metal", "raw_country", "file_name")
    # per chain, per declaration and per smelter parts are built once and shared by the paths using them
    chain_hops: dict[tuple[str, ...], list[Hop]] = {}
    decl_parts: dict[tuple[str, str], tuple[dict[str, Any], Hop]] = {}
    smelter_parts: dict[str, tuple[list[str], list[Hop], bool]] = {}
    summaries: dict[tuple[str, int], Hop] = {}
    for h in hops:
        key = str(h.get("smelter_key"))
        risk = risks[key]
        sid = str(h.get("supplier_id"))
        did = str(h.get("declaration_id"))
        dp = decl_parts.get((sid, did))
        if dp is None:
            decl = {k: h.get(k) for k in decl_keys}
            dp = decl_parts[(sid, did)] = (decl, Hop("DECLARED", sid, did, decl))
        decl, declared_hop = dp
        sp = smelter_parts.get(key)
        if sp is None:
            located = [Hop("LOCATED_IN", key, risk.country_iso2, {"source": "reference facility location"})] \
                if risk.country_iso2 else []
            sp = smelter_parts[key] = ([r.text for r in risk.reasons], located,
                                       any(f.endswith("_sourcing") for f in flag_cache[key]))
        reasons, located, sourcing = sp
        smelter = {"key": key, "cid": risk.cid, "metal": h.get("metal") or risk.metal, "name": risk.name,
                   "country_iso2": risk.country_iso2, "status": risk.status}
        row_evidence = {k: h.get(k) for k in row_keys}
        tail_hops: list[Hop] = [Hop("REPORTS", decl["declaration_id"], key, row_evidence), *located]
        risky = risky_declared.get((key, decl["declaration_id"]), ())
        for iso2, row in risky:
            tail_hops.append(Hop("SOURCES_FROM_COUNTRY", key, iso2, {"declaration_id": decl["declaration_id"],
                                                                    "row": row, "source": "declared mine country"}))
        others = other_declared.get(key, 0) - len(risky)
        if others > 0 and sourcing:
            summary = summaries.get((key, others))
            if summary is None:
                summary = summaries[(key, others)] = Hop("SOURCES_FROM_COUNTRY", key, "*", {
                    "source": "declared mine country", "other_declarations": others,
                    "note": f"{others} other declaration row(s) declare Covered-Country/CAHRA mine countries"})
            tail_hops.append(summary)
        tail = [risk.country_iso2] if risk.country_iso2 else []
        tail_text = [file_label(decl["file_name"], decl["declaration_id"]),
                     smelter_label(risk.cid, key, risk.name), *tail]
        for chain in chains[sid]:
            ck = tuple(chain)
            head = chain_hops.get(ck)
            if head is None:
                head = chain_hops[ck] = [Hop("SOURCES_FROM", a, b, {"tier": chain.index(b)})
                                         for a, b in zip(chain, chain[1:], strict=False)]
            out.append(FlaggedPath(
                chain=[*chain, decl["declaration_id"], key, *tail], supplier_id=sid,
                supplier_name=h.get("supplier_name"), top_supplier_id=chain[1] if len(chain) > 1 else sid,
                declaration=decl, smelter=smelter, flags=flag_cache[key], risk=risk.level,
                reasons=reasons, hops=[*head, declared_hop, *tail_hops],
                path_text=" → ".join([*(supplier_label(x, names.get(x)) for x in chain[1:]), *tail_text])))
    out.sort(key=lambda p: (p.top_supplier_id, p.supplier_id, p.smelter["metal"] or "", p.smelter["key"],
                            p.declaration["declaration_id"] or ""))
    return out
