"""Two forms in flight on a real Neo4j 5.26 (graph/neo4j_pipeline.py) store what one form at a time stores.

The order-sensitive cases are in the batch on purpose: three forms of one supplier with the same effective date
(the last ingested is current), a provisional smelter one form creates and the next reports, a smelter whose
country a later form upgrades, a sub-supplier, a resend. A pipeline that let form k+1 run before form k committed
would give another current form, a second provisional smelter (a constraint error) or another location.
Then the failure cases: a form the server refuses stops the forms after it (none stored, earlier ones kept), and a
form whose attempt fails after the next form took the lock is retried first, the next one after it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from neo4j.exceptions import TransientError

from minetrace.app.synthetic import graph_program as synth
from minetrace.graph.embedded import EmbeddedStore
from minetrace.graph.export import canonical_dump
from minetrace.graph.neo4j_pipeline import Neo4jPipeline
from minetrace.graph.neo4j_store import Neo4jStore, Neo4jStoreError
from minetrace.graph.store import IngestJob, IngestOutcome, StoreStopped, SupplierRecord
from minetrace.ingest.records import Resolution

pytestmark = pytest.mark.neo4j

POOL = synth.facility_pool(60, seed=11)
FAC = {f.cid: f for f in POOL}


@pytest.fixture
def store(neo4j_clean: str, tmp_path: Path) -> Iterator[Neo4jStore]:
    st = Neo4jStore(neo4j_clean, files_dir=tmp_path / "files")
    yield st
    st.close()


def job(decl: Any, supplier: SupplierRecord, parent: str | None = None, resolutions: list | None = None) -> IngestJob:
    return IngestJob(decl, resolutions if resolutions is not None else synth.resolve_exact(decl, FAC), supplier, 2025,
                     parent)


def batch() -> list[IngestJob]:
    """A program plus the cases whose result depends on the order the forms are stored in."""
    jobs = [job(d, SupplierRecord("decl:" + n.lower(), n)) for d, n in synth.program(14, seed=21, pool=POOL)]
    acme = SupplierRecord("decl:acme", "Acme")
    for k in range(3):  # same supplier, year, scope and effective date: the last stored is current
        jobs.append(job(synth.declaration("Acme", [synth.smelter_row(5 + k, POOL[k])], tag=f"same-day-{k}"), acme))
    new = [synth.unresolved_row(5, "Tin", "Brand New Smelter", "BOLIVIA")]  # a provisional smelter, made by the first
    jobs += [job(synth.declaration(f"Newcomer {k}", new, tag=f"new-{k}"), SupplierRecord(f"decl:new {k}", f"N{k}"))
             for k in range(3)]
    fac = POOL[7]  # declared country only, then the resolver's: the edge is upgraded by the second form
    declared_only = [Resolution("resolved", fac.cid, "cid", 100.0, given_cid=fac.cid, metal=fac.metal,
                                standard_name=fac.name, country_iso2=None)]
    first = synth.declaration("Loc One", [synth.smelter_row(5, fac)], tag="loc1")
    second = synth.declaration("Loc Two", [synth.smelter_row(5, fac)], tag="loc2")
    jobs += [job(first, SupplierRecord("decl:loc one", "Loc One"), resolutions=declared_only),
             job(second, SupplierRecord("decl:loc two", "Loc Two"))]
    jobs.append(job(synth.declaration("Tier Two", [synth.smelter_row(5, POOL[9])], tag="t2"),
                    SupplierRecord("decl:tier two", "Tier Two"), parent=jobs[2].supplier.id))
    jobs.append(jobs[3])  # the same file again: a duplicate
    return jobs


def one_at_a_time(store: Any, jobs: list[IngestJob]) -> list[IngestOutcome]:
    return [store.ingest_declaration(j.decl, j.resolutions, j.supplier, j.year, parent_supplier_id=j.parent_supplier_id)
            for j in jobs]


def pipelined(pipeline: Any, jobs: list[IngestJob]) -> list[Any]:
    """Each job's outcome, or the exception it ended with."""
    futures = [pipeline.submit(j) for j in jobs]
    out: list[Any] = []
    for f in futures:
        try:
            out.append(f.result(timeout=120))
        except Exception as exc:
            out.append(exc)
    return out


def test_two_forms_in_flight_store_the_graph_one_at_a_time_stores(store: Neo4jStore, tmp_path: Path) -> None:
    jobs = batch()
    emb = EmbeddedStore(tmp_path / "embedded")
    try:
        want = one_at_a_time(emb, jobs)
        with store.ingest_pipeline() as pipeline:
            assert isinstance(pipeline, Neo4jPipeline)
            got = pipelined(pipeline, jobs)
        assert got == want
        assert [o.outcome for o in got][-1] == "duplicate"
        acme = [o.declaration_id for o, j in zip(got, jobs, strict=True) if j.supplier.id == "decl:acme"]
        infos = store.declarations_by_id(acme)
        assert [infos[i].current for i in acme] == [False, False, True]
        assert list(canonical_dump(store)) == list(canonical_dump(emb))
    finally:
        emb.close()


def test_a_form_the_server_refuses_stops_the_later_ones_and_keeps_the_earlier(store: Neo4jStore) -> None:
    jobs = [job(d, SupplierRecord("decl:" + n.lower(), n)) for d, n in synth.program(6, seed=4, pool=POOL)]
    # a map is no property value: the server refuses the supplier's MERGE (not a retryable error)
    bad = job(synth.declaration("Bad", [synth.smelter_row(5, POOL[1])], tag="bad"),
              SupplierRecord("decl:bad", "Bad", category={"a": 1}))  # type: ignore[arg-type]
    with store.ingest_pipeline() as pipeline:
        got = pipelined(pipeline, [*jobs[:3], bad, *jobs[3:]])
    assert all(isinstance(o, IngestOutcome) and o.outcome == "new" for o in got[:3])
    assert isinstance(got[3], Neo4jStoreError)
    assert all(isinstance(o, StoreStopped) for o in got[4:])
    stored = {d.id for d in store.declarations(current_only=False)}
    assert stored == {j.decl.file.sha256 for j in jobs[:3]}


