"""One workspace: everything `--store` (or $MINETRACE_STORE) names, worked out once for every CLI family,
the query contexts and the explorer.

Why: what `--store` means (which graph store, where the reference DB, the review decisions, the retained
originals, the outbox and the company block live) used to be decided in several places; a `Workspace` is the
one answer, and the one place that knows whether a team shares it.

- A folder → the embedded store. The folder IS the shared place, as it always was: graph DB, reference.sqlite,
  decisions.yaml, files/, outbox/ and company.yaml side by side.
- A neo4j:// / bolt:// URI → Neo4j, and the server is the shared place: review decisions are nodes in it and the
  reference DB is a versioned snapshot in it (graph.neo4j_workspace). Each analyst's local folder
  (`graph.store.local_folder`: $MINETRACE_STORE when it names a folder, else ./.minetrace) caches snapshots
  under `shared/<digest of server and database>/<sha256>.sqlite` (never changed once written), and holds this
  analyst's retained originals, outbox and company block. Opening the reference DB takes the server's newest
  snapshot into a private copy; closing it sends the copy back when it changed (an import, a review decision's
  closed queue items, a learnt Look-up), so two analysts on two machines resolve and rate from the same facts.
  A reference DB kept locally before the server had one is sent as the first snapshot.

Example:
    >>> ws = Workspace.open("bolt://db.example:7687")        # doctest: +SKIP
    >>> with ws.open_reference() as ref: ref.facility("CID002587")
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import sqlite3
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from minetrace.graph.open import open_store
from minetrace.graph.store import GraphStore, is_neo4j_uri, local_folder, resolve_store_target
from minetrace.ingest.reference.decisions import Decision, Decisions
from minetrace.ingest.reference.store import DB_NAME, DECISIONS_NAME, ReferenceStore

if TYPE_CHECKING:
    from minetrace.graph.neo4j_workspace import SharedFacts
    from minetrace.ingest.resolve import Resolver

#: the cache of a shared workspace's reference snapshot: <local folder>/shared/<digest>/
SHARED_CACHE = "shared"
#: how often a push that lost the race merges and tries again
PUSH_TRIES = 5


@dataclass(frozen=True)
class Workspace:
    """What one `--store` value names. Build it with `Workspace.open(store, policy)`."""

    #: the store target as given (or from $MINETRACE_STORE, else ./.minetrace): a folder or a Neo4j URI
    target: str
    #: this machine's folder of the workspace (the embedded store itself; beside a Neo4j server, the local one)
    folder: Path
    #: the policy the user chose (--policy: a preset name or a YAML file); None: the default preset
    policy: str | None = None

    @classmethod
    def open(cls, store: str | os.PathLike[str] | None = None, policy: str | os.PathLike[str] | None = None
             ) -> Workspace:
        target = resolve_store_target(store)
        return cls(target=target, folder=local_folder(target), policy=str(policy) if policy else None)

    # ------------------------------------------------------------------ where things are
    @property
    def shared(self) -> bool:
        """True when a server holds the workspace for a team (Neo4j); False for a folder."""
        return is_neo4j_uri(self.target)

    @property
    def reference_dir(self) -> Path:
        """The folder of the reference DB this machine reads (with Neo4j: the cache of the server's snapshot)."""
        if not self.shared:
            return self.folder
        database = os.environ.get("NEO4J_DATABASE") or ""
        digest = hashlib.sha256(f"{self.target}|{database}".encode()).hexdigest()[:16]
        return self.folder / SHARED_CACHE / digest

    @property
    def decisions_file(self) -> Path | None:
        """decisions.yaml of an embedded workspace; None with Neo4j (decisions are nodes in the server)."""
        return None if self.shared else self.folder / DECISIONS_NAME

    @property
    def files_dir(self) -> Path:
        """Where original files are retained, content-addressed."""
        return self.folder / "files"

    @property
    def outbox_dir(self) -> Path:
        """Where the campaign writes the messages it prepares (.eml)."""
        return self.folder / "outbox"

    @property
    def company_file(self) -> Path:
        """The company block of the consolidated CMRT (company.yaml)."""
        return self.folder / "company.yaml"

    # ------------------------------------------------------------------ opening
    def open_store(self) -> GraphStore:
        """The graph store (creating it when needed)."""
        if self.shared:
            from minetrace.graph.neo4j_store import Neo4jStore  # lazy: the embedded path needs no driver

            return Neo4jStore(self.target, files_dir=self.files_dir)
        return open_store(self.target)

    def open_reference(self, load_starter: bool = True, graph: GraphStore | None = None) -> ReferenceStore:
        """The reference DB with this workspace's review decisions. With Neo4j: the server's newest snapshot,
        and closing it sends what changed back (`graph`: an open Neo4j store of this workspace to talk through;
        without one a connection is opened and closed with the reference DB)."""
        if not self.shared:
            return ReferenceStore.open(self.reference_dir, load_starter=load_starter)
        from minetrace.graph.neo4j_store import Neo4jStore
        from minetrace.graph.neo4j_workspace import SharedFacts

        owned = not isinstance(graph, Neo4jStore)
        server = graph if isinstance(graph, Neo4jStore) else Neo4jStore(self.target, files_dir=self.files_dir)
        work: Path | None = None
        try:
            facts = SharedFacts(server)
            base, base_sha, snapshot = self._snapshot(facts)
            work = Path(tempfile.mkdtemp(prefix="open-", dir=self.reference_dir))
            legacy = self.folder / DB_NAME
            if snapshot is not None:
                shutil.copyfile(snapshot, work / DB_NAME)
            elif legacy.is_file():  # the reference DB this folder kept before the server had one: the first snapshot
                _copy_db(legacy, work / DB_NAME)
            ref = ReferenceStore.open(work, load_starter=load_starter)
            ref.shown_as = f"the shared reference DB of {self.target}"
            ref.use_decisions(shared_decisions(facts))
        except BaseException:
            if work is not None:
                shutil.rmtree(work, ignore_errors=True)
            if owned:
                server.close()
            raise
        private = work

        def after_close(_: ReferenceStore) -> None:
            try:
                self._push(facts, private / DB_NAME, base, base_sha)
            finally:
                shutil.rmtree(private, ignore_errors=True)
                if owned:
                    server.close()

        ref.after_close = after_close
        return ref

    def resolver(self, graph: GraphStore | None = None) -> tuple[Resolver, str]:
        """(resolver, description): the reference resolver over this workspace's reference DB and decisions."""
        from minetrace.ingest.resolve import Resolver

        return Resolver(self.open_reference(graph=graph)), "ingest.resolve.default_resolver"

    def reference_stamp(self, graph: GraphStore | None = None) -> str:
        """Changes when the reference facts or the decisions change (for caches): file stamps of the embedded
        folder; the server's snapshot version and the store version with Neo4j."""
        from minetrace.graph.neo4j_store import Neo4jStore

        if self.shared and isinstance(graph, Neo4jStore):
            from minetrace.graph.neo4j_workspace import SharedFacts

            version, sha = SharedFacts(graph).reference_head()
            return f"{version}:{sha}:{graph.version()}"
        parts = []
        # the reference DB runs in WAL mode: a write lands in the -wal file until a checkpoint, so both count
        for name in (DB_NAME, f"{DB_NAME}-wal", DECISIONS_NAME):
            try:
                st_ = (self.reference_dir / name).stat()
                parts.append(f"{st_.st_mtime_ns}:{st_.st_size}")
            except OSError:
                parts.append("-")
        return "/".join(parts)

    # ------------------------------------------------------------------ the shared reference snapshot
    def _snapshot(self, facts: SharedFacts) -> tuple[int, str | None, Path | None]:
        """(version, sha256, cached file) of the server's newest reference snapshot, fetched when this machine has
        not cached it yet; (0, None, None) before the first one. Cached files are named by their sha256 and never
        change, so processes and explorer sessions on one machine can read them at once."""
        cache = self.reference_dir
        cache.mkdir(parents=True, exist_ok=True)
        version, sha = facts.reference_head()
        if version == 0 or sha is None:
            return 0, None, None
        path = cache / f"{sha}.sqlite"
        if not path.is_file():
            version, sha, data = facts.reference_bytes()
            if sha is None or data is None:
                return 0, None, None
            path = self._cache(sha, data)
        return version, sha, path

    def _cache(self, sha: str, data: bytes) -> Path:
        """Keep a snapshot's bytes as <cache>/<sha256>.sqlite (written whole, then renamed into place)."""
        path = self.reference_dir / f"{sha}.sqlite"
        if not path.is_file():
            part = path.with_name(f"{path.name}.{os.getpid()}.part")
            part.write_bytes(data)
            os.replace(part, path)
            self._prune(keep=path)
        return path

    def _prune(self, keep: Path) -> None:
        """Drop cached snapshots an hour older than the newest (a process still copying one is long done)."""
        newest = keep.stat().st_mtime
        for old in self.reference_dir.glob("*.sqlite"):
            with contextlib.suppress(OSError):
                if old != keep and old.stat().st_mtime < newest - 3600:
                    old.unlink()

    def _push(self, facts: SharedFacts, db: Path, base: int, base_sha: str | None) -> None:
        """Send this open's copy when it differs from the snapshot it was taken from; on a lost race, add its rows
        to the newer snapshot and send again."""
        if not db.exists():
            return
        for _ in range(PUSH_TRIES):
            data = db_bytes(db)
            sha = hashlib.sha256(data).hexdigest()
            if sha == base_sha:
                return
            version = facts.push_reference(data, sha, base)
            if version is not None:
                self._cache(sha, data)
                return
            base, base_sha, theirs = facts.reference_bytes()  # another analyst pushed first: ours on top of theirs
            incoming = db.with_name(db.name + ".incoming")
            incoming.write_bytes(theirs or b"")
            merge_rows(incoming, db)
            os.replace(incoming, db)
        raise RuntimeError(f"the reference DB of {self.target} changed {PUSH_TRIES} times while this change was "
                           "being sent; run the command again")


def decision_key(d: Decision) -> str:
    from minetrace.ingest.names import normalise_name

    return f"{d.metal}|{normalise_name(d.name)}|{d.country or ''}"


def shared_decisions(facts: SharedFacts) -> Decisions:
    """The server's review decisions, each new one written back as it is recorded."""
    entries = [Decision(metal=r["metal"], name=r["name"], country=r["country"] or None, accept=r["accept"] or None,
                        reject=set(r["reject"] or []), decided_on=r["decided_on"], note=r["note"])
               for r in facts.decisions() if r.get("metal") and r.get("name")]

    def on_record(d: Decision) -> None:
        facts.save_decision(decision_key(d), {"metal": d.metal, "name": d.name, "country": d.country,
                                              "accept": d.accept, "reject": sorted(d.reject),
                                              "decided_on": d.decided_on, "note": d.note})

    return Decisions(None, entries=entries, on_record=on_record)


# ---------------------------------------------------------------------------------------------- SQLite files
def db_bytes(path: Path) -> bytes:
    """The DB's content as one file image (the WAL included)."""
    con = sqlite3.connect(path)
    try:
        return con.serialize()
    finally:
        con.close()


def _copy_db(src: Path, dst: Path) -> None:
    source, target = sqlite3.connect(src), sqlite3.connect(dst)
    try:
        source.backup(target)
    finally:
        source.close()
        target.close()


def merge_rows(into: Path, source: Path) -> None:
    """Add every row of `source` that `into` lacks (by each table's keys; a row both have keeps `into`'s).
    Row ids are the receiving DB's own: snapshots are matched by (kind, as_of, source) and the status
    observations that point at them follow."""
    con = sqlite3.connect(into)
    try:
        con.execute("ATTACH DATABASE ? AS src", (str(source),))
        tables = [r[0] for r in con.execute("SELECT name FROM src.sqlite_master WHERE type = 'table' "
                                            "AND name NOT LIKE 'sqlite_%'")]
        for table in tables:
            ours = _columns(con, "src", table)
            theirs = _columns(con, "main", table)
            if not theirs:
                continue
            cols = [c for c in ours if c in theirs and not (c == "id" and table in ("snapshots", "review_queue"))]
            names = ", ".join(cols)
            if table == "status_observations" and "snapshot_id" in cols:
                picked = ", ".join("(SELECT m.id FROM main.snapshots m JOIN src.snapshots s ON m.kind = s.kind AND "
                                   "m.as_of = s.as_of AND m.source = s.source WHERE s.id = o.snapshot_id)"
                                   if c == "snapshot_id" else f"o.{c}" for c in cols)
                con.execute(f"INSERT OR IGNORE INTO main.{table} ({names}) SELECT {picked} FROM src.{table} o")
            else:
                con.execute(f"INSERT OR IGNORE INTO main.{table} ({names}) SELECT {names} FROM src.{table}")
        con.commit()
        con.execute("DETACH DATABASE src")
    finally:
        con.close()


def _columns(con: sqlite3.Connection, schema: str, table: str) -> list[str]:
    return [r[1] for r in con.execute(f"PRAGMA {schema}.table_info({table})")]
