"""graph/, queries/ and app/ type-check (scripts/typecheck.py: mypy on the minetrace.* packages, configured in
pyproject.toml): runs as part of `make test`.

Why: the store protocols (graph.store.GraphStore, ReferenceStore) are the only way into the stores; the type
checker is what holds every query and page to them (strict on the protocol module itself).
"""

from __future__ import annotations

import subprocess
import sys

from conftest import ROOT


def test_mypy_clean() -> None:
    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "typecheck.py")], capture_output=True, text=True,
                            cwd=ROOT, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
