"""Graph store at scale: ingest rate, peak RSS, load time and traversal latency at 1k and 10k suppliers.

Targets (issue 4 §5): 10k suppliers / ~1M smelter rows within 2 GB RSS; smelter→suppliers
traversal p50 ≤ 50 ms. Each size runs in its own subprocess so peak RSS is that size's alone.

Data: in-memory CMRT-shaped declarations (app.synthetic.graph_program — no xlsx round trip): most suppliers list
1–40 smelters, ~12 % list 41–299, ~2 % list 300–600; two reporting years per supplier plus
5 % re-submissions (which supersede), so 10k suppliers give ~1M REPORTS rows; a Zipf-like draw
makes popular smelters appear in thousands of declarations, as in real programmes.

Baseline, measured in the same run: the same smelter→suppliers question answered by a naive full
scan over every REPORTS edge held in a Python list (what a store without indexes, or a hand-rolled
loop over an export, would do). The ratio baseline/indexed is printed.

Usage:  .venv/bin/python bench/graph_scale.py [--sizes 1000 10000] [--queries 200] [--json]
        NEO4J_URI=bolt://… also runs the Neo4j store (when graph/neo4j_store.py is present).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

YEARS = (2024, 2025)
RESUBMIT_SHARE = 0.05


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # Linux: KiB


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


def _open(kind: str, directory: Path) -> Any:
    if kind == "embedded":
        from minetrace.graph.embedded import EmbeddedStore

        return EmbeddedStore(directory)
    from minetrace.graph.neo4j_store import Neo4jStore

    st = Neo4jStore(os.environ["NEO4J_URI"])
    return st


def run_one(kind: str, n: int, queries: int, directory: Path) -> dict[str, Any]:
    from minetrace.app.synthetic import graph_program as synth
    from minetrace.graph.store import SupplierRecord

    pool = synth.facility_pool(600, seed=11)
    known = {f.cid: f for f in pool}
    store = _open(kind, directory)
    if kind == "neo4j" and hasattr(store, "clear"):
        store.clear()
    rows = files = 0
    ingest_s = ingest_cpu = 0.0
    rng = random.Random(5)
    t_all = time.perf_counter()
    for year in YEARS:
        for decl, name in synth.program(n, seed=year, pool=pool, year=year - 1):
            batch = [decl]
            if rng.random() < RESUBMIT_SHARE:  # a corrected form later in the season
                again = synth.declaration(name, decl.smelters[: max(1, len(decl.smelters) - 2)],
                                          effective=decl.company.effective_date, tag=f"fix-{decl.file.sha256[:8]}")
                batch.append(again)
            for d in batch:
                res = synth.resolve_exact(d, known)
                sup = SupplierRecord("decl:" + name.lower(), name)
                t0, c0 = time.perf_counter(), time.process_time()
                store.ingest_declaration(d, res, sup, year)
                ingest_s += time.perf_counter() - t0
                ingest_cpu += time.process_time() - c0
                rows += len(d.smelters)
                files += 1
    wall = time.perf_counter() - t_all
    store.close()
    rss_ingest = peak_rss_mb()

    # load: a fresh handle, first answers (what the CLI/explorer pays on start)
    t0 = time.perf_counter()
    store = _open(kind, directory)
    if hasattr(store, "supplier_graph"):
        store.supplier_graph()
    store.suppliers_for_smelter("CID000001", year=2025)
    load_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    stats = store.stats()
    stats_s = time.perf_counter() - t0

    qrng = random.Random(9)
    keys = [f.cid for f in qrng.sample(pool, k=min(queries, len(pool)))]
    sizes: list[int] = []
    lat: list[float] = []
    lat_cpu: list[float] = []
    for key in keys:
        t0, c0 = time.perf_counter(), time.process_time()
        hops = store.suppliers_for_smelter(key, year=2025)
        lat.append((time.perf_counter() - t0) * 1000)
        lat_cpu.append((time.process_time() - c0) * 1000)
        sizes.append(len(hops))
    sup_ids = [f"decl:supplier {i:05d} industries" for i in qrng.sample(range(n), k=min(queries, n))]
    lat_sup = []
    for sid in sup_ids:
        t0 = time.perf_counter()
        store.smelters_for_supplier(sid, year=2025)
        lat_sup.append((time.perf_counter() - t0) * 1000)
    t0 = time.perf_counter()
    chains = store.supplier_chains()
    chains_s = time.perf_counter() - t0
    result: dict[str, Any] = {
        "store": kind, "suppliers": n, "declarations": files, "smelter_rows": rows,
        "reports_edges": stats["relationships"]["REPORTS"], "smelters": stats["nodes"]["Smelter"],
        "ingest_s": round(ingest_s, 1), "ingest_wall_s": round(wall, 1),
        "ingest_rows_per_s": round(rows / ingest_s), "ingest_files_per_s": round(files / ingest_s, 1),
        "ingest_cpu_s": round(ingest_cpu, 1), "ingest_rows_per_cpu_s": round(rows / max(ingest_cpu, 1e-9)),
        "peak_rss_mb_after_ingest": round(rss_ingest), "load_s": round(load_s, 3), "stats_s": round(stats_s, 2),
        "smelter_to_suppliers_p50_ms": round(statistics.median(lat), 2),
        "smelter_to_suppliers_p95_ms": round(pct(lat, 0.95), 2),
        "smelter_to_suppliers_cpu_p50_ms": round(statistics.median(lat_cpu), 2),
        "hops_per_query_median": statistics.median(sizes), "hops_per_query_max": max(sizes),
        "supplier_to_smelters_p50_ms": round(statistics.median(lat_sup), 2),
        "supplier_chains_s": round(chains_s, 3), "chains": len(chains),
        "db_mb": round((stats.get("db_bytes") or 0) / 1e6, 1),
    }
    # baseline: naive full scan over every REPORTS edge in a Python list
    if kind == "embedded":
        t0 = time.perf_counter()
        edges = list(store._q(  # noqa: SLF001 - the baseline reads the raw table on purpose
            "SELECT r.smelter_key, d.supplier_id, d.reporting_year, d.current, d.id, r.row "
            "FROM reports r JOIN declaration d ON d.dno = r.dno"))
        result["baseline_load_s"] = round(time.perf_counter() - t0, 2)
        base = []
        base_cpu = []
        for key in keys[: max(10, queries // 10)]:
            t0, c0 = time.perf_counter(), time.process_time()
            hits = [e for e in edges if e[0] == key and e[2] == 2025 and e[3]]
            base.append((time.perf_counter() - t0) * 1000)
            base_cpu.append((time.process_time() - c0) * 1000)
            assert len(hits) == sizes[keys.index(key)]
        result["baseline_scan_p50_ms"] = round(statistics.median(base), 2)
        result["baseline_scan_cpu_p50_ms"] = round(statistics.median(base_cpu), 2)
        result["speedup_vs_scan"] = round(statistics.median(base) / max(statistics.median(lat), 1e-6), 1)
        result["speedup_vs_scan_cpu"] = round(statistics.median(base_cpu) / max(statistics.median(lat_cpu), 1e-6), 1)
        del edges
    result["peak_rss_mb"] = round(peak_rss_mb())
    store.close()
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--stores", nargs="+", choices=["embedded", "neo4j"], default=None,
                    help="default: embedded, plus neo4j when NEO4J_URI is set")
    ap.add_argument("--one", nargs=3, metavar=("KIND", "N", "DIR"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:
        kind, n, directory = args.one
        print(json.dumps(run_one(kind, int(n), args.queries, Path(directory))))
        return
    kinds = ["embedded"]
    if os.environ.get("NEO4J_URI") and (ROOT / "graph" / "neo4j_store.py").exists():
        kinds.append("neo4j")
    if args.stores:
        kinds = [k for k in args.stores if k in kinds]
    results = []
    for kind in kinds:
        for n in args.sizes:
            with tempfile.TemporaryDirectory(prefix="mt-bench-") as tmp:
                out = subprocess.run([sys.executable, __file__, "--queries", str(args.queries), "--one", kind, str(n),
                                      str(Path(tmp) / "store")], capture_output=True, text=True, check=False)
                if out.returncode != 0:
                    print(out.stderr, file=sys.stderr)
                    raise SystemExit(f"{kind} n={n} failed")
                res = json.loads(out.stdout.strip().splitlines()[-1])
                results.append(res)
                if not args.json:
                    _print(res)
    if args.json:
        print(json.dumps(results, indent=2))


def _print(r: dict[str, Any]) -> None:
    ok_rss = "OK" if r["peak_rss_mb"] <= 2048 else "OVER"
    ok_p50 = "OK" if r["smelter_to_suppliers_p50_ms"] <= 50 else "OVER"
    print(f"[{r['store']}] {r['suppliers']} suppliers, {r['declarations']} declarations, "
          f"{r['smelter_rows']} smelter rows ({r['smelters']} smelters), db {r['db_mb']} MB")
    print(f"  ingest: {r['ingest_rows_per_s']} rows/s, {r['ingest_files_per_s']} files/s "
          f"({r['ingest_s']} s in the store, {r['ingest_wall_s']} s wall incl. synthesis); "
          f"CPU only: {r['ingest_rows_per_cpu_s']} rows per CPU-second")
    client = " of the Python client (the Neo4j server's JVM is separate)" if r["store"] == "neo4j" else ""
    print(f"  peak RSS{client}: {r['peak_rss_mb']} MB (target 2048: {ok_rss}); "
          "load (open + supplier graph + first query): "
          f"{r['load_s']} s; full stats(): {r['stats_s']} s")
    print(f"  smelter→suppliers: p50 {r['smelter_to_suppliers_p50_ms']} ms, p95 {r['smelter_to_suppliers_p95_ms']} ms "
          f"(target p50 50 ms: {ok_p50}); CPU p50 {r['smelter_to_suppliers_cpu_p50_ms']} ms; "
          f"median {r['hops_per_query_median']} hops, max {r['hops_per_query_max']}")
    print(f"  supplier→smelters p50 {r['supplier_to_smelters_p50_ms']} ms; supplier_chains {r['supplier_chains_s']} s")
    if "baseline_scan_p50_ms" in r:
        print(f"  baseline full scan over {r['reports_edges']} edges in Python: p50 {r['baseline_scan_p50_ms']} ms "
              f"(CPU {r['baseline_scan_cpu_p50_ms']} ms) → indexed store is {r['speedup_vs_scan']}x faster "
              f"(CPU {r['speedup_vs_scan_cpu']}x; scan list built in {r['baseline_load_s']} s)")


if __name__ == "__main__":
    main()
