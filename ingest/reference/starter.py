"""Load the project's own facts-only starter set (ingest/starter/) into a reference store.

Why: a fresh install must know the Covered Countries, the watchlist CIDs with their evidence
and the 2016 Appendix A facts without any network and without RMI's files (docs/data.md:
RMI's lists are not ours to ship). The files are hand-written, one citation per row; see
ingest/starter/README.md. Loading is idempotent: the starter's combined sha256 goes into the
import log, so a store loads each starter version once.
"""

from __future__ import annotations

import csv
import hashlib
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

if TYPE_CHECKING:
    from minetrace.ingest.reference.store import ReferenceStore

STARTER_DIR = Path(__file__).resolve().parents[1] / "starter"
STARTER_FILES = ("covered_countries.csv", "cahra.yaml", "facilities.csv", "watchlist.csv", "revisions.csv",
                 "report_2016_appendix_a.csv")
IMPORTER = "starter"
#: the 2016 report's Appendix A "conflict-free" column, recorded as a dated status under its own scheme
#: (the Conflict-Free Smelter Program of the time, as the filing states it) — never as an RMAP/RMI status
APPENDIX_A_REPORT = "2016-form-sd-appendix-a"
APPENDIX_A_SCHEME = "CFSP (2016 report Appendix A)"
APPENDIX_A_FILED = "2017-05-31"  # Form SD for calendar 2016 was due 31 May 2017


def starter_sha256() -> str:
    digest = hashlib.sha256()
    for name in STARTER_FILES:
        digest.update(name.encode())
        digest.update((STARTER_DIR / name).read_bytes())
    return digest.hexdigest()


def _csv(name: str) -> list[dict[str, str]]:
    with (STARTER_DIR / name).open(encoding="utf-8", newline="") as fh:
        return [{k: (v or "").strip() for k, v in row.items()} for row in csv.DictReader(fh)]


def load_starter(store: ReferenceStore) -> bool:
    """Load the starter set unless this version is already in the store; True when it loaded."""
    from minetrace.ingest.reference.importers import import_policy

    sha = starter_sha256()
    if store.already_imported(sha, IMPORTER):
        return False
    rows = 0
    from minetrace.ingest.reference.releases import TRUST_STARTER

    with store.transaction(), store.trusting(TRUST_STARTER, sha):
        for r in _csv("covered_countries.csv"):
            store.add_country(r["list"], r["iso2"], r["as_of"], f"starter: {r['source']}")
            rows += 1
        doc = yaml.safe_load((STARTER_DIR / "cahra.yaml").read_text(encoding="utf-8"))
        rows += import_policy(store, doc, "starter/cahra.yaml", None, sha).rows
        for r in _csv("facilities.csv"):
            src = f"starter: {r['source']}"
            store.upsert_facility(r["cid"], r["metal"], r["name"], r["country_iso2"] or None, None,
                                  r["city"] or None, None, r["as_of"], src)
            for alias in [r["name"], *r["also_known_as"].split("|")]:
                if alias.strip():
                    store.add_alias(r["metal"], alias.strip(), r["cid"], src, r["as_of"])
            rows += 1
        rows += _appendix_statuses(store)
        for r in _csv("watchlist.csv"):
            store.add_watch(r["cid"], r["metal"], r["name"], r["country_iso2"] or None, r["list"], r["reason"],
                            r["evidence"], f"starter: {r['source']}", r["as_of"])
            rows += 1
        for r in _csv("revisions.csv"):
            store.add_revision(r["cid"], r["metal"], r["kind"], r["details"], r["date"], None, None, None,
                               f"starter: {r['source']}", r["date"])
            rows += 1
        for r in _csv("report_2016_appendix_a.csv"):
            store.add_report_fact(r["report"], r["metal"], r["name"], r["location"], r["country_iso2"] or None,
                                  r["conflict_free_as_of_2017"], APPENDIX_A_FILED, r["source"])
            rows += 1
        store.log_import(sha, IMPORTER, "ingest/starter", rows, 0, None)
    return True


def _appendix_statuses(store: ReferenceStore) -> int:
    """For each starter facility the 2016 Appendix A names (`appendix_a_name`): the printed name as an alias
    and, when the appendix says conflict-free, a dated status observation under APPENDIX_A_SCHEME."""
    appendix = {(r["metal"], r["name"]): r for r in _csv("report_2016_appendix_a.csv")}
    rows = 0
    for f in _csv("facilities.csv"):
        name = f.get("appendix_a_name", "")
        fact = appendix.get((f["metal"], name)) if name else None
        if fact is None:
            continue
        src = f"starter: {fact['source']}"
        store.add_alias(f["metal"], name, f["cid"], src, APPENDIX_A_FILED)
        if fact["conflict_free_as_of_2017"].casefold() == "yes":
            store.add_status(f["cid"], f["metal"], APPENDIX_A_SCHEME, "Conformant", APPENDIX_A_FILED,
                             f"{src}: listed as conflict-free (CFSP) in the filing; not an RMI list")
            rows += 1
    return rows
