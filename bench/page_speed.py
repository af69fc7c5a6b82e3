"""Explorer page times at 1,000 suppliers, run in Streamlit's AppTest (in process, no browser).

Targets: ≤ 2 s per page interaction with 1,000 suppliers (issue 6, Behaviour); the same on Neo4j, every page
warm (issue 15 §5).

Data: the same generated program as bench/query_speed.py (app.synthetic.graph_program, one reporting year, a real
ReferenceStore beside the store), built once per folder with --keep. With --neo4j the same program is loaded into
a real Neo4j 5.26 (bench/neo4j_reads.py: $NEO4J_URI, else the test harness's server started here) and the
explorer runs on that URI, its reference DB the same one (sent to the server as the workspace's first snapshot
from ./.minetrace of a temporary working directory, as `minetrace app --store bolt://…` would).

Each page is timed cold (every st.cache_data entry, smelter rating and supplier chain forgotten: the
first visit after a start or a write) and warm (the same page again, as on a rerun), plus a few
interactions a user makes on the Trace page. The baseline, measured in the same run, is the Trace
page's old first view: every flagged path of the year built and listed (queries.flagged_paths with
no smelter restriction). The ratio baseline / ours is printed; no timed asserts anywhere.

Every page of the explorer (app/explorer/nav.py) is then rendered cold and warm too, as it opens with no
selection made.

Usage: .venv/bin/python bench/page_speed.py [--suppliers 1000] [--keep DIR] [--neo4j] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "tests"))

PAGE_SCRIPT = """
import importlib
from minetrace.app.explorer import views
views.sidebar()
importlib.import_module("minetrace.app.explorer.screens.{page}").render()
"""
#: the old Trace first view: every flagged path built, the first 500 listed
OLD_TRACE_SCRIPT = """
from minetrace.app.explorer import data, views
from minetrace.app.explorer.screens import trace
views.sidebar()
paths = data.flagged_paths(data.key(), views.year())
views.table(paths.head(500), trace.FLAGGED_COLS, key="trace_flagged", selectable=True, height=420)
"""
TIMEOUT = 300
#: every page of the explorer, in the navigation's order
PAGES = ("overview", "trace", "exposure", "suppliers", "smelters", "validation", "followup", "ingest", "exports")


def _forget() -> None:
    """Cold: no cached page data, rating or supplier chain."""
    import streamlit as st

    from minetrace.queries.exposure import clear_chain_cache
    from minetrace.queries.ratings import clear_ratings

    st.cache_data.clear()
    clear_ratings()
    clear_chain_cache()


def _run(script: str, **state: Any) -> tuple[float, Any]:
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_string(script, default_timeout=TIMEOUT)
    for k, v in state.items():
        at.session_state[k] = v
    t0 = time.perf_counter()
    at.run()
    wall = time.perf_counter() - t0
    if at.exception:
        raise RuntimeError(f"page failed: {[e.value for e in at.exception]}")
    return wall, at


def measure(store: str) -> dict[str, float]:
    """Seconds per page (cold and warm) on `store` (a folder or a Neo4j URI)."""
    os.environ["MINETRACE_STORE"] = store
    os.environ.pop("MINETRACE_PASSWORD", None)
    out: dict[str, float] = {}
    _run(PAGE_SCRIPT.format(page="exports"))  # imports and the store handle, outside any timing
    # AppTest's own cost per run (a one-line page): part of every figure below, not of a served page
    out["apptest_empty_s"], _ = _run("import streamlit as st\nst.write('')")
    for name in ("overview", "trace"):
        _forget()
        out[f"{name}_cold_s"], _ = _run(PAGE_SCRIPT.format(page=name))
        out[f"{name}_warm_s"], at = _run(PAGE_SCRIPT.format(page=name))
    found = [df.value for df in at.dataframe  # AppTest keys only selectable tables: find it by columns
             if {"Flags", "Suppliers", "Declaration rows"} <= set(df.value.columns)]  # the headers a person reads
    if not found:
        raise RuntimeError(f"no flagged-smelter table on Trace: {[m.value for m in [*at.markdown, *at.caption]]}")
    smelters = found[0]
    from minetrace.app.explorer import data

    out["flagged_smelters"] = len(data.flagged_smelters(data.key(), _year(at)))
    out["trace_next_page_s"], _ = _run(PAGE_SCRIPT.format(page="trace"), trace_flagged_page=2)
    # warm cache of the overview: trace one flagged CID (the selection a row click makes)
    cid = next((c for c in smelters["Smelter ID"] if c and c != "—"), None)
    if cid:
        out["trace_cid_s"], _ = _run(PAGE_SCRIPT.format(page="trace"), trace_mode="CID", trace_pick_CID=cid)
    _forget()
    out["baseline_trace_cold_s"], at = _run(OLD_TRACE_SCRIPT)
    out["baseline_paths"] = len(data.flagged_paths(data.key(), _year(at)))
    out["trace_ratio"] = round(out["baseline_trace_cold_s"] / out["trace_cold_s"], 2)
    for name in PAGES:
        _forget()
        out[f"page_{name}_cold_s"], _ = _run(PAGE_SCRIPT.format(page=name))
        out[f"page_{name}_warm_s"], _ = _run(PAGE_SCRIPT.format(page=name))
    return {k: round(v, 3) if isinstance(v, float) else v for k, v in out.items()}


def on_neo4j(n: int, directory: Path, work: Path) -> str:
    """The URI of a Neo4j holding `build(n, directory)`'s program; the explorer's working directory `work` holds
    that run's reference DB as the workspace's local one (sent to the server on first use when it has none)."""
    from neo4j_reads import load_neo4j, neo4j_server

    from minetrace.ingest.reference.store import DB_NAME

    uri, server = neo4j_server()
    load_neo4j(uri, n).close()
    local = work / ".minetrace"
    local.mkdir(parents=True, exist_ok=True)
    src = sqlite3.connect(directory / DB_NAME)
    try:
        dst = sqlite3.connect(local / DB_NAME)
        src.backup(dst)
        dst.close()
    finally:
        src.close()
    os.chdir(work)
    _SERVERS.append(server)
    return uri


#: harness servers started here (stopped at exit)
_SERVERS: list[Any] = []


def _year(at: Any) -> int | None:
    return at.sidebar.selectbox[0].value if at.sidebar.selectbox else None


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--suppliers", type=int, default=1000)
    ap.add_argument("--keep", type=Path, default=None, help="build the store under DIR/<n> once and reuse it")
    ap.add_argument("--neo4j", action="store_true", help="run the explorer on a real Neo4j holding the same program")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    from query_speed import build

    cwd = Path.cwd()
    load = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="ps-") as tmp:
        directory = (args.keep / str(args.suppliers)).resolve() if args.keep else Path(tmp)
        directory.mkdir(parents=True, exist_ok=True)
        store, ref, _ = build(args.suppliers, directory)
        store.close()
        ref.close()
        try:
            target = on_neo4j(args.suppliers, directory, Path(tmp) / "work") if args.neo4j else str(directory)
            res = {"suppliers": args.suppliers, "store": "neo4j" if args.neo4j else "embedded",
                   **measure(target)}
        finally:
            os.chdir(cwd)
            for server in _SERVERS:
                if server is not None:
                    server.stop()
    res["load_average"] = f"{load[0]:.1f} → {os.getloadavg()[0]:.1f}"
    if args.json:
        print(json.dumps(res, indent=2))
        return
    print(f"{args.suppliers} suppliers on the {res['store']} store — explorer pages in AppTest (wall s; target ≤ 2 s "
          f"per interaction; load average {res['load_average']})")
    print(f"   overview        cold {res['overview_cold_s']}  warm {res['overview_warm_s']}")
    print(f"   trace (1st view) cold {res['trace_cold_s']}  warm {res['trace_warm_s']}  "
          f"({res['flagged_smelters']} flagged smelters, paths built for one page of them)")
    print(f"   trace next page {res['trace_next_page_s']}   trace a flagged CID {res.get('trace_cid_s')}")
    print(f"   baseline: old trace first view (all {res['baseline_paths']} flagged paths) cold "
          f"{res['baseline_trace_cold_s']} — ratio {res['trace_ratio']}x")
    print(f"   every page as it opens (AppTest's own cost per run, a one-line page: {res['apptest_empty_s']} s):")
    for name in PAGES:
        print(f"     {name:<11} cold {res[f'page_{name}_cold_s']:>6}  warm {res[f'page_{name}_warm_s']:>6}")


if __name__ == "__main__":
    main()
