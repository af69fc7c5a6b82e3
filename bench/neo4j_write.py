"""Neo4j write rate: smelter rows per second stored into a real Neo4j 5.26, one transaction per declaration.

Target (issue 15 §4): ≥ 5,000 smelter rows/s sustained into a real Neo4j 5.26 on this machine. The same synthetic
declarations (app.synthetic.graph_program, rows resolved by CID) go into the embedded store (the baseline,
measured in the same run) and into Neo4j ($NEO4J_URI, else the test harness's server, started here and stopped at
the end), each declaration in its own transaction as `minetrace ingest` stores a file: through the store's ingest
pipeline (the next form's transaction in flight while the previous one commits, graph.neo4j_pipeline), and, in the
same rounds, one `ingest_declaration` call after the other. Printed: rows/s for both,
the ratio Neo4j / embedded, the target, and the PROFILE of the rows statement and the LOCATED_IN statements (their
operators; "Eager" would mean a statement buffers its rows).

`--sustained FORMS` then stores FORMS more forms through the pipeline into one graph that keeps growing (no clear
between), as a long campaign load does, and prints the rate per window of 500 forms; the §4 target ("sustained") is
judged on the median of the windows after the first, the 400-form rounds above it are printed beside it.

`--batches` measures the rows per statement (`Neo4jStore.batch_size`) on large forms (`--large` forms of
`--large-rows` rows each: the program's forms have at most 600 rows, below every batch size worth comparing), each
size once per round, the rounds (`--rounds`) interleaving sizes and program runs; medians are printed. The store's
default comes from this measurement.

The harness's JVM is tuned for test start-up (C1 only, serial GC, 1 GB heap); `--server-jvm` starts it as a server
runs (both JIT tiers, G1, 2 GB heap, as the docker-compose Neo4j; a 1 GB page cache), with a longer warm-up for the
JIT.

    .venv/bin/python bench/neo4j_write.py [--suppliers 400] [--batches 250 1000 2000 5000] [--rounds 3]
        [--server-jvm] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

TARGET_ROWS_PER_S = 5000
#: forms per window of the sustained load (`--sustained`)
WINDOW = 500
YEAR = 2024


def declarations(n: int, seed: int = 2025) -> list[tuple[Any, Any, Any]]:
    """(declaration, resolutions, supplier record) of `n` suppliers, realistic row counts."""
    from minetrace.app.synthetic import graph_program as synth
    from minetrace.graph.store import SupplierRecord

    pool = synth.facility_pool(600, seed=11)
    known = {f.cid: f for f in pool}
    return [(decl, synth.resolve_exact(decl, known), SupplierRecord(f"S{decl.file.sha256[:12]}", name))
            for decl, name in synth.program(n, seed=seed, pool=pool, year=YEAR - 1)]


def large_declarations(n: int, rows: int) -> list[tuple[Any, Any, Any]]:
    """`n` forms of `rows` smelter-list rows each (the pool's smelters in turn, mine countries on every 7th row)."""
    from minetrace.app.synthetic import graph_program as synth
    from minetrace.graph.store import SupplierRecord

    pool = synth.facility_pool(600, seed=11)
    known = {f.cid: f for f in pool}
    out = []
    for i in range(n):
        decl = synth.declaration(f"Large {i}", [synth.smelter_row(5 + j, pool[(i * 37 + j) % len(pool)],
                                                                  "DRC | Rwanda" if j % 7 == 0 else None)
                                                for j in range(rows)], tag=f"large-{i}")
        out.append((decl, synth.resolve_exact(decl, known), SupplierRecord(f"Slarge{i}", f"Large {i}")))
    return out


def ingest_all(store: Any, decls: list[tuple[Any, Any, Any]]) -> tuple[float, int]:
    """Seconds (wall) to store every declaration, one transaction each; smelter rows stored."""
    rows = 0
    t0 = time.perf_counter()
    for decl, res, sup in decls:
        store.ingest_declaration(decl, res, sup, YEAR)
        rows += len(decl.smelters)
    return time.perf_counter() - t0, rows


def ingest_pipelined(store: Any, decls: list[tuple[Any, Any, Any]]) -> tuple[float, int]:
    """`ingest_all` through the store's ingest pipeline, as `minetrace ingest` stores a batch: still one transaction
    per declaration, in order, the next one's transaction in flight while the previous one commits."""
    from minetrace.graph.store import IngestJob

    rows = 0
    t0 = time.perf_counter()
    with store.ingest_pipeline() as pipeline:
        futures = [pipeline.submit(IngestJob(decl, res, sup, YEAR)) for decl, res, sup in decls]
        for future, (decl, _, _) in zip(futures, decls, strict=True):
            future.result()
            rows += len(decl.smelters)
    return time.perf_counter() - t0, rows


#: JVM flags of a server-like harness (`--server-jvm`): what a Neo4j server runs with, not the test tuning
SERVER_JVM = "-Xms2g -Xmx2g -XX:+UseG1GC"
#: ... and its page cache (the tests' 64 MB holds a few hundred forms; a server sizes it to the store)
SERVER_PAGECACHE = "1g"


def cli_ingest(folder: Path, store: str) -> tuple[float, int, int]:
    """(seconds wall, files, smelter rows) of one whole-process `minetrace ingest FOLDER --store STORE --json`
    (start-up, reading in worker processes, resolving, the store's writes and the closing pass: what a user waits
    for)."""
    import subprocess

    t0 = time.perf_counter()
    out = subprocess.run([str(ROOT / ".venv" / "bin" / "minetrace"), "ingest", str(folder), "--store", store, "--json"],
                         capture_output=True, text=True, env={**os.environ, "PYTHONDONTWRITEBYTECODE": ""})
    seconds = time.perf_counter() - t0
    if out.returncode not in (0, 2):  # 2: some file unreadable (the generated program has none)
        raise SystemExit(f"minetrace ingest --store {store} failed ({out.returncode}): {out.stderr[-800:]}")
    files = json.loads(out.stdout)["files"]
    return seconds, len(files), sum(f.get("smelter_rows") or 0 for f in files)


def generated_program(folder: Path, suppliers: int) -> Path:
    """`minetrace generate` a program of `suppliers` suppliers; its CMRT folder."""
    import subprocess

    subprocess.run([str(ROOT / ".venv" / "bin" / "minetrace"), "generate", "--suppliers", str(suppliers), "--out",
                    str(folder), "--seed", "15"], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return folder / "cmrt"


def neo4j_server(tmp: Path, server_jvm: bool = False) -> tuple[str, Any]:
    """(bolt URI, server to stop or None): $NEO4J_URI, else the test harness's Neo4j started here."""
    if os.environ.get("NEO4J_URI"):
        return os.environ["NEO4J_URI"], None
    from neo4j_server import HARNESS_AUTH, HarnessServer, build_harness

    if server_jvm:
        os.environ["NEO4J_HARNESS_JAVA_OPTS"] = SERVER_JVM  # read by scripts/neo4j-harness.sh in the child
        os.environ.setdefault("NEO4J_HARNESS_PAGECACHE", SERVER_PAGECACHE)  # read by the launcher
    build_harness()
    server = HarnessServer(tmp / "neo4j").start()
    os.environ.setdefault("NEO4J_USER", HARNESS_AUTH[0])
    os.environ.setdefault("NEO4J_PASSWORD", HARNESS_AUTH[1])
    return server.uri, server


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--suppliers", type=int, default=400, help="declarations to store (one per supplier)")
    ap.add_argument("--batches", type=int, nargs="*", default=[],
                    help="rows per rows statement to compare on large forms (default: no comparison)")
    ap.add_argument("--large", type=int, default=8, help="large forms for --batches")
    ap.add_argument("--large-rows", type=int, default=3000, help="smelter rows of each large form")
    ap.add_argument("--rounds", type=int, default=3,
                    help="measured runs of the program (and of each batch size, interleaved): the median is printed")
    ap.add_argument("--server-jvm", action="store_true", help=f"start the harness with {SERVER_JVM} (C1+C2 JIT)")
    ap.add_argument("--cli", type=int, default=400, metavar="SUPPLIERS",
                    help="also time whole-process `minetrace ingest` of a generated program of this many suppliers "
                    "into a fresh embedded store and into the Neo4j server (0: skip)")
    ap.add_argument("--sustained", type=int, default=0, metavar="FORMS",
                    help="then a long load: FORMS more forms through the pipeline into one growing graph (no clear), "
                         f"the rate per window of {WINDOW} forms; the target is judged on its windows after the first")
    ap.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = ap.parse_args(argv)

    from minetrace.graph.embedded import EmbeddedStore
    from minetrace.graph.neo4j_store import DEFAULT_BATCH_SIZE, Neo4jStore

    decls = declarations(args.suppliers)
    # the server's plans compile and its JIT warms here, not in the measured run: C2 compiles after many more calls
    # than C1, so the server JVM warms on as many forms as are measured ("sustained": a server that has run a while)
    warm = declarations(args.suppliers if args.server_jvm else 10, seed=7)
    large = large_declarations(args.large, args.large_rows) if args.batches else []
    load_start = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="mt-bench-neo4j-write-") as tmp:
        emb = EmbeddedStore(Path(tmp) / "warm")
        ingest_all(emb, warm[:10])
        emb.close()
        emb = EmbeddedStore(Path(tmp) / "embedded")
        emb_s, rows = ingest_all(emb, decls)
        emb.close()
        uri, server = neo4j_server(Path(tmp), args.server_jvm)
        runs: list[float] = []  # as `minetrace ingest` stores: through the store's pipeline
        one_runs: list[float] = []  # one `ingest_declaration` call after the other
        by_batch: dict[int, list[float]] = {b: [] for b in args.batches}
        try:
            neo = Neo4jStore(uri, files_dir=Path(tmp) / "files")
            try:
                for _ in range(2 if args.server_jvm else 1):
                    neo.clear()
                    ingest_all(neo, warm)
                    neo.clear()
                    ingest_pipelined(neo, warm)
                for _ in range(args.rounds):  # rounds interleave the sizes: a load change hits them all alike
                    neo.clear()
                    seconds, _ = ingest_pipelined(neo, decls)
                    runs.append(rows / seconds)
                    neo.clear()
                    seconds, _ = ingest_all(neo, decls)
                    one_runs.append(rows / seconds)
                    for batch in args.batches:
                        neo.batch_size = batch
                        neo.clear()
                        seconds, large_rows = ingest_all(neo, large)
                        by_batch[batch].append(large_rows / seconds)
                    neo.batch_size = DEFAULT_BATCH_SIZE
                windows: list[tuple[int, float]] = []  # (forms stored before the window, rows/s)
                if args.sustained:  # a program's worth of forms into one graph that keeps growing, as a load runs
                    neo.clear()
                    long_load = declarations(args.sustained, seed=31)
                    for i in range(0, len(long_load), WINDOW):
                        seconds, window_rows = ingest_pipelined(neo, long_load[i:i + WINDOW])
                        windows.append((i, window_rows / seconds))
                plans = neo.profile_rows(*declarations(1, seed=99)[0], YEAR)  # a form not stored yet
                cli: dict[str, tuple[float, int, int]] = {}
                if args.cli:
                    folder = generated_program(Path(tmp) / "program", args.cli)
                    cli["embedded"] = cli_ingest(folder, str(Path(tmp) / "cli-embedded"))
                    neo.clear()
                    cli["neo4j"] = cli_ingest(folder, uri)
            finally:
                neo.close()
        finally:
            if server is not None:
                server.stop()
    emb_rate = rows / emb_s
    neo_rate = statistics.median(runs)
    later = [rate for _, rate in windows[1:]]
    sustained = statistics.median(later) if later else None
    judged = sustained if sustained is not None else neo_rate
    figures = {"declarations": len(decls), "rows": rows, "embedded_rows_per_s": round(emb_rate),
               "neo4j_rows_per_s": round(neo_rate), "ratio_neo4j_embedded": round(neo_rate / emb_rate, 2),
               "target_rows_per_s": TARGET_ROWS_PER_S, "met": judged >= TARGET_ROWS_PER_S,
               "sustained_rows_per_s": None if sustained is None else round(sustained),
               "sustained_windows": [{"after_forms": n, "rows_per_s": round(r)} for n, r in windows],
               "batch_size": DEFAULT_BATCH_SIZE, "jvm": SERVER_JVM if args.server_jvm else "harness (test tuning)",
               "large_forms": {"forms": len(large), "rows_each": args.large_rows} if large else None,
               "neo4j_runs": [round(r) for r in runs],
               "neo4j_one_at_a_time_rows_per_s": round(statistics.median(one_runs)),
               "neo4j_one_at_a_time_runs": [round(r) for r in one_runs],
               "by_batch": {b: round(statistics.median(r)) for b, r in by_batch.items()},
               "load_average": [round(load_start, 1), round(os.getloadavg()[0], 1)],
               # the head statement carries one row (its Eager operators buffer that row); the rows statements none
               "eager": any(op == "Eager" for name, ops in plans.items() if name != "head" for op, _ in ops),
               "head_eager_rows": max([n for op, n in plans["head"] if op == "Eager"], default=0),
               "plans": {name: list(dict.fromkeys(op for op, _ in ops)) for name, ops in plans.items()},
               "cli_ingest": {k: {"seconds": round(sec, 1), "files": n, "rows": r, "rows_per_s": round(r / sec)}
                              for k, (sec, n, r) in cli.items()}}
    if args.json:
        print(json.dumps(figures, indent=2))
        return 0
    print(f"Neo4j writes: {len(decls)} declarations, {rows:,} smelter rows, one transaction each "
          f"(load average {figures['load_average'][0]} at the start, {figures['load_average'][1]} at the end)")
    print(f"  embedded store (baseline, same run): {emb_rate:8,.0f} rows/s ({emb_s:.1f} s)")
    where = ("harness, server JVM" if args.server_jvm else "harness") if server else uri
    print(f"  Neo4j 5.26 ({where}):        {neo_rate:8,.0f} rows/s "
          f"(median of {', '.join(f'{r:,.0f}' for r in runs)}; batch {DEFAULT_BATCH_SIZE}); "
          f"ratio Neo4j/embedded {neo_rate / emb_rate:.2f}"
          + ("" if sustained is not None else
             f"; target {TARGET_ROWS_PER_S:,} rows/s {'met' if figures['met'] else 'NOT met'}"))
    one = figures["neo4j_one_at_a_time_rows_per_s"]
    print(f"    through the ingest pipeline (next form's transaction in flight), as `minetrace ingest` stores; one "
          f"call after the other: {one:,} rows/s (median of {', '.join(f'{r:,.0f}' for r in one_runs)}; "
          f"pipeline/one-at-a-time {neo_rate / one:.2f})")
    if windows:
        print(f"  sustained: {args.sustained:,} more forms through the pipeline into one growing graph, rows/s per "
              f"window of {WINDOW} forms: " + ", ".join(f"{r:,.0f}" for _, r in windows))
        print(f"    median of the windows after the first: {sustained:,.0f} rows/s; "
              f"target {TARGET_ROWS_PER_S:,} rows/s {'met' if figures['met'] else 'NOT met'}")
    if cli:
        (es, files, crows), (ns, _, _) = cli["embedded"], cli["neo4j"]
        print(f"  whole-process `minetrace ingest` of a generated {args.cli}-supplier program ({files} files, "
              f"{crows:,} smelter rows; start-up and reading included):")
        print(f"    embedded store (baseline) {es:6.1f} s ({crows / es:7,.0f} rows/s)   Neo4j {ns:6.1f} s "
              f"({crows / ns:7,.0f} rows/s)   ratio Neo4j/embedded {ns / es:.2f}× time")
    if by_batch:
        print(f"  by batch size ({len(large)} forms of {args.large_rows:,} rows, median of {args.rounds}): "
              + ", ".join(f"{b}: {v:,} rows/s" for b, v in sorted(figures["by_batch"].items())))
    print(f"  write plans (PROFILE): {'Eager present' if figures['eager'] else 'no Eager'} in the rows and "
          "LOCATED_IN statements")
    for name, ops in figures["plans"].items():
        if name == "head":
            head = [op for op, _ in plans["head"]]
            print(f"    head (one row + the first batch of rows in a subquery): {len(head)} operators, "
                  f"{head.count('Eager')} Eager holding at most {figures['head_eager_rows']} row, "
                  f"{'no label scan' if 'NodeByLabelScan' not in head else 'LABEL SCAN'}")
            continue
        print(f"    {name}: {' > '.join(ops)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
