"""Exposure: who reaches a given smelter (by CID) or a given country, through what.

Why: "who is exposed to CID002587?" must find suppliers that wrote the retired CID, the current one
or only a name that resolved to it; the reference store follows retired CIDs to their successors
("Alias to CID…", facility-level splits), and the graph keys smelters by the current CID. Country
exposure keeps two different facts apart: where the smelter *is* (reference location) and where
suppliers *declared* the ore was mined (CMRT column O) — mixing them overstates or hides risk.

Example:
    >>> res = cid_exposure(store, ["CID002587"], facts=reference, year=2016)   # doctest: +SKIP
    >>> [(s["supplier_id"], s["metals"]) for s in res[0].suppliers]            # doctest: +SKIP
    [('S-104', ['Gold'])]
    >>> country_exposure(store, ["CD"]).by_location                           # doctest: +SKIP
"""

from __future__ import annotations

import weakref
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from typing import Any

from minetrace.graph.store import GraphStore, ReferenceStore
from minetrace.queries._access import fields, gc_paused, get
from minetrace.queries.policy import Policy, load_policy


@dataclass
class CidExposure:
    cid: str  # as asked
    resolved_to: list[str]  # current CID(s) the question was answered for
    notes: list[str] = field(default_factory=list)
    suppliers: list[dict[str, Any]] = field(default_factory=list)
    declarations: int = 0
    rows: int = 0

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


#: the row fields of a hop an exposure answer reads (`_group_by_supplier`, the per-CID filter): a server store
#: reads no other property of the rows (`GraphStore.reports`' `columns`)
HOP_COLUMNS = ("metal", "raw_name", "raw_cid", "method", "cid", "cell")

_CHAINS: weakref.WeakKeyDictionary[Any, tuple[str, dict[str, list[list[str]]]]] = weakref.WeakKeyDictionary()


def supplier_chains_cached(store: GraphStore, supplier_ids: list[str],
                           version: str | None = None) -> dict[str, list[list[str]]]:
    """`store.supplier_chains` remembered per store and store version (any write changes the version and
    drops the cache), so repeated exposure questions in one session — the explorer, a notebook, a
    batch of CIDs — walk each supplier's tiers once. `version`: the store's, when the caller read it already
    (`versioned_reports`: a Neo4j round trip saved)."""
    if not supplier_ids:
        return {}
    version = str(store.version()) if version is None else version
    try:
        cached = _CHAINS.get(store)
    except TypeError:  # a store object that cannot be weakly referenced: no cache
        return store.supplier_chains(supplier_ids) or {}
    if cached is None or cached[0] != version:
        cached = (version, {})
        _CHAINS[store] = cached
    known = cached[1]
    missing = [s for s in supplier_ids if s not in known]
    if missing:
        known.update(store.supplier_chains(missing) or {})
    return {s: known.get(s, []) for s in supplier_ids}


def clear_chain_cache() -> None:
    """Forget the remembered supplier chains (benchmarks measure the cold path with it)."""
    _CHAINS.clear()


def resolve_cids(cids: list[str], facts: ReferenceStore | None = None) -> list[tuple[str, list[str], list[str]]]:
    """(asked, keys to look up, notes) per CID: the CID itself plus its successors when retired."""
    out = []
    for raw in cids:
        cid = raw.strip().upper()
        keys, notes = [cid], []
        if facts is not None:
            chain = facts.current_cid(cid)
            notes = list(get(chain, "notes") or [])
            for c in [get(chain, "current"), *(get(chain, "successors") or [])]:
                if c and c not in keys:
                    keys.append(str(c))
        out.append((cid, keys, notes))
    return out


