"""The one place that names the supply-chain graph: labels, relationship types, keys, properties.

Why one module: the embedded store (SQLite + networkx), the Neo4j store (Cypher) and the
exporters (GraphML, CSV, neo4j-admin CSV) must agree byte for byte on every name, or the
same data gives different answers in different stores. Everything here is plain data so a
store can create its constraints and indexes from it without knowing the domain.

Metal is a property, not a node: a CID names one smelter for one metal, so `Smelter.metal`
holds it, and every `REPORTS` edge repeats the metal the supplier wrote on that row.

Provenance: every relationship carries `sha256` (the declaration file), `sheet`, `row`
and/or `cell`, `template_version` and `reporting_year` (`PROVENANCE_PROPS`), so each hop of
a traced path links back to the cell of the supplier file that asserts it.
A `REPORTS` edge's `cell` is the cell the reader read for that row (`Smelter List!D6`; CMRT 1.00
`Smelter and Mine List!D6`): `graph.rows.row_cell`, the same in both stores.
"""

from __future__ import annotations

from dataclasses import dataclass

# --- node labels ---------------------------------------------------------------------------
COMPANY = "Company"
SUPPLIER = "Supplier"
DECLARATION = "Declaration"
SMELTER = "Smelter"
COUNTRY = "Country"
PRODUCT = "Product"
MINE = "Mine"

NODE_LABELS: tuple[str, ...] = (COMPANY, SUPPLIER, DECLARATION, SMELTER, COUNTRY, PRODUCT, MINE)

#: label → key property (unique per label)
NODE_KEYS: dict[str, str] = {
    COMPANY: "id",
    SUPPLIER: "id",
    DECLARATION: "id",  # the file's sha256
    SMELTER: "key",  # CID, or "prov:<metal>|<normalised name>|<country>"
    COUNTRY: "iso2",
    PRODUCT: "key",  # "<declaration id>:<row>"
    MINE: "key",  # "<declaration id>:<row>"
}

#: label → properties a store keeps (besides the key). Stores may keep more; never fewer.
NODE_PROPS: dict[str, tuple[str, ...]] = {
    COMPANY: ("name",),
    SUPPLIER: ("name", "aliases", "category", "last_purchase", "contact_email", "email_domain", "spend",
               "in_scope", "scope_reason", "origin", "contact_name", "language"),
    DECLARATION: ("file_name", "template_kind", "template_version", "reporting_year", "status", "scope",
                  "scope_description", "company_name", "company_unique_id", "contact_email", "effective_date",
                  "received", "checker_missing", "current", "superseded_by", "supplier_id", "smelter_rows",
                  "findings_json", "answers_json", "company_answers_json", "policy_url", "metals", "year_source",
                  "hold", "accepted", "pending", "contact_domain"),
    SMELTER: ("cid", "metal", "name", "country_iso2", "provisional", "resolution_status", "from_reference"),
    COUNTRY: ("name", "covered", "cahra"),
    PRODUCT: ("declaration_id", "row", "number", "name", "comment"),
    MINE: ("declaration_id", "row", "name", "mine_id", "country", "metal", "smelter_name"),
}

# --- relationship types --------------------------------------------------------------------
SOURCES_FROM = "SOURCES_FROM"  # Company→Supplier, Supplier→Supplier (multi-tier)
DECLARED = "DECLARED"  # Supplier→Declaration
REPORTS = "REPORTS"  # Declaration→Smelter, one per smelter-list row
LOCATED_IN = "LOCATED_IN"  # Smelter→Country
SOURCES_FROM_COUNTRY = "SOURCES_FROM_COUNTRY"  # Smelter→Country (declared mine countries, RCOI imports)
COVERS = "COVERS"  # Declaration→Product
LISTS_MINE = "LISTS_MINE"  # Declaration→Mine

#: provenance carried by every relationship
PROVENANCE_PROPS: tuple[str, ...] = ("sha256", "sheet", "row", "cell", "template_version", "reporting_year")


@dataclass(frozen=True)
class RelType:
    type: str
    start: str  # label
    end: str  # label
    props: tuple[str, ...]  # besides PROVENANCE_PROPS


REL_TYPES: tuple[RelType, ...] = (
    RelType(SOURCES_FROM, COMPANY, SUPPLIER, ("origin",)),
    RelType(SOURCES_FROM, SUPPLIER, SUPPLIER, ("origin",)),
    RelType(DECLARED, SUPPLIER, DECLARATION, ()),
    RelType(REPORTS, DECLARATION, SMELTER, ("metal", "raw_name", "raw_cid", "lookup_kind", "method", "score",
                                            "given_cid", "resolution_status", "raw_country")),
    RelType(LOCATED_IN, SMELTER, COUNTRY, ("source",)),
    RelType(SOURCES_FROM_COUNTRY, SMELTER, COUNTRY, ("source", "declaration")),
    RelType(COVERS, DECLARATION, PRODUCT, ()),
    RelType(LISTS_MINE, DECLARATION, MINE, ()),
)

REL_TYPE_NAMES: tuple[str, ...] = tuple(dict.fromkeys(r.type for r in REL_TYPES))


