"""What hostile inputs cost: display of huge cells, and memory on nested archives.

Output: `parse` (text and JSON, in-process) of a CMRT whose company name is 32,767 characters (Excel's
maximum) and 1 MB, against the same workbook with a 30-character name measured in the same run — the
ratio should stay near 1 (values are cut for display before any work; issue #10 measured 20 s and over
180 s in the terminal highlighter). Memory: peak RSS of `validate` in its own process on a zip of zips
holding 120 MB of members against `validate` of one small workbook measured in the same run — members are
read one at a time, so the difference stays near the largest member (every member was held at once
before: 3.8 GB for a 4.9 MB nested zip).

    .venv/bin/python bench/hostile_inputs.py
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

import hostile_corpus as hc  # noqa: E402
from typer.testing import CliRunner  # noqa: E402

from minetrace.app.cli import root  # noqa: E402


def timed(args: list[str]) -> float:
    t = time.perf_counter()
    res = CliRunner().invoke(root, args, env={"COLUMNS": "120"})
    assert res.exit_code in (0, 2), res.stdout + res.stderr
    return time.perf_counter() - t


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        files = {"30 chars": "Acme Components Holding Ltd. 1", "32,767 chars": "L" * 32_767,
                 "1 MB": "M" * 1_000_000}
        paths = {}
        for label, name in files.items():
            paths[label] = folder / f"{len(name)}.xlsx"
            paths[label].write_bytes(hc.cmrt_bytes(name))
        timed(["parse", str(paths["30 chars"])])  # warm the imports
        base = {fmt: min(timed(["parse", str(paths["30 chars"]), *fmt]) for _ in range(3)) for fmt in ((), ("--json",))}
        print("parse of a workbook whose company name is long (in-process, best of 3):")
        for label in ("32,767 chars", "1 MB"):
            for fmt in ((), ("--json",)):
                t = min(timed(["parse", str(paths[label]), *fmt]) for _ in range(3))
                kind = "json" if fmt else "text"
                print(f"  {label:>12} {kind}: {t:.3f} s vs {base[fmt]:.3f} s for 30 chars — ratio {t / base[fmt]:.2f}")
        nested = hc._build_nested_memory(folder / "nested")
        total = 6 * 4 * 5  # MB: 6 inner zips × 4 members × 5 MB
        small, small_s = peak_rss_mb(["validate", str(paths["30 chars"]), "--json"])
        big, big_s = peak_rss_mb(["validate", str(nested), "--json"])
        print(f"validate in its own process: one small workbook {small:.0f} MB peak RSS ({small_s:.1f} s); a zip of "
              f"zips with {total} MB of members (largest 5 MB) {big:.0f} MB ({big_s:.1f} s) — ratio "
              f"{big / small:.2f}, {big - small:.0f} MB more for {total} MB of members")


def peak_rss_mb(args: list[str]) -> tuple[float, float]:
    """(peak RSS in MB, seconds) of the CLI run in its own process (wait4: that process alone)."""
    t = time.perf_counter()
    with tempfile.TemporaryFile() as out:
        proc = subprocess.Popen([sys.executable, "-c", "from app.cli import main; main()", *args], stdout=out,
                                stderr=out, cwd=ROOT)
        _pid, _status, usage = os.wait4(proc.pid, 0)
    return usage.ru_maxrss / 1024, time.perf_counter() - t

if __name__ == "__main__":
    main()