def _group_by_supplier(hops: list[dict[str, Any]], chains: dict[str, list[list[str]]]) -> list[dict[str, Any]]:
    """Hops (as field dicts) grouped per supplier, then per declaration, with the supplier's company paths."""
    per: dict[str, dict[str, Any]] = {}
    for h in hops:
        sid = str(h["supplier_id"])
        s = per.get(sid)
        if s is None:
            s = per[sid] = {"supplier_id": sid, "supplier_name": h.get("supplier_name"), "metals": set(),
                            "years": set(), "smelters": set(), "declarations": {},
                            "paths": chains.get(sid) or [["company", sid]]}
        metal = h.get("metal")
        s["metals"].add(metal or "")
        year = h.get("reporting_year")
        if year is not None:
            s["years"].add(year)
        key = str(h["smelter_key"])
        s["smelters"].add(key)
        did = str(h["declaration_id"])
        d = s["declarations"].get(did)
        if d is None:
            d = s["declarations"][did] = {
                "declaration_id": did, "file_name": h.get("file_name"), "template_version": h.get("template_version"),
                "reporting_year": year, "status": h.get("status"), "rows": []}
        d["rows"].append({"sheet": h.get("sheet"), "row": h.get("row"), "cell": h.get("cell"), "metal": metal,
                          "raw_name": h.get("raw_name"), "raw_cid": h.get("raw_cid"), "method": h.get("method"),
                          "smelter_key": key})
    out = []
    for s in per.values():
        out.append({**s, "metals": sorted(m for m in s["metals"] if m), "years": sorted(s["years"]),
                    "smelters": sorted(s["smelters"]), "declarations": list(s["declarations"].values())})
    out.sort(key=lambda s: s["supplier_id"])
    return out


def cid_exposure(store: GraphStore, cids: list[str], facts: ReferenceStore | None = None, year: int | None = None,
                 current_only: bool = True) -> list[CidExposure]:
    """For each CID: the suppliers, declarations, metals, years and company paths that reach it. Built with the
    cyclic collector paused (`gc_paused`): a popular CID is thousands of small containers that all stay alive, and
    collections during the build were a third of the most-named CID's exposure at 1k suppliers."""
    with gc_paused():
        return _cid_exposure(store, cids, facts, year, current_only)


def _cid_exposure(store: GraphStore, cids: list[str], facts: ReferenceStore | None, year: int | None,
                  current_only: bool) -> list[CidExposure]:
    results = []
    resolved = resolve_cids(cids, facts)
    # one indexed range read for every key asked (REPORTS is clustered by smelter key), with the store's version:
    # the remembered supplier chains need no second read (on Neo4j a question whose declarations and suppliers were
    # seen under this version is one round trip)
    version, hops_read = store.versioned_reports(smelter_keys=sorted({k for _, keys, _ in resolved for k in keys}),
                                                 year=year, current_only=current_only, columns=HOP_COLUMNS)
    all_hops = [fields(h) for h in hops_read]
    chains = supplier_chains_cached(store, sorted({str(h["supplier_id"]) for h in all_hops}), version)
    for asked, keys, notes in resolved:
        wanted = set(keys)
        hops = all_hops if len(resolved) == 1 else [
            h for h in all_hops if str(h["smelter_key"]) in wanted or h.get("cid") in wanted]
        res = CidExposure(cid=asked, resolved_to=[k for k in keys if k != asked] or [asked], notes=notes)
        res.suppliers = _group_by_supplier(hops, chains)
        res.declarations = len({h.get("declaration_id") for h in hops})
        res.rows = len(hops)
        results.append(res)
    return results


