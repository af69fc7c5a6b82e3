"""`minetrace reference …`: fill and query the dated reference store, resolve names, review and decide.

Commands: import FILE..., show, status CID, resolve, review, decide, apply-decisions. All take `--store DIR`
(default ./.minetrace or $MINETRACE_STORE) and most `--json`. Bad files are reported one line
each on stderr (naming the file) and never stop the rest of the batch; exit code 2 when any
file could not be imported.
"""

from __future__ import annotations

import csv
import shlex
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.table import Table

from minetrace.app.cli_options import STORE, as_of_option, json_option
from minetrace.app.safe_output import cell, console, json_text, markup, message

if TYPE_CHECKING:  # imported where used: `minetrace --help` loads none of them (tests/test_cli_startup.py)
    from minetrace.ingest.records import SmelterRow
    from minetrace.ingest.reference import ReferenceStore

EXIT_BAD_INPUT = 2

app = typer.Typer(name="reference", help="Smelter reference data: import RMI lists and templates, status as of a "
                  "date, resolve names to CIDs, review and decide candidates.", no_args_is_help=True)



def _open(store: str | None) -> ReferenceStore:
    """The workspace's reference DB (with Neo4j: the server's, sent back when closed; graph.workspace)."""
    from minetrace.graph.workspace import Workspace

    return Workspace.open(store).open_reference()


def _dump(data: Any) -> None:
    sys.stdout.write(json_text(data) + "\n")


@app.command("import")
def import_cmd(
    files: list[Path] = typer.Argument(..., help="CMRT/EMRT/CRT/AMRT templates or filled files, RMI exports "
                                       "(.xml/.csv/.xlsx), watchlist (.csv/.yaml), policy (.yaml), or folders."),
    as_of: str | None = as_of_option("Date the facts are valid on (YYYY-MM-DD)."),
    store: str | None = STORE,
    as_json: bool = json_option("Print the results as JSON."),
) -> None:
    """Import reference files; the kind is detected by content. Importing a file twice changes nothing."""
    from minetrace.ingest.reference import ImportError_, import_file

    ref = _open(store)
    results: list[dict[str, Any]] = []
    failed = 0
    expanded: list[Path] = []
    for f in files:  # a folder stands for the files in it (recursively), in name order
        expanded.extend(sorted(p for p in f.rglob("*") if p.is_file() and not p.name.startswith("."))
                        if f.is_dir() else [f])
    for f in expanded:
        try:
            res = import_file(ref, f, as_of=as_of)
        except ImportError_ as exc:
            failed += 1
            typer.echo(message(exc), err=True)
            results.append({"file": str(f), "error": str(exc)})
            continue
        except Exception as exc:  # an importer defect must not stop the batch
            failed += 1
            typer.echo(message(f"{f}: internal error while importing ({exc.__class__.__name__}: {exc})"), err=True)
            results.append({"file": str(f), "error": str(exc)})
            continue
        results.append(res.__dict__)
        if not as_json:
            typer.echo(message(res.line()))
    if as_json:
        _dump(results)
    ref.close()
    if failed:
        raise typer.Exit(EXIT_BAD_INPUT)


