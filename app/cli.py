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
    "minetrace.app.cli_parse",
    "minetrace.app.cli_reference",
    "minetrace.app.cli_demo",
    "minetrace.app.cli_query",
    "minetrace.app.cli_risk",
    "minetrace.app.cli_survey",
    "minetrace.app.cli_mitigation",
    "minetrace.app.cli_export",
    "minetrace.app.cli_graph",  # after cli_export: `export graph` joins the shared `export` group
    "minetrace.app.cli_report",
    "minetrace.app.cli_app",
)

for _module in FAMILIES:
    importlib.import_module(_module).register(root)


def main() -> None:
    """Console-script entry point."""
    root()


if __name__ == "__main__":
    main()
