"""Ingest speed (issue 2 §6, issue 15 §2): parse + validate N real-size CMRT 6.x workbooks through
`ingest.pipeline.parse_file`, against two baselines measured in the same run, file by file in turn:

* the floor — python-calamine alone opening the file and reading just the sheets the reader needs
  (Declaration, Smelter List, Product List, Checker) into Python lists, no checks, no reading logic;
* an openpyxl read-only consolidator reading the same cells.

Targets: per-file CPU ≤ 1.5× the floor (issue 15: the safety scan folded into the single read pass);
median ≤ 0.1 s per file and ≥ 10× the openpyxl baseline (issue 2).

Why a script and not a test: timings depend on the machine and its load, so they are printed
with their baseline, never asserted.

Inputs: the real 6.4 fills in ../shared/cmrt/filled (copied N times, round robin, to distinct
names in a temporary folder); without them a 6.x-layout workbook is generated with
`queries.template_writer` (2,500 filled Smelter List rows and a 650-row Smelter Look-up).
The cells read by the baseline come from the layout table `ingest.layouts.cmrt6.CMRT_6`:
the Declaration company block, per-metal and company-level answers and comments (D and G),
and Smelter List A:Q rows 5–2504.

    .venv/bin/python bench/ingest_speed.py [--n 20] [--baseline-n N] [--generated] [--files F.xlsx ...]

The machine is usually shared: read the CPU columns (process time) next to the wall-clock ones,
and the per-stage CPU line to see where a file's time goes (open checks, guard scan + calamine,
reader, validation).
"""

from __future__ import annotations

import argparse
import gc
import io
import os
import resource
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import openpyxl  # noqa: E402

from minetrace.ingest.layouts.cmrt6 import CMRT_6  # noqa: E402
from minetrace.ingest.workbook import open_workbook, parse_cell  # noqa: E402

SHARED_FILLED = ROOT.parent / "shared" / "cmrt" / "filled"
TARGET_MEDIAN_S = 0.1
TARGET_RATIO = 10.0


# -- the cells both sides read ----------------------------------------------------------------


def declaration_cells() -> list[str]:
    """Company block, per-metal answers and comments, company-level answers and comments (6.x)."""
    cells = [ref for _, ref in CMRT_6.company_cells]
    for q in CMRT_6.questions:
        rows = [r for _, r in q.metal_rows] or [q.row + i for i in range(1, 5)]
        cells += [f"{col}{r}" for r in rows for col in ("D", "G")]
    for cq in CMRT_6.company_questions:
        rows = [r for _, r in cq.metal_rows] or [cq.row]
        cells += [f"{col}{r}" for r in rows for col in ("D", "G")]
    return cells


SMELTERS = CMRT_6.smelters
SMELTER_FIRST, SMELTER_LAST, SMELTER_COLS = SMELTERS.first_row, SMELTERS.last_row, 17  # A:Q


# -- the two readers ---------------------------------------------------------------------------


def openpyxl_baseline(path: Path, cells: list[str]) -> int:
    """openpyxl read-only, cached values: the same Declaration cells and Smelter List A:Q 5–2504."""
    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        want = {parse_cell(ref) for ref in cells}
        lo, hi = min(r for r, _ in want), max(r for r, _ in want)
        c_lo, c_hi = min(c for _, c in want), max(c for _, c in want)
        got: dict[tuple[int, int], Any] = {}
        for r, row in enumerate(wb["Declaration"].iter_rows(min_row=lo, max_row=hi, min_col=c_lo + 1,
                                                             max_col=c_hi + 1, values_only=True), start=lo):
            for c, v in enumerate(row, start=c_lo):
                if (r, c) in want:
                    got[(r, c)] = v
        smelter_rows = [row for row in wb["Smelter List"].iter_rows(
            min_row=SMELTER_FIRST, max_row=SMELTER_LAST, min_col=1, max_col=SMELTER_COLS, values_only=True)
            if any(v not in (None, "") for v in row)]
    finally:
        wb.close()
    return len(smelter_rows)


FLOOR_SHEETS = ("Declaration", "Smelter List", "Product List", "Checker")


def calamine_floor(path: Path, cells: list[str]) -> int:
    """python-calamine alone: open the file, read the sheets a 6.x reader needs into Python lists."""
    import python_calamine

    book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(path.read_bytes()))
    rows = 0
    for name in FLOOR_SHEETS:
        if name in book.sheet_names:
            got = book.get_sheet_by_name(name).to_python(skip_empty_area=False)
            if name == "Smelter List":
                rows = sum(1 for r in got[SMELTER_FIRST - 1:SMELTER_LAST] if any(v not in (None, "") for v in r))
    return rows


