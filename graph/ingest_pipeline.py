"""Declarations handed to a store in file order, stored while the caller prepares the next one.

Why its own module: `graph.ingest` resolves, links and retains each file in this process and then stores it, one
transaction per file. On the embedded store the write is a millisecond; on a Neo4j server it is a round trip and
the server's work, during which this process would wait. A pipeline lets the caller go on with the next file while
the store works on this one, and keeps the promises of one file at a time: files are stored in submission order,
each in its own transaction, an outcome says what was stored, and when the store fails on a file, no later file is
stored (`StoreStopped`). Both stores give one (`GraphStore.ingest_pipeline`, protocol `graph.store.IngestPipeline`):
the embedded store's is `InlinePipeline` (each job stored when submitted), the Neo4j store's keeps the next form's
transaction in flight (graph.neo4j_pipeline).
"""

from __future__ import annotations

from concurrent.futures import Future

from minetrace.graph.store import GraphStore, IngestJob, IngestOutcome, StoreStopped


class InlinePipeline:
    """Each job stored when it is submitted (the embedded store: its write is as quick as a hand-over)."""

    def __init__(self, store: GraphStore) -> None:
        self._store = store
        self._failed: BaseException | None = None

    def submit(self, job: IngestJob) -> Future[IngestOutcome]:
        done: Future[IngestOutcome] = Future()
        if self._failed is not None:
            done.set_exception(StoreStopped(f"not stored: the store failed on an earlier file ({self._failed})"))
            return done
        try:
            done.set_result(self._store.ingest_declaration(
                job.decl, job.resolutions, job.supplier, job.year, parent_supplier_id=job.parent_supplier_id,
                year_source=job.year_source, hold=job.hold))
        except (ValueError, KeyError, TypeError) as exc:  # this job's content: later jobs go on
            done.set_exception(exc)
        except Exception as exc:  # the store itself: later jobs are not stored
            self._failed = exc
            done.set_exception(exc)
        return done

    def close(self) -> None:
        return None

    def __enter__(self) -> InlinePipeline:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
