"""The shipped starter set: loads offline (no network, no ../shared), once, with a citation per row,
and none of its files is a copy of a file in ../shared."""

from __future__ import annotations

import hashlib
from pathlib import Path

from conftest import shared_path

from minetrace.ingest.reference import ReferenceStore
from minetrace.ingest.reference.starter import STARTER_DIR, STARTER_FILES


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
    from minetrace.graph.workspace import Workspace

    store = Workspace.open().open_reference()
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
        rows = list(csv.DictReader(fh))
    # a few dozen cited facts (the watchlist, covered-country smelters and well-publicised smelters of the 2016
    # report), not RMI's 347-CID compilation
    assert len(rows) <= 90
    assert len({r["cid"] for r in rows}) * 4 < 347


def _facilities() -> list[dict[str, str]]:
    import csv

    with (STARTER_DIR / "facilities.csv").open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_every_starter_cid_is_well_formed_and_unique_per_metal():
    import re

    rows = _facilities()
    assert all(re.fullmatch(r"CID\d{6}", r["cid"]) for r in rows), [r["cid"] for r in rows
                                                                    if not re.fullmatch(r"CID\d{6}", r["cid"])]
    assert all(r["metal"] in {"Gold", "Tin", "Tantalum", "Tungsten"} for r in rows)
    assert all(len(r["country_iso2"]) == 2 and r["country_iso2"].isupper() for r in rows)
    keys = [(r["metal"], r["cid"]) for r in rows]
    assert len(keys) == len(set(keys))
    assert len({r["cid"] for r in rows}) == len(rows)  # a CID names one facility of one metal
    assert all(r["source"] and r["as_of"] for r in rows)


def test_appendix_names_are_rows_of_the_shipped_appendix():
    import csv

    with (STARTER_DIR / "report_2016_appendix_a.csv").open(encoding="utf-8", newline="") as fh:
        appendix = {(r["metal"], r["name"]): r for r in csv.DictReader(fh)}
    named = [r for r in _facilities() if r["appendix_a_name"]]
    assert len(named) >= 60
    for r in named:
        fact = appendix.get((r["metal"], r["appendix_a_name"]))
        assert fact is not None, r["cid"]
        assert fact["country_iso2"] == r["country_iso2"], r["cid"]


def test_appendix_conflict_free_facts_load_as_dated_labelled_statuses(tmp_path):
    from minetrace.ingest.reference.starter import APPENDIX_A_FILED, APPENDIX_A_SCHEME

    store = ReferenceStore(tmp_path)
    hist = store.status_history("CID001875")  # Tanaka Kikinzoku Kogyo K.K.: "Yes" in the appendix
    assert [(h["scheme"], h["status"], h["as_of"]) for h in hist] == [(APPENDIX_A_SCHEME, "Conformant",
                                                                       APPENDIX_A_FILED)]
    assert "Form SD" in hist[0]["source"] and "not an RMI list" in hist[0]["source"]
    assert store.status_history("CID001909") == []  # Great Wall: "unknown" in the appendix: no status
    assert store.status_history("CID002587") == []  # Tony Goetz: "unknown"
    # never an RMAP status: RMI's scheme knows nothing from the starter
    assert store.status_as_of("CID001875", "2017-12-31").status == "Unknown"
    assert store.status_as_of("CID001875", "2017-05-31", APPENDIX_A_SCHEME).status == "Conformant"
    # the appendix name resolves to the CID (renamed since: RMI's current name is an alias too)
    hits = {(a["alias_raw"], a["cid"]) for a in store.aliases_for("Tantalum")}
    assert ("H.C. Starck Smelting GmbH & Co. KG", "CID002550") in hits
    assert ("TANIOBIS Smelting GmbH & Co. KG", "CID002550") in hits
    n = store.db.execute("SELECT count(*) FROM status_observations WHERE scheme=?", (APPENDIX_A_SCHEME,)).fetchone()
    assert n[0] >= 40
    store.close()


def test_the_2016_risk_model_reads_the_filed_statuses_only_for_2016(tmp_path):
    from minetrace.queries.risk import RiskModel

    store = ReferenceStore(tmp_path)
    r2016 = RiskModel(store, year=2016)
    low = r2016.rate_cid("CID001875")
    assert low.level == "low" and "2016 report Appendix A" in low.reason_text
    assert r2016.rate_cid("CID001909").level == "medium"  # not conflict-free in the appendix
    assert r2016.rate_cid("CID002587").level == "high"  # watchlisted
    assert r2016.basis.filed and r2016.basis.notice is None  # the filing is status data for 2016
    later = RiskModel(store, year=2020)  # a 2017 filing says nothing of 2020: no status data for that year
    assert later.basis.notice is not None and later.rate_cid("CID001875").level is None
    store.close()


def _rmi_country_iso2(text: str) -> str | None:
    from minetrace.ingest.reference.countries import country_iso2

    return country_iso2(text) or country_iso2(text.split(" (")[0])  # "BOLIVIA (PLURINATIONAL STATE OF)"


def test_starter_cids_agree_with_the_rmi_export_on_name_and_country():
    """Guards against fabricated CIDs (REFERENCE-DATA §1): every starter CID exists in RMI's public export
    (current list or revision history) with the same metal and country, under one of the names we give."""
    import csv
    import unicodedata

    folder = shared_path("reference", "rmi-export-2026-08-22")

    def fold(s: str) -> str:  # case, accents, quotes and punctuation do not make another name
        s = unicodedata.normalize("NFKD", s).encode("ascii", "ignore").decode().casefold()
        return " ".join("".join(ch if ch.isalnum() else " " for ch in s).split())

    names: dict[str, set[str]] = {}
    metal: dict[str, str] = {}
    country: dict[str, str | None] = {}
    with (folder / "rmi_export_2026-08-22_CMRT.csv").open(encoding="utf-8", newline="") as fh:
        for r in csv.DictReader(fh):
            cid = r["Smelter ID"]
            names.setdefault(cid, set()).update({fold(r["Smelter Reference"]), fold(r["Standard Smelter Name"])})
            metal[cid], country[cid] = r["Metal"], _rmi_country_iso2(r["Country"])
    with (folder / "rmi_export_2026-08-22_REVISIONS.csv").open(encoding="utf-8", newline="") as fh:
        for r in csv.DictReader(fh):  # retired CIDs and former names
            cid = r["Smelter ID"]
            names.setdefault(cid, set()).add(fold(r["Standard Smelter Name"]))
            metal.setdefault(cid, r["Metal"])
            country.setdefault(cid, _rmi_country_iso2(r["Country"]))
    aliases = shared_path("reference", "derived", "smelter_aliases_3tg.csv")  # names of the CMRT 6.x Look-ups too
    with aliases.open(encoding="utf-8", newline="") as fh:
        for r in csv.DictReader(fh):
            if r["cid"] in names:
                names[r["cid"]].update({fold(r["alias"]), fold(r["standard_name_at_source"])})
    for row in _facilities():
        cid = row["cid"]
        assert cid in names, f"{cid} is not in RMI's export"
        assert metal[cid] == row["metal"], cid
        assert country[cid] == row["country_iso2"], (cid, country[cid])
        ours = {fold(n) for n in [row["name"], *row["also_known_as"].split("|"), row["appendix_a_name"]] if n}
        assert ours & names[cid], (cid, row["name"])
        if row["appendix_a_name"]:
            assert fold(row["appendix_a_name"]) in names[cid], cid
