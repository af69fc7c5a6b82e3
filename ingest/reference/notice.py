"""The empty-reference notice: one sentence that says a store has no smelter reference list and how to fix it.

Why: without RMI's list (an RMI facility-list export, or the Smelter Look-up of the blank RMI template a
company sends its suppliers) smelter names resolve only against the small starter set and typed CIDs
are taken on trust — 2013-era files then resolve one row in six. Nothing else tells the user why, so
`minetrace ingest` and the rating commands print this first (the CLI decides where: stdout, or stderr
next to JSON). The text names the one command that fixes it.
"""

from __future__ import annotations

from minetrace.ingest.reference.store import ReferenceStore

#: importers whose rows are a smelter reference list (RMI export, template Look-up, CMRT 3.01 crosswalk)
REFERENCE_IMPORTERS: tuple[str, ...] = ("rmi-reference", "template-lookup", "template-301")


def has_reference_list(store: ReferenceStore) -> bool:
    """True when a smelter reference list (an RMI export, a template Look-up or the 3.01 crosswalk) with at least
    one facility was imported (a Look-up holding only "Smelter not listed" rows is none)."""
    marks = ",".join("?" * len(REFERENCE_IMPORTERS))
    return store.db.execute(f"SELECT 1 FROM imports WHERE importer IN ({marks}) AND rows > 0 LIMIT 1",
                            REFERENCE_IMPORTERS).fetchone() is not None


def reference_notice(store: ReferenceStore | None, store_option: str | None = None) -> str | None:
    """The notice for a store without a smelter reference list; None when one was imported (or no store)."""
    if store is None or has_reference_list(store):
        return None
    known = store.db.execute("SELECT count(*) FROM facilities").fetchone()[0]
    where = f" --store {store_option}" if store_option else ""
    return (f"No smelter reference list in {store.shown_as}: smelter names resolve only to the {known} facilities it "
            "holds (the starter set) and typed CIDs are taken on trust. Fix: minetrace reference import "
            f"RMI_CMRT_6.5_en.xlsx{where}  (the blank RMI template you send suppliers, or RMI's facility-list "
            "exports)")
