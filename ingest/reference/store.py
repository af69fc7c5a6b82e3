"""The dated reference store: facilities, aliases, status observations, revisions, watchlist,
country lists, the old-ID crosswalk and the review queue, in one SQLite file.

Why SQLite: the standard library, one file beside the graph store (`<store>/reference.sqlite`; a Neo4j
workspace keeps it in the server and each analyst reads a local copy, graph.workspace),
safe concurrent reads, and every fact row carries `as_of` and `source` so the store can answer
"as of date D" questions. Imports are idempotent by content: a file whose sha256 is already in
the import log is skipped, and every table has a natural key with INSERT OR IGNORE.

Status semantics: RMI publishes lists (Conformant, Active). A list import is a
*snapshot* (kind, as_of). A CID's RMAP status as of D is read from the newest snapshot of each kind
with as_of <= D: on the Conformant snapshot → "Conformant"; on the Active one → "Active"; on
neither → "Not listed". Before the first snapshot the status is "Unknown" — unless a later
Conformant observation has a last audit date <= D, which is reported as conformant *inferred from
the audit date* (basis "audit_date"). Conformance is `lapsed` when last audit + audit cycle < D
and no re-audit is in progress.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from minetrace.ingest.names import normalise_name
from minetrace.ingest.reference.releases import TRUST_SUPPLIER, trust_rank

if TYPE_CHECKING:
    from minetrace.ingest.reference.decisions import Decisions

DB_NAME = "reference.sqlite"
DECISIONS_NAME = "decisions.yaml"
CID_RE = re.compile(r"^CID\d{6}$")
SUCCESSOR_RE = re.compile(r"CID\d{6}")

SCHEMA = """
CREATE TABLE IF NOT EXISTS facilities (
    cid TEXT PRIMARY KEY, metal TEXT, standard_name TEXT, country_iso2 TEXT, country_text TEXT,
    city TEXT, state TEXT, as_of TEXT, source TEXT);
CREATE TABLE IF NOT EXISTS aliases (
    metal TEXT NOT NULL, alias_raw TEXT NOT NULL, alias_norm TEXT NOT NULL, cid TEXT NOT NULL,
    source TEXT NOT NULL, as_of TEXT, PRIMARY KEY (metal, alias_raw, cid, source));
CREATE INDEX IF NOT EXISTS aliases_norm ON aliases(metal, alias_norm);
CREATE TABLE IF NOT EXISTS snapshots (
    id INTEGER PRIMARY KEY, kind TEXT NOT NULL, as_of TEXT NOT NULL, source TEXT NOT NULL, sha256 TEXT,
    UNIQUE (kind, as_of, source));
CREATE TABLE IF NOT EXISTS status_observations (
    cid TEXT NOT NULL, metal TEXT, scheme TEXT NOT NULL, status TEXT NOT NULL, last_audit TEXT,
    audit_cycle TEXT, reaudit_in_progress INTEGER, lbma_rg TEXT, rjc TEXT, as_of TEXT NOT NULL,
    source TEXT NOT NULL, snapshot_id INTEGER,
    PRIMARY KEY (cid, scheme, status, as_of, source));
CREATE TABLE IF NOT EXISTS revisions (
    cid TEXT NOT NULL, metal TEXT, kind TEXT NOT NULL, details TEXT, reason TEXT, successors TEXT,
    name TEXT, country_iso2 TEXT, date TEXT, added_date TEXT, source TEXT, as_of TEXT,
    PRIMARY KEY (cid, kind, details, date));
CREATE TABLE IF NOT EXISTS watchlist (
    cid TEXT NOT NULL, metal TEXT, name TEXT, country_iso2 TEXT, list_name TEXT, reason TEXT, evidence TEXT,
    source TEXT NOT NULL, as_of TEXT, PRIMARY KEY (cid, list_name, source));
CREATE TABLE IF NOT EXISTS country_lists (
    list_name TEXT NOT NULL, iso2 TEXT NOT NULL, area TEXT NOT NULL DEFAULT '', as_of TEXT NOT NULL,
    source TEXT, area_code TEXT NOT NULL DEFAULT '', PRIMARY KEY (list_name, iso2, area, as_of));
CREATE TABLE IF NOT EXISTS old_ids (
    old_id TEXT NOT NULL, cid TEXT NOT NULL, metal TEXT, name TEXT, country_iso2 TEXT, source TEXT, as_of TEXT,
    PRIMARY KEY (old_id, cid));
CREATE TABLE IF NOT EXISTS report_facts (
    report TEXT NOT NULL, metal TEXT NOT NULL, name TEXT NOT NULL, location TEXT, country_iso2 TEXT,
    conflict_free TEXT, as_of TEXT, source TEXT, PRIMARY KEY (report, metal, name, location));
CREATE TABLE IF NOT EXISTS imports (
    sha256 TEXT NOT NULL, importer TEXT NOT NULL, file TEXT, rows INTEGER, skipped INTEGER, as_of TEXT,
    imported_at TEXT, PRIMARY KEY (sha256, importer));
CREATE TABLE IF NOT EXISTS review_queue (
    id INTEGER PRIMARY KEY, declaration_sha256 TEXT NOT NULL, row INTEGER NOT NULL, metal TEXT,
    raw_name TEXT, country TEXT, status TEXT, candidates TEXT, created_at TEXT,
    UNIQUE (declaration_sha256, row, metal));
