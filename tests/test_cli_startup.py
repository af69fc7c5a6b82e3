"""The CLI starts instantly: `minetrace --help` and `minetrace parse FILE` import only what they use.

Every command pays the start-up of the `minetrace` process, and an analyst runs dozens a day. The command
families register their verbs with typer from light modules; whatever a verb needs (the reader, the stores,
the queries, openpyxl …) is imported inside the verb. These tests run the real entry point in a fresh
interpreter and bound what it imported, so a heavy import that creeps back into a family module fails here
(the time itself is a benchmark figure: `make bench`, section 1 of `bench/speed_summary.py`, never a timed test).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from conftest import ROOT

from minetrace.graph.lean_driver import OPTIONAL_DEPS

#: third-party packages `--help` must never load (each costs tens to hundreds of milliseconds)
HEAVY = ("networkx", "openpyxl", "pandas", "numpy", "streamlit", "plotly", "neo4j", "python_calamine", "rapidfuzz",
         "pycountry", "yaml", "jinja2", "docx", "docxtpl", "matplotlib", "sqlite3", "pydantic", "msoffcrypto",
         "defusedxml",
         # typer's rich help (typer.rich_utils pulls rich.markdown, markdown_it, pygments: ~60 ms); the root
         # Typer is built with rich_markup_mode=None, so help is click's plain text
         "typer.rich_utils", "markdown_it", "pygments")
#: project modules `--help` must never load: readers, stores, resolution, queries, writers
PROJECT_HEAVY = tuple(f"minetrace.{m}" for m in (
    "queries.template_writer", "app.synthetic.workbooks", "ingest.reader", "ingest.validate", "ingest.workbook",
    "ingest.pipeline", "ingest.resolve", "ingest.reference.store", "ingest.reference.importers",
    "graph.embedded", "graph.neo4j_store", "graph.ingest", "graph.resolving", "queries",
    "app.synthetic.demo", "app.explorer.main"))
#: how many of our own modules `--help` may load (today ~25: the CLI families, safe output, schema, records)
MAX_PROJECT_MODULES = 32

_PROBE = """
import json, sys
sys.argv = ["minetrace", *json.loads(sys.argv[1])]
from minetrace.app.cli import main
try:
    main()
except SystemExit:
    pass
sys.stdout.flush()
sys.stderr.write("\\nMODULES " + json.dumps(sorted(sys.modules)) + "\\n")
"""


def _modules_after(*args: str) -> tuple[list[str], str]:
    out = subprocess.run([sys.executable, "-c", _PROBE, json.dumps(list(args))], capture_output=True, text=True,
                         cwd=ROOT, timeout=120, check=False)
    line = out.stderr.rsplit("MODULES ", 1)
    assert len(line) == 2, out.stderr[-2000:]
    return json.loads(line[1]), out.stdout


def _loaded(modules: list[str], names: tuple[str, ...]) -> list[str]:
    """`modules` under `names`; the CLI's empty stand-in for neo4j's optional dependencies (graph.lean_driver, put
    in sys.modules before any command runs) is no import of the driver."""
    return sorted(m for m in modules if any(m == n or m.startswith(n + ".") for n in names) and m != OPTIONAL_DEPS)


def test_help_imports_no_reader_store_query_or_heavy_library() -> None:
    modules, stdout = _modules_after("--help")
    assert "ingest" in stdout and "query" in stdout  # the real help was printed
    assert _loaded(modules, HEAVY) == []
    assert _loaded(modules, PROJECT_HEAVY) == []
    ours = [m for m in modules if m.startswith("minetrace.")]
    assert len(ours) <= MAX_PROJECT_MODULES, ours


def test_subcommand_help_is_as_light() -> None:
    for args in (("ingest", "--help"), ("risk", "smelters", "--help"), ("export", "graph", "--help")):
        modules, stdout = _modules_after(*args)
        assert "Usage" in stdout, args
        assert _loaded(modules, HEAVY) == [], args
        assert _loaded(modules, PROJECT_HEAVY) == [], args


def test_parse_imports_the_reader_only(tmp_path: Path) -> None:
    from minetrace.queries.template_writer import Facility, SmelterSpec, complete_spec, write_cmrt

    gold = Facility("CID000001", "Gold", "Example Refinery", "JAPAN")
    path = write_cmrt(complete_spec(smelters=[SmelterSpec.listed(gold)]), tmp_path / "one.xlsx", "6.5",
                      facilities=[gold])
    modules, stdout = _modules_after("parse", str(path), "--json")
    assert json.loads(stdout)["template"]["version"] == "6.5"
    assert "python_calamine" in modules and "minetrace.ingest.reader" in modules
    # no store, no resolver, no query, no writer, no typer value coercion through pydantic
    assert _loaded(modules, ("networkx", "openpyxl", "pandas", "numpy", "streamlit", "plotly", "neo4j", "rapidfuzz",
                             "sqlite3", "pydantic", "jinja2", "queries", "graph.embedded", "graph.neo4j_store",
                             "queries.template_writer", "ingest.resolve", "ingest.reference.store")) == []


def test_a_neo4j_command_loads_the_driver_without_dataframe_libraries() -> None:
    """numpy, pandas and pyarrow were ~0.8 s of every command on a Neo4j store (the driver imports them when they
    are installed); the CLI never hands the driver their values (graph.lean_driver)."""
    modules, _ = _modules_after("store", "info", "--store", "bolt://127.0.0.1:9")  # nothing listens: a clear error
    assert "neo4j" in modules and "minetrace.graph.neo4j_store" in modules
    assert _loaded(modules, ("numpy", "pandas", "pyarrow")) == []


def _python(code: str) -> str:
    """What `code` prints, run in a fresh interpreter (sys.modules as a new process has it)."""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    return out.stdout.strip()


def test_the_whole_driver_where_dataframe_libraries_are_loaded_first() -> None:
    """A process that has numpy/pandas (the explorer) keeps the driver's support for their values."""
    probe = ("import sys, pandas\n"
             "from minetrace.graph.lean_driver import use_lean_driver\n"
             "assert use_lean_driver() is False\n"
             "import neo4j._optional_deps as deps, numpy\n"
             "assert deps.pd is pandas and deps.np is numpy\n"
             "print('whole')\n")
    assert _python(probe) == "whole"
    lean = ("import sys\n"
            "from minetrace.graph.lean_driver import use_lean_driver\n"
            "assert use_lean_driver() is True and use_lean_driver() is False\n"
            "from neo4j import GraphDatabase\n"
            "from neo4j._optional_deps import pd, some_later_name\n"
            "assert pd is None and some_later_name is None\n"
            "assert not {'numpy', 'pandas', 'pyarrow'} & set(sys.modules)\n"
            "print('lean')\n")
    assert _python(lean) == "lean"
