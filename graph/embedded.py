"""The default store: one folder on disk, SQLite for persistence, networkx for paths.

Why this shape: an analyst must run everything on a laptop, offline, with no server, and a
crash must never leave half a declaration. SQLite (standard library) in WAL mode gives one
atomic transaction per ingested file; its tables mirror the graph schema (one table per
label, one per relationship type) with indexes on exactly what the traversal primitives
filter on, so "which suppliers report this smelter" is an index lookup, not a scan — at
1M smelter rows the whole graph would not fit comfortably in networkx anyway.

networkx is used where it earns its keep: multi-tier supplier paths (`supplier_chains`) run on
the Company/Supplier sub-graph, built lazily and cached per `version()`; `to_networkx()`
builds the full MultiDiGraph on demand (GraphML export, notebooks).

Layout of the folder::

    <dir>/graph.sqlite    the graph (WAL: graph.sqlite-wal, -shm beside it)
    <dir>/files/ab/<sha>  each ingested original file, content-addressed (records retention)
"""

from __future__ import annotations

import contextlib
import errno
import json
import sqlite3
import threading
from collections.abc import Collection, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import networkx as nx

from minetrace.graph import schema as S
from minetrace.graph.aggregate import class_counts, keys_by_supplier
from minetrace.graph.countries import country_name, to_iso2
from minetrace.graph.current import GroupForm, current_of, email_domain, outcome_of
from minetrace.graph.ingest_pipeline import InlinePipeline
from minetrace.graph.rows import (
    MINE_SHEET,
    PRODUCT_SHEET,
    SMELTER_SHEET,
    answers_json,
    company_answers_json,
    declaration_rows,
)
from minetrace.graph.store import (
    DEFAULT_STORE_DIR,
    CampaignRecord,
    CountryRecord,
    DeclarationInfo,
    EdgeRow,
    IngestOutcome,
    NodeRow,
    ReportHop,
    ReportRelink,
    SmelterFact,
    SmelterInfo,
    SupplierInfo,
    SupplierRecord,
    SurveyEvent,
)
from minetrace.ingest.records import Declaration, Resolution

DB_NAME = "graph.sqlite"
#: 2: REPORTS clustered by smelter (PRIMARY KEY smelter_key, dno, row) — smelter→suppliers is a range scan
SCHEMA_VERSION = "2"
#: ids per `IN (…)` of a batch read (SQLite's bound-parameter limit is far above)
ID_CHUNK = 500


def _chunks(values: list[str], size: int) -> Iterator[list[str]]:
    for i in range(0, len(values), size):
        yield values[i:i + size]

_DDL = """
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS company(id TEXT PRIMARY KEY, name TEXT);
CREATE TABLE IF NOT EXISTS supplier(
  id TEXT PRIMARY KEY, name TEXT, aliases TEXT, category TEXT, last_purchase TEXT, contact_email TEXT,
  email_domain TEXT, spend REAL, in_scope INTEGER, scope_reason TEXT, origin TEXT NOT NULL, contact_name TEXT,
  language TEXT);
CREATE TABLE IF NOT EXISTS sources_from(
  parent_label TEXT NOT NULL, parent_id TEXT NOT NULL, child_id TEXT NOT NULL, origin TEXT NOT NULL,
  sha256 TEXT, template_version TEXT, reporting_year INTEGER,
  PRIMARY KEY(parent_label, parent_id, child_id));
CREATE INDEX IF NOT EXISTS sources_from_child ON sources_from(child_id);
CREATE TABLE IF NOT EXISTS declaration(
  dno INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, supplier_id TEXT NOT NULL, parent_id TEXT,
  file_name TEXT, template_kind TEXT, template_version TEXT, reporting_year INTEGER, status TEXT NOT NULL,
  scope TEXT, scope_description TEXT, company_name TEXT, company_unique_id TEXT, contact_email TEXT,
  effective_date TEXT, received TEXT NOT NULL, checker_missing INTEGER, current INTEGER NOT NULL DEFAULT 0,
  superseded_by TEXT, smelter_rows INTEGER NOT NULL DEFAULT 0, findings_json TEXT, answers_json TEXT,
  company_answers_json TEXT, policy_url TEXT, metals TEXT, year_source TEXT, hold TEXT,
  accepted INTEGER NOT NULL DEFAULT 0, pending TEXT, contact_domain TEXT);
CREATE INDEX IF NOT EXISTS declaration_group ON declaration(supplier_id, reporting_year, scope);
CREATE INDEX IF NOT EXISTS declaration_year_current ON declaration(reporting_year, current);
CREATE TABLE IF NOT EXISTS smelter(
  key TEXT PRIMARY KEY, cid TEXT, metal TEXT, name TEXT, country_iso2 TEXT, provisional INTEGER NOT NULL,
  resolution_status TEXT, from_reference INTEGER NOT NULL DEFAULT 0);
CREATE INDEX IF NOT EXISTS smelter_cid ON smelter(cid);
CREATE INDEX IF NOT EXISTS smelter_country ON smelter(country_iso2);
CREATE TABLE IF NOT EXISTS reports(
  dno INTEGER NOT NULL, row INTEGER NOT NULL, smelter_key TEXT NOT NULL, metal TEXT, raw_name TEXT,
  raw_cid TEXT, raw_country TEXT, lookup_kind TEXT, method TEXT, score REAL, given_cid TEXT,
  resolution_status TEXT, PRIMARY KEY(smelter_key, dno, row)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS reports_dno ON reports(dno, row);
CREATE TABLE IF NOT EXISTS country(iso2 TEXT PRIMARY KEY, name TEXT, covered INTEGER, cahra INTEGER,
  explicit INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS located_in(smelter_key TEXT PRIMARY KEY, iso2 TEXT NOT NULL, source TEXT NOT NULL,
  sha256 TEXT);
CREATE TABLE IF NOT EXISTS mine_country(smelter_key TEXT NOT NULL, iso2 TEXT NOT NULL, source TEXT NOT NULL,
  dno INTEGER, row INTEGER);
CREATE INDEX IF NOT EXISTS mine_country_smelter ON mine_country(smelter_key);
CREATE INDEX IF NOT EXISTS mine_country_dno ON mine_country(dno);
CREATE TABLE IF NOT EXISTS product(key TEXT PRIMARY KEY, dno INTEGER NOT NULL, row INTEGER, number TEXT,
  name TEXT, comment TEXT);
CREATE INDEX IF NOT EXISTS product_dno ON product(dno);
CREATE TABLE IF NOT EXISTS mine(key TEXT PRIMARY KEY, dno INTEGER NOT NULL, row INTEGER, name TEXT,
  mine_id TEXT, country TEXT, metal TEXT, smelter_name TEXT);
CREATE INDEX IF NOT EXISTS mine_dno ON mine(dno);
CREATE TABLE IF NOT EXISTS survey_event(id INTEGER PRIMARY KEY, supplier_id TEXT NOT NULL, kind TEXT NOT NULL,
  date TEXT NOT NULL, note TEXT);
CREATE INDEX IF NOT EXISTS survey_event_supplier ON survey_event(supplier_id);
CREATE TABLE IF NOT EXISTS campaign_record(kind TEXT NOT NULL, key TEXT NOT NULL, supplier_id TEXT NOT NULL,
  data TEXT NOT NULL, updated TEXT NOT NULL, PRIMARY KEY(kind, key));
CREATE INDEX IF NOT EXISTS campaign_record_supplier ON campaign_record(supplier_id);
"""

#: columns added to existing tables after their first release: (table, column, type) — added on open when missing
_ADDED_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("supplier", "contact_name", "TEXT"), ("supplier", "language", "TEXT"),
    ("declaration", "hold", "TEXT"), ("declaration", "accepted", "INTEGER NOT NULL DEFAULT 0"),
    ("declaration", "pending", "TEXT"), ("declaration", "contact_domain", "TEXT"),
    ("reports", "cell", "TEXT"))

