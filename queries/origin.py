"""Countries of origin for a reporting year, each with the sources it came from.

Why its own module: the report's closing paragraph lists the countries the 3TG may come from, and
public data only gives the smelter *location*; supplier-declared mine countries (CMRT column O) are a
different, weaker fact. Aggregate them, but label each source — a country
appears with `sources` ["smelter_location"], ["declared_mine_country"] or both, with the smelters
and declaration rows behind it. Only validated smelters (resolved to a CID) of valid forms count,
unless `valid_only=False`.

Example:
    >>> [o.name for o in countries_of_origin(store, RiskModel(reference, year=2016), 2016)]  # doctest: +SKIP
    ['Belgium', 'China', 'Rwanda']
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from minetrace.graph.store import GraphStore
from minetrace.queries._access import get
from minetrace.queries.report import country_title, validated_hops
from minetrace.queries.risk import RiskModel, declared_countries_by_smelter


@dataclass
class OriginCountry:
    iso2: str
    name: str
    covered: bool
    sources: list[str]  # "smelter_location", "declared_mine_country"
    smelters_located: list[str] = field(default_factory=list)  # CIDs located there
    declared_by: list[dict[str, Any]] = field(default_factory=list)  # [{smelter_key, declaration_id, row}]


def countries_of_origin(store: GraphStore, model: RiskModel, year: int | None,
                        valid_only: bool = True) -> list[OriginCountry]:
    """The aggregated countries of origin for a reporting year, each with where it came from."""
    hops = validated_hops(store, year, valid_only)
    keys = {str(get(h, "smelter_key")) for h in hops}
    decls = {str(get(h, "declaration_id")) for h in hops}
    per: dict[str, OriginCountry] = {}

    def entry(iso2: str) -> OriginCountry:
        if iso2 not in per:
            per[iso2] = OriginCountry(iso2=iso2, name=country_title(iso2), covered=model.is_covered(iso2), sources=[])
        return per[iso2]

    for h in hops:
        iso2 = get(h, "country_iso2")
        if iso2:
            e = entry(str(iso2).upper())
            if "smelter_location" not in e.sources:
                e.sources.append("smelter_location")
            cid = str(get(h, "cid"))
            if cid not in e.smelters_located:
                e.smelters_located.append(cid)
    for skey, items in declared_countries_by_smelter(store, year).items():
        if skey not in keys:
            continue
        for iso2, did, row in items:
            if did not in decls:
                continue
            e = entry(iso2)
            if "declared_mine_country" not in e.sources:
                e.sources.append("declared_mine_country")
            e.declared_by.append({"smelter_key": skey, "declaration_id": did, "row": row})
    for e in per.values():
        e.smelters_located.sort()
    return sorted(per.values(), key=lambda e: e.name)
