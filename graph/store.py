"""The store interfaces every layer above the graph codes against (`GraphStore`, `ReferenceStore`), and the
records they speak.

Why a Protocol: the embedded store (SQLite on disk, networkx for paths) and the Neo4j store
must be interchangeable — the queries, the explorer and the contract tests only see
`GraphStore`. `graph.open.open_store()` picks the implementation from what the user typed after
`--store`: a folder path → embedded, a ``neo4j://`` / ``bolt://`` URI → Neo4j (imported
lazily, so the embedded path never needs the driver or a server).

The semantics (supersede, history, outcomes, provenance) are written down in the docstrings below and
checked by ``tests/test_store_contract.py`` against both stores.
"""

from __future__ import annotations

import os
from collections.abc import Collection, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol, runtime_checkable

from minetrace.ingest.records import Declaration, Resolution

if TYPE_CHECKING:  # annotations only: the protocol module stays light to import
    from concurrent.futures import Future

Outcome = Literal["new", "duplicate", "superseded", "invalid_stored", "pending"]
SurveyKind = Literal["contacted", "follow_up", "responded", "out_of_scope", "in_scope", "note"]

#: the default embedded store folder (relative to the working directory)
DEFAULT_STORE_DIR = ".minetrace"
#: environment variable naming the store when `--store` is not given
STORE_ENV = "MINETRACE_STORE"
NEO4J_SCHEMES: tuple[str, ...] = ("neo4j://", "neo4j+s://", "neo4j+ssc://", "bolt://", "bolt+s://", "bolt+ssc://")


@dataclass
class SupplierRecord:
    """A supplier as the company knows it (master list) or as a declaration names it."""

    id: str
    name: str
    aliases: list[str] = field(default_factory=list)
    category: str | None = None  # "direct" | "indirect" | "service"
    last_purchase: str | None = None  # ISO date
    contact_email: str | None = None
    email_domain: str | None = None
    spend: float | None = None
    in_scope: bool | None = None
    scope_reason: str | None = None
    contact_name: str | None = None
    language: str | None = None  # the master list's language column as written ("zh", "Chinese", "中文" …)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class SurveyEvent:
    supplier_id: str
    kind: SurveyKind
    date: str  # ISO date
    note: str = ""


@dataclass
class CampaignRecord:
    """One item of the supplier campaign (queries/campaign): an outgoing message or a mitigation case.

    `kind` is one of `graph.schema.CAMPAIGN_RECORD_KINDS`; (`kind`, `key`) identifies the record and a save
    replaces it whole. `data` holds plain JSON values only; the store keeps it as given and stamps `updated`."""

    kind: str
    key: str
    supplier_id: str
    data: dict[str, Any] = field(default_factory=dict)
    updated: str | None = None  # ISO timestamp of the last save (set by the store)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class CountryRecord:
    iso2: str
    name: str | None = None
    covered: bool | None = None  # a DRC "covered country" (Rule 13p-1)
    cahra: bool | None = None  # on a CAHRA list (dated elsewhere)


@dataclass
class SmelterFact:
    """What the reference store knows of a resolved smelter (standard name, country)."""

    key: str  # CID
    metal: str | None = None
    name: str | None = None
    country_iso2: str | None = None
    cid: str | None = None  # defaults to key


@dataclass
class IngestOutcome:
    """What happened to one declaration.

    outcome: "new" (stored and current for its supplier/year/scope; `supersedes` lists the ids it
    replaced as current), "superseded" (stored as history: a newer declaration for the same
    supplier/year/scope is already current — `superseded_by`), "invalid_stored" (status invalid,
    stored all the same; `current` says whether it became current), "duplicate" (same sha256
    already stored: nothing changed).
    """

    outcome: Outcome
    declaration_id: str
    supplier_id: str
    reporting_year: int | None
    scope: str | None = None
    current: bool = False
    supersedes: list[str] = field(default_factory=list)
    superseded_by: str | None = None
    message: str = ""
    #: why this newer form does not displace the current one (identity unconfirmed, or invalid while a
    #: valid form is current); None when it is current or plain history
    pending: str | None = None


