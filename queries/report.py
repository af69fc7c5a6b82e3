"""What goes in the year's report: the smelter appendix, its counts and the countries of origin.

Why: the 2016 report closes with Appendix A (metal, standard smelter name, facility location,
conflict-free/conformant?) and an aggregated list of countries of origin, and states how many
smelters were validated and how many are conformant. The appendix rows come from the year's
validated declarations (by default only forms that passed validation), with every smelter resolved
to an RMI CID, deduplicated by (CID, metal), and every status judged at the filing date. The
program's figures beside them (smelters identified, conformant share, high-risk smelters …) are
`queries.figures`' — the same numbers the CLI and the explorer show.
Countries of origin keep their sources apart: smelter location vs
supplier-declared mine countries.

Example:
    >>> app = appendix(store, RiskModel(reference, year=2016), year=2016)   # doctest: +SKIP
    >>> app.counts["smelters_validated"], app.rows[0]["metal"]             # doctest: +SKIP
    (311, 'Gold')
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass, field
from typing import Any

from minetrace.graph.store import GraphStore
from minetrace.queries._access import get
from minetrace.queries.risk import RiskModel

METAL_ORDER = {"Gold": 0, "Tantalum": 1, "Tin": 2, "Tungsten": 3}

#: location spellings as the 2016 report's Appendix A prints them (CMRT style, short forms) for ISO codes
#: whose pycountry name differs; every other code is pycountry's name in upper case
CMRT_COUNTRY_NAMES = {
    "US": "UNITED STATES", "GB": "UNITED KINGDOM", "CD": "CONGO, DEMOCRATIC REPUBLIC OF THE", "CG": "CONGO",
    "KR": "KOREA, REPUBLIC OF", "KP": "KOREA, DEMOCRATIC PEOPLE'S REPUBLIC OF", "TW": "TAIWAN",
    "RU": "RUSSIAN FEDERATION", "TZ": "TANZANIA, UNITED REPUBLIC OF", "VN": "VIET NAM", "BO": "BOLIVIA",
    "IR": "IRAN, ISLAMIC REPUBLIC OF", "LA": "LAO PEOPLE'S DEMOCRATIC REPUBLIC", "TR": "TURKEY",
    "CZ": "CZECH REPUBLIC", "MK": "MACEDONIA", "NL": "NETHERLANDS", "VE": "VENEZUELA", "SY": "SYRIA",
    "MD": "MOLDOVA, REPUBLIC OF", "HK": "HONG KONG", "MO": "MACAO", "SZ": "SWAZILAND",
}


def country_label(iso2: str | None) -> str | None:
    """Upper-case country name as CMRTs print it (from the ISO code)."""
    if not iso2:
        return None
    iso2 = iso2.upper()
    if iso2 in CMRT_COUNTRY_NAMES:
        return CMRT_COUNTRY_NAMES[iso2]
    import pycountry

    hit = pycountry.countries.get(alpha_2=iso2)
    return hit.name.upper() if hit else iso2


def country_title(iso2: str) -> str:
    import pycountry

    hit = pycountry.countries.get(alpha_2=iso2.upper())
    return getattr(hit, "common_name", None) or (hit.name if hit else iso2)


def validated_hops(store: GraphStore, year: int | None, valid_only: bool = True) -> list[Any]:
    """Current hops of the year that reach an RMI smelter (resolved CID), from valid forms by default."""
    hops = store.reports(year=year)
    return [h for h in hops if get(h, "cid") and (not valid_only or get(h, "status") == "valid")]


@dataclass
class Appendix:
    year: int | None
    as_of: str
    rows: list[dict[str, Any]]
    counts: dict[str, Any]
    countries_of_origin: list[dict[str, Any]]
    figures: dict[str, Any] = field(default_factory=dict)  # queries.figures.ProgramFigures
    policy: str = ""
    statuses: str = ""

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def appendix(store: GraphStore, model: RiskModel, year: int | None, valid_only: bool = True) -> Appendix:
    """Appendix A: one row per validated smelter (CID, metal), conformant status as of the model's date."""
    from minetrace.queries.figures import population

    policy = model.policy
    hops = validated_hops(store, year, valid_only)
    rated = population(store, model, year)  # the same ratings as every other surface (declared sourcing too)
    per: dict[tuple[str, str], dict[str, Any]] = {}
    excluded: set[tuple[str, str]] = set()
    suppliers: dict[tuple[str, str], set[str]] = defaultdict(set)
    for h in hops:
        cid = str(get(h, "cid"))
        metal = get(h, "metal") or ""
        k = (cid, metal)
        suppliers[k].add(str(get(h, "supplier_id")))
        if k in per or k in excluded:
            continue
        risk = rated.get(str(get(h, "smelter_key")))
        if risk is None:  # a hop whose smelter the population did not list: rated as the hop names it
            risk = model.rate_smelter({"key": get(h, "smelter_key"), "cid": cid, "metal": metal,
                                       "name": get(h, "smelter_name"), "country_iso2": get(h, "country_iso2")})
        if any(f.code == "not_a_smelter" for f in risk.findings):
            excluded.add(k)  # RMI removed it as not a smelter (as of the date): not a validated smelter
            continue
        per[k] = {
            "metal": metal,
            "standard_smelter_name": risk.name or get(h, "smelter_name"),
            "facility_location": country_label(risk.country_iso2),
            "conformant": policy.report.appendix_conformant_label if risk.conformant
            else policy.report.appendix_other_label,
            "cid": risk.cid or cid,
            "rmap_status": risk.status,
            "status_basis": risk.status_basis,
            "status_observed_on": risk.status_observed_on,
            "status_as_of": model.as_of.isoformat(),
            "risk": risk.level,
            "country_iso2": risk.country_iso2,
        }
    for k, row in per.items():
        row["suppliers"] = len(suppliers[k])
    rows = sorted(per.values(), key=lambda r: (METAL_ORDER.get(r["metal"], 9), r["metal"],
                                               (r["standard_smelter_name"] or "").casefold()))
    by_metal: dict[str, int] = defaultdict(int)
    conformant_by_metal: dict[str, int] = defaultdict(int)
    for r in rows:
        by_metal[r["metal"]] += 1
        if r["conformant"] == policy.report.appendix_conformant_label:
            conformant_by_metal[r["metal"]] += 1
    from minetrace.queries.figures import program_figures
    from minetrace.queries.origin import countries_of_origin

    origin = countries_of_origin(store, model, year, valid_only)
    figures = program_figures(store, model, year)
    counts = {
        "smelters_validated": len(rows),
        "conformant": sum(conformant_by_metal.values()),
        "not_conformant": len(rows) - sum(conformant_by_metal.values()),
        "by_metal": dict(sorted(by_metal.items())),
        "conformant_by_metal": dict(sorted(conformant_by_metal.items())),
        "high_risk_in_appendix": sum(1 for r in rows if r["risk"] == "high"),
        "countries_of_origin": len(origin),
        "excluded_not_a_smelter": len(excluded),
        # the program's figures (queries.figures: every current form of the year), as the CLI and explorer show
        "high_risk": figures.high_risk_smelters,
        "smelters_identified": figures.smelters_identified,
        "conformant_smelters": figures.conformant_smelters,
        "conformant_share": figures.conformant_share,
    }
    return Appendix(year=year, as_of=model.as_of.isoformat(), rows=rows, counts=counts,
                    countries_of_origin=[asdict(o) for o in origin], figures=figures.to_json(),
                    policy=model.policy.label, statuses=model.basis.text)
