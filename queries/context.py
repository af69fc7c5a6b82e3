"""One object holding what every query needs: the graph store, the reference facts, the policy, the year.

Why: the CLI families (query, risk, survey, export) and the explorer all open the same things the
same way — `--store` (folder or Neo4j URI: graph.workspace says where the reference DB lives), `--policy NAME|FILE`
(a preset — us-sec-1502, the default, or eu-2017-821 — or a YAML file merged over one), `--year`
(the CLI's default, as the explorer's: the newest reporting year with forms — the campaign in
progress, `campaign_year`; without it, every current declaration on file, statuses judged at the
filing date of the newest year) and `--as-of`. The header
every output starts with (policy, year, the date statuses are judged at and the lists they come
from, and the notice when there is no status data) is built here, once, so the CLI, the exports
and the explorer say the same. Keeping that here keeps app/ free of business logic.

Example:
    >>> with QueryContext.open(".minetrace", year=2016) as ctx:     # doctest: +SKIP
    ...     ctx.model.rate_cid("CID002587").level
    'high'
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from minetrace.graph.store import GraphStore, ReferenceStore
from minetrace.queries.policy import Policy, load_policy
from minetrace.queries.risk import RiskModel


def rating_year(store: GraphStore, year: int | None) -> int | None:
    """The year statuses are judged for: `year`, else the newest reporting year in the store."""
    if year is not None:
        return year
    years = [y for y in store.years() if y is not None]
    return max(years) if years else None


def campaign_year(store: GraphStore) -> int | None:
    """The newest reporting year with forms (the campaign in progress): the year the CLI and the explorer
    show when none is chosen — not the year with the most forms."""
    return rating_year(store, None)


#: how the year of an output was chosen (JSON header key `year_basis`)
YEAR_GIVEN, YEAR_NEWEST, YEAR_ALL = "given", "newest_with_forms", "all"


def year_text(year: int | None, basis: str | None = None) -> str:
    """The year as the header line states it."""
    if year is None:
        return "year all on file"
    if basis == YEAR_NEWEST:
        return f"year {year} (the newest reporting year with forms; --year for another)"
    return f"year {year}"


def build_model(store: GraphStore, facts: ReferenceStore, policy: Policy, year: int | None, as_of: date | None = None,
                filing_date: date | None = None) -> RiskModel:
    """The risk model every surface uses for (store, reference, policy, year): statuses judged at the filing
    date of `year`, or of the newest year on file when `year` is None."""
    return RiskModel(facts, policy, as_of=as_of, year=rating_year(store, year), filing_date=filing_date)


def notices(model: RiskModel, store_option: str | None = None) -> list[str]:
    """What a rating output must say first: no smelter reference list (ingest.reference.notice) and no RMAP
    status data (queries.status_basis), each when it applies."""
    out = []
    try:
        from minetrace.ingest.reference.notice import reference_notice
        from minetrace.ingest.reference.store import ReferenceStore as SqliteReference

        note = reference_notice(model.facts, store_option) if isinstance(model.facts, SqliteReference) else None
    except Exception:  # a broken or foreign reference store: the command reports it itself
        note = None
    if note:
        out.append(f"note: {note}")
    status_note = model.basis.notice_for(store_option)
    if status_note:
        out.append(status_note)
    return out


def header(model: RiskModel, year: int | None, store_option: str | None = None,
           year_basis: str | None = None) -> dict[str, Any]:
    """The header of every rating output (JSON keys `year, year_basis, as_of, filing_date, policy, policy_title,
    statuses, notices`); `year_basis`: given | newest_with_forms | all (None when the caller did not say)."""
    return {"year": year, "year_basis": year_basis or (YEAR_ALL if year is None else None),
            "as_of": model.as_of.isoformat(),
            "filing_date": model.filing_date.isoformat() if model.filing_date else None,
            "policy": model.policy.label, "policy_title": model.policy.title,
            "statuses": model.basis.to_json(), "notices": notices(model, store_option)}


def header_lines(model: RiskModel, year: int | None, store_option: str | None = None,
                 year_basis: str | None = None) -> list[str]:
    """The same header as text: one line of notices first (when any applies), then policy, year and statuses."""
    found = notices(model, store_option)
    out = [" — ".join(found)] if found else []
    out.append(f"policy {model.policy.label}" + (f" ({model.policy.title})" if model.policy.title else "")
               + f" · {year_text(year, year_basis)} · {model.basis.text}")
    return out


class QueryContext:
    def __init__(self, store: GraphStore, facts: ReferenceStore, policy: Policy, year: int | None,
                 as_of: date | None = None,
                 filing_date: date | None = None, rating_year: int | None = None,
                 year_basis: str | None = None, store_option: str | None = None) -> None:
        self.store = store
        #: the --store the user gave (None: the default), for the fix commands the notices name
        self.store_option = store_option
        #: how `year` was chosen: given | newest_with_forms | all
        self.year_basis = year_basis or (YEAR_ALL if year is None else YEAR_GIVEN)
        self.facts = facts
        self.policy = policy
        #: the reporting year the queries filter on; None = every current declaration on file
        self.year = year
        #: the year statuses are judged for: `year`, else the newest year in the store
        self.rating_year = year or rating_year
        self.model = RiskModel(facts, policy, as_of=as_of, year=self.rating_year, filing_date=filing_date)

    @classmethod
    def open(cls, store: str | Path | None = None, year: int | None = None, policy_file: str | Path | None = None,
             as_of: date | None = None, filing_date: date | None = None, latest_year: bool = True,
             default_year: bool = False) -> QueryContext:
        """`policy_file`: a preset name (us-sec-1502, eu-2017-821) or a YAML file; None = the default preset.
        `default_year`: without a year, take the newest reporting year with forms (the CLI's default) instead
        of every year on file."""
        from minetrace.graph.workspace import Workspace

        policy = load_policy(policy_file)  # a bad --policy is reported before any store is opened
        ws = Workspace.open(store, policy_file)
        gs = ws.open_store()
        try:
            facts = ws.open_reference(graph=gs)
        except BaseException:
            gs.close()
            raise
        newest = rating_year(gs, None) if latest_year or default_year else None
        basis = YEAR_GIVEN if year is not None else YEAR_ALL
        if year is None and default_year and newest is not None:
            year, basis = newest, YEAR_NEWEST
        return cls(gs, facts, policy, year, as_of, filing_date, rating_year=newest, year_basis=basis,
                   store_option=str(store) if store else None)

    @property
    def header(self) -> dict[str, Any]:
        return header(self.model, self.year, self.store_option, self.year_basis)

    @property
    def header_lines(self) -> list[str]:
        return header_lines(self.model, self.year, self.store_option, self.year_basis)

    def close(self) -> None:
        for thing in (self.facts, self.store):  # the reference first: a shared one talks through the store
            close = getattr(thing, "close", None)
            if close:
                close()

    def __enter__(self) -> QueryContext:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_reference(store: str | Path | None = None) -> ReferenceStore:
    """The dated reference store of the workspace `store` names (graph.workspace)."""
    from minetrace.graph.workspace import Workspace

    return Workspace.open(store).open_reference()
