"""What learning template Look-ups during ingest costs, and what it buys.

Cost: N synthetic CMRT 6.5 files (different suppliers, one release, a Look-up of `--lookup-rows` rows)
are ingested twice into fresh stores that start from the starter set only — with learning and without
(the baseline, measured in the same run). Learning must import once per release, so the ratio should
stay close to 1: per file it only reads and hashes the Look-up sheet of the open workbook. (The synthetic
Look-up is no known RMI release, so it is kept as proposals: the same work, no shared fact changed.)

Effect: the real filled CMRTs of ../shared/cmrt/filled, ingested from the starter set only, with and
without learning: how many smelter rows resolve, and how many to a CID the reference store verified
(method other than "cid_unverified", i.e. a CID taken on trust because no list was imported).

    .venv/bin/python bench/ingest_learning.py [--files 40] [--lookup-rows 650]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import Counter
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from minetrace.app.synthetic import graph_program as synth  # noqa: E402
from minetrace.graph.embedded import EmbeddedStore  # noqa: E402
from minetrace.graph.ingest import ingest_paths  # noqa: E402
from minetrace.ingest.reference.store import ReferenceStore  # noqa: E402
from minetrace.ingest.resolve import Resolver  # noqa: E402
from minetrace.queries.template_writer import Facility, SmelterSpec, complete_spec, write_cmrt  # noqa: E402

COUNTRIES = ("CHINA", "INDONESIA", "PERU", "BOLIVIA", "BRAZIL", "JAPAN")


def write_batch(folder: Path, n_files: int, lookup_rows: int) -> list[Path]:
    pool = [Facility(f.cid, f.metal, f.name, COUNTRIES[i % len(COUNTRIES)])
            for i, f in enumerate(synth.facility_pool(lookup_rows, seed=11))]
    out = []
    for i in range(n_files):
        picks = pool[i % 50: i % 50 + 12]
        rows = [SmelterSpec.listed(f) for f in picks[:10]]
        rows += [SmelterSpec.not_listed(f.metal, f.name.upper(), f.country) for f in picks[10:]]
        spec = complete_spec(f"Supplier {i:03d} Industries", smelters=rows, effective_date=date(2025, 3, 1))
        out.append(write_cmrt(spec, folder / f"s{i:03d}.xlsx", facilities=pool))
    return out


def ingest(paths: list[Path], learn: bool) -> tuple[float, object, Counter]:
    with tempfile.TemporaryDirectory() as tmp:
        ref = ReferenceStore(Path(tmp))
        graph = EmbeddedStore(Path(tmp))
        try:
            t = time.perf_counter()
            report = ingest_paths(paths, graph, resolver=Resolver(ref), learn=learn)
            seconds = time.perf_counter() - t
            counts = Counter((h.resolution_status, h.method) for h in graph.reports(current_only=False))
        finally:
            graph.close()
            ref.close()
    return seconds, report, counts


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--files", type=int, default=40)
    ap.add_argument("--lookup-rows", type=int, default=650)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        paths = write_batch(Path(tmp), args.files, args.lookup_rows)
        base, _, _ = ingest(paths, learn=False)
        took, report, _ = ingest(paths, learn=True)
    lr = report.learning  # type: ignore[attr-defined]
    print(f"cost: {args.files} CMRT 6.5 files, one release, Look-up {args.lookup_rows} rows")
    print(f"  without learning {base:.2f} s; with learning {took:.2f} s; ratio {took / base:.2f}")
    print(f"  imports {lr['imports']} ({lr['import_seconds']:.3f} s incl. resolver rebuild); per-file check "
          f"{1000 * lr['check_seconds'] / max(1, lr['files_checked']):.1f} ms (read + hash the Look-up)")

    folder = ROOT.parent / "shared" / "cmrt" / "filled"
    if not folder.is_dir():
        print(f"effect: {folder} not found; skipped")
        return
    files = sorted(p for p in folder.iterdir() if p.is_file())
    print(f"effect: {len(files)} real filled CMRTs, store starting from the starter set only")
    for learn in (False, True):
        seconds, rep, counts = ingest(files, learn)
        rows = sum(counts.values())
        unidentified = sum(n for (s, _), n in counts.items() if s == "unidentified")
        resolved = sum(n for (s, _), n in counts.items() if s == "resolved")
        verified = sum(n for (s, m), n in counts.items() if s == "resolved" and m != "cid_unverified")
        review = sum(n for (s, _), n in counts.items() if s == "review")
        base_rows = rows - unidentified
        extra = ""
        if learn:
            lr = rep.learning  # type: ignore[attr-defined]
            extra = f"; imports {lr['imports']} ({', '.join(x['source'] for x in lr['learned'])})"
        print(f"  learning {'on ' if learn else 'off'}: {rows} rows ({unidentified} 'not yet identified'); resolved "
              f"{resolved}/{base_rows} = {100 * resolved / base_rows:.1f} %, verified {verified}/{base_rows} = "
              f"{100 * verified / base_rows:.1f} %, review {review}; {seconds:.2f} s{extra}")
        print("    by method: " + ", ".join(f"{s}/{m} {n}" for (s, m), n in sorted(counts.items())))


if __name__ == "__main__":
    main()
