"""`minetrace export flagged|appendix|cmrt|responses|findings --out FILE`, `export graph`: files to send on.

xlsx (formatted: header, filters, frozen panes, widths) or csv by the --out suffix; every cell from
supplier data is neutralised against formula injection.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from minetrace.app.cli_options import AS_OF, JSON, POLICY, STORE, YEAR, emit, head, open_ctx, open_graph, say_header
from minetrace.app.safe_output import console as safe_console
from minetrace.app.safe_output import markup, message
from minetrace.graph.export import FORMATS

if TYPE_CHECKING:  # imported where used: `minetrace --help` loads none of them (tests/test_cli_startup.py)
    from minetrace.queries import exports
    from minetrace.queries.context import QueryContext

OUT = typer.Option(..., "--out", help="Output file (.xlsx, or .csv for a single table; `export cmrt`: .xlsx only). "
                   "Any other extension is refused.")


@contextmanager
def _writing() -> Iterator[None]:
    """An --out that cannot be honoured, or a file that cannot be written: one line naming it, exit 2."""
    from minetrace.queries.xlsx import OutPathError

    try:
        yield
    except OutPathError as exc:
        typer.echo(message(f"error: {exc}"), err=True)
        raise typer.Exit(2) from None
    except OSError as exc:
        typer.echo(message(f"error: cannot write {exc.filename or 'the output file'} "
                           f"({exc.strerror or exc})"), err=True)
        raise typer.Exit(2) from None


def _guarded(fn: Callable[..., None]) -> Callable[..., None]:
    """Wrap a command body in `_writing` (keeps the command's signature for typer)."""
    import functools

    @functools.wraps(fn)
    def run(*args: object, **kwargs: object) -> None:
        with _writing():
            fn(*args, **kwargs)
    return run


app = typer.Typer(help="Exports: flagged suppliers, report appendix, consolidated CMRT, responses, findings.",
                  no_args_is_help=True)
console = safe_console()


def done(res: exports.ExportResult, as_json: bool, ctx: QueryContext, store: str | None) -> None:
    say_header(ctx, as_json, store)
    if as_json:
        emit({**res.to_json(), **{k: v for k, v in head(ctx).items() if k != "year"}})
    else:
        console.print(f"{markup(res.kind)}: {res.rows} rows → {markup(res.path, None)}")


@app.command("flagged")
@_guarded
def flagged_cmd(out: str = OUT, flag: list[str] = typer.Option(None, "--flag", help="Only these flags."),
                store: str = STORE, year: int = YEAR, policy: str = POLICY, as_of: str = AS_OF,
                as_json: bool = JSON) -> None:
    """Suppliers to chase: one row per supplier and flagged smelter row, with reasons and contacts."""
    from minetrace.queries import exports

    with open_ctx(store, year, policy, as_of) as ctx:
        done(exports.export_flagged(ctx.store, ctx.model, out, ctx.year, flag or None), as_json, ctx, store)


@app.command("appendix")
@_guarded
def appendix_cmd(out: str = OUT, store: str = STORE, year: int = YEAR, policy: str = POLICY, as_of: str = AS_OF,
                 include_invalid: bool = typer.Option(False, "--include-invalid"), as_json: bool = JSON) -> None:
    """Report appendix: metal, standard name, location, conformant as of a date; origin countries; counts."""
    from minetrace.queries import exports

    with open_ctx(store, year, policy, as_of) as ctx:
        done(exports.export_appendix(ctx.store, ctx.model, out, ctx.year, not include_invalid), as_json, ctx, store)


@app.command("cmrt")
@_guarded
def cmrt_cmd(out: str = OUT, template: str = typer.Option(None, "--template", help="Blank RMI CMRT 6.x .xlsx "
                                                          "to fill (a copy is written)."),
             company: str = typer.Option(None, "--company", help="Your company name for the Declaration "
                                         "(over the company file's)."),
             company_file: str = typer.Option(None, "--company-file", help="Your company block (YAML: name, "
                                              "scope, address, contact_*, authorizer_*, effective_date, optional "
                                              "answers; default <store>/company.yaml when it exists)."),
             store: str = STORE, year: int = YEAR, policy: str = POLICY, as_of: str = AS_OF,
             include_invalid: bool = typer.Option(False, "--include-invalid"), as_json: bool = JSON) -> None:
    """The company's consolidated CMRT: every validated smelter once per CID and metal, with your company
    block; checked by minetrace's validator before it is written, and what is missing is listed."""
    from minetrace.graph.workspace import Workspace
    from minetrace.queries import exports
    from minetrace.queries.company_block import CompanyBlockError, load

    try:
        block = load(company_file or Workspace.open(store).company_file)
    except CompanyBlockError as exc:
        typer.echo(message(f"error: {exc}"), err=True)
        raise typer.Exit(2) from None
    if company_file and not block:
        typer.echo(message(f"error: {company_file}: no such company file"), err=True)
        raise typer.Exit(2)
    if company:
        block["name"] = company
    with open_ctx(store, year, policy, as_of) as ctx:
        res = exports.export_cmrt(ctx.store, ctx.model, out, ctx.year, template, block or None,
                                  not include_invalid)
        done(res, as_json, ctx, store)
    if as_json:
        return
    errors = sum(1 for f in res.findings if f["severity"] == "error")
    if res.status == "valid":
        console.print(f"checked by minetrace's validator: valid ({len(res.findings)} note(s)) — ready to send")
    else:
        console.print(f"checked by minetrace's validator: [bold]invalid[/bold] ({errors} error(s)) — not ready to "
                      "send; fill your company block (--company-file, see `queries/company_block.py`) and export "
                      "again:")
    for line in res.findings_text()[:40]:
        console.print(f"  {markup(line, 400)}")
    if len(res.findings) > 40:
        console.print(f"  … and {len(res.findings) - 40} more (--json lists every one)")


@app.command("responses")
@_guarded
def responses_cmd(out: str = OUT, store: str = STORE, year: int = YEAR, policy: str = POLICY,
                  as_json: bool = JSON) -> None:
    """Response status per supplier, with the program figures."""
    from minetrace.queries import exports

    with open_ctx(store, year, policy, None) as ctx:
        done(exports.export_responses(ctx.store, out, ctx.year, ctx.model), as_json, ctx, store)


@app.command("findings")
@_guarded
def findings_cmd(out: str = OUT, store: str = STORE, year: int = YEAR, policy: str = POLICY,
                 as_json: bool = JSON) -> None:
    """Validation findings of every current declaration plus smelter data-quality findings."""
    from minetrace.queries import exports

    with open_ctx(store, year, policy, None) as ctx:
        done(exports.export_findings(ctx.store, out, ctx.year, ctx.model), as_json, ctx, store)


@app.command("graph")
def export_graph_cmd(
    fmt: str = typer.Option("graphml", "--format", help=f"One of: {', '.join(FORMATS)}."),
    out: Path = typer.Option(..., "--out", help="File (graphml) or folder (csv, neo4j-admin, neo4j-csv)."),
    store: str | None = STORE,
) -> None:
    """Export the whole graph: GraphML, flat CSV (nodes.csv, edges.csv), neo4j-admin bulk-load files for a
    minetrace Neo4j store (neo4j-admin), or generic neo4j-admin CSV (neo4j-csv)."""
    from minetrace.graph.export import ExportPathError, check_out, export_graph

    if fmt not in FORMATS:
        typer.echo(message(f"unknown --format {fmt!r}: use one of {', '.join(FORMATS)}"), err=True)
        raise typer.Exit(1)
    try:
        check_out(fmt, out)
    except ExportPathError as exc:
        typer.echo(message(f"error: {exc}"), err=True)
        raise typer.Exit(2) from None
    st = open_graph(store)
    try:
        files = export_graph(st, fmt, out)
    except OSError as exc:
        typer.echo(message(f"error: cannot write {exc.filename or out} ({exc.strerror or exc})"), err=True)
        raise typer.Exit(2) from None
    finally:
        st.close()
    for f in files:
        typer.echo(message(f))


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="export")
