"""The shipped starter set: loads offline (no network, no ../shared), once, with a citation per row,
and none of its files is a copy of a file in ../shared."""

from __future__ import annotations

import hashlib
from pathlib import Path

from conftest import shared_path

from ingest.reference import ReferenceStore
from ingest.reference.starter import STARTER_DIR, STARTER_FILES


def table_dump(store: ReferenceStore) -> dict[str, list[tuple]]:
    tables = [r[0] for r in store.db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
    return {t: sorted(tuple(r) for r in store.db.execute(f"SELECT * FROM {t}")) for t in tables
            if t not in ("imports",)}


def test_starter_loads_offline_without_shared(tmp_path, monkeypatch):
    # no network, no ../shared: the store is a fresh tmp dir and only ingest/starter is read
    monkeypatch.setenv("MINETRACE_STORE", str(tmp_path / "store"))
    opened: list[str] = []
    real_open = Path.open

    def spy(self, *a, **k):
        opened.append(str(self))
        return real_open(self, *a, **k)

    monkeypatch.setattr(Path, "open", spy)
    store = ReferenceStore.open()
    assert store.path == tmp_path / "store" / "reference.sqlite"
    assert not [p for p in opened if "/shared/" in p]
    assert store.covered_countries() == {"CD", "AO", "BI", "CF", "CG", "RW", "SS", "TZ", "UG", "ZM"}
    watched = {w["cid"] for w in store.watchlist()}
    for cid in ("CID002587", "CID002563", "CID002507", "CID002854", "CID002515", "CID002567", "CID003185",
                "CID001326", "CID000493", "CID000929", "CID001204", "CID001386", "CID001756"):
        assert cid in watched, cid
        assert store.facility(cid) is not None
    assert all(w["evidence"] and w["source"] for w in store.watchlist())
    assert len(store.report_facts("2016-form-sd-appendix-a")) == 311
    assert store.facility("CID002507").retired  # starter revision: removed 2017-03-17
    assert store.is_covered_country("CG") and not store.is_covered_country("ZW")
    assert {c["iso2"] for c in store.cahra_as_of("2021-06-30")} >= {"CD", "ZW", "SD", "MM"}
    assert store.cahra_as_of("2019-01-01") == []
    store.close()


def test_starter_loads_once(tmp_path):
    store = ReferenceStore(tmp_path)
    before = table_dump(store)
    store.close()
    store = ReferenceStore(tmp_path)
    assert table_dump(store) == before
    assert len([i for i in store.imports() if i["importer"] == "starter"]) == 1


def test_starter_files_are_our_own(tmp_path):
    for name in STARTER_FILES:
        assert (STARTER_DIR / name).exists(), name
    assert (STARTER_DIR / "README.md").exists()
    import csv

    for name in ("watchlist.csv", "facilities.csv", "covered_countries.csv", "report_2016_appendix_a.csv"):
        with (STARTER_DIR / name).open(encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh))
        assert rows and all(r["source"].strip() for r in rows), name


def test_no_starter_file_is_a_copy_of_shared():
    shared = shared_path("reference")
    theirs = {hashlib.sha256(p.read_bytes()).hexdigest() for p in shared.parent.rglob("*") if p.is_file()}
    for p in STARTER_DIR.iterdir():
        assert hashlib.sha256(p.read_bytes()).hexdigest() not in theirs, p.name


def test_starter_does_not_ship_the_rmi_list():
    import csv

    with (STARTER_DIR / "facilities.csv").open(encoding="utf-8") as fh:
        assert len(list(csv.DictReader(fh))) < 60  # a few dozen cited facts, not RMI's 347-CID compilation
