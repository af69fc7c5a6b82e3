"""Which of the smelters a form lists are high risk — the campaign's ONE call into the risk model.

Why one place: which smelters are high risk for which supplier belongs to the risk model (issue #9 is
reworking it into a policy per regime and one figures module). Receipts and mitigation cases ask here
and only here, so switching the campaign to the new figures module is a change to this function.
Today it reads `queries.ratings.smelter_ratings` (each smelter rated once, remembered per store version)
and keeps the smelters rated `high`, with the reasons in plain words.

Example:
    >>> model = RiskModel(reference, year=2016)                                         # doctest: +SKIP
    >>> high_risk_smelters(store, model, 2016, ["CID002587", "CID000001"])["CID002587"].reasons  # doctest: +SKIP
    ['on the watchlist (…)']
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

from minetrace.graph.store import GraphStore
from minetrace.queries.ratings import smelter_ratings
from minetrace.queries.risk import RiskModel


@dataclass
class HighRiskSmelter:
    key: str
    cid: str | None
    name: str | None
    metal: str | None
    country_iso2: str | None
    reasons: list[str] = field(default_factory=list)
    watchlisted: bool = False

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def high_risk_smelters(store: GraphStore, model: RiskModel, year: int | None,
                       keys: Iterable[str]) -> dict[str, HighRiskSmelter]:
    """smelter key → its high-risk rating, for the `keys` rated high (the others are left out)."""
    wanted = sorted(set(keys))
    if not wanted:
        return {}
    ratings = smelter_ratings(store, model, year, keys=wanted)
    return {k: HighRiskSmelter(k, r.cid, r.name, r.metal, r.country_iso2, [x.text for x in r.reasons],
                               bool(r.watchlist))
            for k, r in ratings.items() if r.level == "high"}
