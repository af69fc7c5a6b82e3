"""Read workbooks on every core: worker processes parse, results come back in input order.

Why its own module: `validate` and `ingest` spend their time reading workbooks (calamine, the package guard,
the reader, validation), one file at a time, and the second core idled. Here a small pool of worker
processes does that work while the caller keeps its own job (printing, resolving and storing in file
order, one transaction per file). What a pool must guarantee for a batch of strangers' files:

* results in the order of the input, whatever order the workers finish in (a bounded look-ahead window
  keeps memory flat: at most `window` results wait for a slow one);
* a worker that dies — a crash in native code, the kernel's OOM killer — costs only the file it was
  reading: that item is reported as `Crashed` (with the exit code or signal) and a fresh worker takes
  its place, so the batch carries on;
* no shared state: a task gets its payload, returns plain picklable values, and is named by module-level
  function (workers come from a fork server that imported the reader once, so starting one is cheap).

`jobs=1` (or a batch of one or two files) runs the task in this process: same results, no pool.

Example:
    >>> list(map_in_order(len, [b"ab", b"c"], jobs=1))
    [2, 1]
"""

from __future__ import annotations

import itertools
import multiprocessing
import os
import signal
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import Any

#: below this many items a pool costs more than it saves (starting the fork server imports the reader)
MIN_ITEMS_FOR_POOL = 4
_END = object()


@dataclass(frozen=True)
class Crashed:
    """The worker reading this item died; `reason` says how (exit code or signal)."""

    reason: str


@dataclass(frozen=True)
class Failed:
    """The task raised; `error` is "ExceptionClass: message" (the caller decides what it means)."""

    error: str


def default_jobs() -> int:
    """The cores this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def _serve(conn: Connection, task: Callable[[Any], Any]) -> None:
    """A worker: run `task` on each payload received until the pipe closes or says None."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        if job is None:
            return
        index, payload = job
        try:
            result: Any = task(payload)
        except Exception as exc:  # the task's own failure: report it, keep serving
            result = Failed(f"{exc.__class__.__name__}: {exc}")
        conn.send((index, result))


def _exit_reason(code: int | None) -> str:
    if code is None:
        return "the worker process stopped"
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        return f"the worker process was killed by {name}"
    return f"the worker process exited with code {code}"


class _Worker:
    def __init__(self, ctx: Any, task: Callable[[Any], Any]) -> None:
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=_serve, args=(child, task), daemon=True)
        self.proc.start()
        child.close()
        self.index: int | None = None  # the item it is working on

    def stop(self) -> None:
        try:
            self.conn.send(None)
        except (OSError, ValueError):
            pass
        self.proc.join(timeout=5)
        if self.proc.is_alive():
            self.proc.kill()
            self.proc.join(timeout=5)
        self.conn.close()


def _context() -> Any:
    """A fork server that imported the reader once: workers start in milliseconds and share nothing the
    parent holds (no threads, no open stores inherited)."""
    try:
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(["minetrace.ingest.parallel", "minetrace.ingest.pipeline"])
        return ctx
    except ValueError:  # pragma: no cover - platforms without fork
        return multiprocessing.get_context("spawn")


def map_in_order(task: Callable[[Any], Any], items: Iterable[Any], jobs: int | None = None,
                 window: int | None = None) -> Iterator[Any]:
    """`task(item)` for every item, yielded in input order; computed by `jobs` worker processes.

    An item whose task raised yields `Failed`; one whose worker died yields `Crashed`. `task` must be a
    module-level function (workers import it by name); items and results must pickle. Items are drawn from
    `items` only as workers need them, at most `window` (default 4 × jobs) ahead of the next one to yield, so
    a long batch of archive members is never held whole.
    """
    source = iter(items)
    jobs = default_jobs() if jobs is None else max(1, int(jobs))
    head: list[Any] = []
    if jobs > 1:
        for item in source:
            head.append(item)
            if len(head) >= MIN_ITEMS_FOR_POOL:
                break
    if jobs == 1 or len(head) < MIN_ITEMS_FOR_POOL:
        for item in itertools.chain(head, source):  # lazily: never the whole batch at once
            try:
                yield task(item)
            except Exception as exc:
                yield Failed(f"{exc.__class__.__name__}: {exc}")
        return
    yield from _pooled(task, itertools.chain(head, source), jobs, window or 4 * jobs)