_HOP_SELECT = """
SELECT s.id, s.name, d.id, d.file_name, d.template_version, d.reporting_year, d.status, d.current,
       r.metal, r.row, r.raw_name, r.raw_cid, r.method, r.score, r.smelter_key, sm.cid, sm.name, sm.country_iso2,
       r.lookup_kind, r.resolution_status, r.given_cid, r.raw_country, r.cell
FROM reports r
JOIN declaration d ON d.dno = r.dno
JOIN supplier s ON s.id = d.supplier_id
JOIN smelter sm ON sm.key = r.smelter_key
"""

_DECL_COLS = ("id", "supplier_id", "file_name", "template_kind", "template_version", "reporting_year", "status",
              "scope", "company_name", "effective_date", "received", "current", "superseded_by", "checker_missing",
              "smelter_rows", "scope_description", "company_unique_id", "contact_email", "policy_url", "metals",
              "year_source", "findings_json", "answers_json", "company_answers_json", "hold", "accepted", "pending",
              "contact_domain")

_SUPPLIER_COLS = ("id", "name", "aliases", "category", "last_purchase", "contact_email", "email_domain", "spend",
                  "in_scope", "scope_reason", "origin", "contact_name", "language")

#: LOCATED_IN source priority: a better source replaces a worse one (reference data always wins)
_RANK_SQL = "CASE {} WHEN 'reference' THEN 3 WHEN 'resolution' THEN 2 ELSE 1 END"
_UPSERT_LOCATION = (
    "INSERT INTO located_in VALUES (?,?,?,?) ON CONFLICT(smelter_key) DO UPDATE SET iso2 = excluded.iso2, "
    "source = excluded.source, sha256 = excluded.sha256 WHERE excluded.source = 'reference' OR "
    f"{_RANK_SQL.format('excluded.source')} > {_RANK_SQL.format('located_in.source')}")


class ReadOnlyStore(sqlite3.OperationalError):
    """A write to a store opened read-only (it names the store)."""


def _cannot_write(exc: BaseException) -> bool:
    """True when opening failed because the store cannot be written (permission, read-only media, full disk)."""
    if isinstance(exc, PermissionError):
        return True
    if isinstance(exc, OSError) and exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM, errno.ENOSPC):
        return True
    text = str(exc).lower()
    return any(t in text for t in ("readonly", "read-only", "unable to open", "disk is full", "disk i/o error"))


class _Duplicate(Exception):
    """Raised inside the ingest transaction (rolled back, version unchanged) when the sha is stored."""


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _bool(value: Any) -> bool | None:
    return None if value is None else bool(value)


