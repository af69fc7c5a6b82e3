"""`minetrace demo`: write a small supplier program of CMRTs and show how minetrace reads them.

Why: the first thing a new user types is `make demo`. It must work offline, in seconds, and show
the tool doing its job on files that look like what suppliers send — valid and invalid forms,
watchlisted refiners (Tony Goetz NV, Kaloti Precious Metals, African Gold Refinery), a
covered-country smelter (Luna Smelter, Rwanda), "Smelter not listed" rows and typos. The
generation step (`generate_demo_set`) is reusable: the explorer's demo builds on it.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from ingest.pipeline import parse_file
from ingest.records import Declaration
from ingest.synthetic import (
    ProgramManifest,
    SupplierPlan,
    starter_facilities,
    starter_watchlist,
    summarise_rows,
    write_program,
)
from ingest.synthetic import generate_program as _generate_program
from ingest.template_writer import Facility, SmelterSpec
from ingest.workbook import UnreadableWorkbook

#: Well-publicised facts used when the starter set is unavailable; also the showcase rows every
#: demo set contains. (CID, metal, name, country as the template spells it.)
SHOWCASE: tuple[Facility, ...] = (
    Facility("CID002587", "Gold", "Tony Goetz NV", "BELGIUM", city="Antwerp"),
    Facility("CID002563", "Gold", "Kaloti Precious Metals", "UNITED ARAB EMIRATES", city="Dubai"),
    Facility("CID003185", "Gold", "African Gold Refinery", "UGANDA"),
    Facility("CID003387", "Tin", "Luna Smelter", "RWANDA"),
)
DEMO_FALLBACK_FACILITIES: tuple[Facility, ...] = (
    *SHOWCASE,
    Facility("CID000292", "Tin", "Alpha", "UNITED STATES OF AMERICA"),
)


def demo_facilities() -> tuple[list[Facility], list[str]]:
    """(facilities, watchlisted CIDs): the starter set when present, else the built-in showcase."""
    facilities = starter_facilities()
    watch = starter_watchlist()
    known = {(f.cid, f.metal) for f in facilities}
    for f in SHOWCASE:
        if (f.cid, f.metal) not in known:
            facilities.append(f)
    if not facilities:
        facilities = list(DEMO_FALLBACK_FACILITIES)
    if not watch:
        watch = [f.cid for f in SHOWCASE[:3] if f.cid]
    return facilities, watch


def generate_demo_set(out_dir: str | Path, n_suppliers: int = 12, seed: int = 2016, *,
                      invalid_share: float = 0.25) -> ProgramManifest:
    """Write the demo CMRTs (out_dir/cmrt/), master list and manifest; every showcase facility appears
    in at least one supplier's Smelter List."""
    out = Path(out_dir)
    facilities, watch = demo_facilities()
    manifest = _generate_program(out, n_suppliers, seed, facilities, watchlist=watch, invalid_share=invalid_share,
                                 master_list=True, write=False, large_share=0.0)
    responders: list[SupplierPlan] = [p for p in manifest.suppliers if p.responded]
    valid_first = sorted(responders, key=lambda p: p.expected_status != "valid")
    for i, facility in enumerate(SHOWCASE):
        if not valid_first:
            break
        plan = valid_first[i % len(valid_first)]
        spec = manifest.specs[plan.supplier_id]
        if any(s.cid == facility.cid for s in spec.smelters):
            continue
        spec.smelters.append(SmelterSpec.listed(facility))
        for qid in ("Q1", "Q2"):
            spec.answers.setdefault(qid, {})[facility.metal] = "Yes"
        for qid, value in {"Q3": "Yes" if facility.country in {"RWANDA", "UGANDA"} else "No", "Q4": "Yes",
                           "Q5": "No", "Q6": "100%", "Q7": "Yes", "Q8": "Yes"}.items():
            spec.answers.setdefault(qid, {}).setdefault(facility.metal, value)
        if facility.metal not in plan.metals:
            plan.metals.append(facility.metal)
        summarise_rows(plan, spec.smelters, set(watch))
    write_program(manifest, manifest.specs, out, facilities=facilities, master_list=True)
    return manifest


def _first_findings(decl: Declaration, n: int = 2) -> str:
    order = {"error": 0, "warning": 1, "info": 2}
    shown = sorted(decl.findings, key=lambda f: order.get(f.severity, 3))[:n]
    text = "; ".join(f"{f.code} ({f.location})" for f in shown)
    more = len(decl.findings) - len(shown)
    return text + (f"; +{more} more" if more > 0 else "")


def summary_table(rows: list[tuple[str, Declaration | None, str | None]]) -> Table:
    table = Table(title="Validation summary", show_lines=False)
    for col, kw in (("file", {"overflow": "fold", "max_width": 38}), ("company", {"max_width": 28}),
                    ("version", {}), ("smelter rows", {"justify": "right"}), ("checker_missing", {"justify": "right"}),
                    ("status", {}), ("first findings", {"overflow": "fold", "max_width": 60})):
        table.add_column(col, **kw)
    for name, decl, error in rows:
        if decl is None:
            table.add_row(name, "", "", "", "", "[red]unreadable[/red]", error or "")
            continue
        status = "[green]valid[/green]" if decl.status == "valid" else "[red]invalid[/red]"
        table.add_row(name, decl.company.name or "—", f"{decl.template.kind} {decl.template.version or '?'}",
                      str(len(decl.smelters)), "" if decl.checker_missing is None else str(decl.checker_missing),
                      status, _first_findings(decl))
    return table


def demo(
    dir: Path = typer.Option(Path("demo-data"), "--dir", help="Folder to write the demo supplier CMRTs into."),
    suppliers: int = typer.Option(12, "--suppliers", min=1, max=2000, help="Number of suppliers."),
    seed: int = typer.Option(2016, "--seed", help="Random seed (same seed, same files)."),
    keep: bool = typer.Option(False, "--keep", help="Keep files already in DIR/cmrt (default: regenerate)."),
) -> None:
    """Generate a demo set of supplier CMRTs, parse every file and print the validation summary."""
    console = Console()
    cmrt_dir = dir / "cmrt"
    if cmrt_dir.exists() and not keep:
        shutil.rmtree(cmrt_dir)
    manifest = generate_demo_set(dir, suppliers, seed)
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
    console.print(summary_table(rows))
    figures = manifest.figures()
    valid = sum(1 for _, d, _ in rows if d is not None and d.status == "valid")
    console.print(f"{len(rows)} CMRT(s) from {figures['suppliers']} supplier(s) in {dir}: {valid} valid, "
                  f"{len(rows) - valid} invalid. Master list: {dir / 'suppliers.csv'}; expectations: "
                  f"{dir / 'manifest.json'}.")
    watch = sorted({c for p in manifest.suppliers for c in p.watchlisted})
    if watch:
        console.print(f"Watchlisted smelters in the demo set: {', '.join(watch)}")


def register(root: typer.Typer) -> None:
    root.command("demo")(demo)
