"""Resolution speed: 100,000 smelter rows (issue 3 target: <= 5 s on this machine), against a naive
baseline measured in the same run (rapidfuzz extractOne over every alias of every metal, no
blocking, no exact-match shortcut, no cache).

Rows are drawn from the RMI alias table with the noise of bench/resolution_accuracy.py. Real
supplier batches repeat the same smelters many times, so the rows are sampled from a pool of
noisy variants (default 20,000 distinct (metal, name, country, ID) combinations); `--pool 0`
makes every row independently noisy (worst case for the cache).

    .venv/bin/python bench/resolution_speed.py [--rows 100000] [--pool 20000] [--baseline-rows 5000]
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from rapidfuzz import fuzz, process  # noqa: E402
from resolution_accuracy import build_store, cid_typo, load_aliases, noisy  # noqa: E402

from minetrace.ingest.names import normalise_name  # noqa: E402
from minetrace.ingest.records import SmelterRow  # noqa: E402
from minetrace.ingest.resolve import Resolver  # noqa: E402


def draw_rows(store, n: int, pool: int, seed: int) -> list[SmelterRow]:
    rng = random.Random(seed)
    aliases = load_aliases()
    country = {f.cid: f.country_iso2 for f in store.facilities()}

    def one(i: int) -> SmelterRow:
        a = rng.choice(aliases)
        name, _ = noisy(rng, a["alias"])
        cid = cid_typo(rng, a["cid"]) if rng.random() < 0.1 else (a["cid"] if rng.random() < 0.3 else None)
        return SmelterRow(row=i, metal=a["metal"], lookup="Smelter not listed", lookup_kind="not_listed", name=name,
                          country=None if rng.random() < 0.3 else country.get(a["cid"]), cid=cid)

    if pool <= 0:
        return [one(i) for i in range(n)]
    variants = [one(i) for i in range(pool)]
    return [variants[rng.randrange(pool)] for _ in range(n)]


def naive(store, rows: list[SmelterRow]) -> tuple[float, float]:
    """rapidfuzz over all names of all metals, per row, no blocking/exact/cache: (wall, CPU) seconds."""
    names = [r["alias_norm"] for r in store.all_aliases()]
    t0, c0 = time.perf_counter(), time.process_time()
    for r in rows:
        process.extractOne(normalise_name(r.name), names, scorer=fuzz.WRatio)
    return time.perf_counter() - t0, time.process_time() - c0


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--pool", type=int, default=20_000)
    ap.add_argument("--baseline-rows", type=int, default=5_000,
                    help="rows timed for the naive baseline (extrapolated linearly to --rows)")
    ap.add_argument("--seed", type=int, default=11)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        store = build_store(Path(tmp), templates=True)
        rows = draw_rows(store, args.rows, args.pool, args.seed)
        distinct = len({(r.metal, r.name, r.country, r.cid) for r in rows})
        t0 = time.perf_counter()
        resolver = Resolver(store, decisions=Path(tmp) / "none.yaml")
        build = time.perf_counter() - t0
        t0, c0 = time.perf_counter(), time.process_time()
        out = resolver.resolve_many(rows)
        ours, ours_cpu = time.perf_counter() - t0, time.process_time() - c0
        statuses: dict[str, int] = {}
        for r in out:
            statuses[r.status] = statuses.get(r.status, 0) + 1
        sample = rows[: args.baseline_rows]
        wall, cpu = naive(store, sample)
        base, base_cpu = wall * len(rows) / len(sample), cpu * len(rows) / len(sample)
        store.close()
    print(f"rows {len(rows):,} (distinct {distinct:,}); index build {build:.2f} s")
    print(f"minetrace resolve_many: {ours:.2f} s wall, {ours_cpu:.2f} s CPU  ({len(rows) / ours:,.0f} rows/s)  "
          f"statuses {statuses}")
    print(f"naive baseline (WRatio extractOne over all aliases of all metals, no blocking, no cache), "
          f"measured on {len(sample):,} rows and scaled: {base:.2f} s wall, {base_cpu:.2f} s CPU")
    print(f"speed-up {base / ours:.1f}x wall, {base_cpu / ours_cpu:.1f}x CPU; target <= 5 s for 100,000 rows: "
          f"{'OK' if ours <= 5 else 'MISSED'} ({ours:.2f} s wall; load average {os.getloadavg()[0]:.1f})")
    return 0

if __name__ == "__main__":
    raise SystemExit(main())
