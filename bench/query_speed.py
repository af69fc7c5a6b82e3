"""Query speed on the embedded store: one-CID exposure, flagged paths and the supplier risk roll-up
at 1k and 10k suppliers, each against a naive baseline measured in the same run.

Targets (issue 5 §6): one-CID exposure p50 ≤ 50 ms; full risk roll-up ≤ 2 s at 10k suppliers.

Data: app.synthetic.graph_program.program (CMRT-shaped declarations, no xlsx round trip; most suppliers list 1–40
smelters, a few hundreds; popular smelters appear in thousands of declarations), one reporting year,
ingested into a fresh EmbeddedStore; the reference facts are a real ReferenceStore in the same
folder (70 % of the pool Conformant with audit dates, 20 % Active, the rest not listed, 8 CIDs on
the watchlist, some smelters in Covered Countries).

Exposure queries run one after another in one process, as in the explorer: supplier tier chains are
cached per store version after the first query (the first query's time is printed too). The roll-up
is timed cold (no smelter rating or supplier chain remembered) and warm (a second roll-up with a new
RiskModel over the same store version, reference state and policy: the ratings are reused).

Baselines (same data, same run):
  exposure  — scan every hop of the year held in a Python list and filter by CID (no index);
  paths     — rate every hop separately (no per-smelter cache) and walk supplier chains per hop;
  roll-up   — one `smelters_for_supplier` call per supplier and a fresh rating per hop.
The ratio baseline / ours is printed; no timed asserts anywhere (machines are shared and noisy).

Every figure is printed as wall time and CPU time of this process (the machine is shared: wall time
includes waiting for a core, CPU time does not).

Usage: .venv/bin/python bench/query_speed.py [--sizes 1000 10000] [--queries 50] [--json] [--keep DIR]
  --keep DIR  build each size's store under DIR/<size> once and reuse it on later runs (iteration aid)
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

YEAR = 2024
NAIVE_HOPS = 5000
NAIVE_SUPPLIERS = 150


class Timer:
    """Wall and CPU seconds of one block (`with Timer() as t: ...; t.wall, t.cpu`)."""

    def __enter__(self) -> Timer:
        self._w, self._c = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall = time.perf_counter() - self._w
        self.cpu = time.process_time() - self._c


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


def build(n: int, directory: Path) -> tuple[Any, Any, list[str]]:
    from minetrace.app.synthetic import graph_program as synth
    from minetrace.graph.embedded import DB_NAME, EmbeddedStore
    from minetrace.graph.store import SupplierRecord
    from minetrace.ingest.reference.store import ReferenceStore

    pool = synth.facility_pool(600, seed=11)
    if (directory / ".built").exists() and (directory / DB_NAME).exists():  # --keep: reuse
        return EmbeddedStore(directory), ReferenceStore(directory, load_starter=False), [f.cid for f in pool]
    known = {f.cid: f for f in pool}
    ref = ReferenceStore(directory, load_starter=False)
    rng = random.Random(3)
    with ref.transaction():
        conf = ref.add_snapshot("RMAP:Conformant", f"{YEAR}-12-01", "bench", None)
        act = ref.add_snapshot("RMAP:Active", f"{YEAR}-12-01", "bench", None)
        for f in pool:
            ref.upsert_facility(f.cid, f.metal, f.name, f.country_iso2, None, None, None, f"{YEAR}-12-01", "bench")
            x = rng.random()
            if x < 0.7:
                ref.add_status(f.cid, f.metal, "RMAP", "Conformant", f"{YEAR}-12-01", "bench", conf,
                               last_audit=f"{YEAR}-{rng.randint(1, 12):02d}-15", audit_cycle="1 Year")
            elif x < 0.9:
                ref.add_status(f.cid, f.metal, "RMAP", "Active", f"{YEAR}-12-01", "bench", act)
        for f in rng.sample(pool, 8):
            ref.add_watch(f.cid, f.metal, f.name, f.country_iso2, "bench", "benchmark watchlist", None, "bench", None)
        for iso2 in ("CD", "RW", "UG", "BI", "TZ", "ZM", "AO", "CF", "CG", "SS"):
            ref.add_country("covered", iso2, "2010-08-22", "bench")
    store = EmbeddedStore(directory)
    for decl, name in synth.program(n, seed=YEAR, pool=pool, year=YEAR - 1):
        sid = f"S{decl.file.sha256[:10]}"
        store.ingest_declaration(decl, synth.resolve_exact(decl, known), SupplierRecord(id=sid, name=name), YEAR)
    (directory / ".built").touch()
    return store, ref, [f.cid for f in pool]


def _measure(store: Any, ref: Any, cids: list[str], queries: int) -> dict[str, Any]:
    from minetrace.queries.exposure import cid_exposure, clear_chain_cache
    from minetrace.queries.paths import flagged_paths
    from minetrace.queries.policy import load_policy
    from minetrace.queries.ratings import clear_ratings
    from minetrace.queries.risk import RiskModel
    from minetrace.queries.rollup import supplier_rollup

    rows = len(store.reports(year=YEAR))
    policy = load_policy()
    rng = random.Random(9)
    sample = [rng.choice(cids) for _ in range(queries)]

    ours_exp, ours_exp_cpu = [], []
    for cid in sample:
        with Timer() as t:
            cid_exposure(store, [cid], facts=ref, year=YEAR)
        ours_exp.append(t.wall * 1000)
        ours_exp_cpu.append(t.cpu * 1000)
    all_hops = store.reports(year=YEAR)
    base_exp, base_exp_cpu = [], []
    for cid in sample[: max(5, queries // 5)]:
        with Timer() as t:
            hits = [h for h in all_hops if h.cid == cid]
            sorted({h.supplier_id for h in hits})
        base_exp.append(t.wall * 1000)
        base_exp_cpu.append(t.cpu * 1000)
    del all_hops

    clear_ratings()
    with Timer() as paths_t:
        model = RiskModel(ref, policy, year=YEAR)
        paths = flagged_paths(store, model, year=YEAR)
    n_paths = len(paths)
    del paths

    clear_ratings()  # cold: no smelter rated yet, no supplier chain remembered
    clear_chain_cache()
    with Timer() as roll_t:
        model = RiskModel(ref, policy, year=YEAR)
        roll = supplier_rollup(store, model, year=YEAR)
    with Timer() as roll_warm_t:  # as in a session: same store version, reference state and policy
        supplier_rollup(store, RiskModel(ref, policy, year=YEAR), year=YEAR)

    # naive baselines: no per-smelter cache, per-hop / per-supplier store calls. They are measured on
    # a sample (the first NAIVE_HOPS hops, the first NAIVE_SUPPLIERS suppliers) and scaled linearly to
    # the full size — the naive cost is linear by construction, and the full run would take an hour.
    with Timer() as fetch_t:
        hops = store.reports(year=YEAR)
    sample_hops = hops[:NAIVE_HOPS]
    scale = len(hops) / max(1, len(sample_hops))
    m = RiskModel(ref, policy, year=YEAR)
    with Timer() as t:
        for h in sample_hops:
            m._cache.clear()
            r = m.rate_cid(h.cid) if h.cid else None
            if r is not None and r.level == "high":
                store.supplier_chains([h.supplier_id])
    base_paths = (fetch_t.wall + t.wall * scale, fetch_t.cpu + t.cpu * scale)
    del hops

    sups = store.suppliers()
    sample_sups = sups[:NAIVE_SUPPLIERS]
    scale = len(sups) / max(1, len(sample_sups))
    m = RiskModel(ref, policy, year=YEAR)
    with Timer() as t:
        for s in sample_sups:
            levels = []
            for h in store.smelters_for_supplier(s.id, year=YEAR):
                m._cache.clear()
                levels.append(m.rate_cid(h.cid).level if h.cid else None)
    base_roll = (t.wall * scale, t.cpu * scale)
    p50 = statistics.median(ours_exp)
    b50 = statistics.median(base_exp)
    return {
        "hops": rows,
        "exposure_p50_ms": round(p50, 2), "exposure_p50_cpu_ms": round(statistics.median(ours_exp_cpu), 2),
        "exposure_p95_ms": round(pct(ours_exp, 0.95), 2), "exposure_first_ms": round(ours_exp[0], 2),
        "exposure_baseline_p50_ms": round(b50, 2),
        "exposure_baseline_p50_cpu_ms": round(statistics.median(base_exp_cpu), 2),
        "exposure_ratio": round(b50 / p50, 2) if p50 else None,
        "paths_s": round(paths_t.wall, 3), "paths_cpu_s": round(paths_t.cpu, 3), "paths": n_paths,
        "paths_baseline_s": round(base_paths[0], 3), "paths_baseline_cpu_s": round(base_paths[1], 3),
        "paths_ratio": round(base_paths[0] / paths_t.wall, 2) if paths_t.wall else None,
        "rollup_s": round(roll_t.wall, 3), "rollup_cpu_s": round(roll_t.cpu, 3), "rollup_suppliers": len(roll),
        "rollup_warm_s": round(roll_warm_t.wall, 3), "rollup_warm_cpu_s": round(roll_warm_t.cpu, 3),
        "rollup_baseline_s": round(base_roll[0], 3), "rollup_baseline_cpu_s": round(base_roll[1], 3),
        "rollup_ratio": round(base_roll[0] / roll_t.wall, 2) if roll_t.wall else None,
    }


def run(n: int, queries: int, keep: Path | None = None) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix=f"qs{n}-") as tmp:
        directory = (keep / str(n)) if keep else Path(tmp)
        directory.mkdir(parents=True, exist_ok=True)
        t0 = time.perf_counter()
        store, ref, cids = build(n, directory)
        build_s = time.perf_counter() - t0
        try:
            res = {"suppliers": n, "build_s": round(build_s, 1), **_measure(store, ref, cids, queries)}
        finally:
            store.close()
            ref.close()
    res["targets"] = {"exposure_p50_ms<=50": res["exposure_p50_ms"] <= 50,
                      "rollup_s<=2 (10k)": res["rollup_s"] <= 2 if n >= 10000 else None}
    return res


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    ap.add_argument("--queries", type=int, default=50)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--keep", type=Path, default=None, help="build stores under this folder once and reuse them")
    args = ap.parse_args()
    results = []
    for n in args.sizes:
        res = run(n, args.queries, args.keep)
        results.append(res)
        if not args.json:
            print(f"{n:>6} suppliers, {res['hops']} hops (built in {res['build_s']} s); wall / CPU")
            print(f"   exposure 1 CID  p50 {res['exposure_p50_ms']} / {res['exposure_p50_cpu_ms']} ms (p95 "
                  f"{res['exposure_p95_ms']}, first query {res['exposure_first_ms']} ms) — naive scan "
                  f"{res['exposure_baseline_p50_ms']} / {res['exposure_baseline_p50_cpu_ms']} ms — ratio "
                  f"{res['exposure_ratio']}x   target p50 ≤ 50 ms")
            print(f"   flagged paths   {res['paths_s']} / {res['paths_cpu_s']} s ({res['paths']} paths) — naive "
                  f"{res['paths_baseline_s']} / {res['paths_baseline_cpu_s']} s — ratio {res['paths_ratio']}x")
            print(f"   risk roll-up    {res['rollup_s']} / {res['rollup_cpu_s']} s cold, {res['rollup_warm_s']} / "
                  f"{res['rollup_warm_cpu_s']} s warm ({res['rollup_suppliers']} suppliers) — naive "
                  f"{res['rollup_baseline_s']} / {res['rollup_baseline_cpu_s']} s — ratio "
                  f"{res['rollup_ratio']}x   target ≤ 2 s at 10k")
    if args.json:
        print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
