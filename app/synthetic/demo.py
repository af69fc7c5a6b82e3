"""The demo's supplier program: the 2016 program `minetrace demo` generates, ingests and shows.

Why its own module: generating the program needs the template writer (openpyxl) and the ingest, which the
CLI loads only when `minetrace demo` runs (`minetrace --help` imports none of it: tests/test_cli_startup.py).
The command itself, its options and the constants they show are `app.cli_demo`'s.

The set: suppliers' CMRTs listing the smelters of the 2016 report's Appendix A (the starter set knows their
CIDs), the six high-risk refiners the report names and African Gold Refinery, covered-country smelters,
misspelled names that land in the review queue, "Smelter not listed" and "not yet identified" rows, and a
few invalid forms.
"""

from __future__ import annotations

import csv
import random
import shutil
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

from rich import box
from rich.table import Table

from minetrace.app.cli_demo import DEFAULT_SUPPLIERS, DEMO_REFERENCE_DATE, DEMO_YEAR, REFERENCE_TEMPLATE
from minetrace.app.safe_output import cell
from minetrace.app.synthetic.workbooks import (
    STARTER_DIR,
    ProgramManifest,
    SupplierPlan,
    country_name,
    summarise_rows,
    write_program,
)
from minetrace.app.synthetic.workbooks import generate_program as _generate_program
from minetrace.ingest.pipeline import parse_file
from minetrace.ingest.records import Declaration
from minetrace.ingest.reference import ReferenceStore, import_file
from minetrace.ingest.workbook import UnreadableWorkbook
from minetrace.queries.template_writer import CmrtSpec, Facility, SmelterSpec, write_cmrt

#: The refiners every demo set contains: the six the 2016 report names as high risk, African Gold Refinery
#: and a covered-country smelter (CID, metal, name as the report prints it, country as the template spells it).
SHOWCASE: tuple[Facility, ...] = (
    Facility("CID002587", "Gold", "Tony Goetz NV", "BELGIUM", city="Antwerp"),
    Facility("CID002563", "Gold", "Kaloti Precious Metals", "UNITED ARAB EMIRATES", city="Dubai"),
    Facility("CID002507", "Tin", "Phoenix Metal Ltd.", "RWANDA", city="Kigali"),
    Facility("CID002854", "Gold", "Universal Precious Metals Refining Zambia", "ZAMBIA"),
    Facility("CID002515", "Gold", "Fidelity Printers and Refiners Ltd.", "ZIMBABWE", city="Harare"),
    Facility("CID002567", "Gold", "Sudan Gold Refinery", "SUDAN", city="Khartoum"),
    Facility("CID003185", "Gold", "African Gold Refinery", "UGANDA", city="Entebbe"),
    Facility("CID003387", "Tin", "Luna Smelter", "RWANDA", city="Kigali"),
)
#: flagged in a 2016 program: the report's six and African Gold Refinery (the Russian refiners of the starter
#: watchlist were suspended in 2022, so in 2016 they are ordinary, conflict-free refiners)
DEMO_WATCHLIST: tuple[str, ...] = tuple(f.cid for f in SHOWCASE[:7] if f.cid)
#: names suppliers typed that the resolver can only propose: the review queue. A group with two plants in the
#: row's country, a name whose only match is in another country, and a name missing a word of the nearest alias.
REVIEW_BAIT: tuple[tuple[str, str, str], ...] = (
    ("Tungsten", "Kennametal", "UNITED STATES"),
    ("Tungsten", "Technolom", "RUSSIAN FEDERATION"),
    ("Gold", "Asahi Refining", "JAPAN"),
    ("Gold", "Istanbul Altin Rafinerisi", "TURKEY"),
)
#: names of no known smelter ("Smelter not listed"): unresolved, kept as provisional smelters
UNKNOWN_NAMES: tuple[tuple[str, str, str], ...] = (
    ("Gold", "Golden Phoenix Refining Works", "CHINA"),
    ("Tin", "Blue River Tin Industry", "INDONESIA"),
)


def demo_facilities(starter_dir: Path = STARTER_DIR) -> tuple[list[Facility], list[str]]:
    """(facilities, watchlisted CIDs) of the demo: the starter facilities the 2016 Appendix A names, under the
    name the appendix prints, plus the showcase; the showcase alone when the starter set is missing."""
    out: list[Facility] = []
    path = starter_dir / "facilities.csv"
    if path.exists():
        with path.open(encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh):
                name = (row.get("appendix_a_name") or "").strip()
                if row.get("cid") and name:
                    out.append(Facility(row["cid"].strip(), row["metal"].strip(), name,
                                        country_name(row.get("country_iso2", "")), city=(row.get("city") or None)))
    known = {(f.cid, f.metal) for f in out}
    out += [f for f in SHOWCASE if (f.cid, f.metal) not in known]
    return out, list(DEMO_WATCHLIST)


def _answer_yes(spec: Any, plan: SupplierPlan, metal: str) -> None:
    for qid in ("Q1", "Q2"):
        spec.answers.setdefault(qid, {})[metal] = "Yes"
    for qid, value in {"Q3": "No", "Q4": "Yes", "Q5": "No", "Q6": "100%", "Q7": "Yes", "Q8": "Yes"}.items():
        spec.answers.setdefault(qid, {}).setdefault(metal, value)
    if metal not in plan.metals:
        plan.metals.append(metal)


