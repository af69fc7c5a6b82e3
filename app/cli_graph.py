"""`minetrace ingest`, `export graph`, `store info|delete-declaration`, `generate`: the graph commands.

Why one family: these are the commands that write or dump the supply-chain graph. Every one takes
`--store` (a folder for the embedded store, or a neo4j:// / bolt:// URI; default $MINETRACE_STORE,
else ./.minetrace) and most take `--json` for scripts.

Exit codes (ingest): 0 when every file was stored or was a duplicate, 2 when some file was
unreadable (the others are still ingested), 1 for a usage error (bad --under, bad master list).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from app.cli_notice import say_reference_notice
from graph import schema as S
from graph.export import FORMATS, export_graph
from graph.store import open_store, resolve_store_target

EXIT_UNREADABLE = 2
STORE_HELP = "Store: a folder (embedded) or neo4j://host:7687 (credentials from NEO4J_USER/NEO4J_PASSWORD). " \
             "Default: $MINETRACE_STORE, else ./.minetrace"

_OUTCOME_STYLE = {"new": "green", "duplicate": "dim", "superseded": "cyan", "invalid_stored": "red",
                  "unreadable": "yellow"}


def _open(store: str | None) -> Any:
    try:
        return open_store(store)
    except Exception as exc:
        typer.echo(f"cannot open store {resolve_store_target(store)}: {exc}", err=True)
        raise typer.Exit(1) from None


def ingest(
    paths: list[Path] = typer.Argument(..., help="Files, folders (recursive) and zip archives."),
    supplier_map: Path | None = typer.Option(None, "--supplier-map", help="Supplier master list (CSV/xlsx): "
                                             "supplier ID, name, aliases, e-mail."),
    year: int | None = typer.Option(None, "--year", help="Reporting year for every file (default: the "
                                    "effective date's year)."),
    under: str | None = typer.Option(None, "--under", help="Supplier ID: file these declarations as that "
                                     "supplier's sub-suppliers (multi-tier)."),
    store: str | None = typer.Option(None, "--store", help=STORE_HELP),
    as_json: bool = typer.Option(False, "--json", help="Print the per-file results as JSON."),
    receipts: bool = typer.Option(False, "--receipts", help="Write a receipt (.eml, <store>/outbox) for every form "
                                  "this run stored and open its mitigation cases (see `minetrace survey receipts`)."),
) -> None:
    """Ingest supplier declarations into the graph: one transaction per file, never stops on a bad file."""
    from graph.ingest import StoreError, ingest_paths
    from graph.resolving import default_resolver
    from ingest.sources import iter_sources

    st = _open(store)
    console = Console(stderr=True)
    try:
        resolver, rdesc = default_resolver(resolve_store_target(store))
    except Exception as exc:  # reference store broken: say so, keep ingesting with CIDs only
        from graph.resolving import CidOnlyResolver

        resolver, rdesc = CidOnlyResolver(), f"CID-only (reference resolver failed: {exc})"
    notice = say_reference_notice(getattr(resolver, "store", None), store, as_json)
    total = sum(1 for _ in iter_sources(list(paths)))
    results = []
    try:
        with Progress(TextColumn("[bold]ingest"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                      TextColumn("{task.description}"), console=console, transient=True,
                      disable=as_json or total < 2) as progress:
            task = progress.add_task("", total=total)

            def step(result: Any) -> None:
                results.append(result)
                progress.update(task, advance=1, description=Path(result.name).name[-50:])

            report = ingest_paths(paths, st, resolver=resolver, supplier_map=supplier_map, year=year,
                                  parent_supplier_id=under, progress=step)
    except KeyError as exc:
        typer.echo(str(exc.args[0] if exc.args else exc), err=True)
        raise typer.Exit(1) from None
    except StoreError as exc:
        done = ", ".join(f"{Path(r.name).name}: {r.outcome}" for r in results[-5:])
        typer.echo(f"ingest stopped: {exc}" + (f" (last done: {done})" if done else ""), err=True)
        raise typer.Exit(1) from None
    finally:
        version = st.version()
        st.close()
    report.resolver = rdesc
    receipt_res = None
    if receipts:
        from app.cli_survey import receipts_after_ingest

        receipt_res = receipts_after_ingest(store, [f.sha256 for f in report.files if f.sha256 and f.outcome in (
            S.OUTCOME_NEW, S.OUTCOME_SUPERSEDED, S.OUTCOME_INVALID_STORED)])
    if as_json:
        doc = report.to_json()
        doc["store"] = resolve_store_target(store)
        doc["version"] = version
        if receipt_res is not None:
            doc["receipts"] = receipt_res.to_json()
        doc["reference_notice"] = notice
        sys.stdout.write(json.dumps(doc, ensure_ascii=False, indent=2) + "\n")
    else:
        out = Console()
        table = Table("file", "outcome", "supplier", "link", "year", "template", "rows", "unresolved", "note")
        for f in report.files:
            style = _OUTCOME_STYLE.get(f.outcome, "")
            table.add_row(Path(f.name).name if "!" not in f.name else f.name.rsplit("/", 1)[-1],
                          f"[{style}]{f.outcome}[/{style}]", f.supplier_id or "—", f.supplier_link or "",
                          str(f.reporting_year or "—"), f.template or "—", str(f.smelter_rows),
                          str(f.unresolved_rows), f.message)
        out.print(table)
        for msg in report.supplier_map_findings:
            out.print(f"[yellow]master list:[/yellow] {msg}")
        out.print(f"{report.summary()} — resolver: {rdesc}; store {resolve_store_target(store)} (version {version})")
        if receipt_res is not None:
            from app.cli_survey import print_receipts

            print_receipts(receipt_res, out)
    for f in report.files:
        if f.outcome == S.OUTCOME_UNREADABLE:
            typer.echo(f"{f.name}: {f.message}", err=True)
    if report.counts().get(S.OUTCOME_UNREADABLE):
        raise typer.Exit(EXIT_UNREADABLE)


def export_graph_cmd(
    fmt: str = typer.Option("graphml", "--format", help=f"One of: {', '.join(FORMATS)}."),
    out: Path = typer.Option(..., "--out", help="File (graphml) or folder (csv, neo4j-csv)."),
    store: str | None = typer.Option(None, "--store", help=STORE_HELP),
) -> None:
    """Export the whole graph: GraphML, flat CSV (nodes.csv, edges.csv) or neo4j-admin import CSV."""
    if fmt not in FORMATS:
        typer.echo(f"unknown --format {fmt!r}: use one of {', '.join(FORMATS)}", err=True)
        raise typer.Exit(1)
    st = _open(store)
    try:
        files = export_graph(st, fmt, out)
    finally:
        st.close()
    for f in files:
        typer.echo(str(f))


def store_info(
    store: str | None = typer.Option(None, "--store", help=STORE_HELP),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """What the store holds: nodes and relationships by type, years, version."""
    st = _open(store)
    try:
        stats = st.stats()
    finally:
        st.close()
    if as_json:
        sys.stdout.write(json.dumps(stats, ensure_ascii=False, indent=2, default=str) + "\n")
        return
    out = Console()
    out.print(f"[bold]{stats.get('store')}[/bold] ({stats.get('kind')}), version {stats.get('version')}")
    table = Table("nodes", "count", "relationships", "count")
    nodes = list(stats.get("nodes", {}).items())
    rels = list(stats.get("relationships", {}).items())
    for i in range(max(len(nodes), len(rels))):
        n = nodes[i] if i < len(nodes) else ("", "")
        r = rels[i] if i < len(rels) else ("", "")
        table.add_row(n[0], str(n[1]), r[0], str(r[1]))
    out.print(table)
    rest = {k: v for k, v in stats.items() if k not in ("nodes", "relationships", "store", "kind", "version")}
    for k, v in rest.items():
        out.print(f"{k}: {v}")


def delete_declaration(
    sha256: str = typer.Argument(..., help="Declaration id (file sha256; a unique prefix of 8+ characters works)."),
    store: str | None = typer.Option(None, "--store", help=STORE_HELP),
) -> None:
    """Remove one declaration from the graph (the previous one for its supplier/year becomes current).
    The original file stays in the retention folder."""
    st = _open(store)
    try:
        target = sha256.strip().lower()
        if len(target) < 64:
            hits = [d.id for d in st.declarations(current_only=False) if d.id.startswith(target)] \
                if len(target) >= 8 else []
            if len(hits) != 1:
                typer.echo(f"{sha256}: {'no' if not hits else 'more than one'} declaration matches", err=True)
                raise typer.Exit(1)
            target = hits[0]
        if not st.delete_declaration(target):
            typer.echo(f"{sha256}: no such declaration", err=True)
            raise typer.Exit(1)
        typer.echo(f"deleted {target}")
    finally:
        st.close()


def generate(
    suppliers: int = typer.Option(50, "--suppliers", min=1, help="Number of suppliers."),
    out: Path = typer.Option(..., "--out", help="Folder to write the synthetic programme into."),
    seed: int = typer.Option(1, "--seed", help="Random seed (same seed, same files)."),
) -> None:
    """Write a synthetic supplier programme (CMRT workbooks, master list) for trials and benchmarks."""
    try:
        from ingest.synthetic import generate_program
    except ImportError:
        typer.echo("the synthetic programme generator (ingest/synthetic.py) is not available in this build",
                   err=True)
        raise typer.Exit(1) from None
    manifest = generate_program(out, suppliers, seed=seed, master_list=True)
    responded = sum(1 for s in manifest.suppliers if s.responded)
    typer.echo(f"wrote {suppliers} supplier(s) to {out}: {responded} CMRT file(s) in {out / 'cmrt'}, "
               f"master list {out / 'suppliers.csv'}, expectations {out / 'manifest.json'}")
    typer.echo(f"next: minetrace ingest {out / 'cmrt'} --supplier-map {out / 'suppliers.csv'}")


def _group(root: typer.Typer, name: str, help_text: str) -> typer.Typer:
    """The sub-command group `name`, shared with other families (e.g. `export` is also the queries')."""
    for info in root.registered_groups:
        if info.name == name and info.typer_instance is not None:
            return info.typer_instance
    group = typer.Typer(help=help_text, no_args_is_help=True)
    root.add_typer(group, name=name)
    return group


def register(root: typer.Typer) -> None:
    root.command("ingest")(ingest)
    root.command("generate")(generate)
    _group(root, "export", "Export reports and the graph.").command("graph")(export_graph_cmd)
    store_group = _group(root, "store", "Inspect and maintain the graph store.")
    store_group.command("info")(store_info)
    store_group.command("delete-declaration")(delete_declaration)