@dataclass
class CountryExposure:
    countries: list[str]
    by_location: list[dict[str, Any]] = field(default_factory=list)  # smelters located in the countries
    by_declared_mine_country: list[dict[str, Any]] = field(default_factory=list)  # declared mine countries
    suppliers_by_location: list[str] = field(default_factory=list)
    suppliers_by_declared: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def country_exposure(store: GraphStore, countries: list[str] | None = None, year: int | None = None,
                     policy: Policy | None = None) -> CountryExposure:
    """Smelters and suppliers tied to `countries` (default: the policy's Covered Countries), by smelter
    location and by supplier-declared mine country, reported separately."""
    policy = policy or load_policy()
    wanted = sorted({c.strip().upper() for c in (countries or policy.risk.covered_countries)})
    res = CountryExposure(countries=wanted)
    loc_hops = store.reports(countries=wanted, year=year)
    per_smelter: dict[str, dict[str, Any]] = {}
    for h in loc_hops:
        key = str(get(h, "smelter_key"))
        s = per_smelter.setdefault(key, {"country_iso2": get(h, "country_iso2"), "smelter_key": key,
                                         "cid": get(h, "cid"),
                                         "name": get(h, "smelter_name"), "metal": get(h, "metal"), "suppliers": set(),
                                         "evidence": []})
        s["suppliers"].add(str(get(h, "supplier_id")))
        s["evidence"].append({"declaration_id": get(h, "declaration_id"), "file_name": get(h, "file_name"),
                              "row": get(h, "row"), "supplier_id": get(h, "supplier_id")})
    res.by_location = sorted(({**s, "suppliers": sorted(s["suppliers"])} for s in per_smelter.values()),
                             key=lambda s: (s["country_iso2"] or "", s["metal"] or "", s["smelter_key"]))
    res.suppliers_by_location = sorted({sid for s in res.by_location for sid in s["suppliers"]})
    declared = [d for d in store.declared_mine_countries(year=year) if str(d[1]).upper() in wanted]
    # the declarations and smelters named, each list read once (a read per declaration was hundreds of round
    # trips on Neo4j); the rows come from current declarations of `year`, anything else is asked for by id
    dids = {str(did) for _, _, did, _ in declared}
    decl_supplier: dict[str, str] = {}
    if dids:
        decl_supplier = {str(get(d, "id")): str(get(d, "supplier_id")) for d in store.declarations(year=year)
                         if str(get(d, "id")) in dids}
        for did in sorted(dids - decl_supplier.keys()):
            info = store.declaration(did)
            decl_supplier[did] = str(get(info, "supplier_id")) if info else "?"
    grouped: dict[tuple[str, str], dict[str, Any]] = {}
    smelter_info: dict[str, Any] = {str(get(s, "key")): s for s in store.smelters()} if declared else {}
    for skey, iso2, did, row in declared:
        info = smelter_info.get(skey)
        g = grouped.setdefault((str(iso2).upper(), skey), {
            "country_iso2": str(iso2).upper(), "smelter_key": skey, "cid": get(info, "cid"), "name": get(info, "name"),
            "metal": get(info, "metal"), "smelter_location": get(info, "country_iso2"), "suppliers": set(),
            "evidence": defaultdict(list)})
        g["suppliers"].add(decl_supplier[did])
        g["evidence"][did].append(row)
    res.by_declared_mine_country = sorted(
        ({**g, "suppliers": sorted(g["suppliers"]),
          "evidence": [{"declaration_id": d, "rows": sorted(r)} for d, r in g["evidence"].items()]}
         for g in grouped.values()),
        key=lambda g: (g["country_iso2"], g["metal"] or "", g["smelter_key"]))
    res.suppliers_by_declared = sorted({sid for g in res.by_declared_mine_country for sid in g["suppliers"]})
    return res


def located_smelter_counts(store: GraphStore, year: int | None = None) -> dict[str, int]:
    """ISO-2 → how many of the smelters current declarations of `year` report are located there (the Exposure
    map's circles, the country pickers): the store's per-smelter aggregate and smelter list, no hop list."""
    reported = {str(k) for k, _, _ in store.smelter_supplier_counts(year=year)}
    located = Counter(str(get(s, "country_iso2")) for s in store.smelters()
                      if str(get(s, "key")) in reported and get(s, "country_iso2"))
    return dict(sorted(located.items()))


def declared_country_rows(store: GraphStore, year: int | None = None) -> dict[str, int]:
    """ISO-2 → smelter-list rows of current declarations of `year` declaring that mine country."""
    rows = Counter(str(iso2) for _, iso2, _, _ in store.declared_mine_countries(year=year) if iso2 is not None)
    return dict(sorted(rows.items()))