def generate_demo_set(out_dir: str | Path, n_suppliers: int = DEFAULT_SUPPLIERS, seed: int = DEMO_YEAR, *,
                      invalid_share: float = 0.2) -> ProgramManifest:
    """Write the demo CMRTs (out_dir/cmrt/), master list and manifest for the 2016 program. Every showcase
    refiner appears in at least one valid form; review-queue names, unknown names and "not yet identified"
    rows are planted in valid forms (invalid ones keep only their own defects)."""
    out = Path(out_dir)
    facilities, watch = demo_facilities()
    manifest = _generate_program(out, n_suppliers, seed, facilities, watchlist=watch, invalid_share=invalid_share,
                                 master_list=True, write=False, large_share=0.0, watchlist_share=0.15,
                                 reference_date=DEMO_REFERENCE_DATE, out_of_scope_share=0.1, response_rate=0.85)
    rng = random.Random(seed)
    valid = [p for p in manifest.suppliers if p.responded and p.expected_status == "valid"]
    valid_first = valid or [p for p in manifest.suppliers if p.responded]
    for i, facility in enumerate(SHOWCASE):
        if not valid_first:
            break
        plan = valid_first[i % len(valid_first)]
        spec = manifest.specs[plan.supplier_id]
        if any(s.cid == facility.cid for s in spec.smelters):
            continue
        spec.smelters.append(SmelterSpec.listed(facility))
        _answer_yes(spec, plan, facility.metal)
        if facility.country in {"RWANDA", "UGANDA", "ZAMBIA"}:
            spec.answers["Q3"][facility.metal] = "Yes"
    planted = [("review", *b) for b in REVIEW_BAIT] + [("unknown", *u) for u in UNKNOWN_NAMES] + \
        [("not_yet", m, "", "") for m in ("Tantalum", "Tungsten")]
    for j, (kind, metal, name, country) in enumerate(planted):
        if not valid:
            break
        plan = valid[(j * 3 + 1) % len(valid)]
        spec = manifest.specs[plan.supplier_id]
        if kind == "not_yet":
            spec.smelters.append(SmelterSpec.not_yet_identified(metal))
            spec.answers.setdefault("Q7", {})[metal] = "No"  # "all smelters identified?" — honestly no
        else:
            spec.smelters.insert(rng.randrange(len(spec.smelters) + 1), SmelterSpec.not_listed(metal, name, country))
            (plan.misspelled if kind == "review" else plan.unknown_names).append(name)
        _answer_yes(spec, plan, metal)
    for plan in manifest.suppliers:
        if plan.supplier_id in manifest.specs:
            summarise_rows(plan, manifest.specs[plan.supplier_id].smelters, set(watch))
    _dates_after_release(manifest, rng)
    write_program(manifest, manifest.specs, out, facilities=facilities, master_list=True)
    # the blank template the demo company sends its suppliers: its Smelter Look-up is the demo's reference list
    write_cmrt(CmrtSpec(), out / REFERENCE_TEMPLATE, facilities=[f for f in facilities if f.cid])
    return manifest


def _dates_after_release(manifest: ProgramManifest, rng: random.Random) -> None:
    """Each form's effective date on or after the release of the CMRT revision it is written in (the demo writes
    today's 6.x templates, so a 2016 date would be a date the form cannot carry: the validator rightly warns);
    a planted future date lies after today. The program's year is given at ingest (`--year 2016`), as for a
    real campaign whose forms are dated the following spring."""
    from datetime import datetime, timedelta

    from minetrace.queries.template_writer import VERSION_DATES

    today = date.today()
    for plan in manifest.suppliers:
        spec = manifest.specs.get(plan.supplier_id)
        eff = spec.company.get("effective_date") if spec else None
        if spec is None or not isinstance(eff, date):
            continue
        if "future_date" in plan.defects:
            spec.company["effective_date"] = today + timedelta(days=rng.randint(400, 800))
            continue
        released = datetime.strptime(VERSION_DATES.get(plan.version or "6.5", "April 25, 2025"), "%B %d, %Y").date()
        if eff < released:
            spec.company["effective_date"] = min(today, released + timedelta(days=rng.randint(0, 90)))


