"""`minetrace export flagged|appendix|cmrt|responses|findings --out FILE`: files for the analyst to send on.

xlsx (formatted: header, filters, frozen panes, widths) or csv by the --out suffix; every cell from
supplier data is neutralised against formula injection.
"""

from __future__ import annotations

import typer
from rich.console import Console

from app.cli_query import AS_OF, JSON, POLICY, STORE, YEAR, emit, head, open_ctx, say_header
from queries import exports
from queries.context import QueryContext

OUT = typer.Option(..., "--out", help="Output file (.xlsx, or .csv for a single table).")


def register(root: typer.Typer) -> None:
    app = typer.Typer(help="Exports: flagged suppliers, report appendix, consolidated CMRT, responses, findings.",
                      no_args_is_help=True)
    root.add_typer(app, name="export")
    console = Console()

    def done(res: exports.ExportResult, as_json: bool, ctx: QueryContext, store: str | None) -> None:
        say_header(ctx, as_json, store)
        if as_json:
            emit({**res.to_json(), **{k: v for k, v in head(ctx).items() if k != "year"}})
        else:
            console.print(f"{res.kind}: {res.rows} rows → {res.path}")

    @app.command("flagged")
    def flagged_cmd(out: str = OUT, flag: list[str] = typer.Option(None, "--flag", help="Only these flags."),
                    store: str = STORE, year: int = YEAR, policy: str = POLICY, as_of: str = AS_OF,
                    as_json: bool = JSON) -> None:
        """Suppliers to chase: one row per supplier and flagged smelter row, with reasons and contacts."""
        with open_ctx(store, year, policy, as_of) as ctx:
            done(exports.export_flagged(ctx.store, ctx.model, out, ctx.year, flag or None), as_json, ctx, store)

    @app.command("appendix")
    def appendix_cmd(out: str = OUT, store: str = STORE, year: int = YEAR, policy: str = POLICY, as_of: str = AS_OF,
                     include_invalid: bool = typer.Option(False, "--include-invalid"), as_json: bool = JSON) -> None:
        """Report appendix: metal, standard name, location, conformant as of a date; origin countries; counts."""
        with open_ctx(store, year, policy, as_of) as ctx:
            done(exports.export_appendix(ctx.store, ctx.model, out, ctx.year, not include_invalid), as_json, ctx, store)

    @app.command("cmrt")
    def cmrt_cmd(out: str = OUT, template: str = typer.Option(None, "--template", help="Blank RMI CMRT 6.x .xlsx "
                                                              "to fill (a copy is written)."),
                 company: str = typer.Option(None, "--company", help="Your company name for the Declaration."),
                 store: str = STORE, year: int = YEAR, policy: str = POLICY, as_of: str = AS_OF,
                 include_invalid: bool = typer.Option(False, "--include-invalid"), as_json: bool = JSON) -> None:
        """The company's consolidated CMRT: every validated smelter once per CID and metal."""
        with open_ctx(store, year, policy, as_of) as ctx:
            done(exports.export_cmrt(ctx.store, ctx.model, out, ctx.year, template,
                                     {"name": company} if company else None, not include_invalid), as_json, ctx, store)

    @app.command("responses")
    def responses_cmd(out: str = OUT, store: str = STORE, year: int = YEAR, policy: str = POLICY,
                      as_json: bool = JSON) -> None:
        """Response status per supplier, with the program figures."""
        with open_ctx(store, year, policy, None) as ctx:
            done(exports.export_responses(ctx.store, out, ctx.year, ctx.model), as_json, ctx, store)

    @app.command("findings")
    def findings_cmd(out: str = OUT, store: str = STORE, year: int = YEAR, policy: str = POLICY,
                     as_json: bool = JSON) -> None:
        """Validation findings of every current declaration plus smelter data-quality findings."""
        with open_ctx(store, year, policy, None) as ctx:
            done(exports.export_findings(ctx.store, out, ctx.year, ctx.model), as_json, ctx, store)