CREATE TABLE IF NOT EXISTS facility_facts (
    cid TEXT NOT NULL, metal TEXT, standard_name TEXT, country_iso2 TEXT, country_text TEXT, city TEXT,
    state TEXT, as_of TEXT, source TEXT NOT NULL, trust TEXT, import_key TEXT, row INTEGER,
    PRIMARY KEY (cid, source, metal, standard_name, country_iso2));
CREATE INDEX IF NOT EXISTS facility_facts_key ON facility_facts(import_key);
CREATE TABLE IF NOT EXISTS alias_proposals (
    metal TEXT NOT NULL, alias_raw TEXT NOT NULL, alias_norm TEXT NOT NULL, cid TEXT NOT NULL,
    source TEXT NOT NULL, import_key TEXT, as_of TEXT, PRIMARY KEY (metal, alias_raw, cid, source));
CREATE TABLE IF NOT EXISTS vouched_releases (
    digest TEXT PRIMARY KEY, kind TEXT, version TEXT, release_date TEXT, importer TEXT, seen_in TEXT,
    vouched_at TEXT);
"""
#: columns added after a store was first created (ALTER TABLE on open; old stores gain them empty)
ADDED_COLUMNS: tuple[tuple[str, str, str], ...] = (("facilities", "trust", "TEXT"), ("imports", "trust", "TEXT"))


def iso(value: date | datetime | str | None) -> str | None:
    """ISO date text (YYYY-MM-DD) from a date, datetime or date-like string; None when empty."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    text = str(value).strip()
    m = re.match(r"^(\d{4})-(\d{2})-(\d{2})", text)
    if m:
        return f"{m.group(1)}-{m.group(2)}-{m.group(3)}"
    m = re.match(r"^(\d{1,2})/(\d{1,2})/(\d{4})", text)  # RMI US style MM/DD/YYYY
    if m:
        return f"{m.group(3)}-{int(m.group(1)):02d}-{int(m.group(2)):02d}"
    return None


def to_date(value: date | datetime | str | None) -> date | None:
    text = iso(value)
    return date.fromisoformat(text) if text else None


def cycle_years(cycle: str | None) -> int | None:
    """Audit cycle text ("1 Year", "3 Years") → years."""
    if not cycle:
        return None
    m = re.search(r"(\d+)", str(cycle))
    return int(m.group(1)) if m else None


def add_years(d: date, years: int) -> date:
    try:
        return d.replace(year=d.year + years)
    except ValueError:  # 29 Feb
        return d.replace(year=d.year + years, day=28)


@dataclass
class Facility:
    cid: str
    metal: str | None
    standard_name: str | None
    country_iso2: str | None
    city: str | None = None
    state: str | None = None
    as_of: str | None = None
    source: str | None = None
    retired: bool = False  # removed from the reference list per the revision history
    removed_on: str | None = None
    removal_reason: str | None = None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class StatusAsOf:
    """A CID's RMAP status on a date, with what it rests on."""

    cid: str
    as_of: str
    status: str  # Conformant / Active / Not listed / Unknown / Removed
    last_audit: str | None = None
    audit_cycle: str | None = None
    reaudit_in_progress: bool = False
    lapsed: bool = False  # last audit + cycle < as_of and no re-audit in progress
    cycle_passed: bool = False  # last audit + cycle < as_of (whatever the re-audit flag)
    lbma_rg: str | None = None
    rjc: str | None = None
    observed_on: str | None = None  # as_of of the snapshot used
    basis: str = "snapshot"  # snapshot / audit_date / none
    source: str | None = None
    removed_on: str | None = None
    removal_reason: str | None = None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class CidChain:
    """Where a given CID leads: the current CID(s) and the revision steps taken."""

    given: str
    current: str | None  # the single current CID, None when split or unknown
    successors: list[str] = field(default_factory=list)  # split targets (facility-level reporting)
    chain: list[str] = field(default_factory=list)  # CIDs visited, given first
    notes: list[str] = field(default_factory=list)
    retired: bool = False


