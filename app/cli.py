"""The `minetrace` command: one verb per job, the same `--store` and `--json` options everywhere.

Each command family lives in its own module (`app.cli_*`) in one style: a module-level `typer.Typer` named
`app` whose verbs are module-level functions (`@app.command("verb")`), and a `register(root)` that attaches it —
under its group name (`minetrace query …`), or merged into the top level for the families of top-level verbs
(`minetrace ingest`, `minetrace app`). The options they share (`--store`, `--year`, `--json`, `--policy`,
`--as-of`) and the way to the workspace they name are in `app.cli_options`. This module only assembles the
families, so a family can be added without touching the others.
"""

from __future__ import annotations

import importlib

import typer

root = typer.Typer(
    name="minetrace",
    help="Conflict-minerals (3TG) supply-chain traceability: read CMRTs, resolve smelters, "
    "trace and flag paths, export for mitigation.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

#: command-family modules, each with a `register(root: typer.Typer) -> None`
FAMILIES: tuple[str, ...] = (
    "minetrace.app.cli_parse",  # parse, validate
    "minetrace.app.cli_demo",  # demo
    "minetrace.app.cli_graph",  # ingest, generate, store …
    "minetrace.app.cli_app",  # app
    "minetrace.app.cli_reference",
    "minetrace.app.cli_query",
    "minetrace.app.cli_risk",
    "minetrace.app.cli_survey",
    "minetrace.app.cli_mitigation",
    "minetrace.app.cli_export",  # export … (export graph included)
    "minetrace.app.cli_report",
)

for _module in FAMILIES:
    importlib.import_module(_module).register(root)


def main() -> None:
    """Console-script entry point. The Neo4j driver loads without numpy/pandas/pyarrow (graph.lean_driver): a CLI
    process never gives it their values, and importing them cost ~0.8 s of every command on a Neo4j store."""
    from minetrace.graph.lean_driver import use_lean_driver

    use_lean_driver()
    root()


if __name__ == "__main__":
    main()
