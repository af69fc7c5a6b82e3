"""RMAP status lists for generated programs, written in the shape of RMI's exports and imported as a user does.

Why: smelters are rated from RMI's status lists; a store holding none says so and rates nothing
(`no_status_data`). Tests of generated programs that need high, medium and low smelters import the lists
a user would (`minetrace reference import`): RMI-shaped Conformant and Active CSVs for the starter
facilities, dated before the filing date of the reporting year — watchlisted CIDs on neither list,
Covered-Country facilities and every fifth other one Active, the rest Conformant with an audit in the
reporting year (current at the filing date).
"""

from __future__ import annotations

import csv
from pathlib import Path

COVERED = {"CONGO, DEMOCRATIC REPUBLIC OF THE", "RWANDA", "UGANDA", "BURUNDI", "TANZANIA, UNITED REPUBLIC OF",
           "ZAMBIA", "ANGOLA", "CONGO", "SOUTH SUDAN", "CENTRAL AFRICAN REPUBLIC"}


def write_status_lists(folder: Path, year: int) -> list[Path]:
    """rmi_conformant_<date>.csv and rmi_active_<date>.csv (dated 1 March of year + 1) in `folder`."""
    from minetrace.app.synthetic.workbooks import starter_facilities, starter_watchlist

    day = f"{year + 1}-03-01"
    watch = set(starter_watchlist())
    facs = [f for f in starter_facilities() if f.cid and f.cid not in watch]
    active = [f for i, f in enumerate(facs) if i % 5 == 4 or f.country in COVERED]
    conformant = [f for f in facs if f not in active]
    folder.mkdir(parents=True, exist_ok=True)
    conf, act = folder / f"rmi_conformant_{day}.csv", folder / f"rmi_active_{day}.csv"
    with conf.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["Metal", "Smelter ID", "Standard Smelter Name", "State/ Province/ Region", "Country Location",
                    "Last Audit Date", "Audit Cycle", "Reaudit In Progress"])
        for f in conformant:
            w.writerow([f.metal, f.cid, f.name, "", f.country, f"{year}-10-01", "1 Year", ""])
    with act.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["Metal", "Smelter_ID", "Standard_Smelter_Name", "Company_State_Province_Region",
                    "Country_Location"])
        for f in active:
            w.writerow([f.metal, f.cid, f.name, "", f.country])
    return [conf, act]


def import_status_lists(store: str | Path, folder: Path, year: int) -> None:
    """Write the lists and import them into the reference DB of `store` (a folder or a URI's local folder)."""
    from minetrace.ingest.reference import import_file
    from minetrace.ingest.reference.store import ReferenceStore

    paths = write_status_lists(folder, year)
    ref = ReferenceStore.open(store)
    try:
        for path in paths:
            import_file(ref, path)
    finally:
        ref.close()
