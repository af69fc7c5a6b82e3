"""`minetrace parse` and `minetrace validate`: read supplier workbooks without a store.

`parse FILE` shows one declaration (or its JSON contract with --json); `validate PATH...`
checks a whole batch (files, folders, zip archives) and never stops at a bad file.
Exit codes: 0 when every file was read as a template (valid or invalid), 2 when a file is
not a readable template — one line on stderr naming the file and the reason, no traceback.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from ingest.pipeline import parse_file
from ingest.records import Declaration
from ingest.sources import Source, iter_sources
from ingest.workbook import UnreadableWorkbook

EXIT_UNREADABLE = 2


def _parse_source(source: Source) -> tuple[Declaration | None, str | None]:
    """(declaration, None) or (None, one-line reason) — never raises for bad input."""
    if source.error:
        return None, f"{source.name}: {source.error}"
    try:
        if source.data is not None:
            return parse_file(source.data, name=source.name), None
        assert source.path is not None
        return parse_file(source.path), None  # file.name is the base name, file.path the full path
    except UnreadableWorkbook as exc:
        return None, f"{source.name}: {exc.message}"
    except Exception as exc:  # a reader defect must not stop the batch; say so plainly
        return None, f"{source.name}: internal error while reading ({exc.__class__.__name__}: {exc})"


def _counts_by_metal(decl: Declaration) -> str:
    counts = Counter(s.metal or "?" for s in decl.smelters)
    return ", ".join(f"{m} {n}" for m, n in sorted(counts.items())) or "none"


def _print_declaration(decl: Declaration, console: Console) -> None:
    c = decl.company
    t = decl.template
    console.print(f"[bold]{decl.file.name}[/bold]  {t.kind} {t.version or '?'}"
                  f"{'' if t.layout_verified else ' (layout unverified)'}  sha256 {decl.file.sha256[:12]}…")
    console.print(f"company: {c.name or '—'}   scope: {c.scope or '—'}   effective: "
                  f"{c.effective_date.isoformat() if c.effective_date else '—'}")
    cids = {s.cid for s in decl.smelters if s.cid}
    console.print(f"smelter rows: {len(decl.smelters)} ({_counts_by_metal(decl)}), distinct IDs: {len(cids)}, "
                  f"products: {len(decl.products)}")
    style = "green" if decl.status == "valid" else "red"
    console.print(f"status: [{style}]{decl.status}[/{style}]   checker_missing: {decl.checker_missing}")
    if decl.findings:
        table = Table("severity", "code", "location", "message", show_lines=False)
        for f in decl.findings:
            table.add_row(f.severity, f.code, f.location, f.message)
        console.print(table)


def parse(
    file: Path = typer.Argument(..., help="A CMRT/EMRT/CRT/AMRT workbook (.xlsx, .xlsm, .xls, .ods)."),
    as_json: bool = typer.Option(False, "--json", help="Print the declaration as JSON (the documented contract)."),
) -> None:
    """Read one supplier workbook and show what it declares."""
    source = next(iter(iter_sources([file])), Source(name=str(file), error="nothing to read"))
    decl, error = _parse_source(source)
    if decl is None:
        typer.echo(error, err=True)
        raise typer.Exit(EXIT_UNREADABLE)
    if as_json:
        sys.stdout.write(json.dumps(decl.to_json(), ensure_ascii=False, indent=2) + "\n")
    else:
        _print_declaration(decl, Console())


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


def validate(
    paths: list[Path] = typer.Argument(..., help="Files, folders (recursive) and zip archives."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON document with every file's result."),
    strict: bool = typer.Option(False, "--strict", help="Exit 1 when any readable form is invalid."),
) -> None:
    """Validate a batch of supplier workbooks: status, Checker count and findings per file."""
    sources = list(iter_sources(list(paths)))
    results: list[dict[str, Any]] = []
    unreadable: list[str] = []
    console = Console(stderr=as_json)
    with Progress(console=console, transient=True, disable=len(sources) < 20) as progress:
        task = progress.add_task("validating", total=len(sources))
        for source in sources:
            decl, error = _parse_source(source)
            if decl is None:
                unreadable.append(error or source.name)
                results.append({"file": source.name, "status": "unreadable", "error": error})
            else:
                results.append(_summary_row(decl))
            progress.advance(task)

    summary = Counter(r["status"] for r in results)
    if as_json:
        sys.stdout.write(json.dumps({"files": results, "summary": dict(summary)}, ensure_ascii=False, indent=2) + "\n")
    else:
        table = Table("file", "template", "company", "rows", "missing", "status", "first finding")
        for r in results:
            if r["status"] == "unreadable":
                table.add_row(r["file"], "—", "—", "—", "—", "[yellow]unreadable[/yellow]", r["error"])
                continue
            first = next((f for f in r["findings"] if f["severity"] == "error"), None) or (
                r["findings"][0] if r["findings"] else None)
            style = "green" if r["status"] == "valid" else "red"
            table.add_row(
                Path(r["file"]).name, f"{r['kind']} {r['version'] or '?'}", r["company"] or "—",
                str(r["smelter_rows"]), str(r["checker_missing"]), f"[{style}]{r['status']}[/{style}]",
                f"{first['code']} @ {first['location']}" if first else "",
            )
        Console().print(table)
        Console().print(", ".join(f"{k}: {v}" for k, v in sorted(summary.items())) + f" — {len(results)} files")
    for line in unreadable:
        typer.echo(line, err=True)
    if unreadable:
        raise typer.Exit(EXIT_UNREADABLE)
    if strict and summary.get("invalid"):
        raise typer.Exit(1)


def register(root: typer.Typer) -> None:
    root.command("parse")(parse)
    root.command("validate")(validate)
