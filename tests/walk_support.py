"""The two stores a new analyst's walk goes through (tests/test_explorer_walk.py, tests/test_browser_walk.py).

* the demo store — what `make demo` builds (`app.synthetic.demo.build_demo_store`): 2016 program, master list first,
  "Smelter not yet identified" rows (no country, no CID), unresolved names, review-queue names, invalid forms;
* the real store — every workbook in ../shared/cmrt/filled and ../shared/cmrt/invalid, ingested the way the
  README's due-diligence year does with RMI's exports imported, and the master list imported AFTER the forms
  (its names differ from the forms' in legal form, punctuation and parent wording: "EMD Electronics" vs "EMD
  Electronics, a business of Merck KGaA, Darmstadt, Germany"); one form has no effective date.

And the deep links of a store, chosen by kind (every row shape a page must draw) rather than by example.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

#: the master list of the real files, with names as a purchasing system writes them (not as the forms do)
REAL_MASTER_LIST = """Supplier ID,Supplier Name,Category,Last Purchase Date,Contact Email
S001,EMD Electronics,Direct,2024-03-01,
S002,Central Glass Co. Ltd,Direct,2024-02-01,
S003,SK Specialty,Direct,2024-01-15,
S004,Green Status Pro Inc.,Direct,2024-01-10,
S005,Connor-Winfield Corporation,Direct,2024-01-10,
S006,Goertek Inc,Direct,2024-01-10,
S007,Quiet Supplier Ltd,Direct,2024-01-10,
"""


def build_demo(folder: Path, suppliers: int = 40) -> Path:
    """The store `make demo` builds, in `folder`; returns the store folder."""
    from minetrace.app.synthetic.demo import build_demo_store

    store_dir, _manifest, _report = build_demo_store(folder, suppliers)
    return store_dir


def build_real(folder: Path, shared: Path) -> Path:
    """Every real and invalid workbook of ../shared ingested (RMI's template and exports imported first), then the
    master list imported after the forms (relinking them), as `survey import-suppliers` does."""
    from typer.testing import CliRunner

    from minetrace.app.cli import root

    store = folder / "store"
    runner = CliRunner()
    ref = [str(shared / "cmrt" / "templates" / "RMI_CMRT_6.5_en.xlsx"),
           *(str(p) for p in sorted((shared / "reference" / "rmi-export-2026-08-22").glob("*.csv")))]
    for args in (["reference", "import", *ref], ["ingest", str(shared / "cmrt" / "filled"),
                                                 str(shared / "cmrt" / "invalid")]):
        res = runner.invoke(root, [*args, "--store", str(store)])
        assert res.exit_code in (0, 2), res.output  # ingest exits 2 for the unreadable JPEG, the rest is stored
    vendors = folder / "vendors.csv"
    vendors.write_text(REAL_MASTER_LIST, encoding="utf-8")
    res = runner.invoke(root, ["survey", "import-suppliers", str(vendors), "--store", str(store)])
    assert res.exit_code == 0, res.output
    return store


def deep_links(store_dir: Path) -> list[str]:
    """The explorer's deep links for one store, one per kind of row a page must draw: a supplier with a row
    lacking a country, one lacking a CID, one lacking a name, the supplier with the most rows, a supplier known
    only by its declared name, a smelter "not yet identified", an unresolved smelter, a resolved CID, the country
    with the most smelters, a Covered Country, and a smelter row without a country."""
    from minetrace.graph.open import open_store

    st = open_store(str(store_dir))
    try:
        hops = list(st.reports(current_only=False))
        smelters = st.smelters()
    finally:
        st.close()
    links: list[str] = []

    def add(link: str | None) -> None:
        if link and link not in links:
            links.append(link)

    def supplier_where(pred: Any) -> str | None:
        return next((f"trace?supplier={h.supplier_id}" for h in hops if pred(h)), None)

    add(supplier_where(lambda h: not h.country_iso2))
    add(supplier_where(lambda h: not h.cid))
    add(supplier_where(lambda h: not h.smelter_name or not h.raw_name))
    add(supplier_where(lambda h: str(h.supplier_id).startswith("decl:")))
    by_rows: dict[str, int] = {}
    for h in hops:
        by_rows[h.supplier_id] = by_rows.get(h.supplier_id, 0) + 1
    if by_rows:
        add(f"trace?supplier={max(by_rows, key=lambda s: by_rows[s])}")
    add(next((f"trace?smelter={s.key}" for s in smelters if s.resolution_status == "unidentified"), None))
    add(next((f"trace?smelter={s.key}" for s in smelters if s.provisional and s.country_iso2), None))
    add(next((f"trace?smelter={s.key}" for s in smelters if not s.country_iso2), None))
    add(next((f"trace?cid={s.cid}" for s in smelters if s.cid), None))
    per_country: dict[str, set[str]] = {}
    for h in hops:
        if h.country_iso2:
            per_country.setdefault(h.country_iso2, set()).add(h.smelter_key)
    if per_country:
        add(f"trace?country={max(per_country, key=lambda c: len(per_country[c]))}")
    covered = {"CD", "RW", "UG", "BI", "TZ", "ZM", "AO", "CF", "CG", "SS"}
    add(next((f"trace?country={c}" for c in sorted(per_country) if c in covered), None))
    return links


#: every page of the explorer (url path, title)
PAGES = (("", "Overview"), ("trace", "Trace"), ("exposure", "Exposure"), ("suppliers", "Suppliers"),
         ("smelters", "Smelters"), ("validation", "Validation"), ("followup", "Follow-up"), ("ingest", "Ingest"),
         ("exports", "Exports"))