@app.command("show")
def show_cmd(
    cid: str | None = typer.Argument(None, help="A CID: every fact the store holds about it, with its sources."),
    store: str | None = STORE,
    as_json: bool = json_option("Print JSON."),
) -> None:
    """Summary of the reference store (facilities, aliases, snapshots, watchlist, country lists, imports), or
    with a CID every fact about it and where each comes from (RMI, a template release, a supplier's proposal)."""
    ref = _open(store)
    if cid:
        facts = ref.fact_sources(cid)
        ref.close()
        if as_json:
            _dump(facts)
        else:
            _print_fact_sources(facts)
        if facts["facility"] is None and not facts["facts"] and not facts["aliases"]:
            raise typer.Exit(1)
        return
    summary = ref.summary()
    ref.close()
    if as_json:
        _dump(summary)
        return
    out = console()
    out.print(f"[bold]{markup(summary['path'], None)}[/bold]")
    by_metal = ", ".join(f"{m} {n}" for m, n in summary["facilities_by_metal"].items())
    out.print(f"facilities: {summary['facilities']} ({markup(by_metal, 400)}); retired: {summary['retired']}")
    out.print(f"aliases: {summary['aliases']}   status observations: {summary['status_observations']}   "
              f"revisions: {summary['revisions']}   old IDs: {summary['old_ids']}")
    out.print(f"watchlist CIDs: {summary['watchlist']}   covered countries: "
              f"{markup(' '.join(summary['covered_countries']), 400)}   CAHRA entries: {summary['cahra_entries']}")
    out.print(f"report facts: {summary['report_facts']}   open reviews: {summary['open_reviews']}")
    if summary["snapshots"]:
        table = Table("list snapshot", "as of", "source")
        for s in summary["snapshots"]:
            table.add_row(cell(s["kind"]), cell(s["as_of"]), cell(s["source"], 300))
        out.print(table)
    table = Table("import", "kind", "trust", "rows", "skipped", "as of")
    for i in summary["imports"]:
        table.add_row(cell(i["file"], 300), cell(i["importer"]), cell(i.get("trust") or ""), str(i["rows"]),
                      str(i["skipped"]), cell(i["as_of"] or ""))
    out.print(table)


def _print_fact_sources(facts: dict[str, Any]) -> None:
    out = console()
    fac = facts["facility"]
    if fac is None:
        out.print(f"{markup(facts['cid'])}: no facility facts in force")
    else:
        out.print(f"[bold]{markup(fac['cid'])}[/bold] {markup(fac['metal'])} — {markup(fac['standard_name'])} "
                  f"({markup(fac['country_iso2'] or '?')}){'  (retired)' if fac['retired'] else ''}  "
                  f"trust {markup(facts.get('trust') or 'unrecorded')}; source {markup(fac['source'], 300)}")
    if facts["facts"]:
        table = Table("status", "trust", "metal", "standard name", "country", "as of", "source", "row",
                      title="facility facts, every source")
        for f in facts["facts"]:
            table.add_row(cell(f["status"]), cell(f["trust"]), cell(f["metal"]), cell(f["standard_name"]),
                          cell(f["country_iso2"] or f.get("country_text") or ""), cell(f["as_of"] or ""),
                          cell(f["source"], 300), str(f["row"] or ""))
        out.print(table)
    if facts["aliases"]:
        table = Table("alias", "metal", "status", "source", title="aliases")
        for a in facts["aliases"]:
            table.add_row(cell(a["alias_raw"]), cell(a["metal"]), cell(a["status"]), cell(a["source"], 300))
        out.print(table)
    for s in facts["statuses"]:
        out.print(f"status {markup(s['scheme'])} {markup(s['status'])} as of {markup(s['as_of'])} — "
                  f"{markup(s['source'], 300)}")
    for r in facts["revisions"]:
        out.print(f"revision {markup(r['kind'])} {markup(r['date'] or '')}: {markup(r['details'] or '', 300)} — "
                  f"{markup(r['source'], 300)}")
    for w in facts["watchlist"]:
        out.print(f"watchlist {markup(w['list_name'])}: {markup(w['evidence'] or w['reason'] or '', 300)} — "
                  f"{markup(w['source'], 300)}")