@dataclass
class ReportHop:
    """One Supplier→Declaration→Smelter hop with the evidence behind it (one smelter-list row)."""

    supplier_id: str
    supplier_name: str | None
    declaration_id: str
    file_name: str | None
    sha256: str
    template_version: str | None
    reporting_year: int | None
    status: str
    current: bool
    metal: str | None
    row: int
    sheet: str
    raw_name: str | None
    raw_cid: str | None
    method: str | None
    score: float | None
    smelter_key: str
    cid: str | None
    smelter_name: str | None
    country_iso2: str | None
    lookup_kind: str | None = None
    resolution_status: str | None = None
    given_cid: str | None = None
    raw_country: str | None = None
    cell: str | None = None  # the source cell the reader read ("Smelter List!D6")

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class DeclarationInfo:
    id: str  # sha256
    supplier_id: str
    file_name: str | None
    template_kind: str | None
    template_version: str | None
    reporting_year: int | None
    status: str
    scope: str | None
    company_name: str | None
    effective_date: str | None  # ISO
    received: str  # ISO timestamp of ingest
    current: bool
    superseded_by: str | None = None
    checker_missing: int | None = None
    smelter_rows: int = 0
    scope_description: str | None = None
    company_unique_id: str | None = None
    contact_email: str | None = None
    policy_url: str | None = None
    metals: list[str] = field(default_factory=list)
    #: "option" (--year) | "effective_date" | "unfiled" (neither: reporting_year is None, flagged on the form);
    #: stores made before this rule may hold "received"
    year_source: str | None = None
    findings_json: str = "[]"
    answers_json: str = "{}"
    company_answers_json: str = "{}"
    #: identity not confirmed when it arrived (fuzzy master-list match, another contact domain): it may not
    #: displace the current form until accepted
    hold: str | None = None
    accepted: bool = False  # an analyst accepted it (`minetrace store accept`)
    #: newer than the current form but held back: why (hold, or invalid while a valid form is current)
    pending: str | None = None
    contact_domain: str | None = None  # its contact e-mail's domain (identity: see graph.current)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class SupplierInfo(SupplierRecord):
    origin: str = "declaration"  # "master_list" | "declaration"
    declarations: int = 0  # how many declarations (all years, history included)
    parents: list[str] = field(default_factory=list)  # supplier ids this one is a sub-supplier of


@dataclass
class SmelterInfo:
    key: str
    cid: str | None
    metal: str | None
    name: str | None
    country_iso2: str | None
    provisional: bool
    resolution_status: str | None = None
    from_reference: bool = False


@dataclass
class ReportRelink:
    """A new smelter link for one stored REPORTS edge (one smelter-list row of a declaration).

    Used when a resolution decision (``minetrace reference decide``) changes what an already stored
    row resolves to. The edge keeps its raw evidence (raw name, raw CID, raw country, provenance);
    its target and resolution fields change. `name`, `country_iso2` and `country_source`
    ("resolution" | "declared") describe the target smelter as a fresh ingest would create it.
    """

    row: int
    smelter_key: str  # CID, or "prov:<metal>|<name>|<country>"
    cid: str | None
    metal: str | None
    name: str | None
    country_iso2: str | None
    method: str
    score: float
    resolution_status: str
    given_cid: str | None = None
    country_source: str = "resolution"

    @property
    def provisional(self) -> bool:
        from minetrace.graph.schema import PROVISIONAL_PREFIX

        return self.smelter_key.startswith(PROVISIONAL_PREFIX)


#: (label, key, props) — props hold plain JSON types; lists are kept as lists
NodeRow = tuple[str, str, dict[str, Any]]
#: (type, start label, start key, end label, end key, props)
EdgeRow = tuple[str, str, str, str, str, dict[str, Any]]