def minetrace_fallback(path: Path, cells: list[str]) -> int:
    """When parse_file is not importable: the opener reading the same cells."""
    wb = open_workbook(path)
    decl = wb.sheet("Declaration")
    _ = [decl.cell(ref) for ref in cells]
    sheet = wb.sheet("Smelter List")
    rows = [r[:SMELTER_COLS] for r in sheet.rows[SMELTER_FIRST - 1:SMELTER_LAST]]
    return sum(1 for r in rows if any(v not in (None, "") for v in r))


def pick_minetrace() -> tuple[Callable[[Path, list[str]], int], str]:
    try:
        from minetrace.ingest.pipeline import parse_file
    except ImportError as exc:
        return minetrace_fallback, f"open_workbook + same cells (parse_file not importable: {exc})"

    def run(path: Path, cells: list[str]) -> int:
        return len(parse_file(path).smelters)

    return run, "ingest.pipeline.parse_file (open → read → validate)"


# -- inputs --------------------------------------------------------------------------------------


def source_files(explicit: list[str], generated: bool = False) -> tuple[list[Path], str]:
    if explicit:
        return [Path(f) for f in explicit], "given files"
    real = sorted(SHARED_FILLED.glob("CMRT_6.*.xlsx")) if SHARED_FILLED.is_dir() and not generated else []
    if real:
        return real, f"real 6.x fills from {SHARED_FILLED}"
    return [generate_6x(Path(tempfile.mkdtemp(prefix="mt-bench-gen-")) / "generated_6.5.xlsx")], \
        "generated 6.x-layout workbook with 2,500 filled smelter rows" + ("" if generated else
                                                                          " (no real 6.x fills found)")


def generate_6x(path: Path) -> Path:
    """A 6.5-layout workbook with 2,500 filled Smelter List rows and a 650-row Smelter Look-up."""
    from minetrace.queries.template_writer import Facility, SmelterSpec, complete_spec, write_cmrt

    metals = ("Tantalum", "Tin", "Gold", "Tungsten")
    facilities = [Facility(cid=f"CID{i:06d}", metal=metals[i % 4], name=f"Smelter {i} Refining Co.",
                           country="China" if i % 3 else "Japan", city=f"City {i}") for i in range(1, 651)]
    rows = [SmelterSpec.listed(facilities[i % len(facilities)]) for i in range(SMELTER_LAST - SMELTER_FIRST + 1)]
    return write_cmrt(complete_spec(smelters=rows), path, facilities=facilities)


def make_copies(sources: list[Path], n: int, folder: Path) -> list[Path]:
    copies = []
    for i in range(n):
        src = sources[i % len(sources)]
        dest = folder / f"copy_{i:03d}_{src.name}"
        shutil.copyfile(src, dest)
        copies.append(dest)
    return copies


def timed(fn: Callable[[Path, list[str]], int], files: list[Path],
          cells: list[str]) -> tuple[list[float], list[float], int]:
    """Wall-clock and CPU seconds per file (CPU time is the steadier figure on a shared machine)."""
    times, cpu, rows = [], [], 0
    for path in files:
        gc.collect()
        t0, c0 = time.perf_counter(), time.process_time()
        rows += fn(path, cells)
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    return times, cpu, rows


def timed_in_turn(fns: list[Callable[[Path, list[str]], int]], files: list[Path],
                  cells: list[str]) -> list[tuple[list[float], list[float], int]]:
    """`timed` for several readers, file by file in turn: a load spike on the shared machine hits all alike."""
    out: list[tuple[list[float], list[float], int]] = [([], [], 0) for _ in fns]
    for path in files:
        for i, fn in enumerate(fns):
            t, c, r = timed(fn, [path], cells)
            out[i] = (out[i][0] + t, out[i][1] + c, out[i][2] + r)
    return out


def stage_cpu(files: list[Path]) -> dict[str, float]:
    """Median CPU seconds of each parse_file stage (open, read, validate) and of the worksheet scan
    and calamine parse inside `read`, over `files`: where the time goes, printed under the totals."""
    from minetrace.ingest.layouts import reader_sheets
    from minetrace.ingest.reader import read_declaration
    from minetrace.ingest.validate import validate

    stages: dict[str, list[float]] = {"open (checks, one inflate + scan, calamine view)": [],
                                      "sheets (calamine parse)": [], "read (rest)": [], "validate": []}
    for path in files:
        c0 = time.process_time()
        wb = open_workbook(path, sheets=reader_sheets())
        c1 = time.process_time()
        for name in ("Declaration", "Smelter List", "Product List", "Checker"):
            wb.sheet(name)  # the sheets read_declaration parses, loaded here to time them apart
        c2 = time.process_time()
        decl = read_declaration(wb)
        c3 = time.process_time()
        validate(decl)
        c4 = time.process_time()
        for key, value in zip(stages, (c1 - c0, c2 - c1, c3 - c2, c4 - c3), strict=True):
            stages[key].append(value)
    return {key: statistics.median(values) for key, values in stages.items()}


