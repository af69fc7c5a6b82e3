"""Real CMRT workbooks (written with openpyxl) → parse → resolve → the embedded graph.

Covers the per-file outcomes, zip archives and zip bombs, duplicates by sha256, supersede across
files, master-list linking, multi-tier (--under), the reporting-year rule, file retention and the
idempotency of ingesting the same folder twice.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from datetime import date
from pathlib import Path

import pytest

from minetrace.graph.embedded import EmbeddedStore
from minetrace.graph.export import canonical_dump
from minetrace.graph.ingest import ingest_paths
from minetrace.graph.resolving import CidOnlyResolver
from minetrace.queries.template_writer import Facility, SmelterSpec, complete_spec, write_cmrt

TIN = Facility("CID000001", "Tin", "Alpha Tin Smelter", "INDONESIA")
GOLD = Facility("CID000002", "Gold", "Beta Gold Refinery", "SWITZERLAND")
TA = Facility("CID000003", "Tantalum", "Gamma Tantalum Works", "CHINA")
W = Facility("CID000004", "Tungsten", "Delta Tungsten Co.", "VIET NAM")
ALL = [TIN, GOLD, TA, W]
RESOLVER = CidOnlyResolver()


def cmrt(path: Path, company: str, facilities: list[Facility], effective: date = date(2025, 3, 1),
         domain: str = "example.com", extra: list[SmelterSpec] | None = None, scope: str = "A") -> Path:
    rows = [SmelterSpec.listed(f) for f in facilities] + list(extra or [])
    spec = complete_spec(company, smelters=rows, effective_date=effective, email_domain=domain, scope=scope)
    return write_cmrt(spec, path, facilities=ALL)


@pytest.fixture
def store(tmp_path: Path) -> EmbeddedStore:
    st = EmbeddedStore(tmp_path / "store")
    yield st
    st.close()


def outcomes(report) -> dict[str, str]:
    return {Path(f.name.split("!")[-1]).name: f.outcome for f in report.files}


def test_folder_outcomes_duplicates_and_retention(tmp_path: Path, store: EmbeddedStore) -> None:
    folder = tmp_path / "in"
    (folder / "sub").mkdir(parents=True)
    a = cmrt(folder / "acme.xlsx", "Acme Components Ltd.", [TIN, GOLD, TA, W], domain="acme.example")
    cmrt(folder / "sub" / "bolt.xlsx", "Bolt Metals GmbH", [TIN, GOLD, TA, W], domain="bolt.example")
    (folder / "sub" / "copy-of-acme.xlsx").write_bytes(a.read_bytes())
    (folder / "broken.xlsx").write_bytes(b"PK\x03\x04 this is not a workbook")
    (folder / "notes.txt").write_text("call Bolt on Monday")
    report = ingest_paths([folder], store, resolver=RESOLVER)
    got = outcomes(report)
    assert got["acme.xlsx"] == "new" and got["bolt.xlsx"] == "new"
    assert got["copy-of-acme.xlsx"] == "duplicate"
    assert got["broken.xlsx"] == "unreadable" and got["notes.txt"] == "unreadable"
    broken = next(f for f in report.files if f.name.endswith("broken.xlsx"))
    assert broken.message.strip()  # the reader's reason, shown next to the file name
    assert report.counts() == {"new": 2, "duplicate": 1, "superseded": 0, "invalid_stored": 0, "unreadable": 2,
                               "pending": 0, "skipped": 0}
    assert "2 new" in report.summary() and "2 unreadable" in report.summary()
    sha = hashlib.sha256(a.read_bytes()).hexdigest()
    kept = store.files_dir / sha[:2] / sha
    assert kept.read_bytes() == a.read_bytes()
    hops = store.suppliers_for_smelter("CID000001")
    assert [h.supplier_id for h in hops] == ["decl:acme components", "decl:bolt metals"]
    assert hops[0].row >= 5 and hops[0].file_name.endswith("acme.xlsx") and hops[0].method == "cid"


def test_same_folder_twice_gives_an_identical_graph(tmp_path: Path, store: EmbeddedStore) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    cmrt(folder / "a.xlsx", "Acme Components Ltd.", [TIN, GOLD, TA, W])
    cmrt(folder / "b.xlsx", "Bolt Metals GmbH", [TIN, GOLD, TA, W],
         extra=[SmelterSpec.not_listed("Tin", "Obscure Tin Ltd", "BOLIVIA", mine_countries="Bolivia")])
    ingest_paths([folder], store, resolver=RESOLVER)
    first, version = list(canonical_dump(store)), store.version()
    again = ingest_paths([folder], store, resolver=RESOLVER)
    assert {f.outcome for f in again.files} == {"duplicate"}
    assert list(canonical_dump(store)) == first and store.version() == version
    other = EmbeddedStore(tmp_path / "other")
    ingest_paths([folder], other, resolver=RESOLVER)
    assert list(canonical_dump(other)) == first
    other.close()


def test_zip_archives_and_zip_bombs(tmp_path: Path, store: EmbeddedStore) -> None:
    a = cmrt(tmp_path / "acme.xlsx", "Acme Components Ltd.", [TIN, GOLD, TA, W])
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("replies/acme.xlsx", a.read_bytes())
        zf.writestr("replies/garbage.xlsx", b"not a workbook at all")
    (tmp_path / "replies.zip").write_bytes(buf.getvalue())
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("huge.xlsx", b"\0" * (60 * 1024 * 1024))
    (tmp_path / "bomb.zip").write_bytes(bomb.getvalue())
    report = ingest_paths([tmp_path / "replies.zip", tmp_path / "bomb.zip"], store, resolver=RESOLVER)
    got = {f.name.rsplit("/", 1)[-1]: f for f in report.files}
    assert got["replies.zip!replies/acme.xlsx".rsplit("/", 1)[-1]].outcome == "new"
    assert got["garbage.xlsx"].outcome == "unreadable"
    bomb_result = next(f for f in report.files if "bomb.zip" in f.name)
    assert bomb_result.outcome == "unreadable" and "zip bomb" in bomb_result.message
    assert store.stats()["nodes"]["Declaration"] == 1


def test_supersede_across_files_in_either_order(tmp_path: Path, store: EmbeddedStore) -> None:
    old = cmrt(tmp_path / "acme-feb.xlsx", "Acme Components Ltd.", [TIN, GOLD, TA, W], effective=date(2025, 2, 1))
    new = cmrt(tmp_path / "acme-may.xlsx", "Acme Components Ltd.", [GOLD, TIN, TA, W], effective=date(2025, 5, 1))
    r1 = ingest_paths([old, new], store, resolver=RESOLVER)
    assert [f.outcome for f in r1.files] == ["new", "new"] and r1.files[1].supersedes == [r1.files[0].sha256]
    other = EmbeddedStore(tmp_path / "other")
    r2 = ingest_paths([new, old], other, resolver=RESOLVER)
    assert [f.outcome for f in r2.files] == ["new", "superseded"]
    assert r2.files[1].superseded_by == r2.files[0].sha256
    assert [d.id for d in other.declarations()] == [r2.files[0].sha256]
    assert len(other.declarations(current_only=False)) == 2
    other.close()


def test_invalid_form_is_stored(tmp_path: Path, store: EmbeddedStore) -> None:
    spec = complete_spec("Sloppy Supplier Inc.", smelters=[SmelterSpec.listed(TIN)])
    spec.company["contact_email"] = "not-an-email"
    spec.company["effective_date"] = None
    path = write_cmrt(spec, tmp_path / "sloppy.xlsx", facilities=ALL)
    (res,) = ingest_paths([path], store, resolver=RESOLVER, year=2024).files
    assert res.outcome == "invalid_stored" and res.status == "invalid" and res.errors > 0
    assert (res.reporting_year, res.year_source) == (2024, "option")
    info = store.declaration(res.sha256)
    assert info is not None and info.status == "invalid" and info.year_source == "option"


def test_reporting_year_from_effective_date(tmp_path: Path, store: EmbeddedStore) -> None:
    path = cmrt(tmp_path / "a.xlsx", "Acme Components Ltd.", [TIN, GOLD, TA, W], effective=date(2026, 2, 10))
    (res,) = ingest_paths([path], store, resolver=RESOLVER).files
    assert (res.reporting_year, res.year_source) == (2026, "effective_date")


def test_master_list_linking_and_multi_tier(tmp_path: Path, store: EmbeddedStore) -> None:
    master = tmp_path / "vendors.csv"
    master.write_text("Supplier ID,Supplier Name,Aliases,Contact Email\n"
                      "V-1,Acme Components Limited,ACME,buyer@acme.example\n"
                      "V-2,Bolt Metals GmbH,,sales@boltmetals.example\n"
                      "V-3,Quiet Partner AG,,hello@quiet.example\n")
    a = cmrt(tmp_path / "acme.xlsx", "ACME Components Ltd", [TIN, GOLD, TA, W], domain="acme.example")
    b = cmrt(tmp_path / "renamed.xlsx", "Totally New Name Corp", [TIN, GOLD, TA, W], domain="boltmetals.example")
    c = cmrt(tmp_path / "stranger.xlsx", "Stranger Things Ltd", [TIN, GOLD, TA, W], domain="stranger.example")
    report = ingest_paths([a, b, c], store, resolver=RESOLVER, supplier_map=master)
    links = {Path(f.name).name: (f.supplier_id, f.supplier_link) for f in report.files}
    assert links["acme.xlsx"] == ("V-1", "name")
    assert links["renamed.xlsx"] == ("V-2", "email_domain")
    assert links["stranger.xlsx"] == ("decl:stranger things", "declared (not on master list)")
    s1 = store.supplier("V-1")
    assert s1 is not None and s1.name == "Acme Components Limited" and s1.origin == "master_list"
    assert store.supplier("V-3") is not None and store.supplier("V-3").declarations == 0
    sub = cmrt(tmp_path / "sub.xlsx", "Deep Tier Mining Ltd", [TIN, GOLD, TA, W], domain="deep.example")
    (res,) = ingest_paths([sub], store, resolver=RESOLVER, parent_supplier_id="V-2").files
    assert res.outcome == "new"
    assert store.supplier_chains([res.supplier_id]) == {res.supplier_id: [["company", "V-2", res.supplier_id]]}
    with pytest.raises(KeyError):
        ingest_paths([sub], store, resolver=RESOLVER, parent_supplier_id="NOPE")


def test_bad_master_list_is_reported_not_fatal(tmp_path: Path, store: EmbeddedStore) -> None:
    master = tmp_path / "vendors.csv"
    master.write_text("nothing useful here\n1,2,3\n")
    a = cmrt(tmp_path / "acme.xlsx", "Acme Components Ltd.", [TIN, GOLD, TA, W])
    report = ingest_paths([a], store, resolver=RESOLVER, supplier_map=master)
    assert report.supplier_map_findings and report.files[0].outcome == "new"
    assert report.files[0].supplier_id == "decl:acme components"


def test_store_failure_stops_the_batch_with_a_clear_error(tmp_path: Path) -> None:
    import sqlite3

    from minetrace.graph.ingest import StoreError

    a = cmrt(tmp_path / "a.xlsx", "Acme Components Ltd.", [TIN, GOLD, TA, W])
    b = cmrt(tmp_path / "b.xlsx", "Bolt Metals GmbH", [TIN, GOLD, TA, W])
    st = EmbeddedStore(tmp_path / "store", busy_timeout=0.2)
    ingest_paths([a], st, resolver=RESOLVER)
    blocker = sqlite3.connect(tmp_path / "store" / "graph.sqlite", isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")  # another process holds the write lock
    try:
        with pytest.raises(StoreError, match="b.xlsx: the store failed"):
            ingest_paths([b], st, resolver=RESOLVER)
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    assert [d.file_name for d in st.declarations()] == [a.name]
    (res,) = ingest_paths([b], st, resolver=RESOLVER).files  # lock gone: the same file goes in whole
    assert res.outcome == "new" and st.smelters_for_supplier(res.supplier_id)[0].file_name == b.name
    st.close()


class CountingStore(EmbeddedStore):
    """The embedded store, counting the reads an ingest makes of it (a server pays a round trip for each)."""

    def __init__(self, folder: Path) -> None:
        super().__init__(folder)
        self.calls: dict[str, int] = {}

    def _count(self, name: str) -> None:
        self.calls[name] = self.calls.get(name, 0) + 1

    def has_declaration(self, sha256: str) -> bool:
        self._count("has_declaration")
        return super().has_declaration(sha256)

    def declaration(self, declaration_id: str):  # type: ignore[no-untyped-def]
        self._count("declaration")
        return super().declaration(declaration_id)

    def declarations_by_id(self, ids):  # type: ignore[no-untyped-def]
        self._count("declarations_by_id")
        return super().declarations_by_id(ids)


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_batch_asks_the_store_once_per_chunk_not_once_per_file(tmp_path: Path, jobs: int,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """Which files are stored already is one read per STORED_CHECK_CHUNK files (it also gives a duplicate's stored
    record), the closing pass one read for the batch; a per-file question comes only for the same bytes twice in the
    batch (the record just stored is named)."""
    import minetrace.graph.ingest as ingest_mod

    monkeypatch.setattr(ingest_mod, "STORED_CHECK_CHUNK", 3)
    folder = tmp_path / "in"
    folder.mkdir()
    names = ["Acme", "Bolt", "Crane", "Delta", "Echo", "Fox"]
    files = [cmrt(folder / f"{i}-{n.lower()}.xlsx", f"{n} Metals Ltd.", ALL,
                  domain=f"{n.lower()}.example") for i, n in enumerate(names)]
    (folder / "6-copy-of-acme.xlsx").write_bytes(files[0].read_bytes())
    store = CountingStore(tmp_path / "store")
    first = ingest_paths([files[1]], store, resolver=RESOLVER, jobs=jobs)  # stored before the batch
    assert [f.outcome for f in first.files] == ["new"]
    store.calls.clear()
    report = ingest_paths([folder], store, resolver=RESOLVER, jobs=jobs)
    got = outcomes(report)
    assert got == {"0-acme.xlsx": "new", "1-bolt.xlsx": "duplicate", "2-crane.xlsx": "new", "3-delta.xlsx": "new",
                   "4-echo.xlsx": "new", "5-fox.xlsx": "new", "6-copy-of-acme.xlsx": "duplicate"}
    dup = next(f for f in report.files if f.name.endswith("6-copy-of-acme.xlsx"))
    assert "already stored as" in dup.message and "0-acme.xlsx" in dup.message
    assert store.calls.get("has_declaration", 0) == 0
    assert store.calls["declarations_by_id"] == 3 + 1  # 7 files, 3 per read; the closing pass
    assert store.calls["declaration"] == 1  # the copy of a file this batch stored, named by its record
    assert store.declaration(hashlib.sha256(files[5].read_bytes()).hexdigest()) is not None
    store.close()
