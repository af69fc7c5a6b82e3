"""`minetrace ingest`, `export graph`, `store info|delete-declaration`, `generate`: the graph commands.

Why one family: these are the commands that write or dump the supply-chain graph. Every one takes
`--store` (a folder for the embedded store, or a neo4j:// / bolt:// URI; default $MINETRACE_STORE,
else ./.minetrace) and most take `--json` for scripts.

Exit codes (ingest): 0 when every file was stored or was a duplicate, 2 when some file was
unreadable (the others are still ingested), 1 for a usage error (bad --under, bad master list).
"""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.table import Table

from minetrace.app.cli_notice import say_reference_notice
from minetrace.app.cli_options import STORE, json_option, open_graph, year_option
from minetrace.app.safe_output import cell, console, json_text, markup, message
from minetrace.graph import schema as S

if TYPE_CHECKING:
    from minetrace.graph.store import GraphStore

EXIT_UNREADABLE = 2

_OUTCOME_STYLE = {"new": "green", "duplicate": "dim", "superseded": "cyan", "invalid_stored": "red",
                  "unreadable": "yellow", "pending": "magenta", "skipped": "dim"}

#: the family's verbs (`minetrace ingest`, `generate`) and its `store` group; `export graph` is the export family's
app = typer.Typer()
store_app = typer.Typer(help="Inspect and maintain the graph store.", no_args_is_help=True)
app.add_typer(store_app, name="store")