class EmbeddedStore:
    """`GraphStore` on a folder: SQLite tables mirroring the schema + lazy networkx for paths."""

    def __init__(self, directory: str | Path = DEFAULT_STORE_DIR, company_id: str = S.DEFAULT_COMPANY_ID,
                 company_name: str | None = None, busy_timeout: float = 30.0) -> None:
        self.directory = Path(directory)
        if self.directory.exists() and not self.directory.is_dir():
            raise NotADirectoryError(f"store path {self.directory} exists and is not a folder")
        self.files_dir: Path | None = self.directory / "files"
        self.path = self.directory / DB_NAME
        self._db: sqlite3.Connection
        self._lock = threading.RLock()
        self.read_only = False
        self.read_only_reason = ""
        self._decl_cols = ", ".join(_DECL_COLS)
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            self._open_writable(company_id, company_name, busy_timeout)
        except (sqlite3.OperationalError, sqlite3.DatabaseError, OSError) as exc:
            if not self.path.is_file() or not _cannot_write(exc):
                raise
            self.read_only_reason = f"{exc.__class__.__name__}: {exc}"
            self._open_read_only(busy_timeout)  # read-only media, no permission, full disk: reads still work
        self._nx_cache: tuple[str, nx.DiGraph] | None = None
        self._full_cache: tuple[str, nx.MultiDiGraph] | None = None

    def _open_read_only(self, busy_timeout: float) -> None:
        """Open for reading only (`mode=ro`, else `immutable=1` when even the WAL index cannot be made);
        columns a newer version added are read as NULL when the store predates them."""
        from urllib.parse import quote

        with contextlib.suppress(Exception):
            self._db.close()
        uri = f"file:{quote(str(self.path.resolve()))}"
        last: Exception | None = None
        for flags in ("?mode=ro", "?mode=ro&immutable=1"):
            try:
                db = sqlite3.connect(uri + flags, uri=True, isolation_level=None, check_same_thread=False,
                                     timeout=busy_timeout)
                self.company_id = db.execute("SELECT id FROM company LIMIT 1").fetchone()[0]
            except (sqlite3.Error, TypeError) as exc:
                last = exc
                continue
            self._db, self.read_only = db, True
            have = {r[1] for r in db.execute("PRAGMA table_info(declaration)")}
            self._decl_cols = ", ".join(c if c in have else f"NULL AS {c}" for c in _DECL_COLS)
            return
        raise sqlite3.OperationalError(f"cannot open {self.path} even read-only ({last})")

    def _open_writable(self, company_id: str, company_name: str | None, busy_timeout: float) -> None:
        self._db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False,
                                   timeout=busy_timeout)  # another process writing: wait this long
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")  # WAL + NORMAL: atomic and consistent after a crash
        self._db.execute("PRAGMA wal_autocheckpoint=4000")  # checkpoint (and fsync) every ~16 MB of WAL
        self._db.execute("PRAGMA foreign_keys=OFF")
        self._db.execute("PRAGMA cache_size=-131072")  # 128 MB page cache
        with self._lock:
            self._migrate()
            self._db.executescript(_DDL)
            self._add_columns()
        with self._tx(bump=False):
            self._db.execute("INSERT OR IGNORE INTO meta VALUES ('schema_version', ?)", (SCHEMA_VERSION,))
            self._db.execute("INSERT OR IGNORE INTO meta VALUES ('writes', '0')")
            self._db.execute("INSERT OR IGNORE INTO meta VALUES ('next_seq', '0')")
            self._db.execute("INSERT OR IGNORE INTO company VALUES (?, ?)", (company_id, company_name))
        self.company_id = self._db.execute("SELECT id FROM company LIMIT 1").fetchone()[0]

    # ------------------------------------------------------------------ plumbing
    def _migrate(self) -> None:
        """Bring a store written by an older version up to SCHEMA_VERSION (one transaction)."""
        db = self._db
        has_meta = db.execute("SELECT 1 FROM sqlite_master WHERE name = 'meta'").fetchone()
        if not has_meta:
            return
        row = db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        if row is None or row[0] != "1":
            return
        db.execute("BEGIN IMMEDIATE")
        try:
            db.execute("ALTER TABLE reports RENAME TO reports_v1")
            db.execute("DROP INDEX IF EXISTS reports_smelter")
            for stmt in _DDL.split(";"):
                if "reports" in stmt and stmt.strip():
                    db.execute(stmt)
            db.execute("INSERT INTO reports SELECT * FROM reports_v1")
            db.execute("DROP TABLE reports_v1")
            db.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (SCHEMA_VERSION,))
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise

    def _add_columns(self) -> None:
        """Add the columns of `_ADDED_COLUMNS` a store written by an older version lacks (ALTER TABLE ADD COLUMN)."""
        for table, column, kind in _ADDED_COLUMNS:
            have = {r[1] for r in self._db.execute(f"PRAGMA table_info({table})")}
            if column not in have:
                try:
                    self._db.execute(f"ALTER TABLE {table} ADD COLUMN {column} {kind}")
                except sqlite3.OperationalError as exc:  # another process added it meanwhile
                    if "duplicate column" not in str(exc):
                        raise

    def __repr__(self) -> str:
        return f"EmbeddedStore({str(self.directory)!r})"

    def __enter__(self) -> EmbeddedStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @staticmethod
    def _release_smelters(db: sqlite3.Connection, keys: Iterable[str], declaration_id: str) -> None:
        """After `declaration_id` stopped reporting `keys`: drop smelters nothing reports any more (unless the
        reference put them there) with their edges; move a location's provenance to a declaration that still
        reports the smelter."""
        for key in keys:
            other = db.execute("SELECT d.id FROM reports r JOIN declaration d ON d.dno = r.dno "
                               "WHERE r.smelter_key = ? ORDER BY r.dno LIMIT 1", (key,)).fetchone()
            if other is None:
                if not db.execute("SELECT from_reference FROM smelter WHERE key = ?", (key,)).fetchone()[0]:
                    db.execute("DELETE FROM smelter WHERE key = ?", (key,))
                    db.execute("DELETE FROM located_in WHERE smelter_key = ?", (key,))
                    db.execute("DELETE FROM mine_country WHERE smelter_key = ?", (key,))
            else:
                db.execute("UPDATE located_in SET sha256 = ? WHERE smelter_key = ? AND sha256 = ?",
                           (other[0], key, declaration_id))

    def close(self) -> None:
        with self._lock:
            try:
                self._db.close()
            except sqlite3.ProgrammingError:
                pass

    @contextmanager
    def _tx(self, bump: bool = True) -> Iterator[sqlite3.Connection]:
        """One write transaction; bumps the write counter so `version()` changes."""
        if self.read_only:
            raise ReadOnlyStore(f"store {self.directory} cannot be written ({self.read_only_reason}): it was "
                                "opened read-only")
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
                if bump:
                    self._db.execute("UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'writes'")
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise

    def _q(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        with self._lock:
            return self._db.execute(sql, params).fetchall()

    def version(self) -> str:
        return str(self._q("SELECT value FROM meta WHERE key = 'writes'")[0][0])

    def location(self) -> str:
        return str(self.directory)

    # ------------------------------------------------------------------ writes
    def ingest_declaration(self, decl: Declaration, resolutions: list[Resolution], supplier: SupplierRecord,
                           year: int | None, parent_supplier_id: str | None = None,
                           year_source: str | None = None, hold: str | None = None) -> IngestOutcome:
        sha = decl.file.sha256
        if len(resolutions) != len(decl.smelters):
            raise ValueError(f"{decl.file.name}: {len(resolutions)} resolutions for {len(decl.smelters)} smelter rows")
        scope = decl.company.scope or None
        with self._lock:
            try:
                return self._ingest_tx(decl, resolutions, supplier, year, parent_supplier_id, year_source, sha, scope,
                                       hold)
            except _Duplicate:  # checked under the write lock: another process may have stored it meanwhile
                row = self._q("SELECT supplier_id, reporting_year, scope, current, superseded_by FROM declaration "
                              "WHERE id = ?", (sha,))[0]
                return IngestOutcome("duplicate", sha, row[0], row[1], row[2], bool(row[3]), [], row[4],
                                     "same file (sha256) already stored")

    def ingest_pipeline(self) -> InlinePipeline:
        """Each declaration stored as it is submitted (a local write is as quick as handing it over)."""
        return InlinePipeline(self)

    def _ingest_tx(self, decl: Declaration, resolutions: list[Resolution], supplier: SupplierRecord,
                   year: int | None, parent_supplier_id: str | None, year_source: str | None, sha: str,
                   scope: str | None, hold: str | None = None) -> IngestOutcome:
        with self._tx() as db:
            if db.execute("SELECT 1 FROM declaration WHERE id = ?", (sha,)).fetchone():
                raise _Duplicate(sha)
            self._upsert_declared_supplier(db, supplier)
            self._link_supplier(db, supplier.id, parent_supplier_id, sha, decl.template.version, year)
            seq = int(db.execute("SELECT value FROM meta WHERE key='next_seq'").fetchone()[0])
            db.execute("UPDATE meta SET value = ? WHERE key='next_seq'", (str(seq + 1),))
            eff = decl.company.effective_date.isoformat() if decl.company.effective_date else None
            cur = db.execute(
                "INSERT INTO declaration(dno, id, supplier_id, parent_id, file_name, template_kind, "
                "template_version, reporting_year, status, scope, scope_description, company_name, "
                "company_unique_id, contact_email, effective_date, received, checker_missing, smelter_rows, "
                "findings_json, answers_json, company_answers_json, policy_url, metals, year_source, hold, "
                "contact_domain) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (seq + 1, sha, supplier.id, parent_supplier_id, decl.file.name, decl.template.kind,
                 decl.template.version, year, decl.status, scope, decl.company.scope_description,
                 decl.company.name, decl.company.unique_id, decl.company.contact_email, eff, _now(),
                 decl.checker_missing, len(decl.smelters),
                 json.dumps([f.to_json() for f in decl.findings], ensure_ascii=False),
                 answers_json(decl), company_answers_json(decl),
                 decl.policy_url, json.dumps(list(decl.metals)), year_source, hold,
                 email_domain(decl.company.contact_email)))
            dno = int(cur.lastrowid or seq + 1)
            self._write_rows(db, decl, resolutions, dno, sha)
            current_id = self._recompute_group(db, supplier.id, year, scope)
            supersedes: list[str] = []
            if current_id == sha:
                supersedes = [r[0] for r in db.execute(
                    "SELECT id FROM declaration WHERE supplier_id = ? AND reporting_year IS ? AND scope IS ? "
                    "AND superseded_by = ? AND pending IS NULL ORDER BY dno", (supplier.id, year, scope, sha))]
            pending = db.execute("SELECT pending FROM declaration WHERE id = ?", (sha,)).fetchone()[0]
        return outcome_of(decl.status, sha, supplier.id, year, scope, current_id, supersedes, pending)

    def _upsert_declared_supplier(self, db: sqlite3.Connection, rec: SupplierRecord) -> None:
        """Insert a supplier seen in a declaration; never overwrite what the master list says."""
        exists = db.execute("SELECT origin FROM supplier WHERE id = ?", (rec.id,)).fetchone()
        if exists:
            # fill blanks only
            db.execute("UPDATE supplier SET name = COALESCE(name, ?), contact_email = COALESCE(contact_email, ?), "
                       "email_domain = COALESCE(email_domain, ?) WHERE id = ?",
                       (rec.name, rec.contact_email, rec.email_domain, rec.id))
            return
        self._insert_supplier(db, rec, S.ORIGIN_DECLARED)

    @staticmethod
    def _insert_supplier(db: sqlite3.Connection, rec: SupplierRecord, origin: str) -> None:
        db.execute(f"INSERT OR REPLACE INTO supplier({', '.join(_SUPPLIER_COLS)}) "  # noqa: S608 - fixed columns
                   f"VALUES ({', '.join('?' * len(_SUPPLIER_COLS))})",
                   (rec.id, rec.name, json.dumps(list(rec.aliases), ensure_ascii=False), rec.category,
                    rec.last_purchase, rec.contact_email, rec.email_domain, rec.spend,
                    None if rec.in_scope is None else int(rec.in_scope), rec.scope_reason, origin,
                    rec.contact_name, rec.language))

    def _link_supplier(self, db: sqlite3.Connection, supplier_id: str, parent_id: str | None, sha: str,
                       template_version: str | None, year: int | None) -> None:
        if parent_id:
            if parent_id == supplier_id:
                raise ValueError(f"supplier {supplier_id} cannot be its own sub-supplier")
            if not db.execute("SELECT 1 FROM supplier WHERE id = ?", (parent_id,)).fetchone():
                self._insert_supplier(db, SupplierRecord(parent_id, parent_id), S.ORIGIN_DECLARED)
                db.execute("INSERT OR IGNORE INTO sources_from VALUES (?,?,?,?,?,?,?)",
                           (S.COMPANY, self.company_id, parent_id, S.ORIGIN_DECLARED, sha, template_version, year))
            label, pid = S.SUPPLIER, parent_id
        else:
            label, pid = S.COMPANY, self.company_id
        db.execute("INSERT OR IGNORE INTO sources_from VALUES (?,?,?,?,?,?,?)",
                   (label, pid, supplier_id, S.ORIGIN_DECLARED, sha, template_version, year))

    def _write_rows(self, db: sqlite3.Connection, decl: Declaration, resolutions: list[Resolution], dno: int,
                    sha: str) -> None:
        plan = declaration_rows(decl, resolutions)
        smelters = [(n.key, n.cid, n.metal, n.name, n.country_iso2, int(n.provisional), n.resolution_status)
                    for n in plan.smelters.values()]
        locations = {key: (loc.iso, loc.source) for key, loc in plan.locations.items()}
        reports = [(dno, r.row, r.key, r.metal, r.raw_name, r.raw_cid, r.raw_country, r.lookup_kind, r.method,
                    r.score, r.given_cid, r.resolution_status, r.cell) for r in plan.reports]
        mine_countries = [(key, code, "declared", dno, row) for key, code, row in plan.mine_countries]
        db.executemany("INSERT OR IGNORE INTO smelter(key, cid, metal, name, country_iso2, provisional, "
                       "resolution_status) VALUES (?,?,?,?,?,?,?)", smelters)
        db.executemany("INSERT INTO reports(dno, row, smelter_key, metal, raw_name, raw_cid, raw_country, "
                       "lookup_kind, method, score, given_cid, resolution_status, cell) "
                       "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)", reports)
        db.executemany("INSERT INTO mine_country VALUES (?,?,?,?,?)", mine_countries)
        db.executemany("INSERT OR IGNORE INTO country(iso2, name) VALUES (?, ?)",
                       [(c, country_name(c)) for c in plan.countries()])
        db.executemany(_UPSERT_LOCATION, [(key, iso, source, sha) for key, (iso, source) in locations.items()])
        db.executemany("UPDATE smelter SET country_iso2 = (SELECT iso2 FROM located_in WHERE smelter_key = ?) "
                       "WHERE key = ?", [(key, key) for key in locations])
        for p in decl.products:
            db.execute("INSERT OR REPLACE INTO product VALUES (?,?,?,?,?,?)",
                       (S.sub_key(sha, p.row), dno, p.row, p.number, p.name, p.comment))
        for m in decl.mines:
            db.execute("INSERT OR REPLACE INTO mine VALUES (?,?,?,?,?,?,?,?)",
                       (S.sub_key(sha, m.row), dno, m.row, m.mine_name, m.mine_id, to_iso2(m.country) or m.country,
                        m.metal, m.smelter_name))

    @staticmethod
    def _set_location(db: sqlite3.Connection, key: str, iso: str, source: str, sha: str | None) -> None:
        db.execute(_UPSERT_LOCATION, (key, iso, source, sha))
        db.execute("UPDATE smelter SET country_iso2 = (SELECT iso2 FROM located_in WHERE smelter_key = ?) "
                   "WHERE key = ?", (key, key))

    @staticmethod
    def _recompute_group(db: sqlite3.Connection, supplier_id: str, year: int | None, scope: str | None) -> str | None:
        """Mark the current declaration of (supplier, year, scope) — `current_of` — and the pending ones; return
        the current one's id."""
        rows = db.execute("SELECT id, COALESCE(effective_date, ''), dno, status, hold, accepted, file_name, "
                          "contact_domain, contact_email FROM declaration "
                          "WHERE supplier_id = ? AND reporting_year IS ? AND scope IS ?",
                          (supplier_id, year, scope)).fetchall()
        if not rows:
            return None
        forms = [GroupForm(r[0], r[1], r[2], r[3], r[4], bool(r[5]), r[6], r[7] or email_domain(r[8]))
                 for r in rows]
        master = db.execute("SELECT email_domain FROM supplier WHERE id = ? AND origin = ?",
                            (supplier_id, S.ORIGIN_MASTER)).fetchone()
        current, pending = current_of(forms, (master[0] or None) if master else None)
        db.executemany("UPDATE declaration SET current = ?, superseded_by = ?, pending = ? WHERE id = ?",
                       [(int(f.id == current.id), None if f.id == current.id else current.id, pending.get(f.id), f.id)
                        for f in forms])
        # a supplier known only from its forms is reached through its current form's contact, never through a
        # form held back (a stranger's file claiming the name must not redirect the chase e-mails)
        db.execute("UPDATE supplier SET contact_email = (SELECT contact_email FROM declaration WHERE id = ?), "
                   "email_domain = ? WHERE id = ? AND origin = ? AND "
                   "(SELECT contact_email FROM declaration WHERE id = ?) IS NOT NULL",
                   (current.id, current.domain, supplier_id, S.ORIGIN_DECLARED, current.id))
        return current.id

    def accept_declaration(self, declaration_id: str) -> bool:
        with self._lock:
            row = self._q("SELECT supplier_id, reporting_year, scope FROM declaration WHERE id = ?", (declaration_id,))
            if not row:
                return False
            with self._tx() as db:
                db.execute("UPDATE declaration SET accepted = 1 WHERE id = ?", (declaration_id,))
                self._recompute_group(db, *row[0])
        return True

    def delete_declaration(self, declaration_id: str) -> bool:
        with self._lock:
            row = self._q("SELECT dno, supplier_id, reporting_year, scope, parent_id FROM declaration WHERE id = ?",
                          (declaration_id,))
            if not row:
                return False
            dno, supplier_id, year, scope, parent_id = row[0]
            with self._tx() as db:
                keys = [r[0] for r in db.execute("SELECT DISTINCT smelter_key FROM reports WHERE dno = ?", (dno,))]
                for table in ("reports", "mine_country", "product", "mine"):
                    db.execute(f"DELETE FROM {table} WHERE dno = ?", (dno,))  # noqa: S608 - fixed table names
                db.execute("DELETE FROM declaration WHERE dno = ?", (dno,))
                self._recompute_group(db, supplier_id, year, scope)
                self._release_smelters(db, keys, declaration_id)
                db.execute("UPDATE located_in SET sha256 = NULL WHERE sha256 = ?", (declaration_id,))
                db.execute("DELETE FROM country WHERE explicit = 0 AND iso2 NOT IN (SELECT iso2 FROM located_in) "
                           "AND iso2 NOT IN (SELECT iso2 FROM mine_country)")
                # SOURCES_FROM edges this declaration created
                for plabel, pid, cid in db.execute("SELECT parent_label, parent_id, child_id FROM sources_from "
                                                   "WHERE sha256 = ?", (declaration_id,)).fetchall():
                    if plabel == S.SUPPLIER:
                        other = db.execute("SELECT id, template_version, reporting_year FROM declaration "
                                           "WHERE supplier_id = ? AND parent_id = ? ORDER BY dno LIMIT 1",
                                           (cid, pid)).fetchone()
                    elif cid == supplier_id:
                        other = db.execute("SELECT id, template_version, reporting_year FROM declaration "
                                           "WHERE supplier_id = ? AND parent_id IS NULL ORDER BY dno LIMIT 1",
                                           (cid,)).fetchone()
                    else:  # Company→parent edge made for an unknown parent: keep while the parent has children
                        other = db.execute("SELECT d.id, d.template_version, d.reporting_year FROM sources_from f "
                                           "JOIN declaration d ON d.id = f.sha256 WHERE f.parent_id = ? "
                                           "AND f.parent_label = ? ORDER BY d.dno LIMIT 1", (cid, S.SUPPLIER)
                                           ).fetchone()
                    if other is not None:
                        db.execute("UPDATE sources_from SET sha256 = ?, template_version = ?, reporting_year = ? "
                                   "WHERE parent_label = ? AND parent_id = ? AND child_id = ?",
                                   (*other, plabel, pid, cid))
                    else:
                        db.execute("DELETE FROM sources_from WHERE parent_label = ? AND parent_id = ? "
                                   "AND child_id = ? AND origin = ?", (plabel, pid, cid, S.ORIGIN_DECLARED))
                        if plabel == S.SUPPLIER:
                            db.execute("UPDATE sources_from SET sha256 = NULL WHERE parent_label = ? AND "
                                       "parent_id = ? AND child_id = ?", (plabel, pid, cid))
                db.execute("UPDATE sources_from SET sha256 = NULL, template_version = NULL, reporting_year = NULL "
                           "WHERE sha256 = ?", (declaration_id,))
                for sid in {supplier_id, parent_id} - {None}:
                    self._drop_orphan_supplier(db, str(sid))
            return True

    def relink_declaration(self, declaration_id: str, supplier: SupplierRecord, hold: str | None = None) -> bool:
        """See `GraphStore.relink_declaration`."""
        with self._lock:
            row = self._q("SELECT supplier_id, reporting_year, scope, parent_id, template_version FROM declaration "
                          "WHERE id = ?", (declaration_id,))
            if not row:
                return False
            old_id, year, scope, parent_id, version = row[0]
            with self._tx() as db:
                self._upsert_declared_supplier(db, supplier)
                db.execute("UPDATE declaration SET supplier_id = ?, hold = ? WHERE id = ?",
                           (supplier.id, hold, declaration_id))
                if old_id != supplier.id:
                    self._move_sources_edge(db, declaration_id, old_id, parent_id)
                    self._link_supplier(db, supplier.id, parent_id, declaration_id, version, year)
                    self._recompute_group(db, old_id, year, scope)
                self._recompute_group(db, supplier.id, year, scope)
                if old_id != supplier.id:
                    self._drop_orphan_supplier(db, old_id)
            return True

    def _move_sources_edge(self, db: sqlite3.Connection, declaration_id: str, old_id: str,
                           parent_id: str | None) -> None:
        """The SOURCES_FROM edge (company or parent → `old_id`) this form made now cites the old supplier's earliest
        other form, or goes when it was the only one (a master-list edge stays, without the form's provenance)."""
        plabel, pid = (S.SUPPLIER, parent_id) if parent_id else (S.COMPANY, self.company_id)
        edge = db.execute("SELECT sha256 FROM sources_from WHERE parent_label = ? AND parent_id = ? AND child_id = ?",
                          (plabel, pid, old_id)).fetchone()
        if edge is None or edge[0] != declaration_id:
            return
        other = db.execute("SELECT id, template_version, reporting_year FROM declaration WHERE supplier_id = ? AND "
                           "parent_id IS ? AND id != ? ORDER BY dno LIMIT 1",
                           (old_id, parent_id, declaration_id)).fetchone()
        if other is not None:
            db.execute("UPDATE sources_from SET sha256 = ?, template_version = ?, reporting_year = ? "
                       "WHERE parent_label = ? AND parent_id = ? AND child_id = ?", (*other, plabel, pid, old_id))
            return
        db.execute("DELETE FROM sources_from WHERE parent_label = ? AND parent_id = ? AND child_id = ? AND origin = ?",
                   (plabel, pid, old_id, S.ORIGIN_DECLARED))
        db.execute("UPDATE sources_from SET sha256 = NULL, template_version = NULL, reporting_year = NULL "
                   "WHERE parent_label = ? AND parent_id = ? AND child_id = ?", (plabel, pid, old_id))

    @staticmethod
    def _drop_orphan_supplier(db: sqlite3.Connection, supplier_id: str) -> None:
        origin = db.execute("SELECT origin FROM supplier WHERE id = ?", (supplier_id,)).fetchone()
        if origin is None or origin[0] != S.ORIGIN_DECLARED:
            return
        if db.execute("SELECT 1 FROM declaration WHERE supplier_id = ? LIMIT 1", (supplier_id,)).fetchone():
            return
        if db.execute("SELECT 1 FROM sources_from WHERE parent_label = ? AND parent_id = ? LIMIT 1",
                      (S.SUPPLIER, supplier_id)).fetchone():
            return
        if db.execute("SELECT 1 FROM survey_event WHERE supplier_id = ? LIMIT 1", (supplier_id,)).fetchone():
            return
        if db.execute("SELECT 1 FROM campaign_record WHERE supplier_id = ? LIMIT 1", (supplier_id,)).fetchone():
            return
        db.execute("DELETE FROM sources_from WHERE child_id = ?", (supplier_id,))
        db.execute("DELETE FROM supplier WHERE id = ?", (supplier_id,))

    # ------------------------------------------------------------------ relink (resolution decisions)
    def relink_reports(self, declaration_id: str, updates: list[ReportRelink]) -> int:
        """See `GraphStore.relink_reports`: one transaction; the same clean-up as `delete_declaration`."""
        with self._lock:
            found = self._q("SELECT dno FROM declaration WHERE id = ?", (declaration_id,))
            if not found:
                return 0
            dno = found[0][0]
            todo: list[tuple[ReportRelink, str]] = []
            for u in updates:
                cur = self._q("SELECT smelter_key FROM reports WHERE dno = ? AND row = ?", (dno, u.row))
                if cur and cur[0][0] != u.smelter_key:
                    todo.append((u, cur[0][0]))
            if not todo:
                return 0
            with self._tx() as db:
                for u, old in todo:
                    db.execute("INSERT OR IGNORE INTO smelter(key, cid, metal, name, country_iso2, provisional, "
                               "resolution_status) VALUES (?,?,?,?,?,?,?)",
                               (u.smelter_key, None if u.provisional else (u.cid or u.smelter_key), u.metal, u.name,
                                u.country_iso2, int(u.provisional), u.resolution_status))
                    db.execute("UPDATE reports SET smelter_key = ?, method = ?, score = ?, resolution_status = ?, "
                               "given_cid = ? WHERE dno = ? AND row = ? AND smelter_key = ?",
                               (u.smelter_key, u.method, u.score, u.resolution_status, u.given_cid, dno, u.row, old))
                    db.execute("UPDATE mine_country SET smelter_key = ? WHERE dno = ? AND row = ? AND smelter_key = ?",
                               (u.smelter_key, dno, u.row, old))
                    if u.country_iso2:
                        db.execute("INSERT OR IGNORE INTO country(iso2, name) VALUES (?, ?)",
                                   (u.country_iso2, country_name(u.country_iso2)))
                        self._set_location(db, u.smelter_key, u.country_iso2, u.country_source, declaration_id)
                self._release_smelters(db, sorted({old for _, old in todo}), declaration_id)
                db.execute("DELETE FROM country WHERE explicit = 0 AND iso2 NOT IN (SELECT iso2 FROM located_in) "
                           "AND iso2 NOT IN (SELECT iso2 FROM mine_country)")
            return len(todo)

    def upsert_suppliers(self, records: list[SupplierRecord]) -> None:
        with self._tx() as db:
            for rec in records:
                self._insert_supplier(db, rec, S.ORIGIN_MASTER)
                db.execute("INSERT INTO sources_from(parent_label, parent_id, child_id, origin) VALUES (?,?,?,?) "
                           "ON CONFLICT DO UPDATE SET origin = excluded.origin",
                           (S.COMPANY, self.company_id, rec.id, S.ORIGIN_MASTER))

    def set_supplier_scope(self, supplier_id: str, in_scope: bool | None, reason: str | None) -> None:
        with self._tx() as db:
            cur = db.execute("UPDATE supplier SET in_scope = ?, scope_reason = ? WHERE id = ?",
                             (None if in_scope is None else int(in_scope), reason, supplier_id))
            if cur.rowcount == 0:
                raise KeyError(f"no supplier {supplier_id!r}")

    def log_survey_event(self, event: SurveyEvent) -> None:
        if event.kind not in S.SURVEY_EVENT_KINDS:
            raise ValueError(f"survey event kind {event.kind!r} not one of {', '.join(S.SURVEY_EVENT_KINDS)}")
        with self._tx() as db:
            db.execute("INSERT INTO survey_event(supplier_id, kind, date, note) VALUES (?,?,?,?)",
                       (event.supplier_id, event.kind, event.date, event.note))

    def save_campaign_records(self, records: list[CampaignRecord]) -> None:
        for r in records:
            if r.kind not in S.CAMPAIGN_RECORD_KINDS:
                raise ValueError(f"campaign record kind {r.kind!r} not one of {', '.join(S.CAMPAIGN_RECORD_KINDS)}")
        rows = [(r.kind, r.key, r.supplier_id, json.dumps(r.data, ensure_ascii=False, sort_keys=True), _now())
                for r in records]
        with self._tx() as db:
            db.executemany("INSERT OR REPLACE INTO campaign_record(kind, key, supplier_id, data, updated) "
                           "VALUES (?,?,?,?,?)", rows)

    def upsert_countries(self, records: list[CountryRecord]) -> None:
        with self._tx() as db:
            for r in records:
                db.execute("INSERT INTO country VALUES (?,?,?,?,1) ON CONFLICT(iso2) DO UPDATE SET "
                           "name = COALESCE(excluded.name, name), covered = COALESCE(excluded.covered, covered), "
                           "cahra = COALESCE(excluded.cahra, cahra), explicit = 1",
                           (r.iso2.upper(), r.name or country_name(r.iso2), _int(r.covered), _int(r.cahra)))

    def upsert_smelter_facts(self, facts: list[SmelterFact]) -> None:
        with self._tx() as db:
            for f in facts:
                db.execute("INSERT INTO smelter(key, cid, metal, name, country_iso2, provisional, resolution_status, "
                           "from_reference) VALUES (?,?,?,?,?,0,'resolved',1) ON CONFLICT(key) DO UPDATE SET "
                           "cid = excluded.cid, metal = COALESCE(excluded.metal, metal), "
                           "name = COALESCE(excluded.name, name), from_reference = 1",
                           (f.key, f.cid or f.key, f.metal, f.name, f.country_iso2))
                if f.country_iso2:
                    db.execute("INSERT INTO country(iso2, name, explicit) VALUES (?, ?, 1) "
                               "ON CONFLICT(iso2) DO UPDATE SET explicit = 1",
                               (f.country_iso2, country_name(f.country_iso2)))
                    self._set_location(db, f.key, f.country_iso2, "reference", None)

    # ------------------------------------------------------------------ reads
    def has_declaration(self, sha256: str) -> bool:
        return bool(self._q("SELECT 1 FROM declaration WHERE id = ?", (sha256,)))

    def _decl_select(self, where: str = "", params: Sequence[Any] = ()) -> list[DeclarationInfo]:
        rows = self._q(f"SELECT {self._decl_cols} FROM declaration {where} "  # noqa: S608 - fixed columns
                       "ORDER BY supplier_id, reporting_year, dno", params)
        out = []
        for r in rows:
            d = dict(zip(_DECL_COLS, r, strict=True))
            d["current"] = bool(d["current"])
            d["accepted"] = bool(d["accepted"])
            d["metals"] = _json_list(d["metals"])
            d["findings_json"] = d["findings_json"] or "[]"
            d["answers_json"] = d["answers_json"] or "{}"
            d["company_answers_json"] = d["company_answers_json"] or "{}"
            out.append(DeclarationInfo(**d))
        return out

    def declaration(self, declaration_id: str) -> DeclarationInfo | None:
        found = self._decl_select("WHERE id = ?", (declaration_id,))
        return found[0] if found else None

    def declarations_by_id(self, ids: Iterable[str]) -> dict[str, DeclarationInfo]:
        out: dict[str, DeclarationInfo] = {}
        for chunk in _chunks(list(dict.fromkeys(ids)), ID_CHUNK):
            marks = ",".join("?" * len(chunk))
            out |= {d.id: d for d in self._decl_select(f"WHERE id IN ({marks})", chunk)}
        return out

    def declarations(self, supplier_id: str | None = None, year: int | None = None,
                     current_only: bool = True) -> list[DeclarationInfo]:
        clauses: list[str] = []
        params: list[Any] = []
        if supplier_id is not None:
            clauses.append("supplier_id = ?")
            params.append(supplier_id)
        if year is not None:
            clauses.append("reporting_year = ?")
            params.append(year)
        if current_only:
            clauses.append("current = 1")
        return self._decl_select(("WHERE " + " AND ".join(clauses)) if clauses else "", params)

    def _supplier_infos(self, where: str = "", params: Sequence[Any] = ()) -> list[SupplierInfo]:
        rows = self._q(f"SELECT {', '.join('s.' + c for c in _SUPPLIER_COLS)}, "  # noqa: S608 - fixed columns
                       "(SELECT COUNT(*) FROM declaration d WHERE d.supplier_id = s.id), "
                       "(SELECT json_group_array(parent_id) FROM (SELECT parent_id FROM sources_from f "
                       " WHERE f.child_id = s.id AND f.parent_label = 'Supplier' ORDER BY parent_id)) "
                       f"FROM supplier s {where} ORDER BY s.id", params)
        out = []
        for r in rows:
            d = dict(zip(_SUPPLIER_COLS, r[:len(_SUPPLIER_COLS)], strict=True))
            d["aliases"] = _json_list(d["aliases"])
            d["in_scope"] = _bool(d["in_scope"])
            out.append(SupplierInfo(**d, declarations=int(r[-2]), parents=_json_list(r[-1])))
        return out

    def suppliers(self) -> list[SupplierInfo]:
        return self._supplier_infos()

    def supplier(self, supplier_id: str) -> SupplierInfo | None:
        found = self._supplier_infos("WHERE s.id = ?", (supplier_id,))
        return found[0] if found else None

    def _smelter_infos(self, where: str = "", params: Sequence[Any] = ()) -> list[SmelterInfo]:
        rows = self._q("SELECT key, cid, metal, name, country_iso2, provisional, resolution_status, from_reference "
                       f"FROM smelter {where} ORDER BY key", params)  # noqa: S608 - fixed columns
        return [SmelterInfo(r[0], r[1], r[2], r[3], r[4], bool(r[5]), r[6], bool(r[7])) for r in rows]

    def smelters(self) -> list[SmelterInfo]:
        return self._smelter_infos()

    def smelter(self, key: str) -> SmelterInfo | None:
        found = self._smelter_infos("WHERE key = ?", (key,))
        return found[0] if found else None

    def countries(self) -> list[CountryRecord]:
        return [CountryRecord(r[0], r[1], _bool(r[2]), _bool(r[3]))
                for r in self._q("SELECT iso2, name, covered, cahra FROM country ORDER BY iso2")]

    def survey_events(self, supplier_id: str | None = None) -> list[SurveyEvent]:
        where, params = ("WHERE supplier_id = ?", (supplier_id,)) if supplier_id else ("", ())
        rows = self._q(f"SELECT supplier_id, kind, date, note FROM survey_event {where} ORDER BY date, id", params)
        return [SurveyEvent(r[0], r[1], r[2], r[3] or "") for r in rows]

    def campaign_records(self, kind: str | None = None, supplier_id: str | None = None) -> list[CampaignRecord]:
        clauses, params = [], []
        if kind is not None:
            clauses.append("kind = ?")
            params.append(kind)
        if supplier_id is not None:
            clauses.append("supplier_id = ?")
            params.append(supplier_id)
        where = ("WHERE " + " AND ".join(clauses)) if clauses else ""
        rows = self._q(f"SELECT kind, key, supplier_id, data, updated FROM campaign_record {where} "  # noqa: S608
                       "ORDER BY kind, key", params)
        return [CampaignRecord(r[0], r[1], r[2], json.loads(r[3]), r[4]) for r in rows]

    def years(self) -> list[int]:
        return [r[0] for r in self._q("SELECT DISTINCT reporting_year FROM declaration "
                                      "WHERE reporting_year IS NOT NULL ORDER BY 1")]

    def stats(self) -> dict[str, Any]:
        one = lambda sql: self._q(sql)[0][0]  # noqa: E731
        return {
            "store": str(self.directory),
            "kind": "embedded",
            "version": self.version(),
            "nodes": {
                S.COMPANY: one("SELECT COUNT(*) FROM company"),
                S.SUPPLIER: one("SELECT COUNT(*) FROM supplier"),
                S.DECLARATION: one("SELECT COUNT(*) FROM declaration"),
                S.SMELTER: one("SELECT COUNT(*) FROM smelter"),
                S.COUNTRY: one("SELECT COUNT(*) FROM country"),
                S.PRODUCT: one("SELECT COUNT(*) FROM product"),
                S.MINE: one("SELECT COUNT(*) FROM mine"),
            },
            "relationships": {
                S.SOURCES_FROM: one("SELECT COUNT(*) FROM sources_from"),
                S.DECLARED: one("SELECT COUNT(*) FROM declaration"),
                S.REPORTS: one("SELECT COUNT(*) FROM reports"),
                S.LOCATED_IN: one("SELECT COUNT(*) FROM located_in"),
                S.SOURCES_FROM_COUNTRY: one("SELECT COUNT(*) FROM mine_country"),
                S.COVERS: one("SELECT COUNT(*) FROM product"),
                S.LISTS_MINE: one("SELECT COUNT(*) FROM mine"),
            },
            "declarations_current": one("SELECT COUNT(*) FROM declaration WHERE current = 1"),
            "declarations_invalid": one("SELECT COUNT(*) FROM declaration WHERE status = 'invalid'"),
            "smelters_provisional": one("SELECT COUNT(*) FROM smelter WHERE provisional = 1"),
            "years": self.years(),
            "db_bytes": sum(p.stat().st_size for p in self.directory.glob(DB_NAME + "*") if p.exists()),
            "files": sum(1 for _ in self.files_dir.rglob("*") if _.is_file()) if self.files_dir
            and self.files_dir.exists() else 0,
        }

    # ------------------------------------------------------------------ traversals
    def reports(self, smelter_keys: list[str] | None = None, supplier_ids: list[str] | None = None,
                countries: list[str] | None = None, metals: list[str] | None = None, year: int | None = None,
                current_only: bool = True, columns: Collection[str] | None = None) -> list[ReportHop]:
        """See `GraphStore.reports`; every column is filled whatever `columns` names (one SQLite row each)."""
        clauses: list[str] = []
        params: list[Any] = []
        for column, values in (("r.smelter_key", smelter_keys), ("d.supplier_id", supplier_ids),
                               ("sm.country_iso2", countries), ("r.metal", metals)):
            if values is not None:
                values = list(dict.fromkeys(values))
                if not values:
                    return []
                clauses.append(f"{column} IN ({','.join('?' * len(values))})")
                params.extend(values)
        where, params = self._decl_filter(year, current_only, clauses, params)
        rows = self._q(_HOP_SELECT + where + " ORDER BY s.id, d.reporting_year, d.id, r.row", params)
        return [_hop(r) for r in rows]

    def versioned_reports(self, smelter_keys: list[str] | None = None, supplier_ids: list[str] | None = None,
                          countries: list[str] | None = None, metals: list[str] | None = None,
                          year: int | None = None, current_only: bool = True,
                          columns: Collection[str] | None = None) -> tuple[str, list[ReportHop]]:
        return self.version(), self.reports(smelter_keys, supplier_ids, countries, metals, year, current_only)

    @staticmethod
    def _decl_filter(year: int | None, current_only: bool, clauses: list[str] | None = None,
                     params: list[Any] | None = None) -> tuple[str, list[Any]]:
        clauses = list(clauses or [])
        params = list(params or [])
        if year is not None:
            clauses.append("d.reporting_year = ?")
            params.append(year)
        if current_only:
            clauses.append("d.current = 1")
        return ("WHERE " + " AND ".join(clauses)) if clauses else "", params

    def supplier_smelter_counts(self, year: int | None = None, current_only: bool = True,
                                smelter_keys: list[str] | None = None) -> list[tuple[str, str, int]]:
        """(supplier id, smelter key, smelter-list rows) per pair, sorted; `smelter_keys` restricts the
        smelters (one indexed range read per key: REPORTS is clustered by smelter)."""
        clauses: list[str] = []
        params: list[Any] = []
        if smelter_keys is not None:
            keys = list(dict.fromkeys(smelter_keys))
            if not keys:
                return []
            clauses.append(f"r.smelter_key IN ({','.join('?' * len(keys))})")
            params.extend(keys)
        where, params = self._decl_filter(year, current_only, clauses, params)
        rows = self._q("SELECT d.supplier_id, r.smelter_key, count(*) FROM reports r JOIN declaration d "
                       f"ON d.dno = r.dno {where} GROUP BY d.supplier_id, r.smelter_key "
                       "ORDER BY d.supplier_id, r.smelter_key", params)
        return [(r[0], r[1], int(r[2])) for r in rows]

    def smelter_supplier_counts(self, year: int | None = None,
                                current_only: bool = True) -> list[tuple[str, int, int]]:
        """(smelter key, distinct suppliers, smelter-list rows) per smelter reported, sorted by key."""
        where, params = self._decl_filter(year, current_only)
        rows = self._q("SELECT r.smelter_key, count(DISTINCT d.supplier_id), count(*) FROM reports r "
                       f"JOIN declaration d ON d.dno = r.dno {where} GROUP BY r.smelter_key ORDER BY r.smelter_key",
                       params)
        return [(r[0], int(r[1]), int(r[2])) for r in rows]

    def supplier_class_counts(self, classes: dict[str, str], year: int | None = None, current_only: bool = True,
                              listed: Collection[str] = ()) -> list[tuple[str, str, int, int, list[str]]]:
        """(supplier id, class, distinct smelters, smelter-list rows, smelter keys) per supplier and smelter
        class, sorted by supplier and class; the keys (sorted) only for the classes in `listed`, else [].

        `classes` maps smelter key → a label the caller chose (e.g. a risk level); smelters it does not
        name fall in class "". The roll-up's aggregate: a risk is per smelter, so per-supplier figures
        are sums over classes, and only a few rows per supplier cross the store boundary."""
        # One row per declaration with its smelter keys joined (REPORTS read through the covering
        # reports_dno index, grouped in dno order: no temp B-tree), then a fold here — cheaper than a
        # class-table join with count(DISTINCT) grouped per (supplier, class) (bench/query_speed.py).
        where, params = self._decl_filter(year, current_only)
        rows = self._q("SELECT d.supplier_id, group_concat(r.smelter_key, char(31)) FROM declaration d "
                       f"JOIN reports r ON r.dno = d.dno {where} GROUP BY d.dno", params)
        return class_counts(keys_by_supplier((sid, joined.split("\x1f")) for sid, joined in rows), classes,
                            listed)

    def smelter_mine_countries(self, year: int | None = None, current_only: bool = True) -> list[tuple[str, str]]:
        """Distinct (smelter key, declared mine country ISO-2): the aggregate the risk ratings need
        (`declared_mine_countries()` gives the same facts row by row, with their declarations)."""
        where, params = self._decl_filter(year, current_only)
        rows = self._q("SELECT DISTINCT m.smelter_key, m.iso2 FROM mine_country m JOIN declaration d "
                       f"ON d.dno = m.dno {where}", params)
        return [(r[0], r[1]) for r in rows]

    def smelters_for_supplier(self, supplier_id: str, year: int | None = None,
                              current_only: bool = True) -> list[ReportHop]:
        return self.reports(supplier_ids=[supplier_id], year=year, current_only=current_only)

    def suppliers_for_smelter(self, key: str, year: int | None = None, current_only: bool = True) -> list[ReportHop]:
        return self.reports(smelter_keys=[key], year=year, current_only=current_only)

    def declared_mine_countries(self, year: int | None = None,
                                current_only: bool = True) -> list[tuple[str, str, str, int]]:
        where, params = self._decl_filter(year, current_only)
        rows = self._q("SELECT m.smelter_key, m.iso2, d.id, m.row FROM mine_country m JOIN declaration d "
                       f"ON d.dno = m.dno {where} ORDER BY m.smelter_key, m.iso2, d.id, m.row", params)
        return [(r[0], r[1], r[2], int(r[3])) for r in rows]

    def supplier_graph(self) -> nx.DiGraph:
        """Company/Supplier SOURCES_FROM graph (cached per version)."""
        version = self.version()
        if self._nx_cache is not None and self._nx_cache[0] == version:
            return self._nx_cache[1]
        g = nx.DiGraph()
        g.add_node(self.company_id, label=S.COMPANY)
        for (sid,) in self._q("SELECT id FROM supplier"):
            g.add_node(sid, label=S.SUPPLIER)
        for plabel, pid, cid in self._q("SELECT parent_label, parent_id, child_id FROM sources_from"):
            g.add_edge(self.company_id if plabel == S.COMPANY else pid, cid)
        self._nx_cache = (version, g)
        return g

    def supplier_chains(self, supplier_ids: list[str] | None = None) -> dict[str, list[list[str]]]:
        g = self.supplier_graph()
        targets = supplier_ids if supplier_ids is not None else sorted(n for n in g.nodes if n != self.company_id)
        return {sid: chains_to(g, self.company_id, sid) for sid in targets}

    # ------------------------------------------------------------------ export
    def export_nodes(self) -> Iterator[NodeRow]:
        for cid, name in self._q("SELECT id, name FROM company"):
            yield S.COMPANY, cid, {"name": name}
        for s in self.suppliers():
            props = s.to_json() if hasattr(s, "to_json") else {}
            props = {k: v for k, v in props.items() if k not in ("id", "declarations", "parents")}
            yield S.SUPPLIER, s.id, props
        for d in self._decl_select():
            props = d.to_json()
            props.pop("id")
            yield S.DECLARATION, d.id, props
        for sm in self.smelters():
            yield S.SMELTER, sm.key, {"cid": sm.cid, "metal": sm.metal, "name": sm.name,
                                      "country_iso2": sm.country_iso2, "provisional": sm.provisional,
                                      "resolution_status": sm.resolution_status, "from_reference": sm.from_reference}
        for c in self.countries():
            yield S.COUNTRY, c.iso2, {"name": c.name, "covered": c.covered, "cahra": c.cahra}
        for key, did, row, number, name, comment in self._q(
                "SELECT p.key, d.id, p.row, p.number, p.name, p.comment FROM product p JOIN declaration d "
                "ON d.dno = p.dno ORDER BY p.key"):
            yield S.PRODUCT, key, {"declaration_id": did, "row": row, "number": number, "name": name,
                                   "comment": comment}
        for key, did, row, name, mine_id, country, metal, smelter_name in self._q(
                "SELECT m.key, d.id, m.row, m.name, m.mine_id, m.country, m.metal, m.smelter_name FROM mine m "
                "JOIN declaration d ON d.dno = m.dno ORDER BY m.key"):
            yield S.MINE, key, {"declaration_id": did, "row": row, "name": name, "mine_id": mine_id,
                                "country": country, "metal": metal, "smelter_name": smelter_name}

    def export_edges(self) -> Iterator[EdgeRow]:
        for plabel, pid, cid, origin, sha, tv, year in self._q(
                "SELECT parent_label, parent_id, child_id, origin, sha256, template_version, reporting_year "
                "FROM sources_from ORDER BY parent_label, parent_id, child_id"):
            yield (S.SOURCES_FROM, plabel, pid, S.SUPPLIER, cid,
                   {"origin": origin, "sha256": sha, "template_version": tv, "reporting_year": year})
        for sid, did, tv, year in self._q("SELECT supplier_id, id, template_version, reporting_year FROM declaration "
                                          "ORDER BY supplier_id, id"):
            yield (S.DECLARED, S.SUPPLIER, sid, S.DECLARATION, did,
                   {"sha256": did, "template_version": tv, "reporting_year": year})
        with self._lock:
            cur = self._db.execute(
                "SELECT d.id, r.smelter_key, r.row, r.metal, r.raw_name, r.raw_cid, r.raw_country, r.lookup_kind, "
                "r.method, r.score, r.given_cid, r.resolution_status, d.template_version, d.reporting_year, r.cell "
                "FROM reports r JOIN declaration d ON d.dno = r.dno ORDER BY d.id, r.row")
            rows = cur.fetchall()
        for (did, key, row, metal, raw_name, raw_cid, raw_country, lookup_kind, method, score, given, status, tv,
             year, cell) in rows:
            yield (S.REPORTS, S.DECLARATION, did, S.SMELTER, key,
                   {"metal": metal, "row": row, "sheet": SMELTER_SHEET, "cell": cell or f"{SMELTER_SHEET}!row {row}",
                    "raw_name": raw_name, "raw_cid": raw_cid, "raw_country": raw_country, "lookup_kind": lookup_kind,
                    "method": method, "score": score, "given_cid": given, "resolution_status": status,
                    "sha256": did, "template_version": tv, "reporting_year": year})
        for key, iso, source, sha in self._q("SELECT smelter_key, iso2, source, sha256 FROM located_in "
                                             "ORDER BY smelter_key"):
            yield S.LOCATED_IN, S.SMELTER, key, S.COUNTRY, iso, {"source": source, "sha256": sha}
        for key, iso, source, did, row, tv, year in self._q(
                "SELECT m.smelter_key, m.iso2, m.source, d.id, m.row, d.template_version, d.reporting_year "
                "FROM mine_country m LEFT JOIN declaration d ON d.dno = m.dno "
                "ORDER BY m.smelter_key, m.iso2, d.id, m.row"):
            yield (S.SOURCES_FROM_COUNTRY, S.SMELTER, key, S.COUNTRY, iso,
                   {"source": source, "declaration": did, "sha256": did, "sheet": SMELTER_SHEET, "row": row,
                    "template_version": tv, "reporting_year": year})
        for did, key, row, tv, year in self._q(
                "SELECT d.id, p.key, p.row, d.template_version, d.reporting_year FROM product p "
                "JOIN declaration d ON d.dno = p.dno ORDER BY p.key"):
            yield (S.COVERS, S.DECLARATION, did, S.PRODUCT, key,
                   {"sha256": did, "sheet": PRODUCT_SHEET, "row": row, "template_version": tv, "reporting_year": year})
        for did, key, row, tv, year in self._q(
                "SELECT d.id, m.key, m.row, d.template_version, d.reporting_year FROM mine m "
                "JOIN declaration d ON d.dno = m.dno ORDER BY m.key"):
            yield (S.LISTS_MINE, S.DECLARATION, did, S.MINE, key,
                   {"sha256": did, "sheet": MINE_SHEET, "row": row, "template_version": tv, "reporting_year": year})

    def to_networkx(self) -> nx.MultiDiGraph:
        """The whole graph as a networkx MultiDiGraph (node ids "<Label>:<key>"), cached per version."""
        version = self.version()
        if self._full_cache is not None and self._full_cache[0] == version:
            return self._full_cache[1]
        from minetrace.graph.export import to_networkx

        g = to_networkx(self.export_nodes(), self.export_edges())
        self._full_cache = (version, g)
        return g