@app.command("status")
def status_cmd(
    cid: str = typer.Argument(..., help="A CID, e.g. CID002587."),
    as_of: str | None = as_of_option("Date (YYYY-MM-DD); default today."),
    store: str | None = STORE,
    as_json: bool = json_option("Print JSON."),
) -> None:
    """Facility facts, RMAP status as of a date, revision chain and watchlist entries of one CID."""
    ref = _open(store)
    fac = ref.facility(cid)
    chain = ref.current_cid(cid)
    status = ref.status_as_of(cid, as_of)
    ref_watch = ref.on_watchlist(cid)
    data = {
        "cid": cid.strip().upper(),
        "facility": fac.to_json() if fac else None,
        "current_cid": chain.current,
        "successors": chain.successors,
        "chain": chain.chain,
        "chain_notes": chain.notes,
        "status": status.to_json(),
        "revisions": ref.revisions(cid),
        "watchlist": ref_watch,
    }
    ref.close()
    if as_json:
        _dump(data)
        if fac is None:
            raise typer.Exit(1)
        return
    out = console()
    if fac is None:
        out.print(f"{markup(data['cid'])}: not in the reference store")
        raise typer.Exit(1)
    out.print(f"[bold]{markup(fac.cid)}[/bold] {markup(fac.metal)} — {markup(fac.standard_name)} "
              f"({markup(fac.country_iso2 or '?')}){'  (retired)' if fac.retired else ''}")
    if chain.current and chain.current != data["cid"]:
        out.print(f"current CID: {markup(chain.current)} (via {markup(' → '.join(chain.chain))})")
    if chain.successors:
        out.print(f"split into: {markup(', '.join(chain.successors))}")
    for n in chain.notes:
        out.print(f"  {markup(n, 400)}")
    s = status
    extra = f", last audit {markup(s.last_audit)}, cycle {markup(s.audit_cycle)}" if s.last_audit else ""
    flags = " [red]LAPSED[/red]" if s.lapsed else ""
    out.print(f"status as of {markup(s.as_of)}: [bold]{markup(s.status)}[/bold]{extra}{flags}"
              f"  (basis {markup(s.basis)}, observed {markup(s.observed_on or '—')}; "
              f"{markup(s.source or 'no source', 300)})")
    for w in ref_watch:
        out.print(f"[red]watchlist[/red] {markup(w['list_name'])}: {markup(w['evidence'], 300)} — "
                  f"{markup(w['source'], 300)}")


def _rows_from_csv(path: Path) -> list[SmelterRow]:
    from minetrace.ingest.records import SmelterRow
    with path.open(encoding="utf-8-sig", newline="") as fh:
        rows = []
        for i, rec in enumerate(csv.DictReader(fh), start=1):
            low = {k.strip().casefold(): (v or "").strip() for k, v in rec.items() if k}
            rows.append(SmelterRow(row=i, metal=_metal(low.get("metal")), lookup=low.get("lookup") or None,
                                   name=low.get("name") or None, country=low.get("country") or None,
                                   cid=low.get("cid") or low.get("smelter id") or None,
                                   city=low.get("city") or None, state=low.get("state") or None))
        return rows


def _metal(text: str | None) -> str | None:
    from minetrace.ingest.metals import canonical_metal

    return canonical_metal(text) if text else None


@app.command("resolve")
def resolve_cmd(
    name: str | None = typer.Option(None, "--name", help="Smelter name as the supplier wrote it."),
    metal: str | None = typer.Option(None, "--metal", help="Tin, Tantalum, Tungsten, Gold …"),
    country: str | None = typer.Option(None, "--country"),
    cid: str | None = typer.Option(None, "--cid", help="Smelter ID as written: a CID (may be malformed) or an "
                                   "old-style ID such as 3USA005."),
    city: str | None = typer.Option(None, "--city", help="City or state of the smelter, as written."),
    file: Path | None = typer.Option(None, "--file", help="CSV with columns metal,name,country[,cid][,lookup]"
                                     "[,city][,state]."),
    store: str | None = STORE,
    as_json: bool = json_option("Print JSON."),
) -> None:
    """Resolve one smelter name (or a CSV of them) to a CID, with method, score and candidates."""
    from minetrace.ingest.records import SmelterRow
    from minetrace.ingest.resolve import Resolver

    ref = _open(store)
    resolver = Resolver(ref)
    if file is not None:
        rows = _rows_from_csv(file)
    else:
        if not (name or cid):
            typer.echo("give --name and/or --cid (or --file)", err=True)
            raise typer.Exit(EXIT_BAD_INPUT)
        rows = [SmelterRow(row=1, metal=_metal(metal), name=name, country=country, cid=cid, city=city)]
    results = resolver.resolve_many(rows)
    ref.close()
    if as_json:
        _dump([{"input": {"metal": r.metal, "name": r.name, "country": r.country, "cid": r.cid}, **res.to_json()}
               for r, res in zip(rows, results, strict=True)])
        return
    for r, res in zip(rows, results, strict=True):
        typer.echo(message(f"{r.metal or '?'} | {r.name or r.cid or ''} | {r.country or ''} → {res.status} "
                           f"{res.cid or ''} {res.standard_name or ''} [{res.method} {res.score}]"))
        if res.reasons:
            typer.echo(message(f"    why: {'; '.join(res.reasons)}"))
        if res.status != "resolved":
            for c in res.candidates[:3]:
                typer.echo(message(f"    candidate {c.cid} {c.name} ({c.country or '?'}, {c.score}): "
                                   f"{'; '.join(c.reasons)}"))
        for f in res.findings:
            typer.echo(message(f"    {f.severity}: {f.code}: {f.message}"))


