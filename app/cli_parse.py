"""`minetrace parse` and `minetrace validate`: read supplier workbooks without a store.

`parse FILE` shows one declaration (or its JSON contract with --json); `validate PATH...`
checks a whole batch (files, folders, zip archives) and never stops at a bad file.
Exit codes: 0 when every file was read as a template (valid or invalid), 2 when a file is
not a readable template — one line on stderr naming the file and the reason, no traceback.
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.table import Table

from minetrace.app.cli_options import json_option
from minetrace.app.safe_output import cell, console, json_text, markup, message

if TYPE_CHECKING:  # imported where used: `minetrace --help` loads no reader (tests/test_cli_startup.py)
    from rich.console import Console

    from minetrace.ingest.records import Declaration
    from minetrace.ingest.sources import Source

EXIT_UNREADABLE = 2

#: the family's verbs: `minetrace parse`, `minetrace validate`
app = typer.Typer()


def _payload(source: Source) -> tuple[str, Any, str]:
    """What a reader needs of a source (`ingest.parallel.read_source`): a file by its path (the declaration keeps
    the base name and the full path), an archive member by its bytes, read here in input order."""
    if source.error or source.skipped:
        return ("error", source.error or source.skipped, source.name)
    if source.user_path is not None:
        return ("path", str(source.user_path), source.name)
    try:
        return ("bytes", source.read(), source.name)
    except OSError as exc:  # an archive member that cannot be extracted, a file that vanished
        return ("error", str(exc), source.name)


def _outcome(source: Source, got: Any) -> tuple[Declaration | None, str | None]:
    """(declaration, None) or (None, one-line reason) from `read_source`'s result (or a worker's crash)."""
    from minetrace.ingest.parallel import outcome_text

    if isinstance(got, str):
        return None, got
    text = outcome_text(source.name, got)
    return (None, text) if text is not None else (got, None)


def _parse_source(source: Source) -> tuple[Declaration | None, str | None]:
    """(declaration, None) or (None, one-line reason) — never raises for bad input."""
    from minetrace.ingest.parallel import read_source

    return _outcome(source, read_source(_payload(source)))


def _counts_by_metal(decl: Declaration) -> str:
    counts = Counter(s.metal or "?" for s in decl.smelters)
    return ", ".join(f"{m} {n}" for m, n in sorted(counts.items())) or "none"


def _print_declaration(decl: Declaration, console: Console) -> None:
    c = decl.company
    t = decl.template
    console.print(f"[bold]{markup(decl.file.name)}[/bold]  {markup(t.kind)} {markup(t.version or '?')}"
                  f"{'' if t.layout_verified else ' (layout unverified)'}  sha256 {decl.file.sha256[:12]}…")
    console.print(f"company: {markup(c.name or '—')}   scope: {markup(c.scope or '—')}   effective: "
                  f"{c.effective_date.isoformat() if c.effective_date else '—'}")
    cids = {s.cid for s in decl.smelters if s.cid}
    console.print(f"smelter rows: {len(decl.smelters)} ({markup(_counts_by_metal(decl))}), distinct IDs: {len(cids)}, "
                  f"products: {len(decl.products)}")
    style = "green" if decl.status == "valid" else "red"
    console.print(f"status: [{style}]{markup(decl.status)}[/{style}]   checker_missing: {decl.checker_missing}")
    if decl.findings:
        table = Table("severity", "code", "location", "message", show_lines=False)
        for f in decl.findings:
            table.add_row(cell(f.severity), cell(f.code), cell(f.location), cell(f.message, 400))
        console.print(table)


@app.command("parse")
def parse(
    file: Path = typer.Argument(..., help="A CMRT/EMRT/CRT/AMRT workbook (.xlsx, .xlsm, .xls, .ods), or a zip "
                                "archive: every workbook in it is read."),
    as_json: bool = json_option("Print the declaration as JSON (the documented contract)."),
) -> None:
    """Read one supplier workbook (or every workbook of a zip archive) and show what it declares."""
    from minetrace.ingest.sources import Source, iter_sources

    sources = list(iter_sources([file])) or [Source(name=str(file), error="nothing to read")]
    if len(sources) == 1 and sources[0].name == str(file):  # one file: the documented contract
        decl, error = _parse_source(sources[0])
        if decl is None:
            typer.echo(message(error), err=True)
            raise typer.Exit(EXIT_UNREADABLE)
        if as_json:
            sys.stdout.write(json_text(decl.to_json()) + "\n")
        else:
            _print_declaration(decl, console())
        return
    # an archive: every workbook in it, in member order; unreadable and skipped members reported
    decls: list[Declaration] = []
    unreadable: list[dict[str, str]] = []
    skipped: list[dict[str, str]] = []
    out = console()
    for source in sources:
        if source.skipped:
            skipped.append({"file": source.name, "reason": source.skipped})
            continue
        decl, error = _parse_source(source)
        if decl is None:
            unreadable.append({"file": source.name, "error": error or source.name})
            continue
        decls.append(decl)
        if not as_json:
            _print_declaration(decl, out)
            out.print()
    if as_json:
        sys.stdout.write(json_text({"archive": str(file), "declarations": [d.to_json() for d in decls],
                                    "unreadable": unreadable, "skipped": skipped}) + "\n")
    else:
        for s in skipped:
            out.print(f"skipped: {markup(s['file'])}: {markup(s['reason'])}")
        out.print(f"{markup(file)}: {len(decls)} workbook(s) read, {len(unreadable)} unreadable, "
                  f"{len(skipped)} skipped")
    for u in unreadable:
        typer.echo(message(u["error"]), err=True)
    if unreadable or not decls:
        raise typer.Exit(EXIT_UNREADABLE)


def _summary_row(decl: Declaration) -> dict[str, Any]:
    return {
        "file": decl.file.name,
        "sha256": decl.file.sha256,
        "kind": decl.template.kind,
        "version": decl.template.version,
        "company": decl.company.name,
        "smelter_rows": len(decl.smelters),
        "checker_missing": decl.checker_missing,
        "status": decl.status,
        "errors": sum(1 for f in decl.findings if f.severity == "error"),
        "warnings": sum(1 for f in decl.findings if f.severity == "warning"),
        "findings": [f.to_json() for f in decl.findings],
    }


@app.command("validate")
def validate(
    paths: list[Path] = typer.Argument(..., help="Files, folders (recursive) and zip archives."),
    as_json: bool = json_option("Print one JSON document with every file's result."),
    strict: bool = typer.Option(False, "--strict", help="Exit 1 when any readable form is invalid."),
    jobs: int | None = typer.Option(None, "--jobs", min=1, help="Worker processes reading the files (default: "
                                    "one per core; 1 reads in this process). Results keep the input order."),
) -> None:
    """Validate a batch of supplier workbooks: status, Checker count and findings per file."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from minetrace.ingest.parallel import map_in_order, read_source
    from minetrace.ingest.sources import iter_sources

    sources = list(iter_sources(list(paths)))
    readable = [s for s in sources if not s.skipped]
    outcomes = map_in_order(read_source, (_payload(s) for s in readable), jobs=jobs)
    results: list[dict[str, Any]] = []
    unreadable: list[str] = []
    progress_console = console(stderr=as_json)
    with Progress(TextColumn("validating"), BarColumn(), MofNCompleteColumn(), TextColumn("ETA"),
                  TimeRemainingColumn(), console=progress_console, transient=True,
                  disable=len(sources) < 20) as progress:
        task = progress.add_task("validating", total=len(sources))
        for source in sources:
            if source.skipped:
                results.append({"file": source.name, "status": "skipped", "reason": source.skipped})
                progress.advance(task)
                continue
            decl, error = _outcome(source, next(outcomes))
            if decl is None:
                unreadable.append(error or source.name)
                results.append({"file": source.name, "status": "unreadable", "error": error})
            else:
                results.append(_summary_row(decl))
            progress.advance(task)

    summary = Counter(r["status"] for r in results)
    if as_json:
        sys.stdout.write(json_text({"files": results, "summary": dict(summary)}) + "\n")
    else:
        table = Table("file", "template", "company", "rows", "missing", "status", "first finding")
        for r in results:
            if r["status"] in ("unreadable", "skipped"):
                table.add_row(cell(r["file"]), "—", "—", "—", "—", cell(r["status"], style="yellow"),
                              cell(r.get("error") or r.get("reason"), 300))
                continue
            first = next((f for f in r["findings"] if f["severity"] == "error"), None) or (
                r["findings"][0] if r["findings"] else None)
            style = "green" if r["status"] == "valid" else "red"
            table.add_row(
                cell(Path(r["file"]).name), cell(f"{r['kind']} {r['version'] or '?'}"), cell(r["company"] or "—"),
                str(r["smelter_rows"]), str(r["checker_missing"]), cell(r["status"], style=style),
                cell(f"{first['code']} @ {first['location']}") if first else "",
            )
        out = console()
        out.print(table)
        out.print(", ".join(f"{k}: {v}" for k, v in sorted(summary.items())) + f" — {len(results)} files")
    for line in unreadable:
        typer.echo(message(line), err=True)
    if unreadable:
        raise typer.Exit(EXIT_UNREADABLE)
    if strict and summary.get("invalid"):
        raise typer.Exit(1)


def register(root: typer.Typer) -> None:
    root.add_typer(app)  # parse, validate at the top level
