"""`minetrace demo`: generate a 2016 supplier program, ingest it, print the validation summary, start the explorer.

Why: the first thing a new user types is `make demo`. It must work offline, in a minute, and show a
believable program — the one the 2016 report describes: suppliers' CMRTs listing the smelters of that
report's Appendix A (the starter set knows their CIDs), the six high-risk refiners the report names and
African Gold Refinery, covered-country smelters, misspelled names that land in the review queue,
"Smelter not listed" and "not yet identified" rows, and a few invalid forms. Risk is judged at the filing
date 2017-05-31 from the starter's dated facts (watchlist, Covered Countries, the appendix's "conflict-free"
column — the filing's own statuses), so the explorer shows high, medium and low smelters with their reasons.

The generation step (`generate_demo_set`) and the build (`build_demo_store`) are reusable: they live in
`app.synthetic.demo`, loaded when the command runs. `demo-explorer` remains as a hidden alias of `demo`.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import typer

from minetrace.app.cli_app import DEFAULT_PORT, run_explorer, shown_host
from minetrace.app.safe_output import console as safe_console
from minetrace.app.safe_output import markup

#: the blank CMRT the demo company sends its suppliers; `minetrace demo` imports it before anything else
REFERENCE_TEMPLATE = Path("reference") / "CMRT_6.5_blank_demo.xlsx"
#: the reporting year the demo models (the 2016 report); risk is judged at its filing date (31 May 2017);
#: scoping and the survey measure from the year's last day
DEMO_YEAR = 2016
DEMO_REFERENCE_DATE = date(DEMO_YEAR, 12, 31)
DEFAULT_SUPPLIERS = 40


#: the family's verb: `minetrace demo` (and its former name, demo-explorer, hidden)
app = typer.Typer()


@app.command("demo-explorer", hidden=True)  # the former name, kept for scripts and docs
@app.command("demo")
def demo(
    dir: Path = typer.Option(Path("demo-data"), "--dir", help="Folder for the demo files and store (rebuilt on "
                             "each run)."),
    suppliers: int = typer.Option(DEFAULT_SUPPLIERS, "--suppliers", min=1, max=2000, help="Number of suppliers."),
    seed: int = typer.Option(DEMO_YEAR, "--seed", help="Random seed (same seed, same files)."),
    port: int = typer.Option(DEFAULT_PORT, "--port", help="Port the explorer listens on."),
    host: str = typer.Option("127.0.0.1", "--host", help="Address to bind."),
    serve: bool = typer.Option(True, "--serve/--no-serve", help="Start the explorer (default) or only build."),
    summary: bool = typer.Option(True, "--summary/--no-summary", help="Print the validation summary of every "
                                 "demo CMRT."),
    insecure: bool = typer.Option(False, "--insecure", help="Serve a non-local --host without a password "
                                  "(refused otherwise)."),
) -> None:
    """Generate a demo supplier program (2016), ingest it into DIR/store, print the validation summary and
    start the explorer on it."""
    from minetrace.app.synthetic.demo import build_demo_store, demo_figures, parse_all, summary_findings, summary_table

    console = safe_console()
    store_dir, manifest, report = build_demo_store(dir, suppliers, seed)
    console.print(f"step 1, the smelter reference: imported {dir / REFERENCE_TEMPLATE} (the blank CMRT the demo "
                  "company sends its suppliers; its Smelter Look-up is the store's reference list) — with real "
                  f"files: minetrace reference import RMI_CMRT_6.5_en.xlsx --store {store_dir}", soft_wrap=True)
    figures = manifest.figures()
    if summary:
        unresolved = {Path(f.name).name: f.unresolved_rows for f in report.files}
        rows = parse_all(dir.resolve(), manifest)
        console.print(summary_table(rows, unresolved))
        for line in summary_findings(rows):
            console.print(f"  {markup(line, 400)}")
        valid = sum(1 for _, d, _ in rows if d is not None and d.status == "valid")
        console.print(f"{len(rows)} CMRT(s) from {figures['in_scope']} in-scope supplier(s) of {figures['suppliers']} "
                      f"in {markup(dir, None)}: {valid} valid, {len(rows) - valid} invalid. Master list: "
                      f"{markup(dir / 'suppliers.csv', None)}; expectations: {markup(dir / 'manifest.json', None)}.")
    from minetrace.queries import glossary

    console.print(f"demo program {DEMO_YEAR}: {figures['suppliers']} suppliers, {len(report.files)} CMRT(s) ingested "
                  f"({markup(glossary.counts_text('outcome', report.counts()))}) into {markup(store_dir, None)}")
    try:
        fig = demo_figures(store_dir)
        risk = fig["risk"]
        console.print(f"smelter rows resolved to a CID: {fig['rows_resolved']} of {fig['rows']}; smelters rated as of "
                      f"{fig['as_of']}: high {risk.get('high', 0)}, medium {risk.get('medium', 0)}, low "
                      f"{risk.get('low', 0)}, not rated {risk.get('none', 0)}; open review-queue names: "
                      f"{fig['open_reviews']}; suppliers with flagged paths: {fig['flagged_suppliers']}")
    except Exception as exc:  # the figures are a courtesy; the explorer still starts
        console.print(f"(could not compute the demo figures: {markup(exc.__class__.__name__)}: {markup(exc, 300)})")
    watch = sorted({c for p in manifest.suppliers for c in p.watchlisted})
    shown = shown_host(host)
    if watch:
        console.print(f"Watchlisted smelters in the demo set: {', '.join(watch)}")
        console.print(f"trace one: http://{markup(shown)}:{port}/trace?cid={watch[0]}", soft_wrap=True)
    if serve:
        raise typer.Exit(run_explorer(str(store_dir), port, host, insecure=insecure))
    console.print(f"start it with: minetrace app --store {markup(store_dir, None)} --port {port}", soft_wrap=True)


def register(root: typer.Typer) -> None:
    root.add_typer(app)  # `minetrace demo` at the top level