@dataclass
class IngestJob:
    """The arguments of one `GraphStore.ingest_declaration` call, handed to an `IngestPipeline`."""

    decl: Declaration
    resolutions: list[Resolution]
    supplier: SupplierRecord
    year: int | None
    parent_supplier_id: str | None = None
    year_source: str | None = None
    hold: str | None = None


class StoreStopped(RuntimeError):
    """A job not stored because the store failed on an earlier job of the same pipeline (nothing of it is kept)."""


class IngestPipeline(Protocol):
    """Stores jobs in submission order, each in its own transaction; `submit` may return before the job is stored
    (graph.ingest_pipeline says why)."""

    def submit(self, job: IngestJob) -> Future[IngestOutcome]:
        """The job's outcome to come. A job the store refuses for its content carries that exception (ValueError,
        KeyError, TypeError) and later jobs go on; after a store failure, later jobs carry `StoreStopped`."""
        ...

    def close(self) -> None:
        """Wait until every submitted job is stored or failed."""
        ...

    def __enter__(self) -> IngestPipeline: ...

    def __exit__(self, *exc: object) -> None: ...


@runtime_checkable
class GraphStore(Protocol):
    """The operations the queries and the explorer use. Each write is one transaction."""

    #: where original files are kept, content-addressed (records retention); None: not kept
    files_dir: Path | None

    # --- writes ---
    def ingest_declaration(self, decl: Declaration, resolutions: list[Resolution], supplier: SupplierRecord,
                           year: int | None, parent_supplier_id: str | None = None,
                           year_source: str | None = None, hold: str | None = None) -> IngestOutcome:
        """Store one declaration. Which declaration of (supplier, year, scope) is current: the newest (effective
        date, then ingest order) among the valid or accepted ones that are not on `hold`; when there is none, the
        newest not on hold; a newer form that is not current is `pending` (with why)."""
        ...
    def ingest_pipeline(self) -> IngestPipeline:
        """Declarations stored in submission order while the caller prepares the next (graph.ingest_pipeline):
        `graph.ingest` stores a batch's files through it."""
        ...
    def accept_declaration(self, declaration_id: str) -> bool:
        """An analyst accepts a pending form (identity checked, or invalid but to be used): it may become current.
        False for an unknown declaration."""
        ...
    def delete_declaration(self, declaration_id: str) -> bool: ...
    def relink_declaration(self, declaration_id: str, supplier: SupplierRecord, hold: str | None = None) -> bool:
        """File a stored declaration under another supplier, in ONE transaction (a master list imported after the
        forms, an analyst's link): the supplier is created as a declared one when the store does not know it (a
        master-list supplier is never overwritten); the form's `hold` becomes `hold` (None: identity confirmed);
        the current form of the old and the new (supplier, year, scope) group is recomputed; the SOURCES_FROM edge
        the form made moves with it and a declared supplier left without forms is removed, as `delete_declaration`
        does. Everything else (rows, findings, received date, acceptance) is kept. False for an unknown form."""
        ...
    def upsert_suppliers(self, records: list[SupplierRecord]) -> None: ...
    def set_supplier_scope(self, supplier_id: str, in_scope: bool | None, reason: str | None) -> None: ...
    def log_survey_event(self, event: SurveyEvent) -> None: ...
    def save_campaign_records(self, records: list[CampaignRecord]) -> None:
        """Insert or replace campaign records (by kind and key) in ONE transaction; bumps the version."""
        ...

    def upsert_countries(self, records: list[CountryRecord]) -> None: ...
    def upsert_smelter_facts(self, facts: list[SmelterFact]) -> None: ...
    def relink_reports(self, declaration_id: str, updates: list[ReportRelink]) -> int:
        """Point stored REPORTS edges of one declaration (by sheet row) at other smelters, in ONE transaction.

        Mine-country edges of the row move with it; a smelter no edge reports any more is removed (unless
        the reference put it there), as `delete_declaration` does. Returns the number of edges changed
        (0 for an unknown declaration; rows already pointing at the target are left alone)."""
        ...

    # --- reads ---
    def version(self) -> str:
        """Changes on every write (never on a read): the key of every cache above the store."""
        ...
    def location(self) -> str:
        """Where the store is, as the user named it (a folder or a Neo4j URI)."""
        ...
    def has_declaration(self, sha256: str) -> bool: ...
    def declaration(self, declaration_id: str) -> DeclarationInfo | None: ...
    def declarations_by_id(self, ids: Iterable[str]) -> dict[str, DeclarationInfo]:
        """The stored declarations among `ids`, by id: one read for a batch (an ingest asks which of its files are
        stored before parsing them, and reads its stored files back at the end; per file it was a server round trip
        each)."""
        ...
    def declarations(self, supplier_id: str | None = None, year: int | None = None,
                     current_only: bool = True) -> list[DeclarationInfo]: ...
    def suppliers(self) -> list[SupplierInfo]: ...
    def supplier(self, supplier_id: str) -> SupplierInfo | None: ...
    def smelters(self) -> list[SmelterInfo]: ...
    def smelter(self, key: str) -> SmelterInfo | None: ...
    def countries(self) -> list[CountryRecord]: ...
    def survey_events(self, supplier_id: str | None = None) -> list[SurveyEvent]: ...
    def campaign_records(self, kind: str | None = None, supplier_id: str | None = None) -> list[CampaignRecord]:
        """Campaign records, optionally of one kind / supplier, sorted by kind then key."""
        ...

    def years(self) -> list[int]: ...
    def stats(self) -> dict[str, Any]: ...

    # --- traversal primitives ---
    def reports(self, smelter_keys: list[str] | None = None, supplier_ids: list[str] | None = None,
                countries: list[str] | None = None, metals: list[str] | None = None, year: int | None = None,
                current_only: bool = True, columns: Collection[str] | None = None) -> list[ReportHop]:
        """The Supplier→Declaration→Smelter hops the filters select, in (supplier, year, declaration, row) order.
        `columns`: the ReportHop fields the caller reads (None: all). A store may leave the row fields not named
        None — `metal` through `cell`, except `row` and `smelter_key`, which every hop has: on a server each is a
        property read per row (the Neo4j store reads only those). The declaration's and supplier's fields are
        always filled."""
        ...
    def versioned_reports(self, smelter_keys: list[str] | None = None, supplier_ids: list[str] | None = None,
                          countries: list[str] | None = None, metals: list[str] | None = None,
                          year: int | None = None, current_only: bool = True,
                          columns: Collection[str] | None = None) -> tuple[str, list[ReportHop]]:
        """(`version()`, `reports(…)`) as of the same moment: the key of what a caller remembers about these
        hops (supplier chains) with the hops, in one read — on a server one round trip instead of two."""
        ...
    def supplier_chains(self, supplier_ids: list[str] | None = None) -> dict[str, list[list[str]]]: ...
    def smelters_for_supplier(self, supplier_id: str, year: int | None = None,
                              current_only: bool = True) -> list[ReportHop]: ...
    def suppliers_for_smelter(self, key: str, year: int | None = None,
                              current_only: bool = True) -> list[ReportHop]: ...
    def declared_mine_countries(self, year: int | None = None,
                                current_only: bool = True) -> list[tuple[str, str, str, int]]:
        """(smelter key, mine country ISO-2, declaration id, sheet row) per declared mine country, sorted."""
        ...

    # --- aggregates (computed in the store: SQL GROUP BY / server-side Cypher; the queries' fast paths) ---
    def supplier_smelter_counts(self, year: int | None = None, current_only: bool = True,
                                smelter_keys: list[str] | None = None) -> list[tuple[str, str, int]]:
        """(supplier id, smelter key, smelter-list rows) per pair, sorted; `smelter_keys` restricts."""
        ...

    def smelter_supplier_counts(self, year: int | None = None,
                                current_only: bool = True) -> list[tuple[str, int, int]]:
        """(smelter key, distinct suppliers, smelter-list rows) per smelter reported, sorted by key."""
        ...

    def supplier_class_counts(self, classes: dict[str, str], year: int | None = None, current_only: bool = True,
                              listed: Collection[str] = ()) -> list[tuple[str, str, int, int, list[str]]]:
        """(supplier id, class, distinct smelters, smelter-list rows, smelter keys) per supplier and class,
        sorted; `classes` maps smelter key → caller-chosen label (unnamed smelters: class ""); the keys
        (sorted) are given only for the classes in `listed`, else []."""
        ...

    def smelter_mine_countries(self, year: int | None = None,
                               current_only: bool = True) -> list[tuple[str, str]]:
        """Distinct (smelter key, declared mine country ISO-2) pairs: `declared_mine_countries` without the rows
        (what the risk ratings read first; the rows are read only for the few smelters that need them)."""
        ...

    # --- export ---
    def export_nodes(self) -> Iterator[NodeRow]: ...
    def export_edges(self) -> Iterator[EdgeRow]: ...

    def close(self) -> None: ...