def _pooled(task: Callable[[Any], Any], items: Iterator[Any], jobs: int, window: int) -> Iterator[Any]:
    ctx = _context()
    workers = [_Worker(ctx, task) for _ in range(jobs)]
    done: dict[int, Any] = {}
    next_send = next_yield = 0
    exhausted = False
    try:
        while True:
            while next_yield in done:  # first hand on what is ready: it frees room in the window
                yield done.pop(next_yield)
                next_yield += 1
            for w in workers:  # keep every idle worker busy, within the look-ahead window
                if w.index is None and not exhausted and next_send < next_yield + window:
                    item = next(items, _END)
                    if item is _END:
                        exhausted = True
                        continue
                    w.index = next_send
                    w.conn.send((next_send, item))
                    next_send += 1
            if exhausted and next_yield >= next_send:
                break
            # here some worker is busy: with none busy every item sent is back and handed on, so the
            # window had room and an idle worker took the next item (or the items ran out: the loop ended)
            busy = [w for w in workers if w.index is not None]
            ready = wait([w.conn for w in busy] + [w.proc.sentinel for w in busy])
            for i, w in enumerate(workers):
                if w.index is None or (w.conn not in ready and w.proc.sentinel not in ready):
                    continue
                got = None
                try:
                    if w.conn.poll():
                        got = w.conn.recv()
                except (EOFError, OSError):  # the pipe closed: the worker is gone or going
                    got = None
                if got is not None:
                    done[got[0]] = got[1]
                    w.index = None
                    continue
                if w.proc.is_alive() and w.proc.sentinel not in ready and w.conn not in ready:
                    continue
                w.proc.join(timeout=60)  # a dying process may take a moment (a core dump being written)
                if w.proc.is_alive():
                    w.proc.kill()
                    w.proc.join(timeout=5)
                done[w.index] = Crashed(_exit_reason(w.proc.exitcode))
                w.conn.close()
                workers[i] = _Worker(ctx, task)  # a fresh worker carries on with the batch
    finally:
        for w in workers:
            w.stop()


def read_source(payload: tuple[str, Any, str]) -> Any:
    """A task: one workbook read and validated, or the one-line reason it could not be (`parse`, `validate`).

    `payload`: ("path", path, display name) for a file on disk (the declaration keeps the base name and the
    full path), ("bytes", data, display name) for an archive member, ("error", message, display name) for a
    source that could not even be read. Returns the `Declaration`, or a str naming the file and the reason.
    """
    from pathlib import Path

    from minetrace.ingest.pipeline import parse_file
    from minetrace.ingest.workbook import UnreadableWorkbook

    kind, value, name = payload
    if kind == "error":
        return f"{name}: {value}"
    try:
        return parse_file(Path(value)) if kind == "path" else parse_file(value, name=name)
    except UnreadableWorkbook as exc:
        return f"{name}: {exc.message}"
    except OSError as exc:  # an archive member that cannot be extracted, a file that vanished
        return f"{name}: {exc}"
    except Exception as exc:  # a reader defect must not stop the batch; say so plainly
        return f"{name}: internal error while reading ({exc.__class__.__name__}: {exc})"


def outcome_text(name: str, outcome: Any) -> str | None:
    """The one-line reason for a `Crashed` / `Failed` outcome of `read_source` (None for anything else)."""
    if isinstance(outcome, Crashed):
        return f"{name}: {outcome.reason} while reading this file; nothing from it was kept"
    if isinstance(outcome, Failed):
        return f"{name}: internal error while reading ({outcome.error})"
    return None