@app.command("ingest")
def ingest(
    paths: list[Path] = typer.Argument(..., help="Files, folders (recursive) and zip archives."),
    supplier_map: Path | None = typer.Option(None, "--supplier-map", help="Supplier master list (CSV/xlsx): "
                                             "supplier ID, name, aliases, e-mail."),
    year: int | None = year_option("Reporting year for every file (default: the "
                                    "effective date's year)."),
    under: str | None = typer.Option(None, "--under", help="Supplier ID: file these declarations as that "
                                     "supplier's sub-suppliers (multi-tier)."),
    store: str | None = STORE,
    as_json: bool = json_option("Print the per-file results as JSON."),
    receipts: bool = typer.Option(False, "--receipts", help="Write a receipt (.eml, <store>/outbox) for every form "
                                  "this run stored and open its mitigation cases (see `minetrace survey receipts`)."),
    jobs: int | None = typer.Option(None, "--jobs", min=1, help="Worker processes reading the files (default: one "
                                    "per core; 1 reads in this process). Files are stored in their order either way."),
) -> None:
    """Ingest supplier declarations into the graph: one transaction per file, never stops on a bad file."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    from minetrace.graph.ingest import StoreError, ingest_paths
    from minetrace.graph.resolving import RowResolver
    from minetrace.graph.workspace import Workspace
    from minetrace.ingest.parallel import default_jobs
    from minetrace.ingest.sources import iter_sources

    ws = Workspace.open(store)
    st = open_graph(ws.target)
    if getattr(st, "read_only", False):
        st.close()
        why = getattr(st, "read_only_reason", "") or "no write permission or read-only media"
        typer.echo(message(f"cannot ingest: store {ws.target} is read-only ({why}); read "
                           "commands work on it"), err=True)
        raise typer.Exit(1)
    progress_console = console(stderr=True)
    resolver: RowResolver
    try:
        resolver, rdesc = ws.resolver(graph=st)
    except Exception as exc:  # reference store broken: say so, keep ingesting with CIDs only
        from minetrace.graph.resolving import CidOnlyResolver

        resolver, rdesc = CidOnlyResolver(), f"CID-only (reference resolver failed: {exc})"
    notice = say_reference_notice(getattr(resolver, "store", None), store, as_json)
    sources = list(iter_sources(list(paths)))  # lazy: archive members are read one at a time
    results = []
    version = "?"
    try:
        workers = jobs or default_jobs()
        with Progress(TextColumn("[bold]{task.fields[stage]}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                      TextColumn("ETA"), TimeRemainingColumn(), TextColumn("{task.description}"),
                      console=progress_console, transient=True, disable=as_json or len(sources) < 2) as progress:
            # every file is read before any is stored (the batch's Look-ups are learned in between): both bars
            reading = progress.add_task("", total=len(sources),
                                        stage="read" if workers == 1 else f"read ({workers} workers)")
            task = progress.add_task("", total=len(sources), stage="ingest")

            def read_one(name: str) -> None:
                progress.update(reading, advance=1, description=markup(Path(name).name[-50:], 50))

            def step(result: Any) -> None:
                results.append(result)
                progress.update(task, advance=1, description=markup(Path(result.name).name[-50:], 50))

            report = ingest_paths(paths, st, resolver=resolver, supplier_map=supplier_map, year=year,
                                  parent_supplier_id=under, progress=step, sources=sources, jobs=workers,
                                  parsed=read_one)
            names = _file_names(st, {x for f in report.files for x in [*f.supersedes, f.superseded_by] if x})
    except KeyError as exc:
        typer.echo(message(exc.args[0] if exc.args else exc), err=True)
        raise typer.Exit(1) from None
    except StoreError as exc:
        done = ", ".join(f"{Path(r.name).name}: {r.outcome}" for r in results[-5:])
        typer.echo(message(f"ingest stopped: {exc}" + (f" (last done: {done})" if done else "")), err=True)
        raise typer.Exit(1) from None
    finally:
        reference = getattr(resolver, "store", None)
        if reference is not None:  # a shared workspace sends what the batch added (review queue, Look-ups)
            reference.close()
        with contextlib.suppress(Exception):
            version = st.version()
        st.close()
    report.resolver = rdesc
    receipt_res = None
    if receipts:
        from minetrace.app.cli_survey import receipts_after_ingest

        receipt_res = receipts_after_ingest(store, [f.sha256 for f in report.files if f.sha256 and f.outcome in (
            S.OUTCOME_NEW, S.OUTCOME_SUPERSEDED, S.OUTCOME_INVALID_STORED)])
    if as_json:
        doc = report.to_json()
        doc["store"] = ws.target
        doc["version"] = version
        if receipt_res is not None:
            doc["receipts"] = receipt_res.to_json()
        doc["reference_notice"] = notice
        sys.stdout.write(json_text(doc) + "\n")
    else:
        from minetrace.queries import glossary

        out = console()
        table = Table("file", "outcome", "supplier (linked by)", "year", "rows", "note")
        for f in report.files:
            style = _OUTCOME_STYLE.get(f.outcome, "")
            supplier = f.supplier_name or f.supplier_id or "—"
            if f.supplier_id and not f.supplier_id.startswith("decl:") and f.supplier_id != supplier:
                supplier = f"{f.supplier_id} {supplier}"
            link = glossary.value("link", f.supplier_link) if f.supplier_link else ""
            rows = f"{f.smelter_rows}" + (f" ({f.unresolved_rows} unresolved)" if f.unresolved_rows else "")
            table.add_row(cell(Path(f.name).name if "!" not in f.name else f.name.rsplit("/", 1)[-1]),
                          cell(glossary.value("outcome", f.outcome), style=style),
                          cell(supplier + (f" ({link})" if link else "")), str(f.reporting_year or "none"),
                          rows, cell(glossary.ingest_note(f, names), 300))
        if report.files:
            out.print(table)
        for f in report.files:
            if f.pending:
                who = glossary.supplier(f.supplier_id, f.supplier_name)
                out.print(f"[cyan]newer form pending[/cyan] for {markup(who)}: {markup(f.name)} — "
                          f"{markup(f.pending, 300)} (accept: minetrace store accept {f.sha256})", soft_wrap=True)
        for msg in report.supplier_map_findings:
            out.print(f"[yellow]master list:[/yellow] {markup(msg, 300)}")
        for msg in (report.learning or {}).get("errors", []):
            out.print(f"[yellow]Look-up:[/yellow] {markup(msg, 300)}")
        if report.relinked is not None and report.relinked.moved:
            out.print(markup(report.relinked.summary(), 600) + " (the master list came after them)")
        counts = report.counts()
        parts = [f"{n} {glossary.value('outcome', k)}" for k, n in counts.items() if n]
        resolver_note = "" if "default_resolver" in rdesc or rdesc == "Resolver" else f" (smelter names: {rdesc})"
        out.print(f"{len(report.files)} file(s): {markup(', '.join(parts) or 'nothing to ingest', 600)} — store "
                  f"{markup(ws.target)}{markup(resolver_note, 300)}")
        if receipt_res is not None:
            from minetrace.app.cli_survey import print_receipts

            print_receipts(receipt_res, out)
    for f in report.files:
        if f.outcome == S.OUTCOME_UNREADABLE:
            typer.echo(message(f"{f.name}: {f.message}"), err=True)
        elif f.outcome == S.OUTCOME_SKIPPED:
            typer.echo(message(f"{f.name}: {f.message}"), err=True)
    if report.counts().get(S.OUTCOME_UNREADABLE):
        raise typer.Exit(EXIT_UNREADABLE)


@store_app.command("info")
def store_info(
    store: str | None = STORE,
    as_json: bool = json_option("Print JSON."),
) -> None:
    """What the store holds: nodes and relationships by type, years, version."""
    st = open_graph(store)
    try:
        stats = st.stats()
    finally:
        st.close()
    if as_json:
        sys.stdout.write(json_text(stats) + "\n")
        return
    out = console()
    out.print(f"[bold]{markup(stats.get('store'))}[/bold] ({markup(stats.get('kind'))}), version "
              f"{markup(stats.get('version'))}")
    table = Table("nodes", "count", "relationships", "count")
    nodes = list(stats.get("nodes", {}).items())
    rels = list(stats.get("relationships", {}).items())
    for i in range(max(len(nodes), len(rels))):
        n = nodes[i] if i < len(nodes) else ("", "")
        r = rels[i] if i < len(rels) else ("", "")
        table.add_row(cell(n[0]), str(n[1]), cell(r[0]), str(r[1]))
    out.print(table)
    rest = {k: v for k, v in stats.items() if k not in ("nodes", "relationships", "store", "kind", "version")}
    for k, v in rest.items():
        out.print(f"{markup(k)}: {markup(v, 400)}")


@store_app.command("delete-declaration")
def delete_declaration(
    sha256: str = typer.Argument(..., help="Declaration id (file sha256; a unique prefix of 8+ characters works)."),
    store: str | None = STORE,
) -> None:
    """Remove one declaration from the graph (the previous one for its supplier/year becomes current).
    The original file stays in the retention folder."""
    st = open_graph(store)
    try:
        target = sha256.strip().lower()
        if len(target) < 64:
            hits = [d.id for d in st.declarations(current_only=False) if d.id.startswith(target)] \
                if len(target) >= 8 else []
            if len(hits) != 1:
                typer.echo(message(f"{sha256}: {'no' if not hits else 'more than one'} declaration matches"),
                           err=True)
                raise typer.Exit(1)
            target = hits[0]
        if not st.delete_declaration(target):
            typer.echo(message(f"{sha256}: no such declaration"), err=True)
            raise typer.Exit(1)
        typer.echo(f"deleted {target}")
    finally:
        st.close()


def _one_declaration(st: Any, sha256: str) -> str:
    """The full id of the declaration a sha256 (or a unique prefix of 8+ characters) names; exits 1 otherwise."""
    target = sha256.strip().lower()
    if len(target) < 64:
        hits = [d.id for d in st.declarations(current_only=False) if d.id.startswith(target)] \
            if len(target) >= 8 else []
        if len(hits) != 1:
            typer.echo(message(f"{sha256}: {'no' if not hits else 'more than one'} declaration matches"), err=True)
            raise typer.Exit(1)
        target = hits[0]
    return target


@store_app.command("accept")
def accept_cmd(
    sha256: str = typer.Argument(..., help="Declaration id (file sha256; a unique prefix of 8+ characters works)."),
    store: str | None = STORE,
    as_json: bool = json_option("Print JSON."),
) -> None:
    """Accept a pending form (its identity checked by you, or its defects accepted): it may become current."""
    st = open_graph(store)
    try:
        target = _one_declaration(st, sha256)
        if not st.accept_declaration(target):
            typer.echo(message(f"{sha256}: no such declaration"), err=True)
            raise typer.Exit(1)
        info = st.declaration(target)
    finally:
        st.close()
    if as_json:
        sys.stdout.write(json_text({"accepted": target, "current": bool(info and info.current),
                                    "pending": info.pending if info else None}) + "\n")
        return
    state = "now current" if info and info.current else f"not current ({info.pending if info else '?'})"
    typer.echo(message(f"accepted {target} ({info.file_name if info else '?'}): {state}"))


@store_app.command("pending")
def pending_cmd(
    store: str | None = STORE,
    year: int | None = year_option("Only this reporting year."),
    as_json: bool = json_option("Print JSON."),
) -> None:
    """Suppliers with a newer form pending: stored, newer than the current one, held back until accepted."""
    st = open_graph(store)
    try:
        rows = [d for d in st.declarations(year=year, current_only=False) if d.pending]
    finally:
        st.close()
    if as_json:
        sys.stdout.write(json_text({"pending": [
            {"supplier_id": d.supplier_id, "declaration_id": d.id, "file_name": d.file_name,
             "reporting_year": d.reporting_year, "status": d.status, "current": d.superseded_by,
             "reason": d.pending} for d in rows]}) + "\n")
        return
    out = console()
    if not rows:
        out.print("no newer form pending")
        return
    from minetrace.queries import glossary

    st = open_graph(store)
    try:
        current = _file_names(st, {d.superseded_by for d in rows if d.superseded_by})
        names = {s.id: s.name for s in st.suppliers()}
    finally:
        st.close()
    table = Table("supplier", "year", "pending form", "status", "why", "current form")
    for d in rows:
        table.add_row(cell(glossary.supplier(d.supplier_id, names.get(d.supplier_id))), str(d.reporting_year or "—"),
                      cell(d.file_name), cell(d.status), cell(d.pending, 300),
                      cell(current.get(d.superseded_by or "", "")))
    out.print(table)
    out.print(f"{len(rows)} form(s) held back; accept one with: minetrace store accept SHA256")
    for d in rows:
        out.print(f"  {markup(d.file_name)}: minetrace store accept {d.id}", soft_wrap=True)


def _file_names(st: GraphStore, shas: set[str]) -> dict[str, str]:
    """sha256 → stored file name (what a person reads instead of a hash): one read for the batch (a store on a
    server answered one read per superseded form: 260 round trips for a 400-file program)."""
    with contextlib.suppress(Exception):
        return {sha: d.file_name for sha, d in st.declarations_by_id(shas).items() if d.file_name}
    return {}


@app.command("generate")
def generate(
    suppliers: int = typer.Option(50, "--suppliers", min=1, help="Number of suppliers."),
    out: Path = typer.Option(..., "--out", help="Folder to write the synthetic programme into."),
    seed: int = typer.Option(1, "--seed", help="Random seed (same seed, same files)."),
) -> None:
    """Write a synthetic supplier programme (CMRT workbooks, master list) for trials and benchmarks."""
    try:
        from minetrace.app.synthetic.workbooks import generate_program
    except ImportError:
        typer.echo("the synthetic programme generator (app/synthetic/workbooks.py) is not available in this build",
                   err=True)
        raise typer.Exit(1) from None
    manifest = generate_program(out, suppliers, seed=seed, master_list=True)
    responded = sum(1 for s in manifest.suppliers if s.responded)
    typer.echo(f"wrote {suppliers} supplier(s) to {out}: {responded} CMRT file(s) in {out / 'cmrt'}, "
               f"master list {out / 'suppliers.csv'}, expectations {out / 'manifest.json'}")
    typer.echo(f"next: minetrace ingest {out / 'cmrt'} --supplier-map {out / 'suppliers.csv'}")


def register(root: typer.Typer) -> None:
    root.add_typer(app)  # ingest, generate and the `store` group at the top level
