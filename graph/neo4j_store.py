"""`GraphStore` on a Neo4j 5 server: for companies whose analysts share many years of declarations.

Why this shape:
- Same answers as the embedded store. Every write mirrors `graph.embedded.EmbeddedStore` rule for rule
  (supersede by effective date then ingest order, duplicate = same sha256, LOCATED_IN source ranking,
  clean-up on delete) and the contract suite (tests/test_store_contract.py) runs on both stores.
- One write transaction per operation (`session.execute_write`): a declaration is stored whole or not
  at all, even when the server dies mid-write. The driver retries transient errors by re-running the
  whole transaction function, so each function starts from scratch.
- Safe Cypher: values are always parameters; the only text spliced into queries is labels, relationship
  types and property names taken from `graph.schema` constants (checked against an identifier pattern).
- Server-side traversal: `reports`, `suppliers_for_smelter`, `supplier_chains`, … are single Cypher
  queries that use the uniqueness constraints and indexes created on first use from `graph.schema`;
  the graph is never pulled into Python. `reports` sends the rows with each declaration's element id; the
  declaration's and supplier's columns are a second statement, once per store version
  (`Neo4jStore._declaration_heads`).
- Rows are written in batches (`UNWIND $rows`, `batch_size` rows per statement) inside the one transaction.

Store-internal nodes (not part of the exported graph): one `MinetraceMeta` node holding the write
counter behind `version()` (bumped in every write transaction), `SurveyEvent` nodes and `CampaignRecord`
nodes (the supplier campaign's messages and mitigation cases; the embedded store keeps both in tables too).

Credentials: `Neo4jStore(uri, user, password, database)`; unset arguments come from NEO4J_USER (or
NEO4J_USERNAME), NEO4J_PASSWORD and NEO4J_DATABASE. Original files stay on local disk in the workspace's
local folder (`graph.store.local_folder`: $MINETRACE_STORE when a folder, else ./.minetrace); review decisions and
the reference DB are kept in the server for the whole team (graph.neo4j_workspace).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import uuid
from collections.abc import Callable, Collection, Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from neo4j import READ_ACCESS, Driver, GraphDatabase, ManagedTransaction
from neo4j.exceptions import ConstraintError, DriverError, Neo4jError, ServiceUnavailable, SessionExpired

from minetrace.graph import schema as S
from minetrace.graph.aggregate import class_counts, keys_by_supplier, pair_counts, smelter_counts
from minetrace.graph.countries import country_name, to_iso2
from minetrace.graph.current import DOMAIN_HOLD, INVALID_PENDING, email_domain, outcome_of
from minetrace.graph.neo4j_pipeline import Neo4jPipeline
from minetrace.graph.rows import (
    LOCATION_RANK,
    MINE_SHEET,
    PRODUCT_SHEET,
    SMELTER_SHEET,
    Report,
    answers_json,
    company_answers_json,
    declaration_rows,
)
from minetrace.graph.store import (
    CampaignRecord,
    CountryRecord,
    DeclarationInfo,
    EdgeRow,
    IngestJob,
    IngestOutcome,
    IngestPipeline,
    NodeRow,
    ReportHop,
    ReportRelink,
    SmelterFact,
    SmelterInfo,
    SupplierInfo,
    SupplierRecord,
    SurveyEvent,
    local_folder,
)
from minetrace.ingest.records import Declaration, Resolution

#: store-internal labels (fixed here; never from input)
META_LABEL = "MinetraceMeta"
SURVEY_EVENT_LABEL = "SurveyEvent"
CAMPAIGN_RECORD_LABEL = "CampaignRecord"
META_ID = "meta"
#: smelter rows per rows statement inside one transaction (the first batch rides in the head statement). Measured
#: with bench/neo4j_write.py --batches on 8 forms of 3,000 rows (harness JVM, load 2.7-5.1, median of 3):
#: 250: 2,240 rows/s, 1000: 2,388, 2000: 2,819, 5000: 2,515; forms of up to 2,000 rows take one round trip
DEFAULT_BATCH_SIZE = 2000
#: prefix of the ingest statements: a cached plan is kept when the graph's statistics change. Their plans are
#: index seeks whatever the counts (tests/test_neo4j_store.py PROFILEs them), while a re-plan of the head statement
#: costs ~0.5-1.5 s of server CPU on this machine: a load that grows the graph fast re-planned it every few forms
#: (half the ingest time in bench/neo4j_write.py). Their list parameters travel inside one map parameter for the
#: same reason: the server plans a statement again for each size class of a top-level list parameter.
PLAN_KEPT = "CYPHER replan=skip "
#: values per record when a read sends a list (`Neo4jStore._read_list`)
LIST_CHUNK = 500
#: longest Company→…→Supplier chain `supplier_chains` follows
MAX_CHAIN_HOPS = 16
#: a `reports` row as the server sends it: (ReportHop field, Cypher expression of the pair `p` = [REPORTS edge,
#: Smelter]), in ReportHop's field order from `metal` on (`sheet` and the declaration's columns are filled in here)
_HOP_ROW_COLUMNS: tuple[tuple[str, str], ...] = (
    ("metal", "p[0].metal"), ("row", "p[0].row"), ("raw_name", "p[0].raw_name"), ("raw_cid", "p[0].raw_cid"),
    ("method", "p[0].method"), ("score", "toFloat(p[0].score)"), ("smelter_key", "p[1].key"), ("cid", "p[1].cid"),
    ("smelter_name", "p[1].name"), ("country_iso2", "p[1].country_iso2"), ("lookup_kind", "p[0].lookup_kind"),
    ("resolution_status", "p[0].resolution_status"), ("given_cid", "p[0].given_cid"),
    ("raw_country", "p[0].raw_country"),
    ("cell", "coalesce(p[0].cell, $sheet + '!row ' + toString(p[0].row))"))
#: the row columns read whatever `columns` a caller names (a hop's identity and order)
_HOP_KEPT = frozenset({"row", "smelter_key"})
#: a declaration's columns of a hop, of the pair `g_` = [Supplier, Declaration] (`Neo4jStore._declaration_heads`)
_HEAD_COLUMNS = ("g_[0].id, g_[0].name, g_[1].id, g_[1].file_name, g_[1].template_version, g_[1].reporting_year, "
                 "g_[1].status, coalesce(g_[1].current, false)")

#: LOCATED_IN source priority: a better source replaces a worse one (same as the embedded store)

_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")

_DECL_FIELDS = ("id", "supplier_id", "file_name", "template_kind", "template_version", "reporting_year", "status",
                "scope", "company_name", "effective_date", "received", "current", "superseded_by",
                "checker_missing", "smelter_rows", "scope_description", "company_unique_id", "contact_email",
                "policy_url", "metals", "year_source", "findings_json", "answers_json", "company_answers_json",
                "hold", "accepted", "pending", "contact_domain")
_PENDING_HEAD, _PENDING_TAIL = INVALID_PENDING.split("{current}")
_DOMAIN_HEAD, _rest = DOMAIN_HOLD.split("{domain}")
_DOMAIN_MID, _DOMAIN_TAIL = _rest.split("{identity}")
RULE_PARAMS: dict[str, Any] = {
               "pending_head": _PENDING_HEAD, "pending_tail": _PENDING_TAIL, "domain_head": _DOMAIN_HEAD,
               "domain_mid": _DOMAIN_MID, "domain_tail": _DOMAIN_TAIL, "master_origin": S.ORIGIN_MASTER,
               "declared_origin": S.ORIGIN_DECLARED}


def current_rule_cypher(sid: str) -> str:
    """graph.current's rule for one group, in Cypher: the group's declarations `g` (matched before) in; current,
    superseded_by and pending set; yields `newest` (the current one), `newer` (the pending ones) and `gs` (all,
    newest first) — as graph.current.current_of does. `sid`: the expression naming the supplier id."""
    return (
        "WITH g ORDER BY coalesce(g.effective_date, '') DESC, g.seq DESC "
        "WITH collect(g) AS gs "
        f"OPTIONAL MATCH (sup:{L[S.SUPPLIER]} {{id: {sid}}}) "
        "WITH gs, sup, CASE WHEN sup.origin = $master_origin THEN sup.email_domain END AS md "
        "WITH gs, sup, coalesce(md, last([g IN gs WHERE g.contact_domain IS NOT NULL | g.contact_domain])) AS ident "
        "WITH gs, sup, ident, [ident] + [g IN gs WHERE coalesce(g.accepted, false) AND g.contact_domain IS NOT NULL "
        "| g.contact_domain] AS allowed "
        "WITH gs, sup, ident, [g IN gs WHERE NOT coalesce(g.accepted, false) AND (g.hold IS NOT NULL OR "
        "(ident IS NOT NULL AND g.contact_domain IS NOT NULL AND NOT g.contact_domain IN allowed))] AS held "
        "WITH gs, sup, ident, held, [g IN gs WHERE NOT g IN held] AS trusted "
        "WITH gs, sup, ident, held, trusted, [g IN trusted WHERE coalesce(g.accepted, false) OR g.status = 'valid'] "
        "AS strong "
        "WITH gs, sup, ident, held, CASE WHEN size(strong) > 0 THEN strong[0] WHEN size(trusted) > 0 THEN trusted[0] "
        "ELSE gs[0] END AS newest "
        "WITH gs, sup, ident, held, newest, [i IN range(0, size(gs) - 1) WHERE gs[i] = newest][0] AS ni "
        "WITH gs, sup, ident, held, newest, gs[0..ni] AS newer "
        "FOREACH (g IN gs | SET g.current = (g = newest), "
        "g.superseded_by = CASE WHEN g = newest THEN null ELSE newest.id END, "
        "g.pending = CASE WHEN g IN newer THEN (CASE WHEN g IN held THEN coalesce(g.hold, $domain_head + "
        "g.contact_domain + $domain_mid + ident + $domain_tail) "
        "ELSE $pending_head + coalesce(newest.file_name, left(newest.id, 12)) + $pending_tail END) "
        "ELSE null END) "
        # a supplier known only from its forms is reached through its current form's contact (graph.embedded)
        "FOREACH (_ IN CASE WHEN sup IS NOT NULL AND sup.origin = $declared_origin AND newest.contact_email IS NOT "
        "NULL THEN [1] ELSE [] END | SET sup.contact_email = newest.contact_email, "
        "sup.email_domain = newest.contact_domain) "
    )


_SUPPLIER_FIELDS = ("id", "name", "aliases", "category", "last_purchase", "contact_email", "email_domain", "spend",
                    "in_scope", "scope_reason", "origin", "contact_name", "language")


class _RolledBack(Exception):
    """Raised inside a diagnostic transaction so that the driver rolls it back."""


class Neo4jStoreError(RuntimeError):
    """A Neo4j operation failed; the message names the store and the operation (nothing was half-written)."""


def _pipelined_begin(session: Any) -> contextlib.AbstractContextManager[Any]:
    """BEGIN sent with the transaction's first statement instead of as its own round trip (~0.3 ms of a ~12 ms
    ingest transaction here): the switch the driver's own `execute_query` uses (`Session._pipelined_begin`, not
    public). A driver without it runs as before; tests/test_neo4j_store.py checks the installed one has it."""
    switch = getattr(session, "_pipelined_begin", None)
    return switch if isinstance(switch, contextlib.AbstractContextManager) else contextlib.nullcontext()


def _ident(name: str) -> str:
    """A label/type/property name for Cypher text: only schema constants pass, checked anyway."""
    if not _IDENT.match(name):
        raise ValueError(f"not a Cypher identifier: {name!r}")
    return name


L = {label: _ident(label) for label in (*S.NODE_LABELS, META_LABEL, SURVEY_EVENT_LABEL, CAMPAIGN_RECORD_LABEL,
                                         *S.WORKSPACE_LABELS)}
T = {rtype: _ident(rtype) for rtype in S.REL_TYPE_NAMES}


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


def _int(value: Any) -> int | None:
    return None if value is None else int(value)


def _bool(value: Any) -> bool | None:
    return None if value is None else bool(value)


class Neo4jStore:
    """`GraphStore` on a Neo4j 5 server (bolt:// or neo4j:// URI)."""

    files_dir: Path | None

    def __init__(self, uri: str, user: str | None = None, password: str | None = None, database: str | None = None,
                 company_id: str = S.DEFAULT_COMPANY_ID, company_name: str | None = None,
                 files_dir: str | Path | None = None, batch_size: int = DEFAULT_BATCH_SIZE,
                 driver: Driver | None = None, driver_options: dict[str, Any] | None = None) -> None:
        self.uri = uri
        self.database = database or os.environ.get("NEO4J_DATABASE") or None
        user = user if user is not None else (os.environ.get("NEO4J_USER") or os.environ.get("NEO4J_USERNAME"))
        password = password if password is not None else os.environ.get("NEO4J_PASSWORD")
        auth = (user or "neo4j", password or "") if (user or password) else None
        self.batch_size = max(1, int(batch_size))
        if files_dir is None:
            files_dir = local_folder(uri) / "files"
        self.files_dir = Path(files_dir)
        # server notifications (e.g. "relationship type does not exist" on an empty graph) are noise for users
        # telemetry off: the driver would add a TELEMETRY message to every transaction
        options = {"notifications_min_severity": "OFF", "telemetry_disabled": True, **(driver_options or {})}
        self._driver = driver or GraphDatabase.driver(uri, auth=auth, **options)
        self._owns_driver = driver is None
        #: statements run by write transactions, for tests and diagnostics: (query, number of rows)
        self.statements: list[tuple[str, int]] = []
        self.trace_statements = False
        #: (store version, element id → declaration head) remembered by `_declaration_heads`
        self._heads: tuple[str | None, dict[str, tuple[Any, ...]]] = (None, {})
        try:
            try:
                self._driver.verify_connectivity()
            except (ServiceUnavailable, SessionExpired, OSError) as exc:
                raise Neo4jStoreError(f"cannot reach Neo4j at {uri}: {exc}. Start the server (docker compose up -d "
                                      "neo4j) or check the --store URI") from exc
            except Neo4jError as exc:  # AuthError and friends
                raise Neo4jStoreError(f"Neo4j at {uri} refused the connection: {exc}. Set NEO4J_USER and "
                                      "NEO4J_PASSWORD") from exc
            self.ensure_schema()
            self.company_id = self._write("open store", self._init_meta_tx, company_id, company_name, bump=False)
        except Exception:
            if self._owns_driver:
                self._driver.close()
            raise

    # ------------------------------------------------------------------ plumbing
    def __repr__(self) -> str:
        return f"Neo4jStore({self.uri!r})"

    def __enter__(self) -> Neo4jStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._owns_driver:
            self._driver.close()

    def location(self) -> str:
        return self.uri

    def _session(self) -> Any:
        return self._driver.session(database=self.database)

    def _fail(self, what: str, exc: Exception) -> Neo4jStoreError:
        kind = "server unavailable" if isinstance(exc, ServiceUnavailable | SessionExpired | OSError) else "error"
        return Neo4jStoreError(f"Neo4j {self.uri}: {what} failed ({kind}: {exc}); the transaction was rolled back, "
                               "nothing of it is stored")

    def _write(self, what: str, fn: Any, *args: Any, bump: bool = True) -> Any:
        """Run `fn(tx, *args)` as ONE write transaction; `bump` increments the version counter in it."""

        def work(tx: ManagedTransaction) -> Any:
            result = fn(tx, *args)
            if bump:
                self._bump(tx)
            return result

        try:
            with self._session() as session, _pipelined_begin(session):
                return session.execute_write(work)
        except (ValueError, KeyError):
            raise
        except (Neo4jError, ServiceUnavailable, SessionExpired, OSError) as exc:
            raise self._fail(what, exc) from exc

    def _read(self, query: str, **params: Any) -> list[dict[str, Any]]:
        return self._fetch(query, params, lambda result: [r.data() for r in result])

    def _read_rows(self, query: str, **params: Any) -> list[tuple[Any, ...]]:
        """`_read` as plain tuples in RETURN order: no per-record dict (decoding 50k rows as dicts costs seconds)."""
        return self._fetch(query, params, lambda result: [tuple(r) for r in result])

    def _fetch(self, query: str, params: dict[str, Any], convert: Callable[[Any], list[Any]]) -> list[Any]:
        """`convert(result)` of one read statement, run as an auto-commit transaction: one round trip (RUN and PULL
        travel together), where a managed read transaction (`session.execute_read`) takes three with this driver
        (BEGIN, RUN, COMMIT: a session does not pipeline its BEGIN) — ~1 ms each here, most of a small read
        (bench/neo4j_reads.py). One statement is one transaction on the server: it reads one snapshot. A failure
        the driver would retry (server gone, leader switch, transient error) runs the read again as a managed
        transaction, under the driver's retry policy."""
        try:
            with self._driver.session(database=self.database, default_access_mode=READ_ACCESS) as session:
                return convert(session.run(query, params))
        except (Neo4jError, DriverError) as exc:
            if not exc.is_retryable():
                raise self._fail("read", exc) from exc
        except OSError as exc:
            raise self._fail("read", exc) from exc

        def work(tx: ManagedTransaction) -> list[Any]:
            return convert(tx.run(query, params))

        try:
            with self._session() as session:
                return session.execute_read(work)
        except (Neo4jError, ServiceUnavailable, SessionExpired, OSError) as exc:
            raise self._fail("read", exc) from exc

    def _read_chunked(self, collected: str, var: str, expr: str, **params: Any) -> list[Any]:
        """The values of the list `all_` that the query text `collected` ends with, each as `expr` of `var`,
        sent LIST_CHUNK per record: the driver decodes one Bolt message per record (~0.1 ms each here), so listing
        1,000 suppliers as 1,000 records cost 4-6x more than as one (bench/neo4j_reads.py)."""
        return self._read_chunked_at(collected, var, expr, False, **params)[1]

    def _read_chunked_at(self, collected: str, var: str, expr: str, versioned: bool,
                         **params: Any) -> tuple[str | None, list[Any]]:
        """(`version()` in the same statement when `versioned`, else None; `_read_chunked`'s values): one read,
        one snapshot. A versioned read always sends one record at least (an empty chunk), for the version."""
        if versioned:
            meta = (f"OPTIONAL MATCH (m_:{L[META_LABEL]} {{id: $meta_}}) WITH all_, [m_.epoch, m_.writes] AS v_ "
                    "UNWIND range(0, CASE size(all_) WHEN 0 THEN 0 ELSE size(all_) - 1 END, $chunk_) AS i_ ")
            params["meta_"] = META_ID
        else:
            meta = "WITH all_, null AS v_ UNWIND range(0, size(all_) - 1, $chunk_) AS i_ "
        rows = self._read_rows(f"{collected} {meta}RETURN [{var} IN all_[i_..i_ + $chunk_] | {expr}], v_ ORDER BY i_",
                               chunk_=LIST_CHUNK, **params)
        version = None
        if versioned:
            epoch, writes = rows[0][1] if rows else (None, None)
            version = "0" if epoch is None and writes is None else f"{epoch}:{writes}"
        return version, [value for chunk, _ in rows for value in chunk]

    def _read_list(self, match: str, var: str, order: str, expr: str, **params: Any) -> list[Any]:
        """`expr` for each node `var` that `match` finds, in `order` (`_read_chunked`: the server collects node
        references only and projects each chunk as it sends it)."""
        return self._read_chunked(f"{match} WITH {var} ORDER BY {order} WITH collect({var}) AS all_", var, expr,
                                  **params)

    def run_write(self, what: str, fn: Any, *args: Any, bump: bool = True) -> Any:
        """`fn(tx, *args)` as ONE write transaction (`bump`: the version changes), for modules that keep more of
        the workspace in this server (graph.neo4j_workspace); errors as every write's."""
        return self._write(what, fn, *args, bump=bump)

    def run_read(self, query: str, **params: Any) -> list[dict[str, Any]]:
        """One read query's rows as dicts (for graph.neo4j_workspace)."""
        return self._read(query, **params)

    def run_read_tx(self, fn: Any) -> Any:
        """`fn(tx)` as ONE read transaction (for graph.neo4j_workspace: reads that must see one snapshot)."""
        try:
            with self._session() as session:
                return session.execute_read(fn)
        except (Neo4jError, ServiceUnavailable, SessionExpired, OSError) as exc:
            raise self._fail("read", exc) from exc

    def _run(self, tx: ManagedTransaction, query: str, n_rows: int = 1, plain: bool = False,
             **params: Any) -> list[dict[str, Any]]:
        """`query`'s records as dicts. `plain`: the statement returns plain values only (no nodes or relationships),
        taken as they arrive (`Record.data()` walks every nested list: ~0.5 ms of an ingest's head record)."""
        if self.trace_statements:
            self.statements.append((query, n_rows))
        result = tx.run(query, params)
        if plain:
            return [dict(zip(r.keys(), r, strict=True)) for r in result]
        return [r.data() for r in result]

    def _unwind(self, tx: ManagedTransaction, query: str, rows: list[dict[str, Any]], **params: Any) -> None:
        """`query` starts with `UNWIND $rows AS r`; sent in batches of `batch_size` rows."""
        for i in range(0, len(rows), self.batch_size):
            chunk = rows[i:i + self.batch_size]
            self._run(tx, query, len(chunk), rows=chunk, **params)

    def _unwind_batch(self, tx: ManagedTransaction, query: str, rows: list[Any], **params: Any) -> list[dict[str, Any]]:
        """`query` starts with `UNWIND $batch.rows AS …` (a list inside a map: one plan whatever the batch's size);
        sent in batches of `batch_size` rows; the records of every batch."""
        out: list[dict[str, Any]] = []
        for i in range(0, len(rows), self.batch_size):
            chunk = rows[i:i + self.batch_size]
            out += self._run(tx, query, len(chunk), batch={"rows": chunk}, **params)
        return out

    def _bump(self, tx: ManagedTransaction) -> int:
        rec = self._run(tx, f"MATCH (m:{L[META_LABEL]} {{id: $id}}) SET m.writes = m.writes + 1 "
                            "RETURN m.writes AS w", id=META_ID)
        return int(rec[0]["w"])

    # ------------------------------------------------------------------ schema and meta
    def schema_statements(self) -> list[str]:
        """CREATE CONSTRAINT / INDEX statements (idempotent) derived from graph.schema."""
        out = [f"CREATE CONSTRAINT {_ident(c.name)} IF NOT EXISTS FOR (n:{L[c.label]}) "
               f"REQUIRE n.{_ident(c.prop)} IS UNIQUE" for c in S.CONSTRAINTS]
        out.append(f"CREATE CONSTRAINT minetrace_meta_id_unique IF NOT EXISTS FOR (n:{L[META_LABEL]}) "
                   "REQUIRE n.id IS UNIQUE")
        out.append(f"CREATE CONSTRAINT campaign_record_rid_unique IF NOT EXISTS FOR (n:{L[CAMPAIGN_RECORD_LABEL]}) "
                   "REQUIRE n.rid IS UNIQUE")
        out.append(f"CREATE CONSTRAINT review_decision_key_unique IF NOT EXISTS FOR (n:{L[S.REVIEW_DECISION]}) "
                   "REQUIRE n.key IS UNIQUE")
        for ix in S.INDEXES:
            props = ", ".join(f"x.{_ident(p)}" for p in ix.props)
            pattern = f"()-[x:{T[ix.label]}]-()" if ix.relationship else f"(x:{L[ix.label]})"
            out.append(f"CREATE INDEX {_ident(ix.name)} IF NOT EXISTS FOR {pattern} ON ({props})")
        out += [
            f"CREATE INDEX declaration_superseded_by IF NOT EXISTS FOR (x:{L[S.DECLARATION]}) ON (x.superseded_by)",
            f"CREATE INDEX survey_event_supplier IF NOT EXISTS FOR (x:{L[SURVEY_EVENT_LABEL]}) ON (x.supplier_id)",
            f"CREATE INDEX campaign_record_supplier IF NOT EXISTS FOR (x:{L[CAMPAIGN_RECORD_LABEL]}) "
            "ON (x.supplier_id)",
            f"CREATE INDEX sources_from_sha256 IF NOT EXISTS FOR ()-[x:{T[S.SOURCES_FROM]}]-() ON (x.sha256)",
            f"CREATE INDEX located_in_sha256 IF NOT EXISTS FOR ()-[x:{T[S.LOCATED_IN]}]-() ON (x.sha256)",
            f"CREATE INDEX mine_country_declaration IF NOT EXISTS FOR ()-[x:{T[S.SOURCES_FROM_COUNTRY]}]-() "
            "ON (x.declaration)",
        ]
        return out

    def ensure_schema(self) -> None:
        """Create the constraints and indexes (first use; a no-op afterwards) and wait until online."""
        try:
            with self._session() as session:
                existing = {r["name"] for r in session.run("SHOW CONSTRAINTS YIELD name")}
                existing |= {r["name"] for r in session.run("SHOW INDEXES YIELD name")}
                created = False
                for stmt in self.schema_statements():
                    name = stmt.split()[2]
                    if name not in existing:
                        session.run(stmt).consume()
                        created = True
                if created:
                    session.run("CALL db.awaitIndexes(300)").consume()
        except (Neo4jError, ServiceUnavailable, SessionExpired, OSError) as exc:
            raise self._fail("creating constraints and indexes", exc) from exc

    def _init_meta_tx(self, tx: ManagedTransaction, company_id: str, company_name: str | None) -> str:
        self._run(tx, f"MERGE (m:{L[META_LABEL]} {{id: $id}}) ON CREATE SET m.writes = 0, m.epoch = $epoch",
                  id=META_ID, epoch=uuid.uuid4().hex[:12])
        found = self._run(tx, f"MATCH (c:{L[S.COMPANY]}) RETURN c.id AS id ORDER BY id LIMIT 1")
        if found:
            return str(found[0]["id"])
        self._run(tx, f"CREATE (c:{L[S.COMPANY]} {{id: $id}}) SET c.name = $name", id=company_id, name=company_name)
        return company_id

    def clear(self, batch: int = 10_000) -> None:
        """Delete the whole graph (every relationship, then every node, in transactions of `batch`), keeping
        constraints; the version epoch changes so caches keyed on `version()` never see an old value again.
        Relationships go first: `DETACH DELETE` of a popular smelter deletes its tens of thousands of REPORTS in one
        inner transaction, past the server's transaction memory limit."""
        try:
            with self._session() as session:
                session.run("MATCH ()-[r]->() CALL (r) { DELETE r } IN TRANSACTIONS OF $batch ROWS",
                            batch=batch).consume()
                session.run("MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF $batch ROWS",
                            batch=batch).consume()
        except (Neo4jError, ServiceUnavailable, SessionExpired, OSError) as exc:
            raise self._fail("clear", exc) from exc
        self.company_id = self._write("clear", self._init_meta_tx, S.DEFAULT_COMPANY_ID, None, bump=False)

    def version(self) -> str:
        rec = self._read(f"MATCH (m:{L[META_LABEL]} {{id: $id}}) RETURN m.epoch AS e, m.writes AS w", id=META_ID)
        return f"{rec[0]['e']}:{rec[0]['w']}" if rec else "0"

    # ------------------------------------------------------------------ ingest
    def ingest_declaration(self, decl: Declaration, resolutions: list[Resolution], supplier: SupplierRecord,
                           year: int | None, parent_supplier_id: str | None = None,
                           year_source: str | None = None, hold: str | None = None) -> IngestOutcome:
        payload = self.ingest_payload(IngestJob(decl, resolutions, supplier, year, parent_supplier_id, year_source,
                                                hold))
        try:
            return self._write(f"ingest of {decl.file.name}", self._ingest_tx, payload, bump=False)
        except Neo4jStoreError as exc:
            meanwhile = self.stored_meanwhile(payload["sha"], exc.__cause__)
            if meanwhile is None:
                raise
            return meanwhile

    def ingest_pipeline(self) -> IngestPipeline:
        """Forms stored in submission order with the next form's transaction in flight (graph.neo4j_pipeline)."""
        return Neo4jPipeline(self)

    def ingest_payload(self, job: IngestJob) -> dict[str, Any]:
        """Everything `job` writes, as parameter values; ValueError for a job that cannot be stored as given."""
        decl = job.decl
        if len(job.resolutions) != len(decl.smelters):
            raise ValueError(f"{decl.file.name}: {len(job.resolutions)} resolutions for {len(decl.smelters)} "
                             "smelter rows")
        if job.parent_supplier_id and job.parent_supplier_id == job.supplier.id:
            raise ValueError(f"supplier {job.supplier.id} cannot be its own sub-supplier")
        payload = self._declaration_payload(decl, job.resolutions, job.supplier, job.year, job.parent_supplier_id,
                                            job.year_source)
        payload["props"]["hold"] = job.hold
        payload["props"]["accepted"] = False
        payload["props"]["contact_domain"] = email_domain(decl.company.contact_email)
        return payload

    def stored_meanwhile(self, sha: str, cause: BaseException | None) -> IngestOutcome | None:
        """The duplicate outcome when `cause` says another client stored the same file between our duplicate check
        and our commit (the Declaration id's uniqueness constraint); else None."""
        info = self.declaration(sha) if isinstance(cause, ConstraintError) else None
        if info is None:
            return None
        return IngestOutcome("duplicate", info.id, info.supplier_id, info.reporting_year, info.scope,
                             info.current, [], info.superseded_by, "same file (sha256) stored meanwhile")

    def fail(self, what: str, exc: Exception) -> Neo4jStoreError:
        """The error a failed write raises (for graph.neo4j_pipeline)."""
        return self._fail(what, exc)

    @contextlib.contextmanager
    def session(self) -> Iterator[Any]:
        """A write session whose BEGIN travels with the first statement (for graph.neo4j_pipeline)."""
        with self._session() as session, _pipelined_begin(session):
            yield session

    def ingest_tx(self, tx: ManagedTransaction, p: dict[str, Any],
                  after_head: Callable[[], None] | None = None) -> IngestOutcome:
        """`_ingest_tx` for graph.neo4j_pipeline: `after_head` runs once the head statement has returned."""
        return self._ingest_tx(tx, p, after_head)

    def _declaration_payload(self, decl: Declaration, resolutions: list[Resolution], supplier: SupplierRecord,
                             year: int | None, parent_id: str | None, year_source: str | None) -> dict[str, Any]:
        """Everything one declaration writes, as plain parameter values (computed once, outside the tx)."""
        sha = decl.file.sha256
        plan = declaration_rows(decl, resolutions)
        # each smelter once, with the properties its node is created with (the head statement MERGEs them), and
        # the countries the rows name: a row points at its smelter and mine countries by position in these lists
        smelters = [_node_params(n) for n in plan.smelters.values()]
        countries = plan.countries()
        smelter_at = {n["k"]: i for i, n in enumerate(smelters)}
        country_at = {iso: i for i, iso in enumerate(countries)}
        reports = [_row_params(r, smelter_at, country_at) for r in plan.reports]
        # the LOCATED_IN candidates: the first row giving a smelter a country (graph.rows), one per smelter
        locations = [{"k": loc.key, "i": loc.iso, "s": loc.source} for loc in plan.locations.values()]
        located = [[smelter_at[loc["k"]], loc["k"]] for loc in locations]
        effective = decl.company.effective_date.isoformat() if decl.company.effective_date else None
        props = {
            "supplier_id": supplier.id, "parent_id": parent_id, "file_name": decl.file.name,
            "template_kind": decl.template.kind, "template_version": decl.template.version, "reporting_year": year,
            "status": decl.status, "scope": decl.company.scope or None,
            "scope_description": decl.company.scope_description, "company_name": decl.company.name,
            "company_unique_id": decl.company.unique_id, "contact_email": decl.company.contact_email,
            "effective_date": effective, "checker_missing": _int(decl.checker_missing),
            "smelter_rows": len(decl.smelters),
            "findings_json": json.dumps([f.to_json() for f in decl.findings], ensure_ascii=False),
            # as Declaration.to_json() and the embedded store write them, without serialising every smelter row
            "answers_json": answers_json(decl), "company_answers_json": company_answers_json(decl),
            "policy_url": decl.policy_url, "metals": list(decl.metals), "year_source": year_source,
        }
        products = {S.sub_key(sha, p.row): {"key": S.sub_key(sha, p.row), "row": p.row, "number": p.number,
                                             "name": p.name, "comment": p.comment} for p in decl.products}
        mines = {S.sub_key(sha, m.row): {"key": S.sub_key(sha, m.row), "row": m.row, "name": m.mine_name,
                                          "mine_id": m.mine_id, "country": to_iso2(m.country) or m.country,
                                          "metal": m.metal, "smelter_name": m.smelter_name} for m in decl.mines}
        return {
            "sha": sha, "file_name": decl.file.name, "props": props, "supplier": _supplier_props(supplier),
            "parent_id": parent_id, "scope": props["scope"], "year": year,
            "template_version": decl.template.version, "status": decl.status,
            "reports": reports, "smelters": smelters, "locations": locations, "located": located,
            "countries": [{"iso": c, "name": country_name(c)} for c in countries],
            "products": list(products.values()),
            "mines": list(mines.values()),
        }

    def _ingest_tx(self, tx: ManagedTransaction, p: dict[str, Any],
                   after_head: Callable[[], None] | None = None) -> IngestOutcome:
        """Few round trips: one head statement (duplicate check, nodes, links, supersede step, the smelters and
        their current LOCATED_IN edges), one rows statement per `batch_size` smelter rows, and only when a smelter
        gets a new location the statements that write it (plus the parent links for a sub-supplier's declaration).
        The duplicate's details are read only for a duplicate. `after_head`: called when the head statement has
        returned (the transaction then holds the meta node's lock, unless the file was a duplicate)."""
        sha, sid, year, scope = p["sha"], p["supplier"]["id"], p["year"], p["scope"]
        prov = {"sha256": sha, "template_version": p["template_version"], "reporting_year": year}
        head = self._write_head(tx, p, prov)
        if after_head is not None:
            after_head()
        if head is None:
            dup = self._run(tx, f"MATCH (d:{L[S.DECLARATION]} {{id: $id}}) RETURN d.supplier_id AS s, "
                                "d.reporting_year AS y, d.scope AS sc, d.current AS cur, d.superseded_by AS sb",
                            id=sha)
            d = dup[0]
            return IngestOutcome("duplicate", sha, d["s"], d["y"], d["sc"], bool(d["cur"]), [], d["sb"],
                                 "same file (sha256) already stored")
        current_id, older, pending, located = head
        if p["parent_id"]:
            self._link_supplier(tx, sid, p["parent_id"], prov)
        self._write_rows(tx, p, prov, located)
        supersedes = older if current_id == sha else []
        return outcome_of(p["status"], sha, sid, year, scope, current_id, supersedes, pending)

    def _write_head(self, tx: ManagedTransaction, p: dict[str, Any],
                    prov: dict[str, Any]) -> tuple[str | None, list[str], str | None, Located] | None:
        """One statement: the duplicate check (None: this file is stored already, nothing was written), version
        bump (the declaration's seq), the supplier (an existing one only gets its blanks filled), Company→supplier
        when there is no parent, the countries the rows name, the smelters (each once, MERGE on the constrained key;
        both kept as lists the rows index), the Declaration node + DECLARED, the product and mine rows, the supersede
        step, and the current LOCATED_IN edges of the smelters the form locates (read after their MERGE: a smelter
        another transaction is creating is seen once that one commits), then the first `batch_size` smelter rows
        (`_rows_body`). One row in: its Eager operators buffer that one row (the rows travel inside a subquery, whose
        plan has none). Its first write is the meta node's counter: the lock graph.neo4j_pipeline orders forms by."""
        sup, decl, rel = L[S.SUPPLIER], L[S.DECLARATION], T[S.SOURCES_FROM]
        rec = self._run(
            tx,
            PLAN_KEPT + f"OPTIONAL MATCH (dup:{decl} {{id: $id}}) WITH dup WHERE dup IS NULL "
            f"MATCH (m:{L[META_LABEL]} {{id: $meta}}) SET m.writes = m.writes + 1 WITH m.writes AS seq "
            f"MERGE (s:{sup} {{id: $rec.id}}) "
            "ON CREATE SET s += $rec, s.origin = $origin "
            "ON MATCH SET s.name = coalesce(s.name, $rec.name), "
            "s.contact_email = coalesce(s.contact_email, $rec.contact_email), "
            "s.email_domain = coalesce(s.email_domain, $rec.email_domain) "
            f"WITH seq, s OPTIONAL MATCH (c:{L[S.COMPANY]} {{id: $cid}}) "
            "FOREACH (_ IN CASE WHEN c IS NULL OR $pid IS NOT NULL THEN [] ELSE [1] END | "
            f"MERGE (c)-[e:{rel}]->(s) ON CREATE SET e.origin = $origin, e += $prov) "
            f"WITH seq, s CALL () {{ UNWIND $lists.countries AS r MERGE (k:{L[S.COUNTRY]} {{iso2: r.iso}}) "
            "ON CREATE SET k.name = r.name, k.explicit = false RETURN collect(k) AS ks_ } "
            f"CALL () {{ UNWIND $lists.smelters AS n MERGE (x:{L[S.SMELTER]} {{key: n.k}}) ON CREATE SET x.cid = n.c, "
            "x.metal = n.m, x.name = n.n, x.country_iso2 = n.i, x.provisional = n.p, x.resolution_status = n.s, "
            "x.from_reference = false RETURN collect(x) AS xs_ } "
            f"CREATE (d:{decl} {{id: $id}}) SET d += $props, d.seq = seq, d.received = $now, d.current = false "
            f"CREATE (s)-[:{T[S.DECLARED]} {{sha256: $id, template_version: $tv, reporting_year: $year}}]->(d) "
            f"FOREACH (r IN $lists.products | MERGE (x:{L[S.PRODUCT]} {{key: r.key}}) SET x = r, "
            "x.declaration_id = $id "
            f"MERGE (d)-[e:{T[S.COVERS]}]->(x) SET e.sheet = $psheet, e.row = r.row, e += $prov) "
            f"FOREACH (r IN $lists.mines | MERGE (x:{L[S.MINE]} {{key: r.key}}) SET x = r, x.declaration_id = $id "
            f"MERGE (d)-[e:{T[S.LISTS_MINE]}]->(x) SET e.sheet = $msheet, e.row = r.row, e += $prov) "
            # the supersede bookkeeping needs only Declaration nodes, so it runs here too (graph.current's rule)
            f"WITH DISTINCT d, xs_, ks_ CALL (d) {{ MATCH (g:{decl} {{supplier_id: d.supplier_id}}) "
            f"USING INDEX g:{decl}(supplier_id) "
            "WHERE (g.reporting_year = $year OR (g.reporting_year IS NULL AND $year IS NULL)) "
            "AND (g.scope = $scope OR (g.scope IS NULL AND $scope IS NULL)) "
            + current_rule_cypher("d.supplier_id") +
            "RETURN newest.id AS current_id, [g IN gs WHERE g <> newest AND NOT g IN newer | [g.seq, g.id]] AS older, "
            "[g IN gs WHERE g.id = $id | g.pending][0] AS pending } "
            # the located smelters by position in the merged list (`[position, key]`): no second index seek
            f"CALL (xs_) {{ UNWIND $lists.located AS l WITH l, xs_[l[0]] AS x MATCH (x)-[old:{T[S.LOCATED_IN]}]->() "
            "RETURN collect([l[1], old.source, elementId(old)]) AS located } "
            # the first batch of rows rides along (one round trip for most forms): the same body as rows_statement,
            # run once for the one head row
            f"CALL (d, xs_, ks_) {{ {self._rows_body()} }} "
            "RETURN current_id, older, pending, located", min(len(p["reports"]), self.batch_size), plain=True,
            meta=META_ID, rec=p["supplier"], origin=S.ORIGIN_DECLARED, cid=self.company_id, pid=p["parent_id"],
            prov=prov, id=p["sha"], props=p["props"], now=_now(), tv=p["template_version"], year=p["year"],
            psheet=PRODUCT_SHEET, msheet=MINE_SHEET, scope=p["scope"],
            lists={"countries": p["countries"], "smelters": p["smelters"], "products": p["products"],
                   "mines": p["mines"], "located": p["located"]},
            batch={"rows": p["reports"][:self.batch_size]}, sheet=SMELTER_SHEET, **RULE_PARAMS)
        if not rec:
            return None
        current = rec[0]["current_id"]
        located: Located = {}
        for key, source, eid in rec[0]["located"]:
            located.setdefault(key, []).append((source, eid))
        return ((None if current is None else str(current)), [str(i) for _seq, i in sorted(rec[0]["older"])],
                rec[0]["pending"], located)

    def _link_supplier(self, tx: ManagedTransaction, supplier_id: str, parent_id: str | None,
                       prov: dict[str, Any]) -> None:
        company = L[S.COMPANY]
        sup = L[S.SUPPLIER]
        rel = T[S.SOURCES_FROM]
        if parent_id:
            made = self._run(tx, f"MATCH (p:{sup} {{id: $pid}}) RETURN p.id AS id", pid=parent_id)
            if not made:
                self._run(tx, f"MATCH (c:{company} {{id: $cid}}) "
                              f"CREATE (p:{sup} {{id: $pid, name: $pid, aliases: [], origin: $origin}}) "
                              f"MERGE (c)-[e:{rel}]->(p) ON CREATE SET e.origin = $origin, e += $prov",
                          cid=self.company_id, pid=parent_id, origin=S.ORIGIN_DECLARED, prov=prov)
            self._run(tx, f"MATCH (p:{sup} {{id: $pid}}), (s:{sup} {{id: $sid}}) "
                          f"MERGE (p)-[e:{rel}]->(s) ON CREATE SET e.origin = $origin, e += $prov",
                      pid=parent_id, sid=supplier_id, origin=S.ORIGIN_DECLARED, prov=prov)
        else:
            self._run(tx, f"MATCH (c:{company} {{id: $cid}}), (s:{sup} {{id: $sid}}) "
                          f"MERGE (c)-[e:{rel}]->(s) ON CREATE SET e.origin = $origin, e += $prov",
                      cid=self.company_id, sid=supplier_id, origin=S.ORIGIN_DECLARED, prov=prov)

    def rows_statement(self) -> str:
        """The rows statement, one per `batch_size` smelter-list rows of a declaration after the first (those ride in
        the head statement), in a single pass: the REPORTS edge to the Smelter and the declared mine countries
        (SOURCES_FROM_COUNTRY to the Country nodes). The head statement merged the form's smelters and countries;
        this statement finds each once by its constrained key (`$lists`) and a row points at them by position — a
        locking index seek per row and per mine country had been a sixth of the server's time. No Eager operator:
        every property is set by name (a map SET counts as a write of every property), the row parameters use
        short keys that are no property name (`r.metal` would read as a property read of `metal`, conflicting with
        the write of `e.metal`), and the LOCATED_IN rule, which reads what it writes, has its own statements
        (`locations_statements`). tests/test_neo4j_store.py PROFILEs it (`profile_rows`)."""
        return (PLAN_KEPT + f"MATCH (d:{L[S.DECLARATION]} {{id: $id}}) "
                f"CALL () {{ UNWIND $lists.smelters AS n MATCH (x:{L[S.SMELTER]} {{key: n.k}}) "
                "RETURN collect(x) AS xs_ } "
                f"CALL () {{ UNWIND $lists.countries AS r MATCH (k:{L[S.COUNTRY]} {{iso2: r.iso}}) "
                "RETURN collect(k) AS ks_ } " + self._rows_body())

    @staticmethod
    def _rows_body() -> str:
        """The rows statement after its Declaration `d` and the form's smelter and country nodes in list order
        (`xs_`, `ks_`): one pass over `$batch.rows` (the head statement runs it for the first batch inside
        `CALL (d, xs_, ks_) { … }`)."""
        return ("UNWIND $batch.rows AS r WITH d, r, xs_[r.x] AS x, ks_ "
                f"CREATE (d)-[e:{T[S.REPORTS]}]->(x) SET e.row = r.r, e.sheet = $sheet, e.cell = r.c, e.metal = r.m, "
                "e.raw_name = r.rn, e.raw_cid = r.rc, e.raw_country = r.rk, e.lookup_kind = r.lk, e.method = r.me, "
                "e.score = r.sc, e.given_cid = r.gc, e.resolution_status = r.st, "
                "e.sha256 = $id, e.template_version = $tv, e.reporting_year = $year "
                "WITH x, r, ks_ UNWIND r.mc AS ci WITH x, r, ks_[ci] AS c "
                f"CREATE (x)-[m:{T[S.SOURCES_FROM_COUNTRY]}]->(c) SET m.source = 'declared', m.declaration = $id, "
                "m.row = r.r, m.sheet = $sheet, m.sha256 = $id, m.template_version = $tv, m.reporting_year = $year")

    @staticmethod
    def locations_statements() -> dict[str, str]:
        """The LOCATED_IN rule (a better-ranked source, or the reference always, replaces a smelter's edge), as three
        Eager-free statements run after the smelters exist: `read` the current edges of the candidates' smelters
        (an ingest reads them in its head statement, after the smelters' MERGE), `delete` the edges that lose (by
        element id), `create` the winners' edges. The decision between is made here in Python (`_location_plan`)."""
        sm, located = L[S.SMELTER], T[S.LOCATED_IN]
        return {
            "read": PLAN_KEPT + f"UNWIND $batch.rows AS k MATCH (:{sm} {{key: k}})-[old:{located}]->() "
                    "RETURN k, old.source AS source, elementId(old) AS old",
            # a top-level list: `IN $batch.rows` would scan every LOCATED_IN edge instead of seeking by id
            "delete": PLAN_KEPT + f"MATCH ()-[old:{located}]->() WHERE elementId(old) IN $ids DELETE old",
            "create": PLAN_KEPT + f"UNWIND $batch.rows AS l MATCH (x:{sm} {{key: l.k}}), "
                      f"(c:{L[S.COUNTRY]} {{iso2: l.i}}) CREATE (x)-[e:{located}]->(c) "
                      "SET e.source = l.s, e.sha256 = $sha, x.country_iso2 = l.i",
        }

    def _write_rows(self, tx: ManagedTransaction, p: dict[str, Any], prov: dict[str, Any], located: Located) -> None:
        """The declaration's smelter-list rows after the first `batch_size` (those went with the head statement),
        `batch_size` rows per `rows_statement`, then its LOCATED_IN candidates against the edges the head statement
        found (`located`)."""
        if len(p["reports"]) > self.batch_size:
            self._unwind_batch(tx, self.rows_statement(), p["reports"][self.batch_size:], id=p["sha"],
                               sheet=SMELTER_SHEET, tv=prov["template_version"], year=prov["reporting_year"],
                               lists={"smelters": p["smelters"], "countries": p["countries"]})
        self._write_locations(tx, p["locations"], located, p["sha"])

    def _replace_locations(self, tx: ManagedTransaction, candidates: list[dict[str, Any]], sha: str | None) -> None:
        """LOCATED_IN candidates ({"k": smelter key, "i": ISO-2, "s": source}, one per smelter): a better-ranked
        source (or the reference, always) replaces the current edge; a smelter without one gets it."""
        if not candidates:
            return
        current: Located = {}
        for rec in self._unwind_batch(tx, self.locations_statements()["read"], [c["k"] for c in candidates]):
            current.setdefault(rec["k"], []).append((rec["source"], rec["old"]))
        self._write_locations(tx, candidates, current, sha)

    def _write_locations(self, tx: ManagedTransaction, candidates: list[dict[str, Any]], current: Located,
                         sha: str | None) -> None:
        """Delete the LOCATED_IN edges that lose to a candidate, create the winners' (statements only when needed)."""
        q = self.locations_statements()
        drop, create = _location_plan(candidates, current)
        if drop:
            for i in range(0, len(drop), self.batch_size):
                self._run(tx, q["delete"], len(drop[i:i + self.batch_size]), ids=drop[i:i + self.batch_size])
        self._unwind_batch(tx, q["create"], create, sha=sha)

    def profile_rows(self, decl: Declaration, resolutions: list[Resolution], supplier: SupplierRecord,
                     year: int | None) -> dict[str, list[tuple[str, int]]]:
        """PROFILE the head statement, the rows statement and the LOCATED_IN statements on one declaration, in a
        transaction rolled back (nothing is stored): each statement's operators as (name, rows through it), depth
        first (a diagnostic: an "Eager" operator buffers the rows through it; the head statement's must see one)."""
        p = self._declaration_payload(decl, resolutions, supplier, year, None, None)
        p["props"].update(hold=None, accepted=False, contact_domain=email_domain(decl.company.contact_email))
        prov = {"sha256": p["sha"], "template_version": p["template_version"], "reporting_year": year}
        plans: dict[str, list[tuple[str, int]]] = {}

        def walk(plan: Any, ops: list[tuple[str, int]]) -> list[tuple[str, int]]:
            name = str(plan["operatorType"] if isinstance(plan, dict) else plan.operator_type).split("@")[0]
            ops.append((name, int((plan.get("rows") if isinstance(plan, dict) else plan.rows) or 0)))
            for child in (plan.get("children", []) if isinstance(plan, dict) else plan.children):
                walk(child, ops)
            return ops

        def profile(tx: ManagedTransaction, name: str, query: str, **params: Any) -> Any:
            result = tx.run("PROFILE " + query, params)
            records = [r.data() for r in result]
            summary = result.consume()
            plans[name] = walk(summary.profile, []) if summary.profile is not None else []
            return records

        def work(tx: ManagedTransaction) -> None:
            self._run = lambda tx_, query, n_rows=1, plain=False, **params: profile(tx_, "head", query, **params)  # type: ignore
            try:
                head = self._write_head(tx, p, prov)
            finally:
                del self._run
            if head is None:
                raise ValueError(f"{decl.file.name} is stored already: profile a declaration not stored yet")
            profile(tx, "rows", self.rows_statement(), batch={"rows": p["reports"][:self.batch_size]}, id=p["sha"],
                    sheet=SMELTER_SHEET, tv=prov["template_version"], year=year,
                    lists={"smelters": p["smelters"], "countries": p["countries"]})
            q = self.locations_statements()
            profile(tx, "locations read", q["read"], batch={"rows": [c["k"] for c in p["locations"]]})
            drop, create = _location_plan(p["locations"], head[3])
            profile(tx, "locations delete", q["delete"], ids=drop)
            profile(tx, "locations create", q["create"], batch={"rows": create}, sha=p["sha"])
            raise _RolledBack  # nothing of the profiled declaration is kept

        with self._session() as session, contextlib.suppress(_RolledBack):
            session.execute_write(work)
        return plans

    def _set_locations(self, tx: ManagedTransaction, rows: list[dict[str, Any]], sha: str | None) -> None:
        """LOCATED_IN from rows {"key", "iso", "source"}: a better-ranked source (or the reference, always) replaces
        the current edge (`_replace_locations`)."""
        first: dict[str, dict[str, Any]] = {}
        for r in rows:
            first.setdefault(r["key"], {"k": r["key"], "i": r["iso"], "s": r["source"]})
        self._replace_locations(tx, list(first.values()), sha)

    def _recompute_group(self, tx: ManagedTransaction, supplier_id: str, year: int | None,
                         scope: str | None) -> tuple[str | None, list[str]]:
        """Mark the newest declaration of (supplier, year, scope) current; return its id and the ids it
        supersedes (oldest first)."""
        rec = self._run(tx, f"MATCH (g:{L[S.DECLARATION]} {{supplier_id: $sid}}) "
                            "WHERE (g.reporting_year = $year OR (g.reporting_year IS NULL AND $year IS NULL)) "
                            "AND (g.scope = $scope OR (g.scope IS NULL AND $scope IS NULL)) "
                            + current_rule_cypher("$sid") +
                            "RETURN newest.id AS id, [g IN gs WHERE g <> newest AND NOT g IN newer | [g.seq, g.id]] "
                            "AS older",
                        sid=supplier_id, year=year, scope=scope, **RULE_PARAMS)
        if not rec or rec[0]["id"] is None:
            return None, []
        return str(rec[0]["id"]), [str(i) for _seq, i in sorted(rec[0]["older"])]

    def accept_declaration(self, declaration_id: str) -> bool:
        return bool(self._write(f"accept of declaration {declaration_id}", self._accept_tx, declaration_id))

    def _accept_tx(self, tx: ManagedTransaction, did: str) -> bool:
        found = self._run(tx, f"MATCH (d:{L[S.DECLARATION]} {{id: $id}}) SET d.accepted = true "
                              "RETURN d.supplier_id AS sid, d.reporting_year AS year, d.scope AS scope", id=did)
        if not found:
            return False
        self._recompute_group(tx, found[0]["sid"], found[0]["year"], found[0]["scope"])
        return True

    # ------------------------------------------------------------------ delete
    def delete_declaration(self, declaration_id: str) -> bool:
        return bool(self._write(f"delete of declaration {declaration_id}", self._delete_tx, declaration_id,
                                bump=False))

    def _delete_tx(self, tx: ManagedTransaction, did: str) -> bool:
        decl, sm, sup, rel = L[S.DECLARATION], L[S.SMELTER], L[S.SUPPLIER], T[S.SOURCES_FROM]
        found = self._run(tx, f"MATCH (d:{decl} {{id: $id}}) OPTIONAL MATCH (d)-[:{T[S.REPORTS]}]->(x:{sm}) "
                              "RETURN d.supplier_id AS sid, d.reporting_year AS year, d.scope AS scope, "
                              "d.parent_id AS parent, collect(DISTINCT x.key) AS keys", id=did)
        if not found:
            return False
        self._bump(tx)
        info = found[0]
        sid, parent = info["sid"], info["parent"]
        self._run(tx, f"MATCH ()-[e:{T[S.SOURCES_FROM_COUNTRY]} {{declaration: $id}}]->() DELETE e", id=did)
        self._run(tx, f"MATCH (d:{decl} {{id: $id}}) OPTIONAL MATCH (d)-[:{T[S.COVERS]}|{T[S.LISTS_MINE]}]->(x) "
                      "DETACH DELETE x WITH DISTINCT d DETACH DELETE d", id=did)
        self._recompute_group(tx, sid, info["year"], info["scope"])
        # smelters no declaration reports any more go, unless the reference knows them
        self._run(tx, f"UNWIND $keys AS k MATCH (x:{sm} {{key: k}}) "
                      f"WHERE NOT EXISTS {{ (:{decl})-[:{T[S.REPORTS]}]->(x) }} "
                      "AND NOT coalesce(x.from_reference, false) DETACH DELETE x", keys=info["keys"])
        # a location this declaration gave now cites the earliest declaration still reporting the smelter
        self._run(tx, f"UNWIND $keys AS k MATCH (x:{sm} {{key: k}})-[e:{T[S.LOCATED_IN]} {{sha256: $id}}]->() "
                      f"MATCH (o:{decl})-[:{T[S.REPORTS]}]->(x) WITH e, o ORDER BY o.seq "
                      "WITH e, collect(o)[0] AS other SET e.sha256 = other.id", keys=info["keys"], id=did)
        self._run(tx, f"MATCH ()-[e:{T[S.LOCATED_IN]} {{sha256: $id}}]->() REMOVE e.sha256", id=did)
        self._run(tx, f"MATCH (c:{L[S.COUNTRY]}) WHERE NOT coalesce(c.explicit, false) "
                      f"AND NOT EXISTS {{ ()-[:{T[S.LOCATED_IN]}]->(c) }} "
                      f"AND NOT EXISTS {{ ()-[:{T[S.SOURCES_FROM_COUNTRY]}]->(c) }} DETACH DELETE c")
        edges = self._run(tx, f"MATCH (p)-[e:{rel} {{sha256: $id}}]->(s:{sup}) "
                              f"RETURN CASE WHEN p:{sup} THEN $sup ELSE $company END AS plabel, p.id AS pid, "
                              "s.id AS cid", id=did, sup=S.SUPPLIER, company=S.COMPANY)
        for edge in edges:
            plabel, pid, cid = edge["plabel"], edge["pid"], edge["cid"]
            if plabel == S.SUPPLIER:
                other = self._run(tx, f"MATCH (d:{decl} {{supplier_id: $cid}}) WHERE d.parent_id = $pid "
                                      "RETURN d.id AS id, d.template_version AS tv, d.reporting_year AS y "
                                      "ORDER BY d.seq LIMIT 1", cid=cid, pid=pid)
            elif cid == sid:
                other = self._run(tx, f"MATCH (d:{decl} {{supplier_id: $cid}}) WHERE d.parent_id IS NULL "
                                      "RETURN d.id AS id, d.template_version AS tv, d.reporting_year AS y "
                                      "ORDER BY d.seq LIMIT 1", cid=cid)
            else:  # Company→parent edge made for an unknown parent: keep while the parent has children
                other = self._run(tx, f"MATCH (:{sup} {{id: $cid}})-[f:{rel}]->(:{sup}) WHERE f.sha256 IS NOT NULL "
                                      f"MATCH (d:{decl} {{id: f.sha256}}) "
                                      "RETURN d.id AS id, d.template_version AS tv, d.reporting_year AS y "
                                      "ORDER BY d.seq LIMIT 1", cid=cid)
            match = (f"MATCH (p:{L[plabel]} {{id: $pid}})-[e:{rel}]->(s:{sup} {{id: $cid}}) ")
            if other:
                self._run(tx, match + "SET e.sha256 = $o.id, e.template_version = $o.tv, e.reporting_year = $o.y",
                          pid=pid, cid=cid, o=other[0])
            else:
                self._run(tx, match + "WHERE e.origin = $origin DELETE e", pid=pid, cid=cid, origin=S.ORIGIN_DECLARED)
        self._run(tx, f"MATCH ()-[e:{rel} {{sha256: $id}}]->() REMOVE e.sha256, e.template_version, "
                      "e.reporting_year", id=did)
        for supplier_id in dict.fromkeys(x for x in (sid, parent) if x):
            self._run(tx, f"MATCH (s:{sup} {{id: $sid}}) WHERE s.origin = $origin "
                          f"AND NOT EXISTS {{ MATCH (d:{decl}) WHERE d.supplier_id = $sid }} "
                          f"AND NOT EXISTS {{ (s)-[:{rel}]->(:{sup}) }} "
                          f"AND NOT EXISTS {{ MATCH (e:{L[SURVEY_EVENT_LABEL]}) WHERE e.supplier_id = $sid }} "
                          f"AND NOT EXISTS {{ MATCH (e:{L[CAMPAIGN_RECORD_LABEL]}) WHERE e.supplier_id = $sid }} "
                          "DETACH DELETE s", sid=supplier_id, origin=S.ORIGIN_DECLARED)
        return True

    # ------------------------------------------------------------------ relink a form to another supplier
    def relink_declaration(self, declaration_id: str, supplier: SupplierRecord, hold: str | None = None) -> bool:
        """See `GraphStore.relink_declaration`: one write transaction, the same clean-up as `delete_declaration`."""
        return bool(self._write(f"relink of declaration {declaration_id} to supplier {supplier.id}",
                                self._relink_supplier_tx, declaration_id, _supplier_props(supplier), hold))

    def _relink_supplier_tx(self, tx: ManagedTransaction, did: str, rec: dict[str, Any], hold: str | None) -> bool:
        decl, sup, rel = L[S.DECLARATION], L[S.SUPPLIER], T[S.SOURCES_FROM]
        found = self._run(tx, f"MATCH (d:{decl} {{id: $id}}) RETURN d.supplier_id AS sid, d.reporting_year AS year, "
                              "d.scope AS scope, d.parent_id AS parent, d.template_version AS tv", id=did)
        if not found:
            return False
        self._bump(tx)
        info = found[0]
        old, new, parent = info["sid"], rec["id"], info["parent"]
        self._run(tx, f"MERGE (s:{sup} {{id: $rec.id}}) ON CREATE SET s += $rec, s.origin = $origin "
                      "ON MATCH SET s.name = coalesce(s.name, $rec.name), "
                      "s.contact_email = coalesce(s.contact_email, $rec.contact_email), "
                      "s.email_domain = coalesce(s.email_domain, $rec.email_domain)",
                  rec=rec, origin=S.ORIGIN_DECLARED)
        self._run(tx, f"MATCH (d:{decl} {{id: $id}}) SET d.supplier_id = $sid, d.hold = $hold "
                      f"WITH d MATCH (o:{sup})-[e:{T[S.DECLARED]}]->(d) WITH d, e, properties(e) AS props "
                      f"MATCH (s:{sup} {{id: $sid}}) CREATE (s)-[n:{T[S.DECLARED]}]->(d) SET n = props DELETE e",
                  id=did, sid=new, hold=hold)
        if old != new:
            plabel, pid = (S.SUPPLIER, parent) if parent else (S.COMPANY, self.company_id)
            match = f"MATCH (p:{L[plabel]} {{id: $pid}})-[e:{rel}]->(s:{sup} {{id: $cid}}) WHERE e.sha256 = $id "
            other = self._run(tx, f"MATCH (d:{decl} {{supplier_id: $cid}}) WHERE d.id <> $id AND "
                                  "((d.parent_id IS NULL AND $parent IS NULL) OR d.parent_id = $parent) "
                                  "RETURN d.id AS id, d.template_version AS tv, d.reporting_year AS y "
                                  "ORDER BY d.seq LIMIT 1", cid=old, id=did, parent=parent)
            if other:
                self._run(tx, match + "SET e.sha256 = $o.id, e.template_version = $o.tv, e.reporting_year = $o.y",
                          pid=pid, cid=old, id=did, o=other[0])
            else:
                self._run(tx, match + "WITH e WHERE e.origin = $origin DELETE e", pid=pid, cid=old, id=did,
                          origin=S.ORIGIN_DECLARED)
                self._run(tx, match + "REMOVE e.sha256, e.template_version, e.reporting_year", pid=pid, cid=old,
                          id=did)
            self._link_supplier(tx, new, parent, {"sha256": did, "template_version": info["tv"],
                                                  "reporting_year": info["year"]})
            self._recompute_group(tx, old, info["year"], info["scope"])
        self._recompute_group(tx, new, info["year"], info["scope"])
        if old != new:
            self._run(tx, f"MATCH (s:{sup} {{id: $sid}}) WHERE s.origin = $origin "
                          f"AND NOT EXISTS {{ MATCH (d:{decl}) WHERE d.supplier_id = $sid }} "
                          f"AND NOT EXISTS {{ (s)-[:{rel}]->(:{sup}) }} "
                          f"AND NOT EXISTS {{ MATCH (e:{L[SURVEY_EVENT_LABEL]}) WHERE e.supplier_id = $sid }} "
                          f"AND NOT EXISTS {{ MATCH (e:{L[CAMPAIGN_RECORD_LABEL]}) WHERE e.supplier_id = $sid }} "
                          "DETACH DELETE s", sid=old, origin=S.ORIGIN_DECLARED)
        return True

    # ------------------------------------------------------------------ relink (resolution decisions)
    def relink_reports(self, declaration_id: str, updates: list[ReportRelink]) -> int:
        """See `GraphStore.relink_reports`: one write transaction, the same clean-up as `delete_declaration`."""
        rows = [{"row": int(u.row), "key": u.smelter_key, "cid": None if u.provisional else (u.cid or u.smelter_key),
                 "metal": u.metal, "name": u.name, "iso": u.country_iso2, "provisional": u.provisional,
                 "status": u.resolution_status, "method": u.method, "score": _float(u.score),
                 "given_cid": u.given_cid, "source": u.country_source,
                 "rank": LOCATION_RANK.get(u.country_source, 1)} for u in updates]
        if not rows:
            return 0
        return int(self._write(f"relink of declaration {declaration_id}", self._relink_tx, declaration_id, rows,
                               bump=False))

    def _relink_tx(self, tx: ManagedTransaction, did: str, rows: list[dict[str, Any]]) -> int:
        decl, sm, rep = L[S.DECLARATION], L[S.SMELTER], T[S.REPORTS]
        todo = self._run(tx, f"MATCH (d:{decl} {{id: $id}}) UNWIND $rows AS r MATCH (d)-[e:{rep}]->(old:{sm}) "
                             "WHERE e.row = r.row AND old.key <> r.key RETURN r.row AS row, old.key AS old",
                         id=did, rows=rows)
        if not todo:
            return 0
        self._bump(tx)
        wanted = {t["row"] for t in todo}
        rows = [r for r in rows if r["row"] in wanted]
        self._unwind(tx, f"UNWIND $rows AS r MERGE (x:{sm} {{key: r.key}}) ON CREATE SET x.cid = r.cid, "
                         "x.metal = r.metal, x.name = r.name, x.country_iso2 = r.iso, x.provisional = r.provisional, "
                         "x.resolution_status = r.status, x.from_reference = false", rows)
        self._unwind(tx, f"MATCH (d:{decl} {{id: $id}}) UNWIND $rows AS r MATCH (d)-[e:{rep}]->(old:{sm}) "
                         f"WHERE e.row = r.row AND old.key <> r.key MATCH (x:{sm} {{key: r.key}}) "
                         f"CREATE (d)-[n:{rep}]->(x) SET n = properties(e), n.method = r.method, n.score = r.score, "
                         "n.resolution_status = r.status, n.given_cid = r.given_cid DELETE e", rows, id=did)
        self._unwind(tx, f"UNWIND $rows AS r MATCH (old:{sm})-[m:{T[S.SOURCES_FROM_COUNTRY]} {{declaration: $id}}]->"
                         f"(c:{L[S.COUNTRY]}) WHERE m.row = r.row AND old.key <> r.key MATCH (x:{sm} {{key: r.key}}) "
                         f"CREATE (x)-[n:{T[S.SOURCES_FROM_COUNTRY]}]->(c) SET n = properties(m) DELETE m",
                     rows, id=did)
        located = [r for r in rows if r["iso"]]
        self._unwind(tx, f"UNWIND $rows AS r MERGE (c:{L[S.COUNTRY]} {{iso2: r.iso}}) "
                         "ON CREATE SET c.name = r.cname, c.explicit = false",
                     [{**r, "cname": country_name(r["iso"])} for r in located])
        self._set_locations(tx, located, did)
        keys = sorted({t["old"] for t in todo})
        self._run(tx, f"UNWIND $keys AS k MATCH (x:{sm} {{key: k}}) WHERE NOT EXISTS {{ (:{decl})-[:{rep}]->(x) }} "
                      "AND NOT coalesce(x.from_reference, false) DETACH DELETE x", keys=keys)
        self._run(tx, f"UNWIND $keys AS k MATCH (x:{sm} {{key: k}})-[e:{T[S.LOCATED_IN]} {{sha256: $id}}]->() "
                      f"MATCH (o:{decl})-[:{rep}]->(x) WITH e, o ORDER BY o.seq "
                      "WITH e, collect(o)[0] AS other SET e.sha256 = other.id", keys=keys, id=did)
        self._run(tx, f"MATCH (c:{L[S.COUNTRY]}) WHERE NOT coalesce(c.explicit, false) "
                      f"AND NOT EXISTS {{ ()-[:{T[S.LOCATED_IN]}]->(c) }} "
                      f"AND NOT EXISTS {{ ()-[:{T[S.SOURCES_FROM_COUNTRY]}]->(c) }} DETACH DELETE c")
        return len(todo)

    # ------------------------------------------------------------------ other writes
    def upsert_suppliers(self, records: list[SupplierRecord]) -> None:
        rows = [_supplier_props(r) for r in records]

        def tx_fn(tx: ManagedTransaction) -> None:
            self._unwind(tx, f"MATCH (c:{L[S.COMPANY]} {{id: $cid}}) UNWIND $rows AS r "
                             f"MERGE (s:{L[S.SUPPLIER]} {{id: r.id}}) SET s = r, s.origin = $origin "
                             f"MERGE (c)-[e:{T[S.SOURCES_FROM]}]->(s) SET e.origin = $origin",
                         rows, cid=self.company_id, origin=S.ORIGIN_MASTER)

        self._write("upsert of suppliers", tx_fn)

    def set_supplier_scope(self, supplier_id: str, in_scope: bool | None, reason: str | None) -> None:
        def tx_fn(tx: ManagedTransaction) -> None:
            got = self._run(tx, f"MATCH (s:{L[S.SUPPLIER]} {{id: $id}}) SET s.in_scope = $in_scope, "
                                "s.scope_reason = $reason RETURN s.id AS id",
                            id=supplier_id, in_scope=in_scope, reason=reason)
            if not got:
                raise KeyError(f"no supplier {supplier_id!r}")

        self._write("set supplier scope", tx_fn)

    def log_survey_event(self, event: SurveyEvent) -> None:
        if event.kind not in S.SURVEY_EVENT_KINDS:
            raise ValueError(f"survey event kind {event.kind!r} not one of {', '.join(S.SURVEY_EVENT_KINDS)}")

        def tx_fn(tx: ManagedTransaction) -> None:
            seq = self._bump(tx)
            self._run(tx, f"CREATE (e:{L[SURVEY_EVENT_LABEL]}) SET e.supplier_id = $sid, e.kind = $kind, "
                          "e.date = $date, e.note = $note, e.seq = $seq",
                      sid=event.supplier_id, kind=event.kind, date=event.date, note=event.note, seq=seq)

        self._write("survey event", tx_fn, bump=False)

    def save_campaign_records(self, records: list[CampaignRecord]) -> None:
        for r in records:
            if r.kind not in S.CAMPAIGN_RECORD_KINDS:
                raise ValueError(f"campaign record kind {r.kind!r} not one of {', '.join(S.CAMPAIGN_RECORD_KINDS)}")
        rows = [{"rid": _campaign_rid(r.kind, r.key), "kind": r.kind, "key": r.key, "sid": r.supplier_id,
                 "data": json.dumps(r.data, ensure_ascii=False, sort_keys=True)} for r in records]

        def tx_fn(tx: ManagedTransaction) -> None:
            self._unwind(tx, f"UNWIND $rows AS r MERGE (x:{L[CAMPAIGN_RECORD_LABEL]} {{rid: r.rid}}) "
                             "SET x.kind = r.kind, x.key = r.key, x.supplier_id = r.sid, x.data = r.data, "
                             "x.updated = $now", rows, now=_now())

        self._write("save of campaign records", tx_fn)

    def upsert_countries(self, records: list[CountryRecord]) -> None:
        rows = [{"iso": r.iso2.upper(), "name": r.name or country_name(r.iso2), "covered": r.covered,
                 "cahra": r.cahra} for r in records]

        def tx_fn(tx: ManagedTransaction) -> None:
            self._unwind(tx, f"UNWIND $rows AS r MERGE (c:{L[S.COUNTRY]} {{iso2: r.iso}}) "
                             "SET c.name = coalesce(r.name, c.name), c.covered = coalesce(r.covered, c.covered), "
                             "c.cahra = coalesce(r.cahra, c.cahra), c.explicit = true", rows)

        self._write("upsert of countries", tx_fn)

    def upsert_smelter_facts(self, facts: list[SmelterFact]) -> None:
        rows = [{"key": f.key, "cid": f.cid or f.key, "metal": f.metal, "name": f.name, "iso": f.country_iso2}
                for f in facts]
        located = [{"key": f.key, "iso": f.country_iso2, "source": "reference", "rank": LOCATION_RANK["reference"]}
                   for f in facts if f.country_iso2]
        countries = [{"iso": f.country_iso2, "name": country_name(f.country_iso2)} for f in facts if f.country_iso2]

        def tx_fn(tx: ManagedTransaction) -> None:
            self._unwind(tx, f"UNWIND $rows AS r MERGE (x:{L[S.SMELTER]} {{key: r.key}}) "
                             "ON CREATE SET x.cid = r.cid, x.metal = r.metal, x.name = r.name, "
                             "x.country_iso2 = r.iso, x.provisional = false, x.resolution_status = 'resolved', "
                             "x.from_reference = true "
                             "ON MATCH SET x.cid = r.cid, x.metal = coalesce(r.metal, x.metal), "
                             "x.name = coalesce(r.name, x.name), x.from_reference = true", rows)
            self._unwind(tx, f"UNWIND $rows AS r MERGE (c:{L[S.COUNTRY]} {{iso2: r.iso}}) "
                             "ON CREATE SET c.name = r.name SET c.explicit = true", countries)
            self._set_locations(tx, located, None)

        self._write("upsert of smelter facts", tx_fn)

    # ------------------------------------------------------------------ reads
    def has_declaration(self, sha256: str) -> bool:
        return bool(self._read(f"MATCH (d:{L[S.DECLARATION]} {{id: $id}}) RETURN 1 AS x", id=sha256))

    def _decls(self, where: str = "", **params: Any) -> list[DeclarationInfo]:
        rows = self._read_list(f"MATCH (d:{L[S.DECLARATION]}) {where}", "d",
                               "d.supplier_id, coalesce(d.reporting_year, -1), d.seq", "properties(d)", **params)
        return [_decl_info(d) for d in rows]

    def declaration(self, declaration_id: str) -> DeclarationInfo | None:
        found = self._decls("WHERE d.id = $id", id=declaration_id)
        return found[0] if found else None

    def declarations_by_id(self, ids: Iterable[str]) -> dict[str, DeclarationInfo]:
        wanted = list(dict.fromkeys(ids))
        return {d.id: d for d in self._decls("WHERE d.id IN $ids", ids=wanted)} if wanted else {}

    def declarations(self, supplier_id: str | None = None, year: int | None = None,
                     current_only: bool = True) -> list[DeclarationInfo]:
        where = _decl_where(year, current_only, ["d.supplier_id = $sid"] if supplier_id is not None else [])
        return self._decls(where, sid=supplier_id, year=year)

    def _suppliers(self, where: str = "", **params: Any) -> list[SupplierInfo]:
        rows = self._read_list(f"MATCH (s:{L[S.SUPPLIER]}) {where}", "s", "s.id",
                               f"[properties(s), COUNT {{ (s)-[:{T[S.DECLARED]}]->(:{L[S.DECLARATION]}) }}, "
                               f"[(p:{L[S.SUPPLIER]})-[:{T[S.SOURCES_FROM]}]->(s) | p.id]]", **params)
        out = []
        for props, n, parents in rows:
            d = {k: props.get(k) for k in _SUPPLIER_FIELDS}
            d["aliases"] = list(d["aliases"] or [])
            d["spend"] = _float(d["spend"])
            d["in_scope"] = _bool(d["in_scope"])
            d["origin"] = d["origin"] or S.ORIGIN_DECLARED
            out.append(SupplierInfo(**d, declarations=int(n), parents=sorted(parents)))
        return out

    def suppliers(self) -> list[SupplierInfo]:
        return self._suppliers()

    def supplier(self, supplier_id: str) -> SupplierInfo | None:
        found = self._suppliers("WHERE s.id = $id", id=supplier_id)
        return found[0] if found else None

    def _smelters(self, where: str = "", **params: Any) -> list[SmelterInfo]:
        rows = self._read_list(f"MATCH (x:{L[S.SMELTER]}) {where}", "x", "x.key", "properties(x)", **params)
        return [_smelter_info(x) for x in rows]

    def smelters(self) -> list[SmelterInfo]:
        return self._smelters()

    def smelter(self, key: str) -> SmelterInfo | None:
        found = self._smelters("WHERE x.key = $key", key=key)
        return found[0] if found else None

    def countries(self) -> list[CountryRecord]:
        rows = self._read(f"MATCH (c:{L[S.COUNTRY]}) RETURN c.iso2 AS iso, c.name AS name, c.covered AS covered, "
                          "c.cahra AS cahra ORDER BY iso")
        return [CountryRecord(r["iso"], r["name"], _bool(r["covered"]), _bool(r["cahra"])) for r in rows]

    def survey_events(self, supplier_id: str | None = None) -> list[SurveyEvent]:
        where = "WHERE e.supplier_id = $sid" if supplier_id else ""
        rows = self._read(f"MATCH (e:{L[SURVEY_EVENT_LABEL]}) {where} RETURN e.supplier_id AS s, e.kind AS k, "
                          "e.date AS d, e.note AS n ORDER BY e.date, e.seq", sid=supplier_id)
        return [SurveyEvent(r["s"], r["k"], r["d"], r["n"] or "") for r in rows]

    def campaign_records(self, kind: str | None = None, supplier_id: str | None = None) -> list[CampaignRecord]:
        clauses = [c for c, v in (("x.kind = $kind", kind), ("x.supplier_id = $sid", supplier_id)) if v is not None]
        where = ("WHERE " + " AND ".join(clauses)) if clauses else ""
        rows = self._read(f"MATCH (x:{L[CAMPAIGN_RECORD_LABEL]}) {where} RETURN x.kind AS k, x.key AS key, "
                          "x.supplier_id AS s, x.data AS d, x.updated AS u ORDER BY k, key", kind=kind, sid=supplier_id)
        return [CampaignRecord(r["k"], r["key"], r["s"], json.loads(r["d"]), r["u"]) for r in rows]

    def years(self) -> list[int]:
        rows = self._read(f"MATCH (d:{L[S.DECLARATION]}) WHERE d.reporting_year IS NOT NULL "
                          "RETURN DISTINCT d.reporting_year AS y ORDER BY y")
        return [int(r["y"]) for r in rows]

    def stats(self) -> dict[str, Any]:
        node_q = " ".join(f"CALL () {{ MATCH (n:{L[label]}) RETURN count(n) AS n{i} }}"
                          for i, label in enumerate(S.NODE_LABELS))
        nodes = self._read(node_q + " RETURN " + ", ".join(f"n{i}" for i in range(len(S.NODE_LABELS))))[0]
        rel_q = " ".join(f"CALL () {{ MATCH ()-[r:{T[t]}]->() RETURN count(r) AS r{i} }}"
                         for i, t in enumerate(S.REL_TYPE_NAMES) if t != S.SOURCES_FROM_COUNTRY)
        rels = self._read(rel_q + " RETURN " + ", ".join(f"r{i}" for i, t in enumerate(S.REL_TYPE_NAMES)
                                                          if t != S.SOURCES_FROM_COUNTRY))[0]
        mine_countries = self._read(f"MATCH (x)-[e:{T[S.SOURCES_FROM_COUNTRY]}]->(c) "
                                    "RETURN count(DISTINCT [x.key, c.iso2, e.source, e.declaration]) AS n")[0]["n"]
        extra = self._read(f"MATCH (d:{L[S.DECLARATION]}) RETURN count(CASE WHEN d.current THEN 1 END) AS cur, "
                           "count(CASE WHEN d.status = 'invalid' THEN 1 END) AS bad")[0]
        prov = self._read(f"MATCH (x:{L[S.SMELTER]}) WHERE x.provisional = true RETURN count(x) AS n")[0]["n"]
        relationships = {t: (mine_countries if t == S.SOURCES_FROM_COUNTRY else rels[f"r{i}"])
                         for i, t in enumerate(S.REL_TYPE_NAMES)}
        return {
            "store": self.uri,
            "kind": "neo4j",
            "version": self.version(),
            "nodes": {label: nodes[f"n{i}"] for i, label in enumerate(S.NODE_LABELS)},
            "relationships": relationships,
            "declarations_current": extra["cur"],
            "declarations_invalid": extra["bad"],
            "smelters_provisional": prov,
            "years": self.years(),
            "db_bytes": None,
            "files": sum(1 for f in self.files_dir.rglob("*") if f.is_file())
            if self.files_dir and self.files_dir.exists() else 0,
        }

    # ------------------------------------------------------------------ traversals (server-side)
    def reports(self, smelter_keys: list[str] | None = None, supplier_ids: list[str] | None = None,
                countries: list[str] | None = None, metals: list[str] | None = None, year: int | None = None,
                current_only: bool = True, columns: Collection[str] | None = None) -> list[ReportHop]:
        return self._reports(smelter_keys, supplier_ids, countries, metals, year, current_only, columns)[1]

    def versioned_reports(self, smelter_keys: list[str] | None = None, supplier_ids: list[str] | None = None,
                          countries: list[str] | None = None, metals: list[str] | None = None,
                          year: int | None = None, current_only: bool = True,
                          columns: Collection[str] | None = None) -> tuple[str, list[ReportHop]]:
        """(`version()`, `reports(…)`) read by one statement: one round trip, not two (a second reads the heads of
        declarations not seen yet under this version: `_declaration_heads`)."""
        version, hops = self._reports(smelter_keys, supplier_ids, countries, metals, year, current_only, columns)
        return self.version() if version is None else version, hops

    def _reports(self, smelter_keys: list[str] | None, supplier_ids: list[str] | None, countries: list[str] | None,
                 metals: list[str] | None, year: int | None, current_only: bool,
                 columns: Collection[str] | None) -> tuple[str | None, list[ReportHop]]:
        """(the store version the hops were read at, the hops); (None, []) when a filter names nothing."""
        params: dict[str, Any] = {}
        clauses: list[str] = []
        for name, expr, values in (("keys", "x.key", smelter_keys), ("sids", "d.supplier_id", supplier_ids),
                                   ("countries", "x.country_iso2", countries), ("metals", "r.metal", metals)):
            if values is not None:
                values = list(dict.fromkeys(values))
                if not values:
                    return None, []
                clauses.append(f"{expr} IN ${name}")
                params[name] = values
        if year is not None:
            params["year"] = year
        where = _decl_where(year, current_only, clauses)
        if smelter_keys is not None:
            # start at the smelters asked for, whatever the statistics say: on a small or young graph the planner
            # started from the year's declarations and expanded every row of each (tests/test_neo4j_reads.py)
            where = f"USING INDEX SEEK x:{L[S.SMELTER]}(key) {where}"
        # per declaration its element id and its rows, each row one list of `_HOP_ROW_COLUMNS` (null for a column
        # the caller did not ask for: a property not read), sent in chunks of declarations (`_read_chunked`):
        # per-row records (25 columns each) cost ~4x more client time than the server spends on the query
        # (bench/neo4j_reads.py). One list per row, not one list per column: each `[r IN rs | r.p]` walked the
        # rows again (the one-CID read at 10k suppliers: 11.8 → 9.9 ms on the server, all columns; 8.0 ms with
        # an exposure's). The declaration's own columns and its supplier's come from `_declaration_heads`.
        wanted = None if columns is None else set(columns)
        row = ", ".join(expr if wanted is None or name in _HOP_KEPT or name in wanted else "null"
                        for name, expr in _HOP_ROW_COLUMNS)
        match = (f"MATCH (d:{L[S.DECLARATION]})-[r:{T[S.REPORTS]}]->(x:{L[S.SMELTER]}) {where} "
                 "WITH d, collect([r, x]) AS rx ")
        version, groups = self._read_chunked_at(match + "WITH collect([elementId(d), rx]) AS all_", "g_",
                                                f"[g_[0], [p IN g_[1] | [{row}]]]", True, sheet=SMELTER_SHEET,
                                                **params)
        heads = self._declaration_heads(str(version), [eid for eid, _rows in groups])
        if heads is not None:  # a declaration no supplier declares (edited by hand) is left out, as a MATCH would
            rows_of = [(heads[eid], rows) for eid, rows in groups if eid in heads]
        else:  # the graph changed between the two reads: one statement, heads inline (one snapshot)
            version, inline = self._read_chunked_at(
                match + f"MATCH (d)<-[:{T[S.DECLARED]}]-(s) WITH collect([s, d, rx]) AS all_", "g_",
                f"[{_HEAD_COLUMNS}, [p IN g_[2] | [{row}]]]", True, sheet=SMELTER_SHEET, **params)
            rows_of = [(tuple(g[:-1]), g[-1]) for g in inline]
        # declarations in the embedded store's order (supplier id, year with none first, declaration id), sorted
        # here: Python's string order is SQLite's (code points), and the server's ORDER BY cost ~17% of a one-CID read
        rows_of.sort(key=lambda g: (g[0][0], -1 if g[0][5] is None else g[0][5], g[0][2]))
        return version, [hop for head, rows in rows_of for hop in _group_hops(head, rows)]

    def _declaration_heads(self, version: str, element_ids: list[str]) -> dict[str, tuple[Any, ...]] | None:
        """Element id → (supplier id, supplier name, declaration id, file name, template version, year, status,
        current) of each declaration `element_ids` names, as of `version`; None when the graph is no longer at
        `version` (a write came between). Remembered per store version (any write changes it and drops them):
        the declaration's and supplier's properties are each read once per version, not once per read — reading
        them was ~40% of a one-CID read's server time (their nodes carry ~20 properties each, the wanted ones far
        along the property chain; tests/test_neo4j_reads.py). The declarations are found by element id one at a time
        (with `IN $ids` a small graph's planner scanned the label or the DECLARED edges), the supplier is the
        DECLARED edge's (only a Supplier declares). Every write through a minetrace store changes the version; an
        edit made by hand (Neo4j Browser) is seen after the next one, as the remembered supplier chains are."""
        known_at, known = self._heads
        if known_at != version or version == "0":  # "0": no version node (wiped by hand), nothing is remembered
            known = {}
            self._heads = (version, known)
        missing = [eid for eid in dict.fromkeys(element_ids) if eid not in known]
        if missing:
            read_at, rows = self._read_chunked_at(
                f"UNWIND $ids AS id_ MATCH (d) WHERE elementId(d) = id_ MATCH (d)<-[:{T[S.DECLARED]}]-(s) "
                "WITH collect([s, d]) AS all_", "g_", f"[elementId(g_[1]), {_HEAD_COLUMNS}]", True, ids=missing)
            if read_at != version:
                return None
            for eid, *head in rows:
                known[eid] = tuple(head)
        return known

    def smelters_for_supplier(self, supplier_id: str, year: int | None = None,
                              current_only: bool = True) -> list[ReportHop]:
        return self.reports(supplier_ids=[supplier_id], year=year, current_only=current_only)

    def suppliers_for_smelter(self, key: str, year: int | None = None, current_only: bool = True) -> list[ReportHop]:
        return self.reports(smelter_keys=[key], year=year, current_only=current_only)

    def _mine_country_match(self, year: int | None, current_only: bool) -> str:
        """The declared mine countries (SOURCES_FROM_COUNTRY edges `m`, smelter `x`, country `c`) of the
        declarations `d` that `year` / `current_only` select."""
        return (f"MATCH (x:{L[S.SMELTER]})-[m:{T[S.SOURCES_FROM_COUNTRY]}]->(c:{L[S.COUNTRY]}) "
                f"MATCH (d:{L[S.DECLARATION]} {{id: m.declaration}}) {_decl_where(year, current_only)} ")

    def declared_mine_countries(self, year: int | None = None,
                                current_only: bool = True) -> list[tuple[str, str, str, int]]:
        # per declaration its rows as parallel lists, in chunks of declarations (see `reports`)
        groups = self._read_chunked(self._mine_country_match(year, current_only)
                                    + "WITH d, collect(x) AS xs, collect(c) AS cs, collect(m) AS ms "
                                    "WITH collect([d, xs, cs, ms]) AS all_", "g_",
                                    "[g_[0].id, [x IN g_[1] | x.key], [c IN g_[2] | c.iso2], [m IN g_[3] | m.row]]",
                                    year=year)
        return sorted((k, iso, did, int(row)) for did, keys, isos, rows in groups
                      for k, iso, row in zip(keys, isos, rows, strict=True))

    def smelter_mine_countries(self, year: int | None = None, current_only: bool = True) -> list[tuple[str, str]]:
        """Distinct (smelter key, declared mine country ISO-2), aggregated on the server: the selected declarations'
        ids as one set, each edge's declaration looked up in it, distinct node pairs, and only then their keys —
        not a Declaration(id) seek per edge and two property reads per edge (10k suppliers, 308k edges:
        742 → 237 ms). SOURCES_FROM_COUNTRY runs from a Smelter to a Country only (graph.schema): no label checks."""
        rows = self._read_chunked(f"MATCH (d:{L[S.DECLARATION]}) {_decl_where(year, current_only)} "
                                  "WITH collect(d.id) AS ids "
                                  f"MATCH (x)-[m:{T[S.SOURCES_FROM_COUNTRY]}]->(c) WHERE m.declaration IN ids "
                                  "WITH DISTINCT x, c WITH collect([x.key, c.iso2]) AS all_", "g_", "g_", year=year)
        return [(k, iso) for k, iso in rows]

    def _hop_match(self, year: int | None, current_only: bool, clauses: list[str] | None = None) -> str:
        return (f"MATCH (s:{L[S.SUPPLIER]})-[:{T[S.DECLARED]}]->(d:{L[S.DECLARATION]})-[r:{T[S.REPORTS]}]->"
                f"(x:{L[S.SMELTER]}) {_decl_where(year, current_only, clauses or [])} ")

    def _keys_by_supplier(self, year: int | None, current_only: bool,
                          keys: list[str] | None = None) -> dict[str, list[str]]:
        """supplier id → the smelter key of each of its smelter-list rows: one record per supplier, folded here
        (graph.aggregate) — grouping 50k rows by (supplier, smelter, class) on the server cost ~5x more."""
        match = self._hop_match(year, current_only, ["x.key IN $keys"] if keys is not None else None)
        return keys_by_supplier(self._read_chunked(match + "WITH s, collect(x.key) AS ks_ "
                                                   "WITH collect([s.id, ks_]) AS all_", "p_", "p_",
                                                   year=year, keys=keys))

    def supplier_smelter_counts(self, year: int | None = None, current_only: bool = True,
                                smelter_keys: list[str] | None = None) -> list[tuple[str, str, int]]:
        """(supplier id, smelter key, smelter-list rows) per pair, sorted."""
        keys = None if smelter_keys is None else list(dict.fromkeys(smelter_keys))
        if keys is not None and not keys:
            return []
        return pair_counts(self._keys_by_supplier(year, current_only, keys))

    def smelter_supplier_counts(self, year: int | None = None,
                                current_only: bool = True) -> list[tuple[str, int, int]]:
        """(smelter key, distinct suppliers, smelter-list rows) per smelter reported, sorted by key."""
        return smelter_counts(self._keys_by_supplier(year, current_only))

    def supplier_class_counts(self, classes: dict[str, str], year: int | None = None, current_only: bool = True,
                              listed: Collection[str] = ()) -> list[tuple[str, str, int, int, list[str]]]:
        """(supplier id, class, distinct smelters, smelter-list rows, smelter keys of `listed` classes) per
        supplier and caller-chosen smelter class (`classes`: smelter key → label; others are class "")."""
        return class_counts(self._keys_by_supplier(year, current_only), classes, listed)

    def supplier_chains(self, supplier_ids: list[str] | None = None) -> dict[str, list[list[str]]]:
        """Every simple Company→…→supplier path over SOURCES_FROM (one Cypher query). For given suppliers the
        paths are walked back from each of them (subquery: the planner cannot start at the company), not out from
        the company: that enumerated every supplier's paths for any question (3,183 db hits, ~14 ms for the 60
        suppliers of one CID at 1k suppliers; 540 backwards), and grows with the program, not with the question."""
        simple = "all(i IN range(0, size(nodes(p)) - 2) WHERE NOT nodes(p)[i] IN nodes(p)[i + 1..])"
        # (supplier id, path) pairs in chunks (`_read_chunked`): one record per path cost ~0.1 ms each to decode,
        # most of a whole program's chains (10k suppliers: 0.9 s of the roll-up's first run)
        if supplier_ids is not None:
            rows = self._read_chunked(
                f"MATCH (t:{L[S.SUPPLIER]}) WHERE t.id IN $ids "
                f"CALL (t) {{ MATCH p = (t)<-[:{T[S.SOURCES_FROM]}*1..{MAX_CHAIN_HOPS}]-(c) "
                f"WHERE c:{L[S.COMPANY]} AND c.id = $cid AND {simple} RETURN p }} "
                "WITH collect([t.id, [n IN reverse(nodes(p)) | n.id]]) AS all_", "g_", "g_",
                ids=list(supplier_ids), cid=self.company_id)
            targets = list(supplier_ids)
        else:
            rows = self._read_chunked(
                f"MATCH p = (:{L[S.COMPANY]} {{id: $cid}})-[:{T[S.SOURCES_FROM]}*1..{MAX_CHAIN_HOPS}]->"
                f"(t:{L[S.SUPPLIER]}) WHERE {simple} WITH collect([t.id, [n IN nodes(p) | n.id]]) AS all_", "g_",
                "g_", cid=self.company_id)
            targets = self._read_list(f"MATCH (t:{L[S.SUPPLIER]})", "t", "t.id", "t.id")
        found: dict[str, list[list[str]]] = {}
        for sid, path in rows:
            found.setdefault(sid, []).append(path)
        return {sid: sorted(found.get(sid, [])) for sid in targets}

    # ------------------------------------------------------------------ export
    def _stream(self, query: str, **params: Any) -> Iterator[dict[str, Any]]:
        with self._session() as session:
            yield from (r.data() for r in session.run(query, params))

    def export_nodes(self) -> Iterator[NodeRow]:
        for r in self._read(f"MATCH (c:{L[S.COMPANY]}) RETURN c.id AS id, c.name AS name ORDER BY id"):
            yield S.COMPANY, r["id"], {"name": r["name"]}
        for s in self.suppliers():
            props = {k: v for k, v in s.to_json().items() if k not in ("id", "declarations", "parents")}
            yield S.SUPPLIER, s.id, props
        for r in self._stream(f"MATCH (d:{L[S.DECLARATION]}) RETURN properties(d) AS d "
                              "ORDER BY d.supplier_id, coalesce(d.reporting_year, -1), d.seq"):
            props = _decl_info(r["d"]).to_json()
            yield S.DECLARATION, props.pop("id"), props
        for r in self._stream(f"MATCH (x:{L[S.SMELTER]}) RETURN properties(x) AS x ORDER BY x.key"):
            sm = _smelter_info(r["x"])
            yield S.SMELTER, sm.key, {"cid": sm.cid, "metal": sm.metal, "name": sm.name,
                                      "country_iso2": sm.country_iso2, "provisional": sm.provisional,
                                      "resolution_status": sm.resolution_status, "from_reference": sm.from_reference}
        for c in self.countries():
            yield S.COUNTRY, c.iso2, {"name": c.name, "covered": c.covered, "cahra": c.cahra}
        for r in self._stream(f"MATCH (x:{L[S.PRODUCT]}) RETURN properties(x) AS x ORDER BY x.key"):
            x = r["x"]
            yield S.PRODUCT, x["key"], {k: x.get(k) for k in ("declaration_id", "row", "number", "name", "comment")}
        for r in self._stream(f"MATCH (x:{L[S.MINE]}) RETURN properties(x) AS x ORDER BY x.key"):
            x = r["x"]
            yield S.MINE, x["key"], {k: x.get(k) for k in ("declaration_id", "row", "name", "mine_id", "country",
                                                           "metal", "smelter_name")}

    def export_edges(self) -> Iterator[EdgeRow]:
        sup, decl, sm = L[S.SUPPLIER], L[S.DECLARATION], L[S.SMELTER]
        for r in self._stream(f"MATCH (p)-[e:{T[S.SOURCES_FROM]}]->(s:{sup}) "
                              f"RETURN CASE WHEN p:{sup} THEN $sup ELSE $company END AS pl, p.id AS pid, s.id AS cid, "
                              "properties(e) AS e ORDER BY pl, pid, cid", sup=S.SUPPLIER, company=S.COMPANY):
            e = r["e"]
            yield (S.SOURCES_FROM, r["pl"], r["pid"], S.SUPPLIER, r["cid"],
                   {"origin": e.get("origin"), "sha256": e.get("sha256"), "template_version": e.get("template_version"),
                    "reporting_year": e.get("reporting_year")})
        for r in self._stream(f"MATCH (s:{sup})-[:{T[S.DECLARED]}]->(d:{decl}) RETURN s.id AS sid, d.id AS did, "
                              "d.template_version AS tv, d.reporting_year AS y ORDER BY sid, did"):
            yield (S.DECLARED, S.SUPPLIER, r["sid"], S.DECLARATION, r["did"],
                   {"sha256": r["did"], "template_version": r["tv"], "reporting_year": r["y"]})
        for r in self._stream(f"MATCH (d:{decl})-[e:{T[S.REPORTS]}]->(x:{sm}) RETURN d.id AS did, x.key AS key, "
                              "properties(e) AS e, d.template_version AS tv, d.reporting_year AS y "
                              "ORDER BY did, e.row"):
            e, row = r["e"], r["e"].get("row")
            yield (S.REPORTS, S.DECLARATION, r["did"], S.SMELTER, r["key"],
                   {"metal": e.get("metal"), "row": row, "sheet": SMELTER_SHEET,
                    "cell": e.get("cell") or f"{SMELTER_SHEET}!row {row}", "raw_name": e.get("raw_name"),
                    "raw_cid": e.get("raw_cid"), "raw_country": e.get("raw_country"),
                    "lookup_kind": e.get("lookup_kind"), "method": e.get("method"), "score": _float(e.get("score")),
                    "given_cid": e.get("given_cid"), "resolution_status": e.get("resolution_status"),
                    "sha256": r["did"], "template_version": r["tv"], "reporting_year": r["y"]})
        for r in self._stream(f"MATCH (x:{sm})-[e:{T[S.LOCATED_IN]}]->(c:{L[S.COUNTRY]}) RETURN x.key AS key, "
                              "c.iso2 AS iso, e.source AS source, e.sha256 AS sha ORDER BY key"):
            yield S.LOCATED_IN, S.SMELTER, r["key"], S.COUNTRY, r["iso"], {"source": r["source"], "sha256": r["sha"]}
        for r in self._stream(f"MATCH (x:{sm})-[e:{T[S.SOURCES_FROM_COUNTRY]}]->(c:{L[S.COUNTRY]}) "
                              f"OPTIONAL MATCH (d:{decl} {{id: e.declaration}}) "
                              "RETURN x.key AS key, c.iso2 AS iso, e.source AS source, d.id AS did, e.row AS row, "
                              "d.template_version AS tv, d.reporting_year AS y ORDER BY key, iso, did, row"):
            yield (S.SOURCES_FROM_COUNTRY, S.SMELTER, r["key"], S.COUNTRY, r["iso"],
                   {"source": r["source"], "declaration": r["did"], "sha256": r["did"], "sheet": SMELTER_SHEET,
                    "row": r["row"], "template_version": r["tv"], "reporting_year": r["y"]})
        for rtype, label, sheet in ((S.COVERS, S.PRODUCT, PRODUCT_SHEET), (S.LISTS_MINE, S.MINE, MINE_SHEET)):
            for r in self._stream(f"MATCH (d:{decl})-[:{T[rtype]}]->(x:{L[label]}) RETURN d.id AS did, x.key AS key, "
                                  "x.row AS row, d.template_version AS tv, d.reporting_year AS y ORDER BY key"):
                yield (rtype, S.DECLARATION, r["did"], label, r["key"],
                       {"sha256": r["did"], "sheet": sheet, "row": r["row"], "template_version": r["tv"],
                        "reporting_year": r["y"]})


#: smelter key → its current LOCATED_IN edges as (source, element id)
Located = dict[str, list[tuple[str | None, str]]]


def _row_params(r: Report, smelter_at: dict[str, int], country_at: dict[str, int]) -> dict[str, Any]:
    """One smelter-list row as the rows statement's parameters: its smelter (position in the form's smelter list),
    the REPORTS evidence and the declared mine countries (positions in the form's country list). The keys are short
    and none of them a property name anywhere in the graph: a parameter read `r.metal` counts as a read of property
    `metal` for Neo4j's planner, which then buffers the statement behind an Eager operator because the same
    statement writes `e.metal` (tests/test_neo4j_store.py checks these keys)."""
    return {"x": smelter_at[r.key], "r": r.row, "c": r.cell, "m": r.metal, "rn": r.raw_name, "rc": r.raw_cid,
            "rk": r.raw_country, "lk": r.lookup_kind, "me": r.method, "sc": r.score, "gc": r.given_cid,
            "st": r.resolution_status, "mc": [country_at[iso] for iso in r.mine_countries]}


def _node_params(n: SmelterInfo) -> dict[str, Any]:
    """One smelter as the head statement's parameters (its node's properties when the MERGE creates it; keys under
    the same rule as `_row_params`)."""
    return {"k": n.key, "c": n.cid, "m": n.metal, "n": n.name, "i": n.country_iso2, "p": n.provisional,
            "s": n.resolution_status}


def _location_plan(candidates: list[dict[str, Any]], current: Located) -> tuple[list[str], list[dict[str, Any]]]:
    """(element ids of the LOCATED_IN edges to delete, candidates to create): a candidate wins over a smelter's
    current edge when it comes from the reference or its source ranks higher (graph.rows.LOCATION_RANK, the same
    rule as the embedded store); a smelter with no edge takes the candidate."""
    drop: list[str] = []
    create: list[dict[str, Any]] = []
    for cand in candidates:
        olds = current.get(cand["k"], [])
        rank = LOCATION_RANK.get(cand["s"], 1)
        losing = [eid for source, eid in olds
                  if cand["s"] == "reference" or LOCATION_RANK.get(source or "", 0) < rank]
        if not olds or losing:
            drop += losing
            create.append(cand)
    return drop, create


def _supplier_props(rec: SupplierRecord) -> dict[str, Any]:
    return {"id": rec.id, "name": rec.name, "aliases": [str(a) for a in rec.aliases], "category": rec.category,
            "last_purchase": rec.last_purchase, "contact_email": rec.contact_email, "email_domain": rec.email_domain,
            "spend": _float(rec.spend), "in_scope": rec.in_scope, "scope_reason": rec.scope_reason,
            "contact_name": rec.contact_name, "language": rec.language}


def _campaign_rid(kind: str, key: str) -> str:
    """The unique id of a campaign record node (Community edition has no composite node keys)."""
    return f"{kind}\x1f{key}"


def _decl_where(year: int | None, current_only: bool, clauses: list[str] | tuple[str, ...] = ()) -> str:
    """"WHERE …" over the Declaration `d` (`clauses`, then the year as `$year`, then current only), or "": the one
    place every read selects declarations (the embedded store's `_decl_filter`)."""
    parts = [*clauses, *(["d.reporting_year = $year"] if year is not None else []),
             *(["d.current = true"] if current_only else [])]
    return ("WHERE " + " AND ".join(parts)) if parts else ""


def _group_hops(head: tuple[Any, ...], rows: list[list[Any]]) -> list[ReportHop]:
    """One declaration's hops from its head (`_HEAD_COLUMNS`) and its rows (each in `_HOP_ROW_COLUMNS` order), in
    row order (the order the embedded store gives)."""
    sid, sname, did, fname, tv, year, status, current = head
    if any(a[1] is None or b[1] is None or a[1] > b[1] for a, b in zip(rows, rows[1:], strict=False)):
        rows = sorted(rows, key=lambda r: (r[1] is None, r[1] or 0))
    return [ReportHop(sid, sname, did, fname, did, tv, year, status, current, r[0], r[1], SMELTER_SHEET, *r[2:])
            for r in rows]


def _decl_info(props: dict[str, Any]) -> DeclarationInfo:
    d: dict[str, Any] = {k: props.get(k) for k in _DECL_FIELDS}
    d["current"] = bool(d["current"])
    d["accepted"] = bool(d["accepted"])
    d["metals"] = list(d["metals"] or [])
    d["smelter_rows"] = int(d["smelter_rows"] or 0)
    d["findings_json"] = d["findings_json"] or "[]"
    d["answers_json"] = d["answers_json"] or "{}"
    d["company_answers_json"] = d["company_answers_json"] or "{}"
    return DeclarationInfo(**d)


def _smelter_info(x: dict[str, Any]) -> SmelterInfo:
    return SmelterInfo(x["key"], x.get("cid"), x.get("metal"), x.get("name"), x.get("country_iso2"),
                       bool(x.get("provisional")), x.get("resolution_status"), bool(x.get("from_reference")))
