"""Type-check graph/, queries/ and app/ as the installed `minetrace.*` packages (mypy, configured in pyproject.toml).

Why a script: the folders install as minetrace.graph, minetrace.queries, … through setuptools' package-dir mapping
(the editable install is an import hook mypy cannot follow), so the check runs on a `minetrace/` folder of links to
them, kept in .mypy_cache/. Used by `make typecheck` and tests/test_typecheck.py (part of `make test`).

Usage: .venv/bin/python scripts/typecheck.py [extra mypy arguments]
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: what is checked (ingest/ is followed for its types only: see [tool.mypy] in pyproject.toml)
CHECKED = ("graph", "queries", "app")
LINKED = (*CHECKED, "ingest")


def package_root() -> Path:
    """A folder holding `minetrace/<name>` → ROOT/<name> links (made, or repaired, on each run)."""
    base = ROOT / ".mypy_cache" / "pkgroot"
    pkg = base / "minetrace"
    pkg.mkdir(parents=True, exist_ok=True)
    for name in LINKED:
        link = pkg / name
        if link.is_symlink() and link.resolve() == (ROOT / name).resolve():
            continue
        if link.is_symlink() or link.exists():
            link.unlink()
        link.symlink_to(ROOT / name, target_is_directory=True)
    return base


def main(argv: list[str]) -> int:
    env = {**os.environ, "MYPYPATH": str(package_root())}
    args = [sys.executable, "-m", "mypy", *(a for name in CHECKED for a in ("-p", f"minetrace.{name}")), *argv]
    return subprocess.run(args, cwd=ROOT, env=env, check=False).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