# --- constraints and indexes (as data: the Neo4j store turns them into Cypher) -----------------
@dataclass(frozen=True)
class Constraint:
    name: str
    label: str
    prop: str  # unique


@dataclass(frozen=True)
class Index:
    name: str
    label: str
    props: tuple[str, ...]
    relationship: bool = False  # True: an index on relationship type `label`


CONSTRAINTS: tuple[Constraint, ...] = tuple(
    Constraint(f"{label.lower()}_{key}_unique", label, key) for label, key in NODE_KEYS.items()
)

INDEXES: tuple[Index, ...] = (
    Index("declaration_supplier_year", DECLARATION, ("supplier_id", "reporting_year", "scope")),
    # a supplier's forms, whatever their year and scope (the supersede step on every ingest): the composite index
    # above holds only forms with all three set, so without this one that step scans every Declaration
    Index("declaration_supplier", DECLARATION, ("supplier_id",)),
    Index("declaration_year_current", DECLARATION, ("reporting_year", "current")),
    Index("smelter_cid", SMELTER, ("cid",)),
    Index("smelter_metal", SMELTER, ("metal",)),
    Index("smelter_country", SMELTER, ("country_iso2",)),
    Index("supplier_name", SUPPLIER, ("name",)),
    Index("reports_metal", REPORTS, ("metal",), relationship=True),
    Index("reports_sha256", REPORTS, ("sha256",), relationship=True),
)

# --- fixed values ---------------------------------------------------------------------------
DEFAULT_COMPANY_ID = "company"
DECLARED_SUPPLIER_PREFIX = "decl:"  # supplier id made from a declared company name (no master list)
PROVISIONAL_PREFIX = "prov:"  # smelter key of a row that did not resolve to a CID

#: Supplier.origin / SOURCES_FROM.origin
ORIGIN_MASTER = "master_list"
ORIGIN_DECLARED = "declaration"

#: ingest outcomes of one file
OUTCOME_NEW = "new"
OUTCOME_DUPLICATE = "duplicate"
OUTCOME_SUPERSEDED = "superseded"
OUTCOME_INVALID_STORED = "invalid_stored"
OUTCOME_UNREADABLE = "unreadable"
#: stored, newer than the supplier's current form, but not displacing it: its identity is not confirmed
#: (a fuzzy master-list match, another contact domain) until an analyst accepts it
OUTCOME_PENDING = "pending"
#: left out on purpose and reported (hidden and system files, macOS resource forks)
OUTCOME_SKIPPED = "skipped"
OUTCOMES: tuple[str, ...] = (OUTCOME_NEW, OUTCOME_DUPLICATE, OUTCOME_SUPERSEDED, OUTCOME_INVALID_STORED,
                             OUTCOME_UNREADABLE, OUTCOME_PENDING, OUTCOME_SKIPPED)

SURVEY_EVENT_KINDS: tuple[str, ...] = ("contacted", "follow_up", "responded", "out_of_scope", "in_scope", "note")

#: store-internal campaign records (queries/campaign): an outgoing message (request, reminder, receipt) keyed by
#: its Message-ID, and a mitigation case keyed by "<supplier id>|<smelter key>". Kept beside the survey events,
#: outside the exported supply-chain graph.
CAMPAIGN_MESSAGE = "message"
CAMPAIGN_CASE = "case"
#: an analyst's supplier link (graph.supplier_link): a declared company name (normalised) → a master-list supplier,
#: remembered for every later form under that name; kept with the campaign records (same store, same API)
SUPPLIER_LINK = "supplier_link"
CAMPAIGN_RECORD_KINDS: tuple[str, ...] = (CAMPAIGN_MESSAGE, CAMPAIGN_CASE, SUPPLIER_LINK)

# --- what a shared workspace keeps in the server besides the graph (Neo4j; graph.neo4j_workspace) ----------
# Store-internal (never exported, not in NODE_LABELS): on an embedded store the same facts are files in its folder
# (decisions.yaml, reference.sqlite), which is already the one shared place.
#: an analyst's review decision: accept / reject a CID for a raw name + metal (+ country); key
#: "<metal>|<normalised name>|<ISO-2 or ''>"
REVIEW_DECISION = "ReviewDecision"
REVIEW_DECISION_PROPS: tuple[str, ...] = ("metal", "name", "country", "accept", "reject", "decided_on", "note")
#: the workspace's reference DB (RMI lists, aliases, statuses, review queue): its bytes in numbered chunks; the
#: version and sha256 of the snapshot are properties of the store's meta node
REFERENCE_CHUNK = "ReferenceChunk"
WORKSPACE_LABELS: tuple[str, ...] = (REVIEW_DECISION, REFERENCE_CHUNK)


def provisional_smelter_key(provisional_key: str) -> str:
    """The Smelter key for an unresolved row, from the resolver's "metal|name|country" key."""
    return provisional_key if provisional_key.startswith(PROVISIONAL_PREFIX) else PROVISIONAL_PREFIX + provisional_key


def sub_key(declaration_id: str, row: int) -> str:
    """Key of a Product or Mine node: the declaration and the sheet row it came from."""
    return f"{declaration_id}:{row}"