def test_content_errors_refuse_that_form_only(store: Neo4jStore) -> None:
    jobs = [job(d, SupplierRecord("decl:" + n.lower(), n)) for d, n in synth.program(3, seed=8, pool=POOL)]
    short = job(synth.declaration("Short", [synth.smelter_row(5, POOL[1])], tag="short"),
                SupplierRecord("decl:short", "Short"), resolutions=[])
    with store.ingest_pipeline() as pipeline:
        got = pipelined(pipeline, [jobs[0], short, *jobs[1:]])
    assert isinstance(got[1], ValueError) and "resolutions" in str(got[1])
    assert [o.outcome for o in (got[0], *got[2:])] == ["new"] * 3


class FailOnce:
    """The store, except that form `k`'s first attempt fails with a transient error after its head statement —
    once form k+1's head is waiting for the lock — as a deadlock or a leader switch would end it."""

    def __init__(self, store: Neo4jStore, k_sha: str, next_sha: str) -> None:
        self.store, self.k_sha, self.next_sha = store, k_sha, next_sha
        self.attempts: dict[str, int] = {}
        self.next_sent = threading.Event()
        self._lock = threading.Lock()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.store, name)

    def ingest_tx(self, tx: Any, p: dict[str, Any], after_head: Callable[[], None] | None = None) -> IngestOutcome:
        with self._lock:
            n = self.attempts[p["sha"]] = self.attempts.get(p["sha"], 0) + 1
        if p["sha"] == self.next_sha:
            self.next_sent.set()  # its head goes out now and waits for form k's lock

        def failing_head() -> None:
            assert after_head is not None
            after_head()
            if p["sha"] == self.k_sha and n == 1:
                assert self.next_sent.wait(10)
                time.sleep(0.3)  # the next form's head reaches the server and waits for the lock
                raise TransientError("injected: the transaction was terminated")

        return self.store.ingest_tx(tx, p, failing_head)


def test_a_retried_form_stays_before_the_next_one(store: Neo4jStore, tmp_path: Path) -> None:
    acme = SupplierRecord("decl:acme", "Acme")
    forms = [synth.declaration("Acme", [synth.smelter_row(5 + k, POOL[k])], tag=f"retry-{k}") for k in range(4)]
    jobs = [job(d, acme) for d in forms]
    wrapped = FailOnce(store, forms[1].file.sha256, forms[2].file.sha256)
    with Neo4jPipeline(wrapped) as pipeline:  # type: ignore[arg-type]
        got = pipelined(pipeline, jobs)
    assert wrapped.attempts[forms[1].file.sha256] == 2
    assert wrapped.attempts[forms[2].file.sha256] == 2, "the next form did not start again after the retried one"
    emb = EmbeddedStore(tmp_path / "embedded")
    try:
        assert got == one_at_a_time(emb, jobs)
        assert [o.outcome for o in got] == ["new"] * 4 and forms[1].file.sha256 in got[2].supersedes
        assert list(canonical_dump(store)) == list(canonical_dump(emb))
    finally:
        emb.close()


class RefusesOne(Neo4jStore):
    """A real Neo4j store whose server refuses one named file's write (a map is no property value), as a server
    refuses a write it cannot take."""

    refuse: str = ""

    def ingest_payload(self, job: IngestJob) -> dict[str, Any]:
        payload = super().ingest_payload(job)
        if job.decl.file.name == self.refuse:
            payload["props"]["policy_url"] = {"not": "a property value"}
        return payload


def test_the_ingest_command_stops_at_the_refused_file_and_keeps_nothing_after_it(neo4j_clean: str,
                                                                                 tmp_path: Path) -> None:
    """Through `ingest_paths` (the pipeline with a form in flight): the files before the refused one are stored and
    reported, the batch stops naming it, and the file after it — already resolved, linked and retained while the
    refused one was being written — leaves neither a declaration nor a retained copy."""
    from datetime import date

    from minetrace.graph.ingest import StoreError, ingest_paths
    from minetrace.queries.template_writer import Facility, SmelterSpec, complete_spec, write_cmrt

    kappa = Facility("CID940001", "Tin", "Kappa Tin Smelting Works", "BOLIVIA")
    names = [f"{k}-form.xlsx" for k in "abcde"]
    for k, name in zip("abcde", names, strict=True):
        spec = complete_spec(f"Company {k.upper()} Ltd", metals=("Tin",), smelters=[SmelterSpec.listed(kappa)],
                             effective_date=date(2025, 3, 1))
        write_cmrt(spec, tmp_path / "in" / name, "6.5", facilities=[kappa])
    store = RefusesOne(neo4j_clean, files_dir=tmp_path / "files")
    store.refuse = names[2]
    seen: list[str] = []
    try:
        with pytest.raises(StoreError, match=names[2]):
            ingest_paths([tmp_path / "in"], store, progress=lambda r: seen.append(r.name), jobs=1)
        assert [Path(n).name for n in seen] == names[:2]
        stored = {d.file_name for d in store.declarations(current_only=False)}
        assert stored == set(names[:2])
        kept = {p.name for p in (tmp_path / "files").rglob("*") if p.is_file()}
        assert len(kept) == 2  # the two stored files' copies only
    finally:
        store.close()