class ReferenceStore:
    """The reference DB of one store directory. Use `ReferenceStore.open(dir)`."""

    def __init__(self, path: str | os.PathLike[str], load_starter: bool = True) -> None:
        path = Path(path)
        self.dir = path
        self.path = path / DB_NAME
        #: where this reference DB is, in a message to a user: its folder, or (a shared workspace's private copy
        #: of the server's snapshot, gone when closed) the workspace it belongs to
        self.shown_as = str(path)
        #: trust and import key of the facts being written (see `trusting`); None: the caller did not say
        self._trust: str | None = None
        self._import_key: str | None = None
        self.read_only = False
        self._decisions: Decisions | None = None
        #: called once when the store is closed (a shared workspace: send the changed DB to the server)
        self.after_close: Callable[[ReferenceStore], None] | None = None
        try:
            path.mkdir(parents=True, exist_ok=True)
            # check_same_thread=False: the explorer (Streamlit) may use a cached store from its worker threads
            self.db = sqlite3.connect(self.path, timeout=30, check_same_thread=False)
            self.db.row_factory = sqlite3.Row
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.executescript(SCHEMA)
            self._migrate()
            self._add_columns()
            self.db.commit()
        except (sqlite3.OperationalError, sqlite3.DatabaseError, OSError):
            if not self.path.is_file():
                raise
            self._open_read_only()  # a store on read-only media or without write permission: reads still work
            return
        if load_starter:
            from minetrace.ingest.reference.starter import load_starter as _load

            _load(self)

    def _migrate(self) -> None:
        """Columns added since a store was created (CREATE TABLE IF NOT EXISTS leaves old tables as they are)."""
        cols = {r["name"] for r in self.db.execute("PRAGMA table_info(country_lists)")}
        if "area_code" not in cols:  # sub-national CAHRA areas: ISO 3166-2 code beside the area name
            self.db.execute("ALTER TABLE country_lists ADD COLUMN area_code TEXT NOT NULL DEFAULT ''")

    def _add_columns(self) -> None:
        for table, column, kind in ADDED_COLUMNS:
            have = {r[1] for r in self.db.execute(f"PRAGMA table_info({table})")}
            if column not in have:
                self.db.execute(f"ALTER TABLE {table} ADD COLUMN {column} {kind}")

    def _open_read_only(self) -> None:
        """Open the DB for reading only (`mode=ro`, else `immutable=1` when even the WAL index cannot be made)."""
        from urllib.parse import quote

        uri = f"file:{quote(str(self.path.resolve()))}"
        last: Exception | None = None
        for flags in ("?mode=ro", "?mode=ro&immutable=1"):
            try:
                db = sqlite3.connect(uri + flags, uri=True, timeout=30, check_same_thread=False)
                db.row_factory = sqlite3.Row
                db.execute("SELECT count(*) FROM sqlite_master").fetchone()
            except sqlite3.Error as exc:
                last = exc
                continue
            self.db = db
            self.read_only = True
            return
        raise sqlite3.OperationalError(f"cannot open {self.path} even read-only ({last})")

    def _has_table(self, name: str) -> bool:
        return self.db.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name=?", (name,)).fetchone() \
            is not None

    @contextmanager
    def trusting(self, trust: str | None, import_key: str | None = None) -> Iterator[ReferenceStore]:
        """Facts written inside this block carry `trust` (and the import key of their file or Look-up):
        a higher trust replaces a lower one, a "supplier" source only proposes (never changes a fact)."""
        before = self._trust, self._import_key
        self._trust, self._import_key = trust, import_key
        try:
            yield self
        finally:
            self._trust, self._import_key = before

    @classmethod
    def open(cls, directory: str | os.PathLike[str], load_starter: bool = True) -> ReferenceStore:
        """The reference DB of `directory` (a store's folder: which one is the workspace's call, graph.workspace)."""
        return cls(directory, load_starter=load_starter)

    @property
    def decisions_path(self) -> Path:
        return self.dir / DECISIONS_NAME

    def decisions(self) -> Decisions:
        """The review decisions that go with this reference DB: the ones a workspace handed over (`use_decisions`;
        a shared workspace keeps them in its server), else `decisions.yaml` beside the DB."""
        from minetrace.ingest.reference.decisions import Decisions

        return self._decisions if self._decisions is not None else Decisions(self.decisions_path)

    def use_decisions(self, decisions: Decisions) -> None:
        self._decisions = decisions

    def close(self) -> None:
        self.db.close()
        hook, self.after_close = self.after_close, None
        if hook is not None:  # a shared workspace sends what changed to its server (graph.workspace)
            hook(self)

    def __enter__(self) -> ReferenceStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        try:
            yield self.db
            self.db.commit()
        except BaseException:
            self.db.rollback()
            raise

    # ---------------------------------------------------------------- import log
    def already_imported(self, sha256: str, importer: str) -> dict[str, Any] | None:
        row = self.db.execute("SELECT * FROM imports WHERE sha256=? AND importer=?", (sha256, importer)).fetchone()
        return dict(row) if row else None

    def log_import(self, sha256: str, importer: str, file: str, rows: int, skipped: int, as_of: str | None,
                   trust: str | None = None) -> None:
        self.db.execute(
            "INSERT OR IGNORE INTO imports (sha256, importer, file, rows, skipped, as_of, imported_at, trust) "
            "VALUES (?,?,?,?,?,?,?,?)",
            (sha256, importer, file, rows, skipped, as_of, datetime.now().isoformat(timespec="seconds"),
             trust or self._trust),
        )

    def imports(self) -> list[dict[str, Any]]:
        return [dict(r) for r in self.db.execute("SELECT * FROM imports ORDER BY imported_at, file")]

    # ---------------------------------------------------------------- writers (used by importers)
    def upsert_facility(self, cid: str, metal: str | None, name: str | None, country_iso2: str | None,
                        country_text: str | None, city: str | None, state: str | None, as_of: str | None,
                        source: str, row: int | None = None) -> None:
        """Record the fact with its source and trust; then insert it, or let it replace the facility's facts
        when its trust ranks higher, or ranks the same and it is at least as new (facts carry as_of). A
        lower trust only fills gaps; a supplier's Look-up ("supplier" trust) never changes a facility."""
        trust = self._trust
        self.db.execute("INSERT OR IGNORE INTO facility_facts VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                        (cid, metal, name, country_iso2, country_text, city, state, as_of, source, trust,
                         self._import_key, row))
        if trust == TRUST_SUPPLIER:
            return
        cur = self.db.execute("SELECT as_of, metal, standard_name, country_iso2, city, state, trust FROM facilities "
                              "WHERE cid=?", (cid,)).fetchone()
        if cur is None:
            self.db.execute("INSERT INTO facilities (cid, metal, standard_name, country_iso2, country_text, city, "
                            "state, as_of, source, trust) VALUES (?,?,?,?,?,?,?,?,?,?)",
                            (cid, metal, name, country_iso2, country_text, city, state, as_of, source, trust))
            return
        mine, theirs = trust_rank(trust), trust_rank(cur["trust"])
        if mine > theirs or (mine == theirs and (as_of or "") >= (cur["as_of"] or "")):
            self.db.execute(
                "UPDATE facilities SET metal=coalesce(?,metal), standard_name=coalesce(?,standard_name), "
                "country_iso2=coalesce(?,country_iso2), country_text=coalesce(?,country_text), "
                "city=coalesce(?,city), state=coalesce(?,state), as_of=?, source=?, trust=? WHERE cid=?",
                (metal, name, country_iso2, country_text, city, state, as_of, source,
                 trust if mine >= theirs else cur["trust"], cid))
        else:  # older fact: only fill gaps
            self.db.execute(
                "UPDATE facilities SET metal=coalesce(metal,?), standard_name=coalesce(standard_name,?), "
                "country_iso2=coalesce(country_iso2,?), city=coalesce(city,?), state=coalesce(state,?) WHERE cid=?",
                (metal, name, country_iso2, city, state, cid))

    def add_alias(self, metal: str, alias: str, cid: str, source: str, as_of: str | None) -> bool:
        """Add a trusted alias; under "supplier" trust the alias is only proposed (for review, never used)."""
        alias = " ".join(str(alias).split())
        norm = normalise_name(alias)
        if not norm:
            return False
        if self._trust == TRUST_SUPPLIER:
            known = self.db.execute("SELECT 1 FROM aliases WHERE metal=? AND alias_norm=? AND cid=?",
                                    (metal, norm, cid)).fetchone()
            if known:
                return False
            cur = self.db.execute("INSERT OR IGNORE INTO alias_proposals VALUES (?,?,?,?,?,?,?)",
                                  (metal, alias, norm, cid, source, self._import_key, as_of))
            return cur.rowcount > 0
        cur = self.db.execute("INSERT OR IGNORE INTO aliases VALUES (?,?,?,?,?,?)",
                              (metal, alias, norm, cid, source, as_of))
        return cur.rowcount > 0

    def add_snapshot(self, kind: str, as_of: str, source: str, sha256: str | None) -> int:
        self.db.execute("INSERT OR IGNORE INTO snapshots (kind, as_of, source, sha256) VALUES (?,?,?,?)",
                        (kind, as_of, source, sha256))
        row = self.db.execute("SELECT id FROM snapshots WHERE kind=? AND as_of=? AND source=?",
                              (kind, as_of, source)).fetchone()
        return int(row["id"])

    def add_status(self, cid: str, metal: str | None, scheme: str, status: str, as_of: str, source: str,
                   snapshot_id: int | None = None, last_audit: str | None = None, audit_cycle: str | None = None,
                   reaudit: bool = False, lbma_rg: str | None = None, rjc: str | None = None) -> bool:
        cur = self.db.execute(
            "INSERT OR IGNORE INTO status_observations VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            (cid, metal, scheme, status, last_audit, audit_cycle, int(reaudit), lbma_rg, rjc, as_of, source,
             snapshot_id))
        return cur.rowcount > 0

    def add_revision(self, cid: str, metal: str | None, kind: str, details: str | None, date_: str | None,
                     name: str | None, country_iso2: str | None, added_date: str | None, source: str,
                     as_of: str | None) -> bool:
        reason = details
        successors = SUCCESSOR_RE.findall(details or "") if kind == "removed" else []
        cur = self.db.execute(
            "INSERT OR IGNORE INTO revisions VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            (cid, metal, kind, details or "", reason, ",".join(successors), name, country_iso2, date_, added_date,
             source, as_of))
        return cur.rowcount > 0

    def add_watch(self, cid: str, metal: str | None, name: str | None, country_iso2: str | None, list_name: str,
                  reason: str | None, evidence: str | None, source: str, as_of: str | None) -> bool:
        cur = self.db.execute("INSERT OR IGNORE INTO watchlist VALUES (?,?,?,?,?,?,?,?,?)",
                              (cid, metal, name, country_iso2, list_name, reason, evidence, source, as_of))
        return cur.rowcount > 0

    def add_country(self, list_name: str, iso2: str, as_of: str, source: str, area: str = "",
                    area_code: str = "") -> bool:
        """One entry of a dated country list; `area` (and its ISO 3166-2 `area_code`) for a sub-national
        entry, empty for a whole country."""
        cur = self.db.execute("INSERT OR IGNORE INTO country_lists (list_name, iso2, area, as_of, source, area_code) "
                              "VALUES (?,?,?,?,?,?)", (list_name, iso2, area or "", as_of, source, area_code or ""))
        return cur.rowcount > 0

    def add_old_id(self, old_id: str, cid: str, metal: str | None, name: str | None, country_iso2: str | None,
                   source: str, as_of: str | None) -> bool:
        if self._trust == TRUST_SUPPLIER:  # a supplier's crosswalk never maps old IDs for everyone
            return False
        cur = self.db.execute("INSERT OR IGNORE INTO old_ids VALUES (?,?,?,?,?,?,?)",
                              (old_id.upper(), cid, metal, name, country_iso2, source, as_of))
        return cur.rowcount > 0

    def add_report_fact(self, report: str, metal: str, name: str, location: str | None, country_iso2: str | None,
                        conflict_free: str | None, as_of: str | None, source: str) -> bool:
        cur = self.db.execute("INSERT OR IGNORE INTO report_facts VALUES (?,?,?,?,?,?,?,?)",
                              (report, metal, name, location, country_iso2, conflict_free, as_of, source))
        return cur.rowcount > 0

    # ---------------------------------------------------------------- readers
    def _removal(self, cid: str) -> sqlite3.Row | None:
        return self.db.execute(
            "SELECT * FROM revisions WHERE cid=? AND kind='removed' ORDER BY date DESC LIMIT 1", (cid,)).fetchone()

    def _readded_after(self, cid: str, when: str | None) -> bool:
        """Back after a removal: an "Added" event, a later "Smelter Added Date", or a later reference list."""
        w = when or ""
        row = self.db.execute(
            "SELECT 1 FROM revisions WHERE cid=? AND ((kind='added' AND date>?) OR added_date>?) "
            "UNION SELECT 1 FROM status_observations WHERE cid=? AND scheme='RMI' AND status='Listed' AND as_of>?",
            (cid, w, w, cid, w)).fetchone()
        return row is not None

    def facility(self, cid: str) -> Facility | None:
        """The facility a CID names (current or retired), or None when the store has never seen it."""
        cid = cid.strip().upper()
        row = self.db.execute("SELECT * FROM facilities WHERE cid=?", (cid,)).fetchone()
        if row is None:
            return None
        fac = Facility(cid=cid, metal=row["metal"], standard_name=row["standard_name"],
                       country_iso2=row["country_iso2"], city=row["city"], state=row["state"],
                       as_of=row["as_of"], source=row["source"])
        removal = self._removal(cid)
        if removal is not None and not self._readded_after(cid, removal["date"]):
            fac.retired = True
            fac.removed_on = removal["date"]
            fac.removal_reason = removal["details"]
        return fac

    def facilities(self, metal: str | None = None) -> list[Facility]:
        sql = "SELECT cid FROM facilities" + (" WHERE metal=?" if metal else "") + " ORDER BY cid"
        out = []
        for row in self.db.execute(sql, (metal,) if metal else ()):
            fac = self.facility(row["cid"])
            if fac:
                out.append(fac)
        return out

    def retired_map(self) -> dict[str, tuple[str | None, str | None, list[str]]]:
        """cid → (removed_on, reason, successors) for every CID whose latest removal was not undone."""
        out: dict[str, tuple[str | None, str | None, list[str]]] = {}
        rows = self.db.execute("SELECT cid, kind, details, successors, date FROM revisions "
                               "WHERE kind IN ('removed','added') ORDER BY date")
        for r in rows:
            if r["kind"] == "removed":
                succ = [s for s in (r["successors"] or "").split(",") if s]
                out[r["cid"]] = (r["date"], r["details"], succ)
            elif r["cid"] in out and (r["date"] or "") > (out[r["cid"]][0] or ""):
                del out[r["cid"]]
        # re-listed without an "Added" event: a later added date or a later reference-list snapshot
        back = self.db.execute(
            "SELECT cid, max(d) AS d FROM (SELECT cid, added_date AS d FROM revisions WHERE added_date IS NOT NULL "
            "UNION ALL SELECT cid, as_of AS d FROM status_observations WHERE scheme='RMI' AND status='Listed') "
            "GROUP BY cid")
        for r in back:
            if r["cid"] in out and (r["d"] or "") > (out[r["cid"]][0] or ""):
                del out[r["cid"]]
        return out

    def current_cid(self, cid: str) -> CidChain:
        """Follow "Alias to CID…" / "see Smelter ID(s): …" removals to the current CID."""
        given = cid.strip().upper()
        chain = [given]
        notes: list[str] = []
        current: str | None = given
        successors: list[str] = []
        retired = False
        seen = {given}
        while current:
            fac = self.facility(current)
            if fac is None:
                if current == given:
                    return CidChain(given=given, current=None, chain=chain,
                                    notes=[f"{given} is not in the reference store"])
                break
            if not fac.retired:
                break
            retired = True
            removal = self._removal(current)
            succ = [s for s in ((removal["successors"] or "").split(",") if removal else []) if s and s not in seen]
            notes.append(f"{current} removed {fac.removed_on or '?'}: {fac.removal_reason or 'no reason given'}")
            if len(succ) == 1:
                current = succ[0]
                seen.add(current)
                chain.append(current)
                continue
            if len(succ) > 1:
                successors = succ
                notes.append(f"{current} split into {', '.join(succ)} (facility-level reporting)")
                return CidChain(given=given, current=None, successors=succ, chain=chain, notes=notes, retired=True)
            break  # removed without successor: the retired CID itself is the answer
        return CidChain(given=given, current=current, successors=successors, chain=chain, notes=notes,
                        retired=retired)

    def revisions(self, cid: str) -> list[dict[str, Any]]:
        return [dict(r) for r in self.db.execute("SELECT * FROM revisions WHERE cid=? ORDER BY date", (cid.upper(),))]

    def status_as_of(self, cid: str, when: date | str | None = None, scheme: str = "RMAP") -> StatusAsOf:
        """RMAP status of a CID on a date (default today), read from the newest list snapshots <= date."""
        cid = cid.strip().upper()
        day = to_date(when) or date.today()
        day_s = day.isoformat()
        result = StatusAsOf(cid=cid, as_of=day_s, status="Unknown", basis="none")
        kinds = ("Conformant", "Active")
        snaps = {}
        for kind in kinds:
            row = self.db.execute(
                "SELECT id, as_of, source FROM snapshots WHERE kind=? AND as_of<=? ORDER BY as_of DESC LIMIT 1",
                (f"{scheme}:{kind}", day_s)).fetchone()
            if row:
                snaps[kind] = row
        for kind in kinds:
            snap = snaps.get(kind)
            if not snap:
                continue
            obs = self.db.execute(
                "SELECT * FROM status_observations WHERE cid=? AND snapshot_id=?", (cid, snap["id"])).fetchone()
            if obs:
                self._fill(result, obs, day, basis="snapshot")
                break
        else:
            if snaps:
                newest = max(snaps.values(), key=lambda r: r["as_of"])
                result.status, result.basis = "Not listed", "snapshot"
                result.observed_on, result.source = newest["as_of"], newest["source"]
        # observations without a snapshot (e.g. a user status file) — newest <= day wins when newer
        loose = self.db.execute(
            "SELECT * FROM status_observations WHERE cid=? AND scheme=? AND snapshot_id IS NULL AND as_of<=? "
            "ORDER BY as_of DESC LIMIT 1", (cid, scheme, day_s)).fetchone()
        if loose and (result.observed_on is None or loose["as_of"] > result.observed_on):
            self._fill(result, loose, day, basis="observation")
        if result.basis == "none":
            later = self.db.execute(
                "SELECT * FROM status_observations WHERE cid=? AND scheme=? AND status='Conformant' AND as_of>? "
                "AND last_audit IS NOT NULL AND last_audit<=? ORDER BY as_of LIMIT 1",
                (cid, scheme, day_s, day_s)).fetchone()
            if later:
                self._fill(result, later, day, basis="audit_date")
        removal = self._removal(cid)
        if removal is not None and (removal["date"] or "") <= day_s and not self._readded_after(cid, removal["date"]):
            result.removed_on, result.removal_reason = removal["date"], removal["details"]
            if result.status in ("Unknown", "Not listed"):
                result.status = "Removed"
                result.source = result.source or removal["source"]
        return result

    @staticmethod
    def _fill(result: StatusAsOf, obs: sqlite3.Row, day: date, basis: str) -> None:
        result.status = obs["status"]
        result.last_audit = obs["last_audit"]
        result.audit_cycle = obs["audit_cycle"]
        result.reaudit_in_progress = bool(obs["reaudit_in_progress"])
        result.lbma_rg, result.rjc = obs["lbma_rg"], obs["rjc"]
        result.observed_on, result.source, result.basis = obs["as_of"], obs["source"], basis
        years = cycle_years(obs["audit_cycle"])
        audit = to_date(obs["last_audit"])
        result.cycle_passed = result.lapsed = False
        if result.status == "Conformant" and audit and years:
            result.cycle_passed = add_years(audit, years) < day
            result.lapsed = result.cycle_passed and not result.reaudit_in_progress

    def status_history(self, cid: str) -> list[dict[str, Any]]:
        return [dict(r) for r in self.db.execute(
            "SELECT * FROM status_observations WHERE cid=? ORDER BY as_of", (cid.upper(),))]

    def watchlist(self, when: date | str | None = None) -> list[dict[str, Any]]:
        sql = "SELECT * FROM watchlist"
        args: tuple[Any, ...] = ()
        if when:
            sql += " WHERE as_of IS NULL OR as_of<=?"
            args = (iso(when),)
        return [dict(r) for r in self.db.execute(sql + " ORDER BY cid, source", args)]

    def on_watchlist(self, cid: str) -> list[dict[str, Any]]:
        return [dict(r) for r in self.db.execute("SELECT * FROM watchlist WHERE cid=?", (cid.upper(),))]

    def country_list(self, list_name: str, when: date | str | None = None) -> list[dict[str, Any]]:
        """Entries of the newest version (as_of <= when) of a country list."""
        day = iso(when) or "9999-12-31"
        row = self.db.execute("SELECT max(as_of) AS a FROM country_lists WHERE list_name=? AND as_of<=?",
                              (list_name, day)).fetchone()
        if not row or not row["a"]:
            return []
        return [dict(r) for r in self.db.execute(
            "SELECT * FROM country_lists WHERE list_name=? AND as_of=? ORDER BY iso2", (list_name, row["a"]))]

    def version(self) -> str | None:
        """A fingerprint of the content: this connection's SQLite change counters and the file stamps of the DB
        and its WAL (another process's import changes them); None when the DB cannot be asked."""
        try:
            data_version = self.db.execute("PRAGMA data_version").fetchone()[0]
            changes = self.db.total_changes
        except sqlite3.Error:
            return None
        stamps: list[str] = []
        for p in (Path(self.path), Path(f"{self.path}-wal")):
            try:
                st = p.stat()
                stamps.append(f"{st.st_mtime_ns}:{st.st_size}")
            except OSError:
                stamps.append("-")
        return f"{id(self)}|{self.path}|{data_version}|{changes}|{'|'.join(stamps)}"

    def covered_countries(self) -> set[str]:
        return {r["iso2"] for r in self.country_list("covered")}

    def is_covered_country(self, iso2: str | None) -> bool:
        return bool(iso2) and iso2.upper() in self.covered_countries()

    def cahra_as_of(self, when: date | str | None = None) -> list[dict[str, Any]]:
        """The CAHRA table in force on a date: [{iso2, area, area_code, as_of, source}] — area "" for a
        whole-country entry, else the sub-national area (name and ISO 3166-2 code); [] when none is loaded."""
        return self.country_list("cahra", when)

    def status_snapshots(self, scheme: str = "RMAP") -> list[dict[str, Any]]:
        """The status lists on file for a scheme: [{kind, as_of, source, observations}] — snapshot lists
        (RMI's Conformant / Active exports) and, as kind "observations", status rows imported without a
        snapshot. [] means the store holds no status data for the scheme."""
        out = [dict(r) for r in self.db.execute(
            "SELECT s.kind, s.as_of, s.source, count(o.cid) AS observations FROM snapshots s "
            "LEFT JOIN status_observations o ON o.snapshot_id = s.id WHERE s.kind LIKE ? "
            "GROUP BY s.id ORDER BY s.as_of, s.kind", (f"{scheme}:%",))]
        loose = self.db.execute("SELECT count(*) AS n, min(as_of) AS first, max(as_of) AS last FROM "
                                "status_observations WHERE scheme=? AND snapshot_id IS NULL", (scheme,)).fetchone()
        if loose["n"]:
            out.append({"kind": f"{scheme}:observations", "as_of": loose["last"], "first": loose["first"],
                        "source": f"{loose['n']} status observations ({loose['first']} … {loose['last']})",
                        "observations": loose["n"]})
        return out

    def country_iso2(self, text: object) -> str | None:
        from minetrace.ingest.reference.countries import country_iso2

        return country_iso2(text)

    def aliases_for(self, metal: str) -> list[dict[str, Any]]:
        return [dict(r) for r in self.db.execute(
            "SELECT metal, alias_raw, alias_norm, cid, source, as_of FROM aliases WHERE metal=? "
            "ORDER BY alias_norm, cid", (metal,))]

    def all_aliases(self) -> list[sqlite3.Row]:
        return list(self.db.execute("SELECT metal, alias_raw, alias_norm, cid, source FROM aliases"))

    def old_id(self, old_id: str) -> list[dict[str, Any]]:
        return [dict(r) for r in self.db.execute("SELECT * FROM old_ids WHERE old_id=?", (old_id.strip().upper(),))]

    def report_facts(self, report: str | None = None) -> list[dict[str, Any]]:
        sql = "SELECT * FROM report_facts" + (" WHERE report=?" if report else "") + " ORDER BY metal, name"
        return [dict(r) for r in self.db.execute(sql, (report,) if report else ())]

    def summary(self) -> dict[str, Any]:
        def count(sql: str) -> int:
            return int(self.db.execute(sql).fetchone()[0])

        by_metal = {r[0] or "?": r[1] for r in self.db.execute(
            "SELECT metal, count(*) FROM facilities GROUP BY metal ORDER BY metal")}
        snaps = [dict(r) for r in self.db.execute("SELECT kind, as_of, source FROM snapshots ORDER BY kind, as_of")]
        return {
            "path": str(self.path),
            "facilities": count("SELECT count(*) FROM facilities"),
            "facilities_by_metal": by_metal,
            "retired": len(self.retired_map()),
            "aliases": count("SELECT count(*) FROM aliases"),
            "status_observations": count("SELECT count(*) FROM status_observations"),
            "snapshots": snaps,
            "revisions": count("SELECT count(*) FROM revisions"),
            "watchlist": count("SELECT count(DISTINCT cid) FROM watchlist"),
            "covered_countries": sorted(self.covered_countries()),
            "cahra_entries": len(self.cahra_as_of()),
            "old_ids": count("SELECT count(*) FROM old_ids"),
            "report_facts": count("SELECT count(*) FROM report_facts"),
            "open_reviews": count("SELECT count(*) FROM review_queue"),
            "imports": self.imports(),
        }

    # ---------------------------------------------------------------- review queue
    def enqueue_review(self, declaration_sha256: str, row: int, metal: str | None, raw_name: str | None,
                       country: str | None, status: str, candidates: Iterable[dict[str, Any]]) -> None:
        self.enqueue_reviews(declaration_sha256, [(row, metal, raw_name, country, status, candidates)])

    def enqueue_reviews(self, declaration_sha256: str,
                        rows: list[tuple[int, str | None, str | None, str | None, str, Iterable[dict[str, Any]]]]
                        ) -> None:
        """A declaration's review rows (row, metal, raw name, country, status, candidates) in one commit (a commit
        per row was ~0.7 ms each: most of a 400-form ingest's review queueing)."""
        now = datetime.now().isoformat(timespec="seconds")
        with self.transaction() as db:
            db.executemany(
                "INSERT OR REPLACE INTO review_queue (declaration_sha256, row, metal, raw_name, country, status, "
                "candidates, created_at) VALUES (?,?,?,?,?,?,?,?)",
                [(declaration_sha256, row, metal, raw_name, country, status, json.dumps(list(candidates)), now)
                 for row, metal, raw_name, country, status, candidates in rows])

    def open_reviews(self) -> list[dict[str, Any]]:
        out = []
        for r in self.db.execute("SELECT * FROM review_queue ORDER BY metal, raw_name, declaration_sha256, row"):
            d = dict(r)
            d["candidates"] = json.loads(d["candidates"] or "[]")
            out.append(d)
        return out

    def close_reviews(self, metal: str, raw_name: str, country: str | None) -> int:
        """Remove queue entries a decision settles (same metal, normalised name, country ISO-2)."""
        from minetrace.ingest.reference.countries import country_iso2

        key = normalise_name(raw_name)
        iso2 = country_iso2(country) if country else None
        gone = 0
        for r in list(self.db.execute("SELECT id, metal, raw_name, country FROM review_queue WHERE metal=?",
                                      (metal,))):
            if normalise_name(r["raw_name"]) != key:
                continue
            if iso2 and country_iso2(r["country"]) not in (iso2, None):
                continue
            self.db.execute("DELETE FROM review_queue WHERE id=?", (r["id"],))
            gone += 1
        self.db.commit()
        return gone

    # ---------------------------------------------------------------- trust: releases, proposals, sources
    def vouch_release(self, digest: str, kind: str | None, version: str | None, release_date: str | None,
                      importer: str, seen_in: str) -> None:
        """Remember a release a user vouched for (a blank template imported by hand): supplier files carrying
        exactly its Look-up are then recognised as RMI's, like the shipped known releases."""
        self.db.execute("INSERT OR IGNORE INTO vouched_releases VALUES (?,?,?,?,?,?,?)",
                        (digest, kind, version, release_date, importer, seen_in,
                         datetime.now().isoformat(timespec="seconds")))

    def vouched_release(self, digest: str) -> dict[str, Any] | None:
        if not self._has_table("vouched_releases"):
            return None
        row = self.db.execute("SELECT * FROM vouched_releases WHERE digest=?", (digest,)).fetchone()
        return dict(row) if row else None

    def lookup_disagreements(self, import_key: str) -> list[dict[str, Any]]:
        """Rows of a supplier's Look-up (by its import key) whose metal, standard name or country differ from
        the facility facts in force: [{row, cid, field, theirs, reference, reference_source}], by row."""
        if not self._has_table("facility_facts"):
            return []
        out: list[dict[str, Any]] = []
        rows = self.db.execute(
            "SELECT p.row, p.cid, p.metal, p.standard_name, p.country_iso2, p.country_text, f.metal AS r_metal, "
            "f.standard_name AS r_name, f.country_iso2 AS r_iso2, f.source AS r_source FROM facility_facts p "
            "JOIN facilities f ON f.cid = p.cid WHERE p.import_key=? AND p.trust=? ORDER BY p.row, p.cid",
            (import_key, TRUST_SUPPLIER))
        for r in rows:
            checks = (("metal", r["metal"], r["r_metal"], (r["metal"] or "").casefold(),
                       (r["r_metal"] or "").casefold()),
                      ("country", r["country_iso2"] or r["country_text"], r["r_iso2"], r["country_iso2"],
                       r["r_iso2"]),
                      ("standard name", r["standard_name"], r["r_name"], normalise_name(r["standard_name"] or ""),
                       normalise_name(r["r_name"] or "")))
            for what, theirs, ref, a, b in checks:
                if a and b and a != b:
                    out.append({"row": r["row"], "cid": r["cid"], "field": what, "theirs": theirs, "reference": ref,
                                "reference_source": r["r_source"]})
        return out

    def fact_sources(self, cid: str) -> dict[str, Any]:
        """Every fact the store holds about a CID, each with its source and trust: the facility in force, every
        facility fact recorded (in force / outranked / proposal), aliases and alias proposals, RMAP statuses,
        revisions and watchlist entries — what `minetrace reference show CID` lists."""
        cid = cid.strip().upper()
        fac = self.facility(cid)
        cur = self.db.execute("SELECT * FROM facilities WHERE cid=?", (cid,)).fetchone()
        facts: list[dict[str, Any]] = []
        if self._has_table("facility_facts"):
            facts = [dict(r) for r in self.db.execute(
                "SELECT * FROM facility_facts WHERE cid=? ORDER BY as_of, source, row", (cid,))]
        for f in facts:
            f["trust"] = f["trust"] or "unrecorded"
            if f["trust"] == TRUST_SUPPLIER:
                differs = cur is not None and any(
                    (f[k] and cur[k] and (normalise_name(f[k]) if k == "standard_name" else f[k]) !=
                     (normalise_name(cur[k]) if k == "standard_name" else cur[k]))
                    for k in ("metal", "standard_name", "country_iso2"))
                f["status"] = "proposal (disagrees with the fact in force; not used)" if differs else \
                    "proposal (not used)"
            elif cur is not None and f["source"] == cur["source"]:
                f["status"] = "in force"
            else:
                f["status"] = "outranked or older"
        if cur is not None and not any(f["status"] == "in force" for f in facts):  # stored before sources were kept
            facts.append({**{k: cur[k] for k in ("cid", "metal", "standard_name", "country_iso2", "country_text",
                                                  "city", "state", "as_of", "source")},
                          "trust": cur["trust"] or "unrecorded", "import_key": None, "row": None, "status": "in force"})
        aliases = [dict(r) | {"status": "in use"} for r in self.db.execute(
            "SELECT metal, alias_raw, cid, source, as_of FROM aliases WHERE cid=? ORDER BY alias_norm, source", (cid,))]
        if self._has_table("alias_proposals"):
            aliases += [dict(r) | {"status": "proposed (for review, not used)"} for r in self.db.execute(
                "SELECT metal, alias_raw, cid, source, as_of FROM alias_proposals WHERE cid=? ORDER BY alias_norm, "
                "source", (cid,))]
        return {"cid": cid, "facility": fac.to_json() if fac else None,
                "trust": (cur["trust"] if cur is not None and "trust" in cur.keys() else None),
                "facts": facts, "aliases": aliases, "statuses": self.status_history(cid),
                "revisions": self.revisions(cid), "watchlist": self.on_watchlist(cid)}
