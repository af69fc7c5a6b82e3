"""How long the Conflict Minerals Report takes on a 400-vendor program, against the figures it states.

Baseline (same store, same run): `queries.cmr.figures.collect` — the query functions the report reads
(survey status, smelter risk, supplier roll-up, programs, Appendix A, countries of origin), i.e. what an
analyst would run before retyping the figures into Word. Then the .docx draft (figures + charts +
template + finished document), `report check` on it, and the PDF (the draft + LibreOffice headless).
Ratios draft / baseline and pdf / draft are printed; nothing is asserted (machines are shared and noisy).

Data: app.synthetic.workbooks.generate_program — 400 suppliers with a master list (10 % out of scope, 82 % of
the rest respond, 10 % of forms invalid), CMRT 6.x workbooks written and ingested for 2025; RMI's
exports from ../shared/reference/rmi-export-2026-08-22 are imported when present (statuses), else only
the starter facts.

Usage: .venv/bin/python bench/report_speed.py [--suppliers 400] [--keep DIR] [--json]
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

YEAR = 2025
RMI = ROOT.parent / "shared" / "reference" / "rmi-export-2026-08-22"


def build(folder: Path, n: int) -> str:
    from minetrace.app.synthetic.workbooks import generate_program, starter_facilities, starter_watchlist
    from minetrace.graph.ingest import ingest_paths
    from minetrace.graph.open import open_store
    from minetrace.graph.resolving import default_resolver

    store = folder / "store"
    if (store / "done").exists():
        return str(store)
    generate_program(folder / "program", n, seed=2025, facilities=starter_facilities(), watchlist=starter_watchlist(),
                     master_list=True, out_of_scope_share=0.1, response_rate=0.82, invalid_share=0.1, lean=True)
    if RMI.is_dir():
        from typer.testing import CliRunner

        from minetrace.app.cli import root

        files = [str(RMI / f) for f in ("CMRT.xml", "CONFORMANT.xml", "ACTIVE.xml", "REVISIONS.xml")]
        CliRunner().invoke(root, ["reference", "import", *files, "--store", str(store)], catch_exceptions=False)
    gs = open_store(str(store))
    resolver, _ = default_resolver(str(store))
    ingest_paths([folder / "program" / "cmrt"], gs, resolver=resolver,
                 supplier_map=folder / "program" / "suppliers.csv", year=YEAR)
    gs.close()
    (store / "done").write_text("ok")
    return str(store)


def timed(fn: Any) -> tuple[float, Any]:
    t = time.perf_counter()
    out = fn()
    return time.perf_counter() - t, out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--suppliers", type=int, default=400)
    ap.add_argument("--keep", type=Path, default=None)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="mt-report-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    try:
        t_build, store = timed(lambda: build(folder, args.suppliers))
        from minetrace.app.explorer.geo import country_shapes
        from minetrace.queries.cmr.check import compare, read_report
        from minetrace.queries.cmr.draft import ReportOptions, draft_report
        from minetrace.queries.cmr.figures import collect
        from minetrace.queries.cmr.pdf import PdfError, find_soffice
        from minetrace.queries.context import QueryContext
        from minetrace.queries.ratings import clear_ratings

        out: dict[str, Any] = {"suppliers": args.suppliers, "build_s": round(t_build, 1)}
        with QueryContext.open(store, year=YEAR) as ctx:
            collect(ctx)  # warm imports and the reference DB pages once: every step below starts equal
            clear_ratings()
            base, data = timed(lambda: collect(ctx))
            clear_ratings()
            docx, res = timed(lambda: draft_report(ctx, folder / "cmr.docx", ReportOptions(shapes=country_shapes)))
            check, _ = timed(lambda: compare(folder / "cmr.docx", read_report(folder / "cmr.docx"), collect(ctx)))
            out.update(baseline_figures_s=round(base, 2), docx_s=round(docx, 2), check_s=round(check, 2),
                       docx_steps=res.seconds, figures=len(data.figures),
                       appendix_rows=len(data.tables["appendix"].rows), high_risk=len(data.lists["high_risk"]),
                       docx_bytes=(folder / "cmr.docx").stat().st_size, ratio_docx_to_baseline=round(docx / base, 2))
            try:
                find_soffice()
                clear_ratings()
                pdf, pres = timed(lambda: draft_report(ctx, folder / "cmr.pdf", ReportOptions(shapes=country_shapes)))
                out.update(pdf_s=round(pdf, 2), pdf_steps=pres.seconds, pdf_bytes=(folder / "cmr.pdf").stat().st_size,
                           ratio_pdf_to_docx=round(pdf / docx, 2))
            except PdfError as exc:
                out["pdf"] = f"skipped: {exc}"
        if args.json:
            print(json.dumps(out, indent=2))
        else:
            print(f"{args.suppliers} suppliers (store built in {out['build_s']} s): {out['figures']} figures, "
                  f"{out['appendix_rows']} Appendix A rows, {out['high_risk']} high-risk smelters")
            print(f"baseline (the figures alone)  {out['baseline_figures_s']:6.2f} s")
            print(f"report .docx                  {out['docx_s']:6.2f} s  ratio {out['ratio_docx_to_baseline']}x "
                  f"the baseline  steps {out['docx_steps']}")
            print(f"report check                  {out['check_s']:6.2f} s")
            if "pdf_s" in out:
                print(f"report .pdf                   {out['pdf_s']:6.2f} s  ratio {out['ratio_pdf_to_docx']}x the "
                      f".docx  steps {out['pdf_steps']}")
            else:
                print(out["pdf"])
    finally:
        if args.keep is None:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
