"""Neo4j write rate: smelter rows per second stored into a real Neo4j 5.26, one transaction per declaration.

Target (issue 15 §4): ≥ 5,000 smelter rows/s sustained into a real Neo4j 5.26 on this machine. The same synthetic
declarations (app.synthetic.graph_program, rows resolved by CID) go into the embedded store (the baseline,
measured in the same run) and into Neo4j ($NEO4J_URI, else the test harness's server, started here and stopped at
the end), each declaration in its own transaction as `minetrace ingest` stores a file. Printed: rows/s for both,
the ratio Neo4j / embedded, the target, and the PROFILE of the rows statement and the LOCATED_IN statements (their
operators; "Eager" would mean a statement buffers its rows).

`--batches` measures the rows per statement (`Neo4jStore.batch_size`) on the same declarations, one run each:
the store's default comes from this measurement.

    .venv/bin/python bench/neo4j_write.py [--suppliers 400] [--batches 500 2000 5000] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

TARGET_ROWS_PER_S = 5000
YEAR = 2024


def declarations(n: int, seed: int = 2025) -> list[tuple[Any, Any, Any]]:
    """(declaration, resolutions, supplier record) of `n` suppliers, realistic row counts."""
    from minetrace.app.synthetic import graph_program as synth
    from minetrace.graph.store import SupplierRecord

    pool = synth.facility_pool(600, seed=11)
    known = {f.cid: f for f in pool}
    return [(decl, synth.resolve_exact(decl, known), SupplierRecord(f"S{decl.file.sha256[:12]}", name))
            for decl, name in synth.program(n, seed=seed, pool=pool, year=YEAR - 1)]


def ingest_all(store: Any, decls: list[tuple[Any, Any, Any]]) -> tuple[float, int]:
    """Seconds (wall) to store every declaration, one transaction each; smelter rows stored."""
    rows = 0
    t0 = time.perf_counter()
    for decl, res, sup in decls:
        store.ingest_declaration(decl, res, sup, YEAR)
        rows += len(decl.smelters)
    return time.perf_counter() - t0, rows


def neo4j_server(tmp: Path) -> tuple[str, Any]:
    """(bolt URI, server to stop or None): $NEO4J_URI, else the test harness's Neo4j started here."""
    if os.environ.get("NEO4J_URI"):
        return os.environ["NEO4J_URI"], None
    from neo4j_server import HARNESS_AUTH, HarnessServer, build_harness

    build_harness()
    server = HarnessServer(tmp / "neo4j").start()
    os.environ.setdefault("NEO4J_USER", HARNESS_AUTH[0])
    os.environ.setdefault("NEO4J_PASSWORD", HARNESS_AUTH[1])
    return server.uri, server


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--suppliers", type=int, default=400, help="declarations to store (one per supplier)")
    ap.add_argument("--batches", type=int, nargs="*", default=[],
                    help="rows per UNWIND statement to compare (default: the store's batch size only)")
    ap.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = ap.parse_args(argv)

    from minetrace.graph.embedded import EmbeddedStore
    from minetrace.graph.neo4j_store import DEFAULT_BATCH_SIZE, Neo4jStore

    decls = declarations(args.suppliers)
    warm = declarations(10, seed=7)  # the server's plans compile and its JIT warms here, not in the measured run
    with tempfile.TemporaryDirectory(prefix="mt-bench-neo4j-write-") as tmp:
        emb = EmbeddedStore(Path(tmp) / "warm")
        ingest_all(emb, warm)
        emb.close()
        emb = EmbeddedStore(Path(tmp) / "embedded")
        emb_s, rows = ingest_all(emb, decls)
        emb.close()
        uri, server = neo4j_server(Path(tmp))
        runs: dict[int, float] = {}
        try:
            neo = Neo4jStore(uri, files_dir=Path(tmp) / "files")
            try:
                for batch in args.batches or [DEFAULT_BATCH_SIZE]:
                    neo.clear()
                    neo.batch_size = batch
                    ingest_all(neo, warm)
                    neo.clear()
                    runs[batch], _ = ingest_all(neo, decls)
                neo.batch_size = DEFAULT_BATCH_SIZE
                plans = neo.profile_rows(*declarations(1, seed=99)[0], YEAR)  # a form not stored yet
            finally:
                neo.close()
        finally:
            if server is not None:
                server.stop()
    emb_rate = rows / emb_s
    best = min(runs, key=lambda b: runs[b])
    neo_rate = rows / runs.get(DEFAULT_BATCH_SIZE, runs[best])
    figures = {"declarations": len(decls), "rows": rows, "embedded_rows_per_s": round(emb_rate),
               "neo4j_rows_per_s": round(neo_rate), "ratio_neo4j_embedded": round(neo_rate / emb_rate, 2),
               "target_rows_per_s": TARGET_ROWS_PER_S, "met": neo_rate >= TARGET_ROWS_PER_S,
               "batch_size": DEFAULT_BATCH_SIZE, "by_batch": {b: round(rows / s) for b, s in runs.items()},
               # the head statement carries one row (its Eager operators buffer that row); the rows statements none
               "eager": any("Eager" in o for name, o in plans.items() if name != "head"),
               "plans": {name: list(dict.fromkeys(o)) for name, o in plans.items()}}
    if args.json:
        print(json.dumps(figures, indent=2))
        return 0
    print(f"Neo4j writes: {len(decls)} declarations, {rows:,} smelter rows, one transaction each")
    print(f"  embedded store (baseline, same run): {emb_rate:8,.0f} rows/s ({emb_s:.1f} s)")
    print(f"  Neo4j 5.26 ({'harness' if server else uri}):        {neo_rate:8,.0f} rows/s "
          f"(batch {DEFAULT_BATCH_SIZE}); ratio Neo4j/embedded {neo_rate / emb_rate:.2f}; "
          f"target {TARGET_ROWS_PER_S:,} rows/s {'met' if figures['met'] else 'NOT met'}")
    if len(runs) > 1:
        print("  by batch size: " + ", ".join(f"{b}: {rows / s:,.0f} rows/s" for b, s in sorted(runs.items())))
    print(f"  write plans (PROFILE): {'Eager present' if figures['eager'] else 'no Eager'} in the rows and "
          "LOCATED_IN statements")
    for name, ops in figures["plans"].items():
        if name == "head":
            ops = plans["head"]
            print(f"    head (one row): {len(ops)} operators, {ops.count('Eager')} Eager, "
                  f"{'index seeks only' if 'NodeByLabelScan' not in ops else 'LABEL SCAN'}")
            continue
        print(f"    {name}: {' > '.join(ops)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
