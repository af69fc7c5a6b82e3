"""Neo4j reads against the embedded store: one-CID exposure, flagged paths and the supplier roll-up.

Target (issue 15 §5): each within 2× the embedded store at 1k and 10k suppliers. The baseline is the embedded
store answering the same question on the same data in the same run; the ratio Neo4j / embedded is printed.

Data: bench/query_speed.py's generated program (app.synthetic.graph_program, one reporting year, a real
ReferenceStore with RMAP statuses, a watchlist and the Covered Countries), ingested into an embedded store and,
with the same declarations and resolutions, into a real Neo4j 5.26 (NEO4J_URI, else the test harness's server,
started here and stopped at the end).

Each query is timed cold (no smelter rating or supplier chain remembered: the first visit after a write) and warm
(again, as the explorer's rerun or a second CLI question in one process does). Exposure is the median of a few
CIDs drawn at random (a typical CID: tens of rows), each asked once after one cold question (warm: what the store
remembers covers only the CIDs asked before) and then all asked again (exposure_again: every declaration and
supplier of theirs seen under this version); exposure_top is the CID most rows name (771 of 48,732 at 1k), warm,
median of three. Wall and CPU time of this process are printed (Neo4j's server time is in the wall time only).

The harness's server started here runs, by default, with the JVM a Neo4j server runs with (full JIT, 1 GB heap:
--jvm server); --jvm harness keeps the tests' start-up flags (C1 only), which make every Cypher query several times
slower once warm. $NEO4J_URI is used as it is.

With --cli the same questions are also asked as an analyst asks them, whole `minetrace` processes on both stores
(`query exposure CID --json` for three of the CIDs, `risk suppliers --json`: the roll-up), median of --cli-runs
alternating runs after one unmeasured run each; every answer is compared (the JSON without its notices, which name
the store) and a difference is printed instead of a ratio. For Neo4j the workspace's reference DB is the embedded
store's, sent as the server's first snapshot (graph.workspace) from a folder beside it.

Usage: .venv/bin/python bench/neo4j_reads.py [--sizes 1000 10000] [--queries 10] [--keep DIR] [--jvm server|harness]
                                             [--cli] [--cli-runs 5] [--json]
  --keep DIR  build each size's stores under DIR/<size> once and reuse them (the Neo4j graph is reloaded only
              when it does not hold that size's program)
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "tests"))

from query_speed import YEAR, build  # noqa: E402  (the same program and reference facts)

#: the Neo4j JVM's process id when known (the harness started here, or --server-pid): its CPU time is read too
SERVER_PID: int | None = None


def server_cpu() -> float:
    """CPU seconds the Neo4j server process has used so far (0 when unknown): /proc/PID/stat utime + stime."""
    if SERVER_PID is None:
        return 0.0
    try:
        fields = Path(f"/proc/{SERVER_PID}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _timed(fn: Callable[[], Any]) -> tuple[float, float, float]:
    """(wall s, CPU s of this process, CPU s of the Neo4j server) of `fn()`: on a shared machine the CPU figures
    hold still when the wall time does not."""
    t0, c0, s0 = time.perf_counter(), time.process_time(), server_cpu()
    fn()
    return time.perf_counter() - t0, time.process_time() - c0, server_cpu() - s0


#: JVM flags of the harness server a benchmark starts (scripts/neo4j-harness.sh reads NEO4J_HARNESS_JAVA_OPTS)
JVM_FLAGS = {"server": "-Xms1g -Xmx1g -XX:+UseSerialGC",  # full JIT, as a Neo4j server runs
             "harness": "-Xms128m -Xmx1g -XX:+UseSerialGC -XX:TieredStopAtLevel=1"}  # the tests': fast start-up


def neo4j_server(jvm: str = "server") -> tuple[str, Any]:
    """(bolt URI, server to stop or None): $NEO4J_URI, else the test harness's Neo4j started here with `jvm`'s
    flags (JVM_FLAGS)."""
    if os.environ.get("NEO4J_URI"):
        return os.environ["NEO4J_URI"], None
    from neo4j_server import HarnessServer, build_harness

    os.environ["NEO4J_HARNESS_JAVA_OPTS"] = JVM_FLAGS[jvm]

    build_harness()
    server = HarnessServer(Path(tempfile.mkdtemp(prefix="minetrace-bench-neo4j-"))).start()
    return server.uri, server


def load_neo4j(uri: str, n: int) -> Any:
    """The Neo4j store holding the same program as `build(n, …)`'s embedded store (reloaded when it does not)."""
    from minetrace.app.synthetic import graph_program as synth
    from minetrace.graph.neo4j_store import Neo4jStore
    from minetrace.graph.store import SupplierRecord

    store = Neo4jStore(uri)
    expected = sum(1 for _ in synth.program(n, seed=YEAR, pool=synth.facility_pool(600, seed=11), year=YEAR - 1))
    if len(store.declarations(year=YEAR)) == expected:
        return store
    store.clear()
    pool = synth.facility_pool(600, seed=11)
    known = {f.cid: f for f in pool}
    t0 = time.perf_counter()
    for decl, name in synth.program(n, seed=YEAR, pool=pool, year=YEAR - 1):
        sid = f"S{decl.file.sha256[:10]}"
        store.ingest_declaration(decl, synth.resolve_exact(decl, known), SupplierRecord(id=sid, name=name), YEAR)
    print(f"  neo4j: {n} suppliers loaded in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    return store


def measure(store: Any, ref: Any, cids: list[str], top: str) -> dict[str, float]:
    """Seconds (wall, and CPU of this process) of each read, cold and warm (`top`: the CID most rows name, warm,
    median of three)."""
    from minetrace.queries.exposure import cid_exposure, clear_chain_cache
    from minetrace.queries.paths import flagged_paths
    from minetrace.queries.policy import load_policy
    from minetrace.queries.ratings import clear_ratings
    from minetrace.queries.risk import RiskModel
    from minetrace.queries.rollup import supplier_rollup

    policy = load_policy()
    out: dict[str, float] = {}

    def cold() -> None:
        clear_ratings()
        clear_chain_cache()
        gc.collect()  # the setup's garbage (two stores' full hop lists) is not collected inside a timed read

    cold()
    exp_cold = [_timed(lambda c=c: cid_exposure(store, [c], facts=ref, year=YEAR)) for c in cids[:1]]
    exp_warm = [_timed(lambda c=c: cid_exposure(store, [c], facts=ref, year=YEAR)) for c in cids]
    out["exposure_cold"], out["exposure_cold_cpu"], out["exposure_cold_srv"] = exp_cold[0]
    out["exposure_warm"] = statistics.median(w for w, _, _ in exp_warm)
    out["exposure_warm_cpu"] = statistics.median(c for _, c, _ in exp_warm)
    out["exposure_warm_srv"] = statistics.median(v for _, _, v in exp_warm)
    # the same CIDs asked again: everything a store remembers under this version is there (one Neo4j statement each)
    exp_again = [_timed(lambda c=c: cid_exposure(store, [c], facts=ref, year=YEAR)) for c in cids]
    out["exposure_again"] = statistics.median(w for w, _, _ in exp_again)
    out["exposure_again_cpu"] = statistics.median(c for _, c, _ in exp_again)
    out["exposure_again_srv"] = statistics.median(v for _, _, v in exp_again)
    exp_top = [_timed(lambda: cid_exposure(store, [top], facts=ref, year=YEAR)) for _ in range(3)]
    out["exposure_top_warm"] = statistics.median(w for w, _, _ in exp_top)
    out["exposure_top_warm_cpu"] = statistics.median(c for _, c, _ in exp_top)
    out["exposure_top_warm_srv"] = statistics.median(v for _, _, v in exp_top)
    for name, fn in (("paths", lambda: flagged_paths(store, RiskModel(ref, policy, year=YEAR), year=YEAR)),
                     ("rollup", lambda: supplier_rollup(store, RiskModel(ref, policy, year=YEAR), YEAR))):
        cold()
        out[f"{name}_cold"], out[f"{name}_cold_cpu"], out[f"{name}_cold_srv"] = _timed(fn)
        out[f"{name}_warm"], out[f"{name}_warm_cpu"], out[f"{name}_warm_srv"] = _timed(fn)
    return out


def run(n: int, queries: int, uri: str, keep: Path | None, cli_runs: int = 0) -> dict[str, Any]:
    directory = (keep / str(n)) if keep else Path(tempfile.mkdtemp(prefix=f"minetrace-neo4j-reads-{n}-"))
    directory.mkdir(parents=True, exist_ok=True)
    embedded, ref, cids = build(n, directory)
    neo = load_neo4j(uri, n)
    rows = len(embedded.reports(year=YEAR))
    assert rows == len(neo.reports(year=YEAR)), "both stores must hold the same program"
    rng = random.Random(9)
    sample = [rng.choice(cids) for _ in range(queries)]
    top_key, _, top_rows = max(embedded.smelter_supplier_counts(year=YEAR), key=lambda c: (c[2], c[0]))
    emb = measure(embedded, ref, sample, top_key)
    nj = measure(neo, ref, sample, top_key)
    reads = [k for k in emb if not k.endswith(("_cpu", "_srv"))]
    result: dict[str, Any] = {"suppliers": n, "rows": rows, "top_cid": f"{top_key} ({top_rows} rows)",
                              "embedded": emb, "neo4j": nj,
                              "ratio": {k: round(nj[k] / max(emb[k], 1e-6), 2) for k in reads},
                              # CPU of both processes against the embedded store's (its process does all the work)
                              "cpu_ratio": {k: round((nj[k + "_cpu"] + nj[k + "_srv"]) / max(emb[k + "_cpu"], 1e-6), 2)
                                            for k in reads} if SERVER_PID is not None else {}}
    embedded.close()
    neo.close()
    ref.close()
    if cli_runs:
        result["cli"] = cli_reads(directory, uri, sample[:3], cli_runs)
    return result


def _cli(args: list[str], store: str, folder: Path) -> tuple[float, Any]:
    """(wall s, the JSON answer without its notices) of one whole `minetrace` process; `folder`: the local folder
    a Neo4j workspace keeps its reference DB copy in. Bytecode caching on, as in a user's installation."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["MINETRACE_STORE"] = str(folder)
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "minetrace.app.cli", *args, "--store", store], env=env,
                          capture_output=True, text=True, check=False)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise RuntimeError(f"minetrace {' '.join(args)} --store {store} failed: {proc.stderr[-600:]}")
    answer = json.loads(proc.stdout)
    answer.pop("notices", None)
    return wall, answer


def cli_reads(directory: Path, uri: str, cids: list[str], runs: int) -> dict[str, Any]:
    """Whole-process questions on both stores (module docstring, --cli): {name: {embedded, neo4j, ratio,
    same_answer}}."""
    from minetrace.ingest.reference.store import DB_NAME

    folder = directory / "neo4j-workspace"
    if not (folder / DB_NAME).exists():  # the server's first reference snapshot: the embedded store's facts
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(directory / DB_NAME, folder / DB_NAME)
    questions = {f"exposure {c}": ["query", "exposure", c, "--year", str(YEAR), "--json"] for c in cids}
    questions["risk suppliers"] = ["risk", "suppliers", "--year", str(YEAR), "--json"]
    out: dict[str, Any] = {}
    for name, args in questions.items():
        stores = {"embedded": (str(directory), directory), "neo4j": (uri, folder)}
        answers = {k: _cli(args, *where)[1] for k, where in stores.items()}  # unmeasured: the server's plans
        walls: dict[str, list[float]] = {k: [] for k in stores}
        for i in range(runs):
            for k in (("embedded", "neo4j") if i % 2 == 0 else ("neo4j", "embedded")):
                walls[k].append(_cli(args, *stores[k])[0])
        emb, nj = statistics.median(walls["embedded"]), statistics.median(walls["neo4j"])
        out[name] = {"embedded": emb, "neo4j": nj, "ratio": round(nj / emb, 2),
                     "same_answer": answers["embedded"] == answers["neo4j"]}
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", nargs="+", type=int, default=[1000])
    ap.add_argument("--queries", type=int, default=10)
    ap.add_argument("--keep", type=Path, default=None)
    ap.add_argument("--jvm", choices=sorted(JVM_FLAGS), default="server",
                    help="flags of the harness server started here (not $NEO4J_URI's)")
    ap.add_argument("--server-pid", type=int, default=None,
                    help="process id of $NEO4J_URI's server on this machine (its CPU time is read too)")
    ap.add_argument("--cli", action="store_true", help="also whole `minetrace` processes on both stores")
    ap.add_argument("--cli-runs", type=int, default=5)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    load = os.getloadavg()[0]
    uri, server = neo4j_server(args.jvm)
    global SERVER_PID
    SERVER_PID = server.proc.pid if server is not None else args.server_pid
    try:
        results = [run(n, args.queries, uri, args.keep, args.cli_runs if args.cli else 0) for n in args.sizes]
    finally:
        if server is not None:
            server.stop()
    for r in results:
        r["server"] = f"harness started here, --jvm {args.jvm}" if server is not None else uri
        r["load_average"] = f"{load:.1f} → {os.getloadavg()[0]:.1f}"
    if args.json:
        print(json.dumps(results, indent=2))
        return
    print("Neo4j reads vs the embedded store (same data, same run; target: ratio ≤ 2)")
    for r in results:
        print(f"\n{r['suppliers']} suppliers, {r['rows']} smelter rows of {YEAR} (Neo4j: {r['server']}; "
              f"load average {r['load_average']}; exposure_top: {r['top_cid']})")
        print(f"  {'read':<18}{'embedded s':>12}{'neo4j s':>10}{'ratio':>8}   CPU s: embedded / neo4j client + server "
              "(ratio)")
        for k, ratio in r["ratio"].items():
            e, nj = r["embedded"], r["neo4j"]
            srv = f" + {nj[k + '_srv']:.3f} ({r['cpu_ratio'][k]:.2f})" if r["cpu_ratio"] else " + server not measured"
            print(f"  {k:<18}{e[k]:>12.3f}{nj[k]:>10.3f}{ratio:>8.2f}   {e[k + '_cpu']:.3f} / "
                  f"{nj[k + '_cpu']:.3f}{srv}")
        if r.get("cli"):
            print(f"  whole `minetrace` processes (median of {args.cli_runs}), as an analyst asks:")
            for name, c in r["cli"].items():
                verdict = f"{c['ratio']:>8.2f}" if c["same_answer"] else "   ANSWERS DIFFER"
                print(f"  {name:<18}{c['embedded']:>12.3f}{c['neo4j']:>10.3f}{verdict}")


if __name__ == "__main__":
    main()