#: places (file and row) a review name lists before it counts the rest
REVIEW_ROWS_LISTED = 5


@app.command("review")
def review_cmd(
    store: str | None = STORE,
    as_json: bool = json_option("Print JSON."),
) -> None:
    """List the open review candidates recorded during ingest (decide them with `reference decide`)."""
    ref = _open(store)
    items = ref.open_reviews()
    ref.close()
    if as_json:
        _dump(items)
        return
    if not items:
        typer.echo("0 open review candidates")
        return
    from minetrace.ingest.reference.review_names import by_name, places
    from minetrace.queries import glossary

    files = _file_names(store, {it["declaration_sha256"] for it in items})
    out = console()
    names = by_name(items)
    for name in names:  # one block per name a decision settles (readable in 80 columns and in a log), with the command
        it = name.first
        rows = places(name, files)
        where = rows[0] if len(rows) == 1 else (
            f"{len(rows)} rows: " + "; ".join(rows[:REVIEW_ROWS_LISTED])
            + (f"; and {len(rows) - REVIEW_ROWS_LISTED} more" if len(rows) > REVIEW_ROWS_LISTED else ""))
        out.print(f"[bold]{markup(it['metal'] or '?')} {markup(repr(it['raw_name'] or ''))}[/bold] "
                  f"({markup(it['country'] or 'no country')}) — {markup(where, 2000)} — "
                  f"{markup(glossary.value('resolution', it['status']))}")
        for i, c in enumerate(it["candidates"][:3], start=1):
            why = f": {'; '.join(c.get('reasons') or [])}" if c.get("reasons") else ""
            out.print(f"  {i}. {markup(c['cid'])} {markup(c['name'])} (score {c['score']}){markup(why, 600)}")
        if not it["candidates"]:
            out.print("  no candidate")
        else:
            parts = ["minetrace reference decide", "--name", it["raw_name"] or "", "--metal", it["metal"] or ""]
            parts += ["--country", it["country"]] if it.get("country") else []
            parts += ["--accept", it["candidates"][0]["cid"]]
            out.print(f"  decide: {markup(' '.join(shlex.quote(p) if i else p for i, p in enumerate(parts)), 600)}")
    typer.echo(f"{len(items)} open review candidate(s) under {len(names)} name(s); a decision settles every row of "
               "its name and applies to the stored rows at once (--reject CID to say a name is not that smelter)")


def _file_names(store: str | None, shas: set[str]) -> dict[str, str]:
    """sha256 → the file name the graph store recorded (empty when the store cannot be opened)."""
    from minetrace.graph.workspace import Workspace

    try:
        graph = Workspace.open(store).open_store()
    except Exception:  # names are a courtesy: the hash prefix stays
        return {}
    try:
        return {sha: str(d.file_name) for sha in shas if (d := graph.declaration(sha)) is not None and d.file_name}
    finally:
        graph.close()


