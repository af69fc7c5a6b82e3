"""`minetrace report cmr|check|template`: the year's Conflict Minerals Report, drafted from the store.

Thin layer: options in, `queries.cmr` out. `cmr` writes the Word (or PDF) draft and its report.json (every
figure with the command that reproduces it); `check` re-reads an edited draft and lists the figures whose
text no longer matches the data (exit 1); `template` writes the default template or a texts file to start
a company's own from.
"""

from __future__ import annotations

import json
from pathlib import Path

import typer

from minetrace.app.cli_options import (
    AS_OF,
    JSON,
    POLICY,
    STORE,
    emit,
    open_ctx,
    parse_date,
    policy_option,
    say_header,
    year_option,
)
from minetrace.app.safe_output import message as line

EXIT_MISMATCH = 1
EXIT_BAD_INPUT = 2


def _fail(message: str) -> None:
    typer.echo(line(f"error: {message}"), err=True)
    raise typer.Exit(EXIT_BAD_INPUT)


app = typer.Typer(help="The Conflict Minerals Report: draft it from the data (Word/PDF), check an edited draft.",
                  no_args_is_help=True)


@app.command("cmr")
def cmr_cmd(year: int = year_option("The reporting year the report covers.", required=True),
            out: str = typer.Option(..., "--out", help="report.docx or report.pdf (report.json is written "
                                    "beside it)."),
            company: str = typer.Option(None, "--company", help="Company name (else the texts file's, else a "
                                        "marked placeholder)."),
            template: str = typer.Option(None, "--template", help="Your .docx template with Jinja placeholders "
                                         "(`minetrace report template --out t.docx` writes the default one)."),
            texts: str = typer.Option(None, "--texts", help="YAML of your text blocks (products, steps taken …; "
                                      "`minetrace report template --out texts.yaml` lists them)."),
            fmt: str = typer.Option(None, "--format", help="docx or pdf (default: from the --out suffix)."),
            store: str = STORE, policy: str = POLICY, as_of: str = AS_OF, as_json: bool = JSON) -> None:
    """Draft the year's Conflict Minerals Report: every figure from the data, traced in report.json."""
    from minetrace.app.explorer.geo import country_shapes
    from minetrace.queries.cmr.draft import ReportError, ReportOptions, draft_report

    options = ReportOptions(company=company, template=template, texts=texts, format=fmt, policy_file=policy,
                            store=store, as_of=parse_date(as_of), shapes=country_shapes)
    with open_ctx(store, year, policy, as_of) as ctx:
        say_header(ctx, as_json, store)  # the notices first (stderr beside JSON), then policy, year, statuses
        try:
            res = draft_report(ctx, out, options)
        except ReportError as exc:
            _fail(str(exc))
            return
    for w in res.data.warnings:
        typer.echo(line(f"warning: {w}"), err=True)
    if as_json:
        emit(res.to_json())
        return
    f = res.figures
    typer.echo(line(f"{res.format}: {res.path} — {len(f)} figures ({res.to_json()['figure_occurrences']} "
                    f"places), {len(res.finished.tables)} tables, {len(res.finished.charts)} charts; "
                    f"every figure's source in {res.json_path}"))
    typer.echo(line(f"{f['responded'].text} of {f['in_scope'].text} in-scope suppliers responded "
               f"({f['response_rate'].text} %); {f['risk_high'].text} high-risk smelters; "
               f"{f['smelters_validated'].text} smelters in Appendix A as of {res.data.as_of}"))
    if res.finished.placeholders:
        typer.echo(line(f"{len(res.finished.placeholders)} text blocks still to write (highlighted): "
                   + ", ".join(res.finished.placeholders)))


@app.command("check")
def check_cmd(file: str = typer.Argument(..., help="A report drafted by `minetrace report cmr` (.docx), "
                                         "edited or not."),
              store: str = STORE,
              policy: str = policy_option("Policy YAML (default: the one the draft names)."),
              strict: bool = typer.Option(False, "--strict", help="Also fail (exit 1) while placeholders are "
                                          "left."),
              as_json: bool = JSON) -> None:
    """List the figures and rows of an edited draft that no longer match the data (exit 1 when any)."""
    from datetime import date

    from minetrace.queries.cmr.check import CheckError, compare, read_report
    from minetrace.queries.cmr.figures import collect

    try:
        read = read_report(file)
    except CheckError as exc:
        _fail(str(exc))
        return
    meta = read.meta
    policy_file = policy or meta.get("policy")
    if policy_file and not Path(policy_file).is_file():
        _fail(f"{file}: the draft was computed with policy {policy_file}, which is not there; pass --policy")
    as_of = meta.get("as_of") if meta.get("as_of_given") else None
    with open_ctx(store, int(meta["year"]), policy_file, as_of) as ctx:
        data = collect(ctx, policy_file, store, date.fromisoformat(as_of) if as_of else None)
    res = compare(file, read, data)
    if as_json:
        emit(res.to_json())
    else:
        for m in res.mismatches:
            typer.echo(line(f"figure  {m.message}"))
            if m.command:
                typer.echo(line(f"        reproduce: {m.command}  →  {m.path}"))
        for t in res.tables:
            if not t.found:
                typer.echo(line(f"table   {t.title}: no longer found in the document ({t.data_rows} rows "
                                "expected)"))
                continue
            for row in t.missing:
                typer.echo(line(f"table   {t.title}: missing row {json.dumps(row, ensure_ascii=True)}"))
            for row in t.unexpected:
                typer.echo(line(f"table   {t.title}: row not in the data {json.dumps(row, ensure_ascii=True)}"))
        for p in res.placeholders:
            typer.echo(line(f"to do   [To be completed by the Company: {p}]"))
        verdict = "matches the data" if res.ok else "does NOT match the data"
        typer.echo(line(f"{file}: {res.figures_checked} figures and {len(res.tables)} tables checked against "
                        f"the data ({res.year}, as of {res.as_of}): {verdict}"
                        + (f"; {len(res.placeholders)} placeholders left" if res.placeholders else "")))
    if not res.ok or (strict and res.placeholders):
        raise typer.Exit(EXIT_MISMATCH)


@app.command("template")
def template_cmd(out: str = typer.Option(..., "--out", help="my_template.docx (the default template to "
                                         "restyle) or texts.yaml (every text block with its prompt)."),
                 as_json: bool = JSON) -> None:
    """Write the default report template (.docx) or a texts file (.yaml) to start your own from."""
    from minetrace.queries.cmr.template import build_default_template
    from minetrace.queries.cmr.texts import PROMPTS, skeleton

    path = Path(out)
    suffix = path.suffix.lower()
    if suffix == ".docx":
        path.write_bytes(build_default_template())
        kind = "template"
    elif suffix in (".yaml", ".yml"):
        path.write_text(skeleton(), encoding="utf-8")
        kind = "texts"
    else:
        _fail(f"{out}: write the template as .docx or the texts as .yaml")
        return
    if as_json:
        emit({"path": str(path), "kind": kind, "texts": list(PROMPTS)})
    else:
        typer.echo(line(f"{kind}: {path}"))


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="report")
