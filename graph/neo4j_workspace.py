"""What a team's Neo4j workspace keeps in the server besides the graph: review decisions and the reference DB.

Why: two analysts on two machines against one Neo4j must resolve and rate alike, so the facts that steer
resolution and rating cannot stay in each analyst's local folder.

- Review decisions are `ReviewDecision` nodes (graph.schema), one per metal + normalised name + country,
  written one by one as they are made (the last decision on a name wins, as in the embedded store's
  decisions.yaml).
- The reference DB (RMI lists, aliases, dated statuses, revisions, watchlist, country lists, the review queue)
  is kept as a versioned snapshot of its SQLite file: zlib-compressed bytes in numbered `ReferenceChunk` nodes,
  the version and sha256 on the store's meta node. Why a snapshot and not Cypher tables: the reference store is
  ~40 SQL queries over 15 tables with trust and as-of rules; a second implementation in Cypher is the kind of
  twin issue #16 removes, and the resolver makes thousands of look-ups per ingest, which stay local reads of an
  identical file. A push is a compare-and-set on the version under the meta node's write lock; a client that
  lost the race merges its rows into the newer snapshot (graph.workspace) and tries again.
"""

from __future__ import annotations

import uuid
import zlib
from datetime import UTC, datetime
from typing import Any

from minetrace.graph import schema as S
from minetrace.graph.neo4j_store import META_ID, META_LABEL, Neo4jStore

#: bytes per ReferenceChunk node (after compression)
CHUNK_BYTES = 1 << 20


class SharedFacts:
    """The decisions and the reference snapshot of one Neo4j store (its driver, database and transactions)."""

    def __init__(self, store: Neo4jStore) -> None:
        self.store = store

    # ------------------------------------------------------------------ review decisions
    def decisions(self) -> list[dict[str, Any]]:
        """Every decision as a dict of `schema.REVIEW_DECISION_PROPS` (reject as a list), oldest first."""
        props = ", ".join(f"d.{p} AS {p}" for p in S.REVIEW_DECISION_PROPS)
        return self.store.run_read(f"MATCH (d:{S.REVIEW_DECISION}) RETURN {props} ORDER BY d.seq, d.key")

    def save_decision(self, key: str, decision: dict[str, Any]) -> None:
        """Insert or replace the decision `key` (one transaction; the store's version changes)."""
        values = {p: decision.get(p) for p in S.REVIEW_DECISION_PROPS}

        def tx_fn(tx: Any) -> None:
            tx.run(f"MATCH (m:{META_LABEL} {{id: $meta}}) SET m.decisions = coalesce(m.decisions, 0) + 1 "
                   f"MERGE (d:{S.REVIEW_DECISION} {{key: $key}}) ON CREATE SET d.seq = m.decisions "
                   "SET d += $values", meta=META_ID, key=key, values=values)

        self.store.run_write("review decision", tx_fn)

    # ------------------------------------------------------------------ reference snapshot
    def reference_head(self) -> tuple[int, str | None]:
        """(version, sha256) of the server's reference snapshot; (0, None) before the first one."""
        rows = self.store.run_read(f"MATCH (m:{META_LABEL} {{id: $meta}}) RETURN m.reference_version AS v, "
                                   "m.reference_sha256 AS sha", meta=META_ID)
        if not rows or rows[0]["v"] is None:
            return 0, None
        return int(rows[0]["v"]), rows[0]["sha"]

    def reference_bytes(self) -> tuple[int, str | None, bytes | None]:
        """(version, sha256, the SQLite file's bytes) of the current snapshot, read in one transaction."""
        def tx_fn(tx: Any) -> tuple[int, str | None, bytes | None]:
            head = tx.run(f"MATCH (m:{META_LABEL} {{id: $meta}}) RETURN m.reference_version AS v, "
                          "m.reference_sha256 AS sha", meta=META_ID).single()
            if head is None or head["v"] is None:
                return 0, None, None
            chunks = [bytes(r["data"]) for r in tx.run(f"MATCH (c:{S.REFERENCE_CHUNK}) RETURN c.i AS i, c.data AS data "
                                                       "ORDER BY i")]
            return int(head["v"]), head["sha"], zlib.decompress(b"".join(chunks))

        return self.store.run_read_tx(tx_fn)  # one read transaction: head and chunks of the same snapshot

    def push_reference(self, data: bytes, sha256: str, base: int) -> int | None:
        """Make `data` the snapshot when the server is still at version `base`: the new version, or None when
        another client pushed first (nothing written)."""
        packed = zlib.compress(data, 6)
        chunks = [{"i": i, "data": packed[o:o + CHUNK_BYTES]} for i, o in enumerate(range(0, len(packed), CHUNK_BYTES))]
        token = uuid.uuid4().hex

        def tx_fn(tx: Any) -> int | None:
            # the write lock first (SET), then read the version: no two pushes can both see `base`
            tx.run(f"MATCH (m:{META_LABEL} {{id: $meta}}) SET m.reference_lock = $token", meta=META_ID, token=token)
            now = tx.run(f"MATCH (m:{META_LABEL} {{id: $meta}}) RETURN coalesce(m.reference_version, 0) AS v",
                         meta=META_ID).single()
            if now is None or int(now["v"]) != base:
                return None
            tx.run(f"MATCH (c:{S.REFERENCE_CHUNK}) DELETE c")
            tx.run(f"UNWIND $chunks AS c CREATE (:{S.REFERENCE_CHUNK} {{i: c.i, data: c.data}})", chunks=chunks)
            tx.run(f"MATCH (m:{META_LABEL} {{id: $meta}}) SET m.reference_version = $v, m.reference_sha256 = $sha, "
                   "m.reference_bytes = $size, m.reference_saved = $saved", meta=META_ID, v=base + 1, sha=sha256,
                   size=len(data), saved=datetime.now(UTC).isoformat(timespec="seconds"))
            return base + 1

        return self.store.run_write("reference snapshot", tx_fn)
