"""Reference store: starter set offline, as-of status queries, idempotent imports, country helpers."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from minetrace.ingest.reference import ReferenceStore, country_iso2, import_file

CONFORMANT_HEADER = ("Metal,Smelter ID,Standard Smelter Name,State/ Province/ Region,Country Location,"
                     "Company Website with CM Policy,Last Audit Date,Audit Cycle,Reaudit In Progress,LBMA RG,RJC\n")
REFERENCE_HEADER = "Metal,Smelter Reference,Standard Smelter Name,Country,Smelter ID,City,State Province\n"
REVISIONS_HEADER = ("Metal,Smelter ID,Standard Smelter Name,Country,Basis for Revision,Details,Revision Date,"
                    "Smelter Added Date\n")


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def table_dump(store: ReferenceStore) -> dict[str, list[tuple]]:
    tables = [r[0] for r in store.db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
    return {t: sorted((tuple(r) for r in store.db.execute(f"SELECT * FROM {t}")), key=repr) for t in tables
            if t not in ("imports",)}


def _status_store(tmp_path: Path) -> ReferenceStore:
    store = ReferenceStore(tmp_path / "s")
    import_file(store, write(tmp_path / "ref_2024-01-15.csv", REFERENCE_HEADER
                             + "Gold,Example Gold Refinery,Example Gold Refinery Co. Ltd.,JAPAN,CID000101,Osaka,\n"
                             + "Tin,Sample Tin,Sample Tin Smelter,BOLIVIA,CID000102,Oruro,\n"))
    import_file(store, write(tmp_path / "conformant_2024-01-15.csv", CONFORMANT_HEADER
                             + "Gold,CID000101,Example Gold Refinery Co. Ltd.,Osaka,JAPAN,,2023-06-01T00:00:00,"
                               "1 Year,,,\n"))
    import_file(store, write(tmp_path / "conformant_2025-03-01.csv", CONFORMANT_HEADER
                             + "Tin,CID000102,Sample Tin Smelter,Oruro,BOLIVIA,,2025-02-01,3 Years,Yes,,\n"))
    return store


def test_status_as_of_conformant_then_lapsed(tmp_path):
    store = _status_store(tmp_path)
    s = store.status_as_of("CID000101", "2024-03-31")
    assert (s.status, s.last_audit, s.audit_cycle, s.lapsed) == ("Conformant", "2023-06-01", "1 Year", False)
    assert "conformant_2024-01-15.csv" in s.source and s.observed_on == "2024-01-15"
    s = store.status_as_of("CID000101", "2024-07-01")  # audit 2023-06-01 + 1 year has passed
    assert s.status == "Conformant" and s.lapsed and s.cycle_passed
    # the 2025 list no longer carries CID000101
    assert store.status_as_of("CID000101", "2025-06-30").status == "Not listed"
    store.close()


def test_status_before_and_after_an_observation(tmp_path):
    store = _status_store(tmp_path)
    assert store.status_as_of("CID000102", "2023-12-31").status == "Unknown"  # before any list
    assert store.status_as_of("CID000102", "2024-06-30").status == "Not listed"  # list of 2024 without it
    after = store.status_as_of("CID000102", "2025-03-01")
    assert after.status == "Conformant" and after.reaudit_in_progress and not after.lapsed
    inferred = store.status_as_of("CID000102", "2025-02-15")  # before the 2025 list, after its audit date
    assert inferred.status == "Not listed"  # the 2024 snapshot says so, and a snapshot wins over inference
    store.close()


def test_status_inferred_from_audit_date_before_first_snapshot(tmp_path):
    store = _status_store(tmp_path)
    s = store.status_as_of("CID000101", "2023-09-01")
    assert s.status == "Conformant" and s.basis == "audit_date"
    assert store.status_as_of("CID000101", "2023-05-01").status == "Unknown"
    store.close()


def test_import_twice_changes_nothing(tmp_path):
    store = _status_store(tmp_path)
    rev = write(tmp_path / "revisions_2024-02-01.csv", REVISIONS_HEADER
                + "Tin,CID000103,Old Tin Works,CHINA,Removed,Alias to CID000102,2020-01-10T00:00:00,\n"
                + "Gold,CID000101,Example Gold Refinery Co. Ltd.,JAPAN,Name correction,Typographical,2021-01-01,\n")
    first = import_file(store, rev)
    before = table_dump(store)
    again = import_file(store, rev)
    assert again.already and not first.already
    assert table_dump(store) == before
    # the same content under another name is also recognised
    copy = write(tmp_path / "copy_2024-02-01.csv", rev.read_text(encoding="utf-8"))
    assert import_file(store, copy).already
    assert table_dump(store) == before
    chain = store.current_cid("CID000103")
    assert chain.current == "CID000102" and chain.chain == ["CID000103", "CID000102"] and chain.retired
    store.close()


def test_store_dir_rules(monkeypatch, tmp_path):
    # one rule for every surface (graph.workspace): the local folder of a workspace
    from minetrace.graph.workspace import Workspace

    monkeypatch.delenv("MINETRACE_STORE", raising=False)
    assert Workspace.open(None).reference_dir == Path(".minetrace")
    assert Workspace.open(tmp_path).reference_dir == tmp_path
    assert Workspace.open("bolt://localhost:7687").folder == Path(".minetrace")
    monkeypatch.setenv("MINETRACE_STORE", str(tmp_path / "env"))
    assert Workspace.open(None).reference_dir == tmp_path / "env"
    assert Workspace.open("neo4j://host:7687").folder == tmp_path / "env"
    # a Neo4j workspace reads its reference DB from a cache of the server's, never from the folder's own DB
    cache = Workspace.open("neo4j://host:7687").reference_dir
    assert cache.parent == tmp_path / "env" / "shared" and cache != Workspace.open("neo4j://other:7687").reference_dir


@pytest.mark.parametrize("text,code", [
    ("CONGO", "CG"), ("CONGO, DEMOCRATIC REPUBLIC OF THE", "CD"), ("KOREA, REPUBLIC OF", "KR"),
    ("TAIWAN", "TW"), ("VIET NAM", "VN"), ("RUSSIAN FEDERATION", "RU"), ("UNITED STATES OF AMERICA", "US"),
    ("TANZANIA, UNITED REPUBLIC OF", "TZ"), ("Germany", "DE"), ("DEU", "DE"), ("jp", "JP"),
    ("BOLIVIA", "BO"), ("BOLIVIA (PLURINATIONAL STATE OF)", "BO"), ("IRAN (ISLAMIC REPUBLIC OF)", "IR"),
    ("Unknown", None), ("", None), (None, None),
])
def test_country_iso2(text, code):
    assert country_iso2(text) == code


def test_policy_yaml_replaces_cahra_by_date(tmp_path):
    store = ReferenceStore(tmp_path / "s")
    write(tmp_path / "policy.yaml", "cahra:\n  as_of: 2024-06-30\n  source: my review\n  areas:\n"
          "    - {country: Sudan, area: Darfur}\n    - CD\n")
    res = import_file(store, tmp_path / "policy.yaml")
    assert res.kind == "policy" and res.rows == 2
    assert {c["iso2"] for c in store.cahra_as_of("2024-12-31")} == {"SD", "CD"}
    assert "ZW" in {c["iso2"] for c in store.cahra_as_of("2023-12-31")}  # the starter's 2020 table
    store.close()


def test_watchlist_csv_and_yaml(tmp_path):
    store = ReferenceStore(tmp_path / "s")
    write(tmp_path / "wl.csv", "cid,metal,name,country,reason,evidence,source\n"
          "CID000999,Gold,Example,GHANA,adverse media,newspaper report 2024,Example Times\n")
    write(tmp_path / "wl.yaml", "watchlist:\n  - {cid: CID000998, metal: Tin, reason: sanctions, "
          "evidence: listed 2024, source: OFAC}\n")
    assert import_file(store, tmp_path / "wl.csv").rows == 1
    assert import_file(store, tmp_path / "wl.yaml").rows == 1
    assert store.on_watchlist("CID000999")[0]["country_iso2"] == "GH"
    assert store.on_watchlist("CID000998")[0]["source"] == "OFAC"
    store.close()


def test_db_is_plain_sqlite(tmp_path):
    ReferenceStore(tmp_path).close()
    con = sqlite3.connect(tmp_path / "reference.sqlite")
    names = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"facilities", "aliases", "status_observations", "revisions", "watchlist", "country_lists",
            "old_ids", "imports", "review_queue", "snapshots"} <= names
