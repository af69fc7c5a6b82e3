"""Supplier files → the graph: expand, parse, resolve, link to a supplier, store — file by file.

Why a batch function of its own: the CLI, the explorer's upload and the benchmarks ingest the
same way, and the rules that make a programme auditable live here:

* every file gets an outcome — new, duplicate (same sha256: skipped before parsing),
  superseded (stored as history), invalid_stored, unreadable (with the reader's message) —
  and a bad file never stops the batch;
* each file is one store transaction (`GraphStore.ingest_declaration`), so a crash leaves the
  store as before or after that file; the files go to the store in order through its pipeline
  (`GraphStore.ingest_pipeline`: the next file is resolved and linked while the store writes this one);
* the original bytes are kept content-addressed under ``<store>/files/<sha[:2]>/<sha>``
  (records retention: the 2016 report keeps them five years);
* reporting year: ``year`` when given (the campaign year given at ingest), else the effective date's
  year — unless validation found that date in the future (`effective_date_future`): one supplier's typo must
  not open a year of its own, which the CLI and the explorer would open on. A form with neither is filed
  under no year and flagged (a `reporting_year_unknown` warning naming the command that files it) — never
  under today's date, which would move every judgement date; ingesting the same file again with ``--year``
  files it there. A CMRT completed in January–April usually describes the previous calendar year; we do
  NOT guess that — pass ``--year`` for such a batch (the source is stored per declaration as ``year_source``: option |
  effective_date | unfiled);
* supplier: matched on the master list when one is given (ID written as the company's
  unique ID, exact name/alias, e-mail domain, fuzzy name), else a supplier made from the
  declared company name (id ``decl:<normalised name>``). ``parent_supplier_id`` files the
  declaration under a supplier (multi-tier: its company becomes that supplier's sub-supplier);
* resolution: the reference resolver resolves each declaration whole (`resolve_declaration`), so every
  uncertain row reaches the review queue under the file's sha256 and sheet row (`minetrace reference
  review`, the explorer's Validation page); decisions recorded with `minetrace reference decide` steer
  later ingests, and `minetrace reference apply-decisions` re-points what is already stored;
* learning: before a file's rows are resolved, the Smelter Look-up (or 3.01 crosswalk) of its template
  release is imported into the reference store when that release is new to it — once per release, and
  as facts only when it is a known RMI release; a stranger's Look-up is kept as proposals and each row
  that disagrees with the reference becomes a finding on the file (graph.lookup_learning);
  `learn=False` turns this off;
* identity: a newer form supersedes only within the same supplier identity — a fuzzy master-list
  match, or a contact e-mail domain other than the supplier's (master list, else its earliest form),
  holds it back, and an invalid form never displaces a valid one — until an analyst accepts it
  (`minetrace store accept`); such a form is pending (graph.current, graph.supplier_link);
* failures: a write failure of either store (disk full, permission, read-only media) stops the batch
  with `StoreError` naming the file, and leaves both stores as before that file (its retained copy
  and anything learned from it are undone).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import sqlite3
import tempfile
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

from minetrace.graph import schema as S
from minetrace.graph.ingest_pipeline import InlinePipeline
from minetrace.graph.resolving import RowResolver, default_resolver, provisional_key
from minetrace.graph.store import DeclarationInfo, GraphStore, IngestJob, IngestOutcome, SupplierRecord
from minetrace.graph.supplier_link import (
    RelinkReport,
    SupplierLinker,
    identity_hold,
    linker_for_store,
    match_shown,
    relink_store,
)
from minetrace.ingest.records import Declaration, Resolution
from minetrace.ingest.sources import Source, SourceError, iter_sources, printable_name

ParseFn = Callable[[bytes, str], Declaration]


class StoreError(RuntimeError):
    """The store failed (not the file): the batch stops; earlier files stay stored."""


@dataclass
class FileResult:
    """What happened to one file of the batch."""

    name: str
    outcome: str  # new | duplicate | superseded | invalid_stored | unreadable
    sha256: str | None = None
    supplier_id: str | None = None
    supplier_name: str | None = None
    supplier_link: str | None = None  # how the supplier was found: id/name/alias/email_domain/fuzzy/declared
    company_name: str | None = None
    reporting_year: int | None = None
    year_source: str | None = None
    #: the form's effective date (ISO), as read: with year_source "unfiled" it says why (none, or in the future)
    effective_date: str | None = None
    status: str | None = None  # valid | invalid
    template: str | None = None  # "CMRT 6.5"
    smelter_rows: int = 0
    unresolved_rows: int = 0
    current: bool = False
    supersedes: list[str] = field(default_factory=list)
    superseded_by: str | None = None
    errors: int = 0
    message: str = ""
    learned_lookup: str | None = None  # "CMRT 6.4 Smelter Look-up (in x.xlsx): 652 rows" when this file taught one
    supplier_match: str | None = None  # the names compared to tie the file to its supplier
    pending: str | None = None  # newer than the supplier's current form but held back: why

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class IngestReport:
    files: list[FileResult] = field(default_factory=list)
    resolver: str = ""
    supplier_map: str | None = None
    supplier_map_findings: list[str] = field(default_factory=list)
    #: template Look-ups imported from the files (one per release) and what checking every file cost
    learning: dict[str, Any] = field(default_factory=dict)
    #: forms stored before the master list given with the batch, filed under their master-list suppliers
    relinked: RelinkReport | None = None

    def counts(self) -> dict[str, int]:
        out = {k: 0 for k in S.OUTCOMES}
        for f in self.files:
            out[f.outcome] = out.get(f.outcome, 0) + 1
        return out

    def summary(self) -> str:
        c = self.counts()
        parts = [f"{c[k]} {k.replace('_', ' ')}" for k in S.OUTCOMES if c.get(k)]
        return f"{len(self.files)} file(s): " + (", ".join(parts) if parts else "nothing to ingest")

    def to_json(self) -> dict[str, Any]:
        return {"files": [f.to_json() for f in self.files], "counts": self.counts(), "summary": self.summary(),
                "resolver": self.resolver, "supplier_map": self.supplier_map,
                "supplier_map_findings": list(self.supplier_map_findings), "learning": dict(self.learning),
                "relinked": self.relinked.to_json() if self.relinked is not None else None}


def _parse_keeping_workbook(data: bytes, name: str) -> tuple[Declaration, Any]:
    """`parse_file` without throwing the open workbook away: its Look-up is read for learning."""
    from minetrace.ingest.layouts import reader_sheets
    from minetrace.ingest.reader import read_declaration
    from minetrace.ingest.validate import validate
    from minetrace.ingest.workbook import open_workbook

    workbook = open_workbook(data, name=name, sheets=reader_sheets(lookups=True))
    decl = read_declaration(workbook)
    validate(decl)
    return decl, workbook


def retain_file(files_dir: Path | None, sha: str, data: bytes) -> Path | None:
    """Keep the original bytes under files/<sha[:2]>/<sha> (atomic: temp file + rename)."""
    return _retain(files_dir, sha, data)[0]


def _retain(files_dir: Path | None, sha: str, data: bytes) -> tuple[Path | None, bool]:
    """(path, whether this call wrote it): a copy written for a file that is then not stored is removed."""
    if files_dir is None:
        return None, False
    target = files_dir / sha[:2] / sha
    if target.exists():
        return target, False
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target, True


#: files read before the store is asked which of them it holds already (one read for them all; their bytes wait
#: in memory meanwhile, so a few dozen)
STORED_CHECK_CHUNK = 32

#: year_source of a form filed under no reporting year (no --year, no effective date)
UNFILED = "unfiled"


def reporting_year(decl: Declaration, year: int | None) -> tuple[int | None, str]:
    """(year, source) by the documented rule: the campaign year given at ingest, else the effective date's year
    unless that date is in the future, else no year ("unfiled": flagged on the form, never today's year)."""
    if year is not None:
        return int(year), "option"
    if decl.company.effective_date is not None and not dated_ahead(decl):
        return decl.company.effective_date.year, "effective_date"
    return None, UNFILED


def dated_ahead(decl: Declaration) -> bool:
    """The validator found the form's effective date in the future (`effective_date_future`, ingest.validate: one
    judge of "the future", its grace days included). Such a date files the form under no year: one supplier's
    typo (2062 for 2026) would otherwise open a reporting year of its own, and the CLI and the explorer open on the
    newest year with forms (queries.context) — every analyst's default view moved by a stranger's cell."""
    return any(f.code == "effective_date_future" for f in decl.findings)


def _flag_unfiled(decl: Declaration) -> None:
    """The warning an unfiled form carries: what happened and the command that files it."""
    from minetrace.ingest.findings import make_finding

    if any(f.code == "reporting_year_unknown" for f in decl.findings):
        return
    eff = decl.company.effective_date
    why = (f"its effective date {eff.isoformat()} is in the future and no campaign year was given" if eff is not None
           else "no effective date and no campaign year given")
    decl.findings.append(make_finding(
        "reporting_year_unknown", "Declaration!effective date",
        f"{decl.file.name}: {why}, so the form is filed under no reporting "
        "year (it counts in no year's figures); file it with `minetrace ingest FILE --year YYYY`"))


def resolve_rows(decl: Declaration, resolver: RowResolver, queue: bool = True) -> list[Resolution]:
    """One Resolution per smelter row; a resolver error on a row keeps the row as unresolved.

    A resolver with `resolve_declaration` (the reference resolver) resolves the whole declaration at
    once and, with `queue`, queues every uncertain row (status "review", or unresolved with candidates)
    under the declaration's sha256 and sheet row: the queue `minetrace reference review` and the
    explorer's Validation page list, and `minetrace reference decide` settles.
    """
    whole = getattr(resolver, "resolve_declaration", None)
    many = getattr(resolver, "resolve_many", None)
    sha = decl.file.sha256 if queue else None
    try:
        if callable(whole) and sha:
            out = list(whole(decl))
        elif callable(many):
            out = list(many(decl.smelters))
        else:
            out = []
        if len(out) == len(decl.smelters):
            return out
    except Exception:  # noqa: S110 - fall back to row by row: a bad row must not cost the others
        pass
    out = []
    for row in decl.smelters:
        try:
            out.append(many([row], declaration_sha256=sha)[0] if callable(many) and sha else resolver.resolve(row))
        except Exception as exc:  # never lose a row to a resolver bug
            out.append(Resolution("unresolved", None, "none", 0.0, given_cid=row.cid, metal=row.metal,
                                  provisional_key=provisional_key(row),
                                  notes=[f"resolver error: {exc.__class__.__name__}: {exc}"]))
    return out


def queue_reviews(decl: Declaration, resolver: RowResolver) -> None:
    """Queue the declaration's uncertain rows for review (after it is stored: the queue never names a
    file the graph does not hold). The resolver's per-row cache makes this second pass cheap. A write
    failure of the reference store propagates; a resolver defect does not."""
    whole = getattr(resolver, "resolve_declaration", None)
    if callable(whole) and decl.file.sha256:
        try:
            whole(decl)
        except WRITE_ERRORS:
            raise
        except Exception:  # noqa: S110 - the rows are stored; a resolver defect must not undo that
            pass


#: what a store raises when it cannot write (disk full, permission, read-only media): the batch stops
WRITE_ERRORS: tuple[type[BaseException], ...] = (sqlite3.Error, OSError)


def ingest_declaration(store: GraphStore, decl: Declaration, resolver: RowResolver,
                       linker: SupplierLinker, year: int | None = None, parent_supplier_id: str | None = None,
                       data: bytes | None = None, name: str | None = None) -> FileResult:
    """Resolve, link and store one parsed declaration (the bytes, when given, are retained).

    A write failure after the retained copy was made removes that copy (and, when the review queue cannot
    be written, the declaration just stored) before it propagates: the stores stay as before the file."""
    staged = stage_declaration(store, decl, resolver, linker, year, parent_supplier_id, data, name)
    try:
        out = _store_now(store, staged).result()
    except BaseException:
        staged.unretain()
        raise
    return staged.finish(out, store)


@dataclass
class StagedFile:
    """A parsed declaration resolved, linked and retained: the store's job, and what its result needs after."""

    job: IngestJob
    name: str
    link: str
    #: the resolver the rows were resolved with (their review rows are queued with it once stored)
    resolver: RowResolver
    retained: Path | None = None
    wrote: bool = False
    #: set by the read-once loop: the Look-up this file taught, and the stored record it re-files (`_unfiled`)
    learned: str | None = None
    refile: Any = None

    def unretain(self) -> None:
        """Remove the retained copy this file made (its store write failed or was undone)."""
        if self.wrote and self.retained is not None:
            self.retained.unlink(missing_ok=True)

    def finish(self, out: IngestOutcome, store: GraphStore) -> FileResult:
        """The file's result once the store has answered: its uncertain rows queued for review (unless a
        duplicate). When the review queue cannot be written, the declaration just stored is taken out again."""
        decl, resolutions, supplier = self.job.decl, self.job.resolutions, self.job.supplier
        if out.outcome != S.OUTCOME_DUPLICATE and any(
                r.status == "review" or (r.status == "unresolved" and r.candidates) for r in resolutions):
            try:
                queue_reviews(decl, self.resolver)
            except WRITE_ERRORS:  # undo the file: the graph must not hold a declaration whose review rows were lost
                with contextlib.suppress(Exception):
                    store.delete_declaration(decl.file.sha256)
                self.unretain()
                raise
        return FileResult(
            name=self.name, outcome=out.outcome, sha256=decl.file.sha256, supplier_id=out.supplier_id,
            supplier_name=supplier.name, supplier_link=self.link, company_name=decl.company.name,
            reporting_year=out.reporting_year, year_source=self.job.year_source,
            effective_date=decl.company.effective_date.isoformat() if decl.company.effective_date else None,
            status=decl.status,
            template=f"{decl.template.kind} {decl.template.version or '?'}", smelter_rows=len(decl.smelters),
            unresolved_rows=sum(1 for r in resolutions if not r.cid), current=out.current,
            supersedes=list(out.supersedes), superseded_by=out.superseded_by, errors=len(decl.errors()),
            message=out.message, supplier_match=match_shown(decl, supplier, self.link), pending=out.pending)


def stage_declaration(store: GraphStore, decl: Declaration, resolver: RowResolver, linker: SupplierLinker,
                      year: int | None = None, parent_supplier_id: str | None = None, data: bytes | None = None,
                      name: str | None = None) -> StagedFile:
    """Everything before the store's write: rows resolved (queued for review only once stored), the supplier
    linked, the reporting year and identity hold decided, the original bytes retained."""
    resolutions = resolve_rows(decl, resolver, queue=False)
    supplier, link = linker.link(decl)
    ry, ysrc = reporting_year(decl, year)
    if ysrc == UNFILED:
        _flag_unfiled(decl)
    hold = identity_hold(decl, supplier, link)
    retained, wrote = _retain(store.files_dir, decl.file.sha256, data) if data is not None else (None, False)
    return StagedFile(IngestJob(decl, resolutions, supplier, ry, parent_supplier_id, ysrc, hold),
                      name or decl.file.name, link, resolver, retained, wrote)


def ingest_sources(sources: Iterable[Source], store: GraphStore, resolver: RowResolver | None = None,
                   linker: SupplierLinker | None = None, year: int | None = None,
                   parent_supplier_id: str | None = None,
                   progress: Callable[[FileResult], None] | None = None,
                   parse: ParseFn | None = None, learn: bool = True, jobs: int = 1,
                   parsed: Callable[[str], None] | None = None) -> IngestReport:
    """Ingest every source; one FileResult each, in order. Never raises for a bad file.

    `learn`: when the resolver is the reference resolver, a file whose template release's Look-up is
    not in the reference store yet has it imported before its rows are resolved (graph.lookup_learning).
    `jobs`: worker processes that read the files (`ingest.parallel`); this process learns, resolves and stores
    them in file order, one transaction per file, so the graph is the one `jobs=1` builds. `parsed(name)` is
    called as each file has been read (the CLI's first progress bar), `progress(result)` as each is stored.
    """
    from minetrace.graph.lookup_learning import LookupLearner, rebuilt

    if resolver is None:
        resolver, rdesc = default_resolver()
    else:
        rdesc = type(resolver).__name__
    learner = None
    if learn and LookupLearner.supports(resolver):
        # a fresh resolver over the same reference store: one reused across calls would not see what an
        # earlier batch learned (its alias indexes are built once)
        learner = LookupLearner(rebuilt(resolver))
    linker = linker or SupplierLinker()
    report = IngestReport(resolver=rdesc)
    if parse is None:  # the reader's parse: every file read once, in `jobs` worker processes (1: in this one)
        _ingest_read_once(list(sources), store, resolver, linker, year, parent_supplier_id, progress, learner, jobs,
                          report, parsed)
        if learner is not None:
            report.learning = learner.stats.to_json()
        _settle(report, store)
        return report
    if learner is not None:
        # a custom parse function (tests, tools): learn every new template release of the batch before resolving
        # any row, so that a batch resolves the same whatever the order of its files (and the same into any
        # store); this reads each file's Look-up once more than the read-once path
        sources = list(sources)
        prelearned = {src.name: _prelearn(learner, src, store) for src in sources}
    for src in sources:
        result = _one(src, store, learner.resolver if learner else resolver, linker, year, parent_supplier_id,
                      parse, learner, prelearned.get(src.name, False) if learner is not None else False)
        report.files.append(result)
        if progress is not None:
            progress(result)
    if learner is not None:
        report.learning = learner.stats.to_json()
    _settle(report, store)
    return report


#: what a worker returns for a file it read: ("ok", compressed pickled Declaration, Look-up key | error text)
#: or ("unreadable", message)
ParsedFile = tuple[str, Any, Any]


def parse_for_ingest(payload: tuple[bytes, str, bool]) -> ParsedFile:
    """A worker task (`ingest.parallel`): read and validate one file and, with `want_key`, compute the key of the
    Look-up it carries (what the writer needs to learn the batch's template releases before resolving). The
    declaration travels compressed: a batch's parsed files wait for the learning step in little memory."""
    import pickle
    import zlib

    from minetrace.ingest.workbook import UnreadableWorkbook

    data, name, want_key = payload
    try:
        decl, workbook = _parse_keeping_workbook(data, name)
    except UnreadableWorkbook as exc:
        return ("unreadable", exc.message, None)
    except Exception as exc:  # a reader bug must not stop the batch; say what happened
        return ("unreadable", f"could not read: {exc.__class__.__name__}: {exc}", None)
    found: Any = None
    if want_key:
        from minetrace.graph.lookup_learning import lookup_key

        try:
            found = lookup_key(decl, workbook)
        except Exception as exc:  # an importer defect on odd content: noted, the file still ingests
            found = f"{exc.__class__.__name__}: {exc}"
    return ("ok", zlib.compress(pickle.dumps(decl, protocol=pickle.HIGHEST_PROTOCOL), 1), found)


def _unpack(blob: bytes) -> Declaration:
    import pickle
    import zlib

    return pickle.loads(zlib.decompress(blob))


def _ingest_read_once(sources: list[Source], store: GraphStore, resolver: RowResolver, linker: SupplierLinker,
                      year: int | None, parent_supplier_id: str | None,
                      progress: Callable[[FileResult], None] | None, learner: Any, jobs: int | None,
                      report: IngestReport, parsed: Callable[[str], None] | None) -> None:
    """Every new file is read once (parsed, validated and its Look-up keyed in the same pass; by `jobs` worker
    processes, or in this process with jobs=1); then (all read) this process learns the batch's new Look-ups in
    file order, then resolves and stores each file in file order. A file's workbook is opened again only when
    its Look-up is new to the reference store. The parsed declarations wait compressed (a few tens of KB each)."""
    from minetrace.ingest.layouts import reader_sheets
    from minetrace.ingest.parallel import Crashed, Failed, map_in_order
    from minetrace.ingest.workbook import open_workbook

    early: dict[int, FileResult] = {}
    shas: dict[int, str] = {}
    refiles: dict[int, Any] = {}
    order: list[int] = []
    waiting: list[tuple[int, str, bytes, str]] = []  # read, not yet checked against the store

    def checked() -> Iterator[tuple[bytes, str, bool]]:
        """The waiting files the store does not hold yet, in order: one read of the stored records among them
        serves the check and the duplicates' answers (re-running a resent folder reads once per chunk)."""
        stored = store.declarations_by_id(sha for *_, sha in waiting)
        for i, name, data, sha in waiting:
            info = stored.get(sha)
            if info is not None and not _is_unfiled(info, year):
                early[i] = _duplicate_of(name, sha, info)
                continue
            shas[i] = sha
            refiles[i] = info
            order.append(i)
            yield data, name, learner is not None
        waiting.clear()

    def payloads() -> Iterator[tuple[bytes, str, bool]]:
        for i, src in enumerate(sources):
            name = printable_name(src.name)
            if src.skipped:
                early[i] = FileResult(name, S.OUTCOME_SKIPPED, message=src.skipped)
                continue
            if src.error:
                early[i] = FileResult(name, S.OUTCOME_UNREADABLE, message=src.error)
                continue
            try:
                data = src.read()
            except SourceError as exc:
                early[i] = FileResult(name, S.OUTCOME_UNREADABLE, message=str(exc))
                continue
            except OSError as exc:
                early[i] = FileResult(name, S.OUTCOME_UNREADABLE, message=f"cannot read file ({exc.strerror or exc})")
                continue
            waiting.append((i, name, data, hashlib.sha256(data).hexdigest()))
            if len(waiting) >= STORED_CHECK_CHUNK:
                yield from checked()
        yield from checked()

    read: dict[int, Any] = {}
    for n, got in enumerate(map_in_order(parse_for_ingest, payloads(), jobs=jobs)):
        read[order[n]] = got
        if parsed is not None:
            parsed(printable_name(sources[order[n]].name))

    learned: dict[int, str | None] = {}
    if learner is not None:  # every new template release of the batch, before any row is resolved
        for i in order:
            got = read[i]
            if not (isinstance(got, tuple) and got[0] == "ok"):
                continue
            src = sources[i]
            if isinstance(got[2], str):
                learner.stats.errors.append(f"{printable_name(src.name)}: Look-up not learned ({got[2]})")
                learned[i] = None
                continue

            def workbook(src: Source = src) -> Any:
                return open_workbook(src.read(), name=printable_name(src.name), sheets=reader_sheets(lookups=True))

            try:
                lesson = learner.learn_found(_unpack(got[1]), got[2], src.name, workbook)
            except WRITE_ERRORS as exc:
                raise _learning_failed(src.name, exc) from exc
            except Exception as exc:  # the file still ingests with what is known
                learner.stats.errors.append(f"{printable_name(src.name)}: Look-up not learned "
                                            f"({exc.__class__.__name__}: {exc})")
                lesson = None
            learned[i] = lesson.line() if lesson else None

    # stored in file order through the store's pipeline: this process stages file i+1 (resolves, links, retains)
    # while the store writes file i; results are emitted in file order as their jobs end
    stored_here: set[str] = set()  # the batch's own files as they are stored (the same bytes twice in a batch)
    submitted: set[str] = set()
    queue: deque[tuple[StagedFile | None, Any]] = deque()  # (staged, its job's future) | (None, FileResult)

    def settle(keep: int) -> None:
        """Emit the oldest results until `keep` store jobs at most are left unfinished in the queue."""
        while queue and (queue[0][0] is None or sum(1 for staged, _ in queue if staged is not None) > keep):
            staged, item = queue.popleft()
            if staged is not None:
                try:
                    item = _complete(staged, item, store)
                except BaseException:
                    _undo_later(queue, store)
                    queue.clear()
                    raise
                if item.outcome != S.OUTCOME_UNREADABLE and item.sha256:
                    stored_here.add(item.sha256)
            report.files.append(item)
            if progress is not None:
                progress(item)

    with store.ingest_pipeline() as pipeline:
        try:
            for i, src in enumerate(sources):
                name = printable_name(src.name)
                got = read.get(i)
                if i in early:
                    result = early[i]
                elif isinstance(got, Crashed):
                    result = FileResult(name, S.OUTCOME_UNREADABLE, sha256=shas[i],
                                        message=f"could not read: {got.reason} while reading this file; nothing from "
                                        "it was kept")
                elif isinstance(got, Failed) or not isinstance(got, tuple):
                    result = FileResult(name, S.OUTCOME_UNREADABLE, sha256=shas[i], message=f"could not read: {got}")
                elif got[0] != "ok":
                    result = FileResult(name, S.OUTCOME_UNREADABLE, sha256=shas[i], message=got[1])
                else:
                    if shas[i] in submitted:  # the same bytes earlier in this batch: its outcome first
                        settle(0)
                    if shas[i] in stored_here:  # (a refiled form is filed now)
                        result = _duplicate(store, name, shas[i])
                    else:
                        try:
                            data = src.read()
                        except OSError as exc:
                            result = FileResult(name, S.OUTCOME_UNREADABLE,
                                                message=f"cannot read file ({exc.strerror or exc})")
                        else:
                            staged = _stage_parsed(src, name, shas[i], data, _unpack(got[1]), store,
                                                   learner.resolver if learner else resolver, linker, year,
                                                   parent_supplier_id, learner,
                                                   learned.get(i) if learner is not None else False, refiles.get(i))
                            if isinstance(staged, FileResult):
                                result = staged
                            else:
                                if staged.refile is not None:  # its old record goes before this file is stored
                                    settle(0)
                                    _take_out_refiled(staged, store)
                                queue.append((staged, pipeline.submit(staged.job)))
                                submitted.add(shas[i])
                                settle(1)
                                continue
                queue.append((None, result))
                settle(1)
        except BaseException:  # a store failure on this file: the files before it are finished first
            with contextlib.suppress(Exception):
                settle(0)
            raise
        settle(0)


def _settle(report: IngestReport, store: GraphStore) -> None:
    """Once the whole batch is in, a file stored as current may be pending after all (an earlier-dated form of
    its supplier, which sets the supplier's identity, arrived later in the batch): say so. Outcomes otherwise
    stay what happened when each file was stored (a form a later file superseded stays "new")."""
    stored = [(f.sha256, f) for f in report.files if f.sha256 and f.outcome in (
        S.OUTCOME_NEW, S.OUTCOME_SUPERSEDED, S.OUTCOME_PENDING, S.OUTCOME_INVALID_STORED)]
    infos = store.declarations_by_id(sha for sha, _ in stored)  # one read for the batch, not one per file
    for sha, f in stored:
        info = infos.get(sha)
        if info is None or info.pending == f.pending:
            continue
        f.current, f.pending, f.superseded_by = info.current, info.pending, info.superseded_by
        if info.pending:
            if f.outcome != S.OUTCOME_INVALID_STORED:
                f.outcome = S.OUTCOME_PENDING
            f.message = f"pending: {info.pending}"
        elif f.message.startswith("pending:"):  # a later file settled it
            f.message = f"history: {info.superseded_by[:12]} is current" if info.superseded_by else ""
            if f.outcome == S.OUTCOME_PENDING:
                f.outcome = S.OUTCOME_NEW if info.current else S.OUTCOME_SUPERSEDED


def display_name(src: Source) -> str:
    """The name a user recognises: the file's base name, or archive!member for zip members (printable:
    undecodable bytes and control characters as escapes)."""
    archive, sep, member = src.name.partition("!")
    return printable_name(f"{Path(archive).name}{sep}{member}")


def _one(src: Source, store: GraphStore, resolver: RowResolver, linker: SupplierLinker, year: int | None,
         parent_supplier_id: str | None, parse: ParseFn, learner: Any = None,
         prelearned: str | None | Literal[False] = False) -> FileResult:
    from minetrace.ingest.workbook import UnreadableWorkbook

    name = printable_name(src.name)
    if src.skipped:
        return FileResult(name, S.OUTCOME_SKIPPED, message=src.skipped)
    if src.error:
        return FileResult(name, S.OUTCOME_UNREADABLE, message=src.error)
    try:
        data = src.read()
    except SourceError as exc:
        return FileResult(name, S.OUTCOME_UNREADABLE, message=str(exc))
    except OSError as exc:
        return FileResult(name, S.OUTCOME_UNREADABLE, message=f"cannot read file ({exc.strerror or exc})")
    sha = hashlib.sha256(data).hexdigest()
    refile = _unfiled(store, sha, year)
    if refile is None and store.has_declaration(sha):
        return _duplicate(store, name, sha)
    try:
        decl = parse(data, name)
    except UnreadableWorkbook as exc:
        return FileResult(name, S.OUTCOME_UNREADABLE, sha256=sha, message=exc.message)
    except Exception as exc:  # a reader bug must not stop the batch; say what happened
        return FileResult(name, S.OUTCOME_UNREADABLE, sha256=sha,
                          message=f"could not read: {exc.__class__.__name__}: {exc}")
    return _ingest_parsed(src, name, sha, data, decl, store, resolver, linker, year, parent_supplier_id,
                          learner, prelearned, refile)


def _duplicate(store: GraphStore, name: str, sha: str) -> FileResult:
    """The outcome of a file whose bytes the store already holds."""
    info = store.declaration(sha)
    if info is None:  # deleted meanwhile by another process: treat as new on the next run
        return FileResult(name, S.OUTCOME_DUPLICATE, sha256=sha, message="same file already stored")
    return _duplicate_of(name, sha, info)


def _duplicate_of(name: str, sha: str, info: DeclarationInfo) -> FileResult:
    """The outcome of a file whose bytes the store holds as `info`."""
    return FileResult(name, S.OUTCOME_DUPLICATE, sha256=sha, supplier_id=info.supplier_id,
                      company_name=info.company_name, reporting_year=info.reporting_year,
                      year_source=info.year_source, effective_date=info.effective_date, status=info.status,
                      template=f"{info.template_kind} {info.template_version or '?'}",
                      smelter_rows=info.smelter_rows, current=info.current, superseded_by=info.superseded_by,
                      message=f"same file already stored as {info.file_name or sha[:12]}", pending=info.pending)


def _ingest_parsed(src: Source, name: str, sha: str, data: bytes, decl: Declaration, store: GraphStore,
                   resolver: RowResolver, linker: SupplierLinker, year: int | None,
                   parent_supplier_id: str | None, learner: Any, prelearned: str | None | Literal[False],
                   refile: Any = None) -> FileResult:
    """A parsed declaration → learned Look-up, resolved rows, its supplier, the store (one transaction);
    `refile`: the stored record of the same bytes filed under no year, taken out first (`_unfiled`)."""
    staged = _stage_parsed(src, name, sha, data, decl, store, resolver, linker, year, parent_supplier_id, learner,
                           prelearned, refile)
    if isinstance(staged, FileResult):
        return staged
    _take_out_refiled(staged, store)
    try:
        done = _store_now(store, staged)
    except BaseException:  # interrupted: the file is not stored, its retained copy goes
        staged.unretain()
        raise
    return _complete(staged, done, store)


def _store_now(store: GraphStore, staged: StagedFile) -> Future[IngestOutcome]:
    """One staged file stored at once, its outcome (or the store's exception) as a finished future."""
    return InlinePipeline(store).submit(staged.job)


def _stage_parsed(src: Source, name: str, sha: str, data: bytes, decl: Declaration, store: GraphStore,
                  resolver: RowResolver, linker: SupplierLinker, year: int | None,
                  parent_supplier_id: str | None, learner: Any, prelearned: str | None | Literal[False],
                  refile: Any = None) -> StagedFile | FileResult:
    """`_ingest_parsed` up to the store's write: the staged file, or the result of a file whose content cannot
    be staged."""
    decl.file.sha256 = sha
    # evidence shows the file's own name ("reply.xlsx", "batch.zip!inner/reply.xlsx"); the full path stays
    decl.file.name = display_name(src)
    if src.user_path is not None:
        decl.file.path = printable_name(str(src.user_path))
    learned = prelearned if prelearned is not False else _learn(learner, decl, data, src.name)
    if learner is not None:
        resolver = learner.resolver  # rebuilt when this file taught a new Look-up
        decl.findings.extend(learner.findings_for(src.name))  # its own Look-up against the reference
    try:
        staged = stage_declaration(store, decl, resolver, linker, year, parent_supplier_id, data=data, name=name)
    except (ValueError, TypeError, KeyError) as exc:  # this file's content: report it, carry on
        return _not_stored(name, sha, decl, exc)
    except Exception as exc:  # the store itself failed (disk full, server gone): stop, name the file
        raise _store_failed(name, exc) from exc
    staged.learned, staged.refile = learned, refile
    return staged


def _take_out_refiled(staged: StagedFile, store: GraphStore) -> None:
    """A re-filed form's old record goes first (same bytes, stored before under no reporting year)."""
    if staged.refile is None:
        return
    try:
        store.delete_declaration(staged.job.decl.file.sha256)
    except Exception as exc:
        staged.unretain()
        raise _store_failed(staged.name, exc) from exc


def _complete(staged: StagedFile, stored: Future[IngestOutcome], store: GraphStore) -> FileResult:
    """A staged file's result once its store job has ended (`stored`): a content error is this file's result, a
    store failure stops the batch (`StoreError`); the retained copy goes with a file not stored."""
    decl = staged.job.decl
    try:
        result = staged.finish(stored.result(), store)
    except (ValueError, TypeError, KeyError) as exc:  # this file's content: report it, carry on
        staged.unretain()
        return _not_stored(staged.name, decl.file.sha256, decl, exc)
    except Exception as exc:  # the store itself failed (disk full, server gone): stop, name the file
        staged.unretain()
        raise _store_failed(staged.name, exc) from exc
    result.learned_lookup = staged.learned
    if staged.refile is not None:
        result.message = (f"filed under {staged.job.year} (stored before under no reporting year)"
                          + (f"; {result.message}" if result.message else ""))
    return result


def _not_stored(name: str, sha: str, decl: Declaration, exc: BaseException) -> FileResult:
    return FileResult(name, S.OUTCOME_UNREADABLE, sha256=sha, company_name=decl.company.name,
                      message=f"not stored: {exc.__class__.__name__}: {exc}")


def _store_failed(name: str, exc: BaseException) -> StoreError:
    return StoreError(f"{name}: the store failed while ingesting this file, which was not stored "
                      f"({exc.__class__.__name__}: {exc}); files before it are stored")


def _undo_later(entries: Iterable[tuple[StagedFile | None, Any]], store: GraphStore) -> None:
    """The batch stops at a file: the files after it that the store's pipeline had already taken are not kept —
    a stored one is taken out again (newest first), every one's retained copy goes."""
    taken: list[StagedFile] = []
    for staged, stored in entries:
        if staged is None:
            continue
        try:
            out = stored.result()
        except Exception:
            staged.unretain()
            continue
        if out.outcome != S.OUTCOME_DUPLICATE:
            taken.append(staged)
    for staged in reversed(taken):
        with contextlib.suppress(Exception):
            store.delete_declaration(staged.job.decl.file.sha256)
        staged.unretain()


def _unfiled(store: GraphStore, sha: str, year: int | None) -> Any:
    """A stored form filed under no reporting year, ingested again with --year: it is stored again under that
    year (taken out just before, same bytes, same supplier link). Returns the old record, or None."""
    if year is None or not store.has_declaration(sha):
        return None
    info = store.declaration(sha)
    return info if info is not None and _is_unfiled(info, year) else None


def _is_unfiled(info: DeclarationInfo, year: int | None) -> bool:
    """`info` was filed under no reporting year and a year is given now: it is filed again (`_unfiled`)."""
    return year is not None and info.reporting_year is None and info.year_source == UNFILED


def _learning_failed(name: str, exc: BaseException) -> StoreError:
    return StoreError(f"{printable_name(name)}: the reference store could not be written while learning this "
                      f"file's Look-up ({exc.__class__.__name__}: {exc}); nothing from this file was kept")


def _prelearn(learner: Any, src: Source, store: GraphStore) -> str | None | Literal[False]:
    """Import the Look-up a not-yet-stored file carries, reading only what template detection needs.

    Returns what was learned (a label), None when nothing was new, False when the file could not be
    checked here (the main pass then tries again with the parsed declaration). A write failure of the
    reference store raises StoreError (the batch stops before storing anything)."""
    from types import SimpleNamespace

    from minetrace.ingest.detect import detect_template
    from minetrace.ingest.layouts import reader_sheets
    from minetrace.ingest.workbook import open_workbook

    if src.error or src.skipped:
        return False
    try:
        data = src.read()
        if store.has_declaration(hashlib.sha256(data).hexdigest()):
            return None
        workbook = open_workbook(data, name=printable_name(src.name), sheets=reader_sheets(lookups=True))
        template, _layout = detect_template(workbook)
    except Exception:  # unreadable files are reported by the main pass
        return False
    try:
        got = learner.learn(SimpleNamespace(template=template), workbook, src.name)
    except WRITE_ERRORS as exc:
        raise _learning_failed(src.name, exc) from exc
    except Exception as exc:  # an importer defect on odd content: the file still ingests with what is known
        learner.stats.errors.append(f"{printable_name(src.name)}: Look-up not learned "
                                    f"({exc.__class__.__name__}: {exc})")
        return None
    return got.line() if got else None


def _learn(learner: Any, decl: Declaration, data: bytes, name: str) -> str | None:
    """Import the file's template Look-up when its release is new (a file `_prelearn` could not check, parsed by
    a custom parse function: its workbook is opened again, only for this); an importer defect is noted, a write
    failure of the reference store stops the batch (StoreError)."""
    if learner is None:
        return None
    try:
        from minetrace.ingest.workbook import open_workbook

        got = learner.learn(decl, open_workbook(data, name=printable_name(name)), name)
    except WRITE_ERRORS as exc:
        raise _learning_failed(name, exc) from exc
    except Exception as exc:  # the file still ingests with what the store knows
        learner.stats.errors.append(f"{printable_name(name)}: Look-up not learned ({exc.__class__.__name__}: {exc})")
        return None
    return got.line() if got else None


def ingest_paths(paths: Iterable[str | Path], store: GraphStore, resolver: RowResolver | None = None,
                 supplier_map: str | Path | None = None, year: int | None = None,
                 parent_supplier_id: str | None = None,
                 progress: Callable[[FileResult], None] | None = None,
                 parse: ParseFn | None = None, learn: bool = True,
                 sources: list[Source] | None = None, jobs: int = 1,
                 parsed: Callable[[str], None] | None = None) -> IngestReport:
    """Files, folders (recursive) and zip archives → the store. See the module docstring for the rules.

    `supplier_map`: a master list (CSV/xlsx) — its suppliers are upserted first and declarations
    are matched against it. `sources`: `paths` already expanded by `iter_sources` (the CLI counts them
    for its progress bar; expanding twice would spool nested archives twice).
    """
    findings: list[str] = []
    relinked = None
    if supplier_map is not None:
        listed, findings = SupplierLinker.from_file(supplier_map)
        if listed.records:
            store.upsert_suppliers(listed.records)
            # the forms stored before this master list: filed under their master-list suppliers now
            relinked = relink_store(store, linker_for_store(store))
    # the store's master list (including the one just imported) and the analysts' remembered links
    linker = linker_for_store(store)
    if parent_supplier_id is not None and store.supplier(parent_supplier_id) is None:
        raise KeyError(f"--under {parent_supplier_id}: no such supplier in the store")
    report = ingest_sources(sources if sources is not None else iter_sources(list(paths)), store, resolver=resolver,
                            linker=linker, year=year,
                            parent_supplier_id=parent_supplier_id, progress=progress, parse=parse, learn=learn,
                            jobs=jobs, parsed=parsed)
    report.supplier_map = str(supplier_map) if supplier_map is not None else None
    report.supplier_map_findings = findings
    report.relinked = relinked
    return report


def new_supplier_record(decl: Declaration) -> SupplierRecord:
    """A supplier made from what the declaration says about its company."""
    return SupplierLinker().link(decl)[0]
