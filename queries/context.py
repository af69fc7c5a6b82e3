"""One object holding what every query needs: the graph store, the reference facts, the policy, the year.

Why: the CLI families (query, risk, survey, export) and the explorer all open the same things the
same way — `--store` (folder or Neo4j URI; the reference DB lives in the folder), `--policy`,
`--year` (default: every current declaration on file — one campaign's CMRTs often carry effective
dates in two calendar years — statuses judged as of 31 Dec of the newest year) and `--as-of`. Keeping that here keeps
app/ free of business logic.

Example:
    >>> with QueryContext.open(".minetrace", year=2016) as ctx:     # doctest: +SKIP
    ...     ctx.model.rate_cid("CID002587").level
    'high'
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from queries.policy import Policy, load_policy
from queries.risk import RiskModel


class QueryContext:
    def __init__(self, store: Any, facts: Any, policy: Policy, year: int | None, as_of: date | None = None,
                 filing_date: date | None = None, rating_year: int | None = None) -> None:
        self.store = store
        self.facts = facts
        self.policy = policy
        #: the reporting year the queries filter on; None = every current declaration on file
        self.year = year
        #: the year statuses are judged for (as_of = 31 Dec): `year`, else the newest year in the store
        self.rating_year = year or rating_year
        self.model = RiskModel(facts, policy, as_of=as_of, year=self.rating_year, filing_date=filing_date)

    @classmethod
    def open(cls, store: str | Path | None = None, year: int | None = None, policy_file: str | Path | None = None,
             as_of: date | None = None, filing_date: date | None = None, latest_year: bool = True) -> QueryContext:
        from graph.store import open_store

        gs = open_store(store)
        facts = open_reference(store)
        newest = None
        if latest_year:
            years = [y for y in gs.years() if y is not None]
            newest = max(years) if years else None
        return cls(gs, facts, load_policy(policy_file), year, as_of, filing_date, rating_year=newest)

    def close(self) -> None:
        for thing in (self.store, self.facts):
            close = getattr(thing, "close", None)
            if close:
                close()

    def __enter__(self) -> QueryContext:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_reference(store: str | Path | None = None) -> Any:
    """The dated reference store beside the graph store (None when it cannot be opened)."""
    try:
        from ingest.reference.store import ReferenceStore
    except ImportError:  # pragma: no cover - reference layer absent
        return None
    return ReferenceStore.open(store)
