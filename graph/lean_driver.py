"""The Neo4j driver without its DataFrame support, for processes that never hand it numpy or pandas values.

`import neo4j` imports numpy, pandas and pyarrow when they are installed (`neo4j._optional_deps`), so that results
convert to DataFrames and numpy/pandas values pack as parameters. They are installed here (the explorer needs them),
and importing them costs ~0.8 s: every `minetrace … --store bolt://…` command paid it, more than the query it ran
(one CID's exposure: 2.2 s on Neo4j against 0.9 s on the embedded store, whole process). The CLI's values come
from files, its options and the store, never from numpy or pandas (no CLI module imports them), so the `minetrace`
command (app.cli.main) installs an empty `neo4j._optional_deps` before the driver is first imported. The explorer
runs in its own process with the whole driver (its values do come from DataFrames).
"""

from __future__ import annotations

import sys
import types
from typing import Any

#: the module the driver imports its optional dependencies from (neo4j 5.x and 6.x)
OPTIONAL_DEPS = "neo4j._optional_deps"
#: what would have brought them in already: then nothing is changed
HEAVY = ("numpy", "pandas", "pyarrow")


def _absent(name: str) -> Any:
    """Any name the driver asks of the stand-in (np, pd, pa, pa_compute, or one a later driver adds) is absent."""
    if name.startswith("__"):
        raise AttributeError(name)
    return None


def use_lean_driver() -> bool:
    """Install the stand-in unless the driver or one of numpy/pandas/pyarrow is imported already (then the driver
    keeps, or will find, its full support). True when installed."""
    if "neo4j" in sys.modules or OPTIONAL_DEPS in sys.modules or any(m in sys.modules for m in HEAVY):
        return False
    stand_in = types.ModuleType(OPTIONAL_DEPS, "neo4j's optional dependencies, left out by minetrace's CLI")
    stand_in.__getattr__ = _absent  # type: ignore[method-assign]
    stand_in.np = stand_in.pd = stand_in.pa = stand_in.pa_compute = None  # type: ignore[attr-defined]
    sys.modules[OPTIONAL_DEPS] = stand_in
    return True
