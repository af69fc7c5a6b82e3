"""Neo4j ingest with two forms in flight: the next form's transaction travels while the previous one commits.

Why: one transaction per file (a crash leaves the store as before or after each file) makes a small form's write a
chain of waits — the client builds and sends, the server executes and commits, the client reads the answer — with
one side idle at every step, and the caller's work on the next file (resolving, linking) waiting behind it. Here
each form runs in its own thread and session, and the order is still the file order: every ingest transaction's
head statement takes the write lock of the store's meta node before it reads or writes anything else
(`Neo4jStore._write_head`), so form k sends its head only once form k-1's head has returned (k-1 holds the lock),
and the server runs it once k-1's transaction has ended. Form k then reads what k-1 wrote, as one file at a time
would.

What one file at a time promises holds:
- form k commits only after k-1 committed (or was a duplicate, or was refused for its content): when k-1's
  attempt failed after k took the lock (a transient error k-1 retries), k rolls back and starts again after k-1;
- when the store fails on a form, no later form is stored: they roll back and carry `StoreStopped`;
- transient errors are retried, for up to `RETRY_SECONDS`, as the driver's managed transactions do;
- the same file stored meanwhile by another client is a duplicate outcome (`Neo4jStore.stored_meanwhile`).
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from typing import Any, Protocol

from neo4j.exceptions import DriverError, Neo4jError

from minetrace.graph.store import IngestJob, IngestOutcome, StoreStopped

#: forms in flight at once: the one committing and the next one waiting for its lock (more adds nothing: the
#: server runs the ingest transactions one after the other)
DEPTH = 2
#: how long transient errors are retried (the driver's default for managed transactions)
RETRY_SECONDS = 30.0

WAITING, LOCKED, DONE, SKIPPED, FAILED = "waiting", "locked", "done", "skipped", "failed"


class PipelinedStore(Protocol):
    """What the pipeline needs of `Neo4jStore` (a protocol: the store module imports this one)."""

    def ingest_payload(self, job: IngestJob) -> dict[str, Any]: ...

    def ingest_tx(self, tx: Any, p: dict[str, Any], after_head: Callable[[], None] | None = None) -> IngestOutcome: ...

    def session(self) -> contextlib.AbstractContextManager[Any]: ...

    def stored_meanwhile(self, sha: str, cause: BaseException | None) -> IngestOutcome | None: ...

    def fail(self, what: str, exc: Exception) -> Exception: ...


class _Reorder(Exception):
    """The previous form's attempt ended without a commit after this form took the lock: start again after it."""


class _Slot:
    """One form's progress, watched by the next form's thread: WAITING (no attempt holding the lock), LOCKED (its
    head returned), then DONE (committed, or a duplicate), SKIPPED (refused for its content, nothing written) or
    FAILED (the store failed: later forms are not stored)."""

    def __init__(self, prev: _Slot | None) -> None:
        self.prev = prev
        self.state = WAITING
        self._cond = threading.Condition()

    def set(self, state: str) -> None:
        with self._cond:
            self.state = state
            self._cond.notify_all()

    def wait_for(self, *states: str) -> str:
        with self._cond:
            self._cond.wait_for(lambda: self.state in states)
            return self.state


class Neo4jPipeline:
    """`graph.ingest_pipeline.IngestPipeline` on a Neo4j store: at most `depth` forms in flight, stored in order."""

    def __init__(self, store: PipelinedStore, depth: int = DEPTH) -> None:
        self._store = store
        self._depth = max(1, depth)
        self._pool = ThreadPoolExecutor(max_workers=self._depth, thread_name_prefix="minetrace-ingest")
        self._last: _Slot | None = None
        self._flight: deque[Future[IngestOutcome]] = deque()

    def submit(self, job: IngestJob) -> Future[IngestOutcome]:
        try:
            payload = self._store.ingest_payload(job)  # content errors here: nothing sent, later forms go on
        except (ValueError, KeyError, TypeError) as exc:
            refused: Future[IngestOutcome] = Future()
            refused.set_exception(exc)
            return refused
        while len(self._flight) >= self._depth:
            wait([self._flight.popleft()])
        slot = _Slot(self._last)
        self._last = slot
        future = self._pool.submit(self._run, slot, payload, job.decl.file.name)
        self._flight.append(future)
        return future

    def close(self) -> None:
        self._pool.shutdown(wait=True)
        self._flight.clear()

    def __enter__(self) -> Neo4jPipeline:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ one form, in its thread
    def _run(self, slot: _Slot, payload: dict[str, Any], name: str) -> IngestOutcome:
        try:
            out = self._attempts(slot, payload, name)
        except (ValueError, KeyError, TypeError):
            slot.set(SKIPPED)
            raise
        except BaseException:
            slot.set(FAILED)
            raise
        slot.set(DONE)
        return out

    def _attempts(self, slot: _Slot, payload: dict[str, Any], name: str) -> IngestOutcome:
        deadline = time.monotonic() + RETRY_SECONDS
        delay = 0.05
        prev = slot.prev
        while True:
            if prev is not None and prev.wait_for(LOCKED, DONE, SKIPPED, FAILED) == FAILED:
                raise StoreStopped(f"{name}: not stored: the store failed on an earlier file")
            try:
                return self._attempt(slot, payload)
            except _Reorder:
                slot.set(WAITING)
                if prev is not None and prev.wait_for(DONE, SKIPPED, FAILED) == FAILED:
                    raise StoreStopped(f"{name}: not stored: the store failed on an earlier file") from None
            except (Neo4jError, DriverError) as exc:
                slot.set(WAITING)
                meanwhile = self._store.stored_meanwhile(payload["sha"], exc)
                if meanwhile is not None:
                    return meanwhile
                if not exc.is_retryable() or time.monotonic() + delay > deadline:
                    raise self._store.fail(f"ingest of {name}", exc) from exc
                time.sleep(delay)
                delay = min(delay * 2, 2.0)
            except OSError as exc:
                raise self._store.fail(f"ingest of {name}", exc) from exc

    def _attempt(self, slot: _Slot, payload: dict[str, Any]) -> IngestOutcome:
        prev = slot.prev

        def after_head() -> None:
            slot.set(LOCKED)
            if prev is None:
                return
            # this transaction holds the lock, so the previous one has ended: committed, or not (then start again)
            state = prev.wait_for(WAITING, DONE, SKIPPED, FAILED)
            if state == WAITING:
                raise _Reorder
            if state == FAILED:
                raise StoreStopped("not stored: the store failed on an earlier file")

        with self._store.session() as session, session.begin_transaction() as tx:
            out = self._store.ingest_tx(tx, payload, after_head)
            tx.commit()
            return out
