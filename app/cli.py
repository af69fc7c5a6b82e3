"""The `minetrace` command: one verb per job, the same `--store` and `--json` options everywhere.

Each command family lives in its own module (`app.cli_*`) exposing ``register(root)``; this
module only assembles them, so a family can be added without touching the others.
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
)

#: command-family modules, each with a `register(root: typer.Typer) -> None`
FAMILIES: tuple[str, ...] = (
    "app.cli_parse",
    "app.cli_reference",
    "app.cli_demo",
    "app.cli_query",
    "app.cli_risk",
    "app.cli_survey",
    "app.cli_mitigation",
    "app.cli_export",
    "app.cli_graph",  # after cli_export: `export graph` joins the shared `export` group
    "app.cli_report",
    "app.cli_app",
)

for _module in FAMILIES:
    importlib.import_module(_module).register(root)


def main() -> None:
    """Console-script entry point."""
    root()


if __name__ == "__main__":
    main()