def build_demo_store(out_dir: Path, suppliers: int = DEFAULT_SUPPLIERS, seed: int = DEMO_YEAR) -> tuple[Path, Any, Any]:
    """Generate the demo program, import its blank template's Smelter Look-up as the reference list (a user's
    first step) and ingest the program into a fresh embedded store at OUT_DIR/store through
    graph.ingest — the same ingest as `minetrace ingest`. A second run on the same folder rebuilds both
    (the demo's files and store are regenerated; nothing else in OUT_DIR is touched).
    Returns (store dir, manifest, ingest report)."""
    from minetrace.graph.ingest import ingest_paths
    from minetrace.graph.workspace import Workspace

    out_dir = out_dir.resolve()
    for stale in (out_dir / "cmrt", out_dir / "store", out_dir / "reference"):
        if stale.exists():
            shutil.rmtree(stale)
    manifest = generate_demo_set(out_dir, suppliers, seed)
    store_dir = out_dir / "store"
    ws = Workspace.open(store_dir)
    with ws.open_reference() as ref:  # the user's first step: import a smelter reference list
        import_file(ref, out_dir / REFERENCE_TEMPLATE)
    store = ws.open_store()
    resolver, _ = ws.resolver(graph=store)
    try:
        year = int(str(manifest.reference_date)[:4])  # the program's reporting year, as `ingest --year`
        report = ingest_paths([out_dir / "cmrt"], store, resolver=resolver, supplier_map=out_dir / "suppliers.csv",
                              year=year)
    finally:
        resolver.store.close()
        store.close()
    return store_dir, manifest, report


def _first_findings(decl: Declaration, n: int = 2) -> str:
    """The form's first findings in plain words (the catalogue's title and the cell), errors first."""
    from minetrace.ingest.findings import finding_type

    order = {"error": 0, "warning": 1, "info": 2}
    shown = sorted(decl.findings, key=lambda f: order.get(f.severity, 3))[:n]

    def title(code: str) -> str:
        try:
            return finding_type(code).title
        except KeyError:
            return code.replace("_", " ")

    text = "; ".join(f"{title(f.code)} ({f.location})" for f in shown)
    more = len(decl.findings) - len(shown)
    return text + (f"; +{more} more" if more > 0 else "")


def summary_table(rows: list[tuple[str, Declaration | None, str | None]],
                  unresolved: dict[str, int] | None = None) -> Table:
    """One line per form, narrow enough for an 80-column terminal or a log: the supplier as the form names it,
    the template, smelter rows, rows not matched to an RMI smelter, the status. The findings follow the table
    (`summary_findings`)."""
    table = Table(title="Validation summary", box=box.SIMPLE_HEAD, pad_edge=False, show_lines=False)
    table.add_column("form (company as declared)", overflow="ellipsis", no_wrap=True, max_width=40)
    table.add_column("template", no_wrap=True)
    table.add_column("rows", justify="right")
    table.add_column("unmatched", justify="right")
    table.add_column("status", no_wrap=True)
    for name, decl, _error in rows:
        supplier = name.split("_", 1)[0]
        if decl is None:
            table.add_row(cell(f"{supplier} {name}"), "", "", "", "[red]unreadable[/red]")
            continue
        status = "[green]valid[/green]" if decl.status == "valid" else "[red]invalid[/red]"
        table.add_row(cell(f"{supplier} {decl.company.name or '(no company name)'}"),
                      cell(f"{decl.template.kind} {decl.template.version or '?'}"), str(len(decl.smelters)),
                      str((unresolved or {}).get(name, "")), status)
    return table


def summary_findings(rows: list[tuple[str, Declaration | None, str | None]]) -> list[str]:
    """A line per form with findings (invalid forms first): its supplier and first findings in plain words."""
    out = []
    ordered = sorted(rows, key=lambda r: (r[1] is not None and r[1].status == "valid", r[0]))
    for name, decl, error in ordered:
        supplier = name.split("_", 1)[0]
        if decl is None:
            out.append(f"{supplier} {name}: {error}")
        elif decl.findings:
            out.append(f"{supplier} ({decl.status}): {_first_findings(decl)}")
    return out


def parse_all(dir: Path, manifest: ProgramManifest) -> list[tuple[str, Declaration | None, str | None]]:
    rows: list[tuple[str, Declaration | None, str | None]] = []
    for plan in manifest.suppliers:
        if not plan.file:
            continue
        path = dir / plan.file
        try:
            rows.append((path.name, parse_file(path), None))
        except UnreadableWorkbook as exc:
            rows.append((path.name, None, exc.message))
        except Exception as exc:  # one bad file must not stop the demo
            rows.append((path.name, None, f"internal error: {exc.__class__.__name__}: {exc}"))
    return rows


def demo_figures(store_dir: Path, year: int = DEMO_YEAR) -> dict[str, Any]:
    """What the explorer will show for the demo store: smelter rows resolved, risk levels, flagged suppliers."""
    from minetrace.queries.context import QueryContext
    from minetrace.queries.figures import rated_smelters, suppliers_with_flagged_paths

    with QueryContext.open(str(store_dir), year=year) as ctx:
        risks = rated_smelters(ctx.store, ctx.model, year)
        reports = list(ctx.store.reports(year=year))
        flagged_suppliers = suppliers_with_flagged_paths(ctx.store, ctx.model, year)
        reviews = len(ctx.facts.open_reviews()) if isinstance(ctx.facts, ReferenceStore) else 0
    return {"as_of": ctx.model.as_of.isoformat(), "risk": dict(Counter(r.level or "none" for r in risks)),
            "smelters": len(risks), "rows": len(reports), "rows_resolved": sum(1 for h in reports if h.cid),
            "flagged_smelters": sorted(r.cid or r.key for r in risks if r.flagged),
            "flagged_suppliers": len(flagged_suppliers), "open_reviews": reviews}