def chains_to(g: nx.DiGraph, root: str, target: str) -> list[list[str]]:
    """Every simple path root→…→target, found by walking up from the target (supplier tiers are
    shallow and fan in, so this touches only the target's ancestors, not the whole tree)."""
    if target not in g:
        return []
    out: list[list[str]] = []
    stack: list[tuple[str, list[str]]] = [(target, [target])]
    while stack:
        node, path = stack.pop()
        if node == root:
            out.append(path[::-1])
            continue
        for parent in g.predecessors(node):
            if parent not in path:
                stack.append((parent, [*path, parent]))
    return sorted(out)


def _json_list(text: str | None) -> list[Any]:
    """A stored JSON list (the empty one, by far the commonest, without the decoder)."""
    return [] if not text or text == "[]" else json.loads(text)


def _int(value: bool | None) -> int | None:
    return None if value is None else int(value)


def _hop(r: tuple[Any, ...]) -> ReportHop:
    # positional (ReportHop field order): a keyword call costs twice as much, and exposure reads thousands
    return ReportHop(r[0], r[1], r[2], r[3], r[2], r[4], r[5], r[6], bool(r[7]), r[8], r[9], SMELTER_SHEET, r[10],
                     r[11], r[12], r[13], r[14], r[15], r[16], r[17], r[18], r[19], r[20], r[21],
                     r[22] or f"{SMELTER_SHEET}!row {r[9]}")