@app.command("decide")
def decide_cmd(
    name: str = typer.Option(..., "--name", help="The raw name as the supplier wrote it."),
    metal: str = typer.Option(..., "--metal"),
    country: str | None = typer.Option(None, "--country", help="Limit the decision to this country."),
    accept: str | None = typer.Option(None, "--accept", help="CID the name stands for."),
    reject: str | None = typer.Option(None, "--reject", help="CID the name does NOT stand for."),
    note: str | None = typer.Option(None, "--note"),
    store: str | None = STORE,
) -> None:
    """Record an accept/reject decision (<store>/decisions.yaml; on Neo4j, in the server) and apply it at once: the
    stored rows it settles are re-pointed (the count is printed), and later ingests honour it."""
    from minetrace.ingest.reference.decisions import DecisionError, decision_metal, record_decision

    try:
        decision_metal(metal, accept, reject)  # before the reference store is opened
    except DecisionError as exc:
        typer.echo(message(str(exc)), err=True)
        raise typer.Exit(EXIT_BAD_INPUT) from None
    ref = _open(store)
    try:
        rec = record_decision(ref, metal, name, country, accept=accept, reject=reject, note=note)
    except DecisionError as exc:
        typer.echo(message(str(exc)), err=True)
        ref.close()
        raise typer.Exit(EXIT_BAD_INPUT) from None
    d, fac = rec.decision, rec.facility
    verb = f"accepted {d.accept}" if accept else f"rejected {rec.target}"
    what = f"{fac.standard_name} " if fac is not None and fac.standard_name else ""
    typer.echo(message(f"recorded: {rec.metal} {name!r} {d.country or '(any country)'} → {verb} {what}"
                       f"({rec.closed_reviews} review item(s) closed)"))
    try:  # the decision applies at once to the rows already stored, and to every later ingest
        report = _apply(store, ref)
    finally:
        ref.close()
    if report is None:
        where = f" --store {store}" if store else ""
        typer.echo(f"the graph store could not be opened: run `minetrace reference apply-decisions{where}` to "
                   "re-point the rows already stored; later ingests honour the decision")
        return
    files = sorted({r.file_name or r.declaration_id[:12] for r in report.rows})
    typer.echo(message(f"{report.relinked} stored row(s) changed in {report.declarations} form(s)"
                       + (f": {', '.join(files)}" if files else "") + "; later ingests honour it too"))


def _apply(store: str | None, ref: ReferenceStore) -> Any:
    """Re-point the stored rows the decisions settle (graph.relink); None when the graph store cannot be opened."""
    from minetrace.graph.relink import apply_decisions
    from minetrace.graph.workspace import Workspace
    from minetrace.ingest.resolve import Resolver

    try:
        graph = Workspace.open(store).open_store()
    except Exception:  # e.g. a Neo4j server that is down: the decision is recorded all the same
        return None
    try:
        return apply_decisions(graph, Resolver(ref))
    finally:
        graph.close()


@app.command("apply-decisions")
def apply_decisions_cmd(
    store: str | None = STORE,
    dry_run: bool = typer.Option(False, "--dry-run", help="List what would change; change nothing."),
    as_json: bool = json_option("Print JSON."),
) -> None:
    """Re-resolve stored rows whose raw name + metal + country has a decision; re-point their smelter links.

    One transaction per declaration. Rows a CID resolved are left alone; raw evidence is kept."""
    from minetrace.graph.relink import apply_decisions
    from minetrace.graph.workspace import Workspace
    from minetrace.ingest.resolve import Resolver

    ref = _open(store)
    try:
        graph = Workspace.open(store).open_store()
    except Exception as exc:
        ref.close()
        typer.echo(message(f"cannot open the graph store: {exc}"), err=True)
        raise typer.Exit(1) from None
    try:
        report = apply_decisions(graph, Resolver(ref), dry_run=dry_run)
    finally:
        graph.close()
        ref.close()
    if as_json:
        _dump(report.to_json())
        return
    for r in report.rows:
        typer.echo(message(f"{r.file_name or r.declaration_id[:12]} row {r.row}: {r.metal} {r.raw_name!r} "
                           f"{r.raw_country or ''}: {r.old_key} → {r.new_key} [{r.method}]"))
    typer.echo(message(report.summary()))


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="reference")