def calamine_version() -> str:
    from importlib.metadata import version

    return version("python-calamine")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=20, help="files to parse (copies of the inputs, round robin)")
    ap.add_argument("--baseline-n", type=int, default=None, help="files for the openpyxl baseline (default: --n)")
    ap.add_argument("--files", nargs="*", default=[], help="workbooks to use instead of the real 6.x fills")
    ap.add_argument("--generated", action="store_true",
                    help="use the generated workbook with a full Smelter List even when real fills exist "
                         "(the real 6.4 fills carry the 2,500 template rows but only a handful of smelters)")
    args = ap.parse_args(argv)

    sources, origin = source_files(args.files, args.generated)
    minetrace, how = pick_minetrace()
    cells = declaration_cells()
    with tempfile.TemporaryDirectory(prefix="mt-bench-") as tmp:
        files = make_copies(sources, args.n, Path(tmp))
        stages: dict[str, float] = {}
        baseline_files = files[: args.baseline_n or args.n]
        print(f"inputs:    {origin}: {', '.join(p.name for p in sources)}")
        print(f"minetrace: {how}")
        print(f"baseline:  openpyxl {openpyxl.__version__} load_workbook(read_only=True, data_only=True); "
              f"{len(cells)} Declaration cells + Smelter List A:Q rows {SMELTER_FIRST}–{SMELTER_LAST}")
        print(f"floor:     python-calamine {calamine_version()} alone: open + {', '.join(FLOOR_SHEETS)} "
              "to Python lists")
        minetrace(sources[0], cells)  # warm-up: imports, reference tables
        openpyxl_baseline(sources[0], cells)
        calamine_floor(sources[0], cells)

        (t_fl, c_fl, rows_fl), (t_mt, c_mt, rows_mt) = timed_in_turn([calamine_floor, minetrace], files, cells)
        rss_mt = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        t_bl, c_bl, rows_bl = timed(openpyxl_baseline, baseline_files, cells)
        if how.startswith("ingest.pipeline"):
            stages = stage_cpu(files[: min(len(files), 10)])

    med_mt, med_bl = statistics.median(t_mt), statistics.median(t_bl)
    ratio = med_bl / med_mt if med_mt else float("inf")
    cpu_ratio = statistics.median(c_bl) / statistics.median(c_mt) if statistics.median(c_mt) else float("inf")
    print()
    print(f"{'reader':<12}{'files':>7}{'files/s':>10}{'median s':>11}{'p90 s':>9}{'median CPU s':>14}"
          f"{'smelter rows':>14}")
    for label, t, c, rows in (("minetrace", t_mt, c_mt, rows_mt), ("floor", t_fl, c_fl, rows_fl),
                              ("openpyxl", t_bl, c_bl, rows_bl)):
        p90 = sorted(t)[max(0, int(len(t) * 0.9) - 1)]
        print(f"{label:<12}{len(t):>7}{len(t) / sum(t):>10.2f}{statistics.median(t):>11.3f}{p90:>9.3f}"
              f"{statistics.median(c):>14.3f}{rows:>14,}")
    print()
    print(f"ratio (openpyxl median / minetrace median): {ratio:.1f}× wall, {cpu_ratio:.1f}× CPU   "
          f"peak RSS after minetrace: {rss_mt:.0f} MB   load average: {os.getloadavg()[0]:.1f}")
    floor_ratio = statistics.median(c_mt) / statistics.median(c_fl) if statistics.median(c_fl) else float("inf")
    print(f"ratio (minetrace CPU / calamine floor CPU, medians): {floor_ratio:.2f}× (target ≤ 1.5×: "
          f"{'met' if floor_ratio <= 1.5 else 'NOT met'}); floor {statistics.median(c_fl):.3f} s, minetrace "
          f"{statistics.median(c_mt):.3f} s per file")
    if stages:
        print("minetrace median CPU by stage: " + ", ".join(f"{k} {v:.3f} s" for k, v in stages.items()))
    ok_time, ok_ratio = med_mt <= TARGET_MEDIAN_S, ratio >= TARGET_RATIO
    print(f"target median ≤ {TARGET_MEDIAN_S} s: {'met' if ok_time else 'NOT met'} ({med_mt:.3f} s); "
          f"target ≥ {TARGET_RATIO:.0f}× baseline: {'met' if ok_ratio else 'NOT met'} ({ratio:.1f}×)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