@runtime_checkable
class ReferenceStore(Protocol):
    """The dated reference facts the ratings read (RMI facility lists, RMAP statuses, watchlists, country lists).

    Implemented by `ingest.reference.store.ReferenceStore` (SQLite beside the graph store), by
    `queries.whatif.OverlayFacts` (hypothetical changes on top of another) and by the tests' in-memory facts.
    Records are returned as the implementation holds them (attribute or mapping access, see queries._access)."""

    def version(self) -> str | None:
        """A fingerprint of the content, changing whenever the facts change; None when it cannot be taken
        (then nothing computed from these facts is remembered across calls)."""
        ...

    def facility(self, cid: str) -> Any:
        """The facility of a CID (.standard_name .metal .country_iso2 .state .retired .removed_on …) or None."""
        ...

    def current_cid(self, cid: str) -> Any:
        """Where a CID leads now (.current .successors .chain .notes .retired)."""
        ...

    def status_as_of(self, cid: str, when: date | str | None = None, scheme: str = "RMAP") -> Any:
        """The audit status of a CID on a date (.status .last_audit .audit_cycle .removed_on …)."""
        ...

    def status_snapshots(self, scheme: str = "RMAP") -> list[dict[str, Any]] | None:
        """The status lists on file ([{kind, as_of, source, observations}]; [] = no status data); None when these
        facts cannot tell which lists they rest on."""
        ...

    def watchlist(self, when: date | str | None = None) -> list[dict[str, Any]]: ...

    def covered_countries(self) -> set[str]:
        """ISO-2 codes of the DRC Covered Countries on file (the policy's own list comes first)."""
        ...

    def is_covered_country(self, iso2: str | None) -> bool: ...

    def cahra_as_of(self, when: date | str | None = None) -> list[dict[str, Any]]:
        """The CAHRA table in force on a date: [{iso2, area, area_code, as_of, source}]."""
        ...

    def summary(self) -> dict[str, Any] | None:
        """What is on file ({snapshots, imports, watchlist, facilities, …}: the report's data dates); None when
        these facts keep no record of their imports."""
        ...


def is_neo4j_uri(target: str) -> bool:
    return str(target).lower().startswith(NEO4J_SCHEMES)


def resolve_store_target(uri_or_dir: str | os.PathLike[str] | None) -> str:
    """`--store` value, else $MINETRACE_STORE, else ./.minetrace (the one place this rule is written)."""
    if uri_or_dir:
        return str(uri_or_dir)
    return os.environ.get(STORE_ENV) or DEFAULT_STORE_DIR


def local_folder(target: str | os.PathLike[str] | None) -> Path:
    """The folder on this machine that goes with a store target: the embedded store's own folder; for a Neo4j
    URI, $MINETRACE_STORE when that names a folder, else ./.minetrace (originals, outbox, company block and the
    cache of the workspace's shared reference DB live there — see graph.workspace)."""
    target = resolve_store_target(target)
    if not is_neo4j_uri(target):
        return Path(target)
    env = os.environ.get(STORE_ENV, "")
    return Path(env) if env and not is_neo4j_uri(env) else Path(DEFAULT_STORE_DIR)

