"""`minetrace query paths|exposure|countries|origin|diff|whatif`: traversal questions over the store.

Thin layer: options in, `queries.*` functions, a table or stable JSON out (keys in docs/queries.md).
"""

from __future__ import annotations

import typer
from rich.table import Table

from minetrace.app.cli_options import ALL_YEARS, AS_OF, JSON, POLICY, STORE, YEAR, emit, head, open_ctx, say_header
from minetrace.app.safe_output import cell, markup
from minetrace.app.safe_output import console as safe_console

app = typer.Typer(help="Traversal queries: flagged paths, exposure, countries, diff, what-if.",
                  no_args_is_help=True)
console = safe_console()


@app.command("paths")
def paths_cmd(flag: list[str] = typer.Option(None, "--flag", help="Only paths with this flag (high, watchlist, "
                                              "non_conformant, covered_location, cahra_location, covered_sourcing, "
                                              "cahra_sourcing); repeatable."),
              supplier: list[str] = typer.Option(None, "--supplier", help="Only these supplier IDs."),
              store: str = STORE, year: int = YEAR, all_years: bool = ALL_YEARS, policy: str = POLICY,
              as_of: str = AS_OF, as_json: bool = JSON) -> None:
    """Every Company → Supplier → Declaration → Smelter → Country path ending at a flagged smelter."""
    from minetrace.queries.paths import flagged_paths

    with open_ctx(store, year, policy, as_of, default_year=not all_years) as ctx:
        say_header(ctx, as_json, store)
        res = flagged_paths(ctx.store, ctx.model, ctx.year, supplier_ids=supplier or None, flags=flag or None)
        suppliers = sorted({p.supplier_id for p in res})
        if as_json:
            emit({**head(ctx), "suppliers": suppliers, "paths": [p.to_json() for p in res]})
            return
        t = Table(title=f"Flagged paths {ctx.year or ''} (as of {ctx.model.as_of})")
        for c in ("path", "metal", "risk", "flags", "cell"):
            t.add_column(c)
        for p in res:
            rep = next((h.evidence for h in p.hops if h.kind == "REPORTS"), {})
            where = rep.get("cell") or f"{rep.get('sheet') or ''}!{rep.get('row')}"
            t.add_row(cell(p.path_text, 400), cell(p.smelter["metal"] or ""), cell(p.risk or "-"),
                      cell(", ".join(p.flags)), cell(where))
        if res:
            console.print(t)
        console.print(f"{len(res)} flagged paths, {len(suppliers)} suppliers")


@app.command("exposure")
def exposure_cmd(cids: list[str] = typer.Argument(..., help="One or more CIDs (retired ones are followed)."),
                 store: str = STORE, year: int = YEAR, all_years: bool = typer.Option(
                     False, "--all-years", help="Every reporting year, not only --year / the newest."),
                 as_json: bool = JSON) -> None:
    """Which suppliers reach these smelters, through which declarations, metals, years and paths."""
    from minetrace.queries.exposure import cid_exposure

    with open_ctx(store, year, None, None) as ctx:
        res = cid_exposure(ctx.store, cids, ctx.facts, year=None if all_years else ctx.year)
        if as_json:
            emit({**head(ctx), "year": None if all_years else ctx.year, "exposure": [r.to_json() for r in res]})
            return
        for r in res:
            console.print(f"[bold]{markup(r.cid)}[/bold]" + (f" → {markup(', '.join(r.resolved_to))}"
                                                               if r.resolved_to != [r.cid] else "")
                          + f": {len(r.suppliers)} suppliers, {r.declarations} declarations, {r.rows} rows")
            for n in r.notes:
                console.print(f"  note: {markup(n, 400)}")
            for s in r.suppliers:
                files = ", ".join(f"{d['file_name']}!{','.join(str(x['row']) for x in d['rows'])}"
                                  for d in s["declarations"])
                console.print(f"  {markup(s['supplier_id'])} {markup(s['supplier_name'] or '')} "
                              f"\\[{markup(', '.join(s['metals']))}] {markup(s['years'])} via "
                              f"{markup(' | '.join(' → '.join(p) for p in s['paths']), 400)}  "
                              f"({markup(files, 400)})")


@app.command("countries")
def countries_cmd(countries: list[str] = typer.Argument(None, help="ISO codes (default: the Covered Countries)."),
                  origin: bool = typer.Option(False, "--origin", help="Show the aggregated countries of origin "
                                              "for the year instead."),
                  store: str = STORE, year: int = YEAR, policy: str = POLICY, as_json: bool = JSON) -> None:
    """Suppliers and smelters tied to countries, by smelter location and by declared mine country."""
    from minetrace.queries.exposure import country_exposure

    if origin:
        return origin_cmd(store=store, year=year, policy=policy, include_invalid=False, as_json=as_json)
    with open_ctx(store, year, policy, None) as ctx:
        say_header(ctx, as_json, store)
        res = country_exposure(ctx.store, [c.upper() for c in countries] if countries else None, ctx.year,
                               ctx.policy)
        if as_json:
            emit({**head(ctx), **res.to_json()})
            return
        console.print(f"[bold]By smelter location[/bold] ({markup(', '.join(res.countries))}): "
                      f"{len(res.by_location)} smelter(s)")
        for x in res.by_location:
            console.print(f"  {markup(x['country_iso2'])} {markup(x['metal'])} "
                          f"{markup(x['cid'] or x['smelter_key'])} {markup(x['name'])}: "
                          f"{markup(', '.join(x['suppliers']), 400)}")
        console.print(f"[bold]By declared mine country[/bold]: {len(res.by_declared_mine_country)} smelter(s)")
        for x in res.by_declared_mine_country:
            console.print(f"  {markup(x['country_iso2'])} via {markup(x['metal'])} "
                          f"{markup(x['cid'] or x['smelter_key'])} {markup(x['name'])} "
                          f"(located {markup(x['smelter_location'])}): {markup(', '.join(x['suppliers']), 400)}")


@app.command("origin")
def origin_cmd(store: str = STORE, year: int = YEAR, all_years: bool = ALL_YEARS, policy: str = POLICY,
               include_invalid: bool = typer.Option(False, "--include-invalid",
                                                    help="Also use declarations that failed validation."),
               as_json: bool = JSON) -> None:
    """The aggregated countries of origin for a reporting year, with their sources."""
    from minetrace.queries.origin import countries_of_origin

    with open_ctx(store, year, policy, None, default_year=not all_years) as ctx:
        say_header(ctx, as_json, store)
        res = countries_of_origin(ctx.store, ctx.model, ctx.year, valid_only=not include_invalid)
        if as_json:
            from dataclasses import asdict

            emit({**head(ctx), "countries": [asdict(o) for o in res]})
            return
        for o in res:
            console.print(f"{markup(o.name)} ({markup(o.iso2)}){' (covered)' if o.covered else ''}: "
                          f"{markup(', '.join(o.sources), 400)}")
        console.print(f"{len(res)} countries: " + markup(", ".join(o.name for o in res), 2000))


@app.command("diff")
def diff_cmd(year_from: int = typer.Argument(..., help="Earlier reporting year."),
             year_to: int = typer.Argument(..., help="Later reporting year."),
             supplier: list[str] = typer.Option(None, "--supplier"), store: str = STORE, policy: str = POLICY,
             as_json: bool = JSON) -> None:
    """Smelters added and dropped per supplier and overall, and status/risk changes, between two years."""
    from minetrace.queries.diff import year_diff

    with open_ctx(store, year_to, policy, None) as ctx:
        say_header(ctx, as_json, store)
        d = year_diff(ctx.store, year_from, year_to, ctx.facts, ctx.policy, supplier or None)
        if as_json:
            emit({**head(ctx), **d.to_json()})
            return
        console.print(f"{year_from} → {year_to}: +{len(d.added)} smelters, -{len(d.dropped)} smelters, "
                      f"{len(d.status_changes)} status changes")
        for s in d.suppliers:
            added, dropped = ", ".join(s["added"]) or "-", ", ".join(s["dropped"]) or "-"
            console.print(f"  {markup(s['supplier_id'])}: +{markup(added, 400)}  -{markup(dropped, 400)}")
        for c in d.status_changes:
            console.print(f"  {markup(c['cid'])} {markup(c['name'])}: {markup(c['from_status'])}/"
                          f"{markup(c['from_risk'])} → {markup(c['to_status'])}/{markup(c['to_risk'])}")


@app.command("whatif")
def whatif_cmd(non_conformant: list[str] = typer.Option(None, "--non-conformant",
                                                        help="CID becomes non-conformant."),
               not_conformant: list[str] = typer.Option(None, "--not-conformant", help="CID loses conformance."),
               conformant: list[str] = typer.Option(None, "--conformant", help="CID becomes conformant."),
               off_watchlist: list[str] = typer.Option(None, "--off-watchlist", help="CID leaves the watchlist."),
               on_watchlist: list[str] = typer.Option(None, "--on-watchlist", help="CID joins the watchlist."),
               store: str = STORE, year: int = YEAR, policy: str = POLICY, as_json: bool = JSON) -> None:
    """Which suppliers and declarations change flag if smelters change status or watchlist membership."""
    from minetrace.queries.whatif import what_if

    changes: dict[str, str] = {}
    for values, kind in ((non_conformant, "non_conformant"), (not_conformant, "not_conformant"),
                         (conformant, "conformant"), (off_watchlist, "off_watchlist"),
                         (on_watchlist, "on_watchlist")):
        for cid in values or []:
            changes[cid.upper()] = kind
    if not changes:
        raise typer.BadParameter("give at least one change, e.g. --non-conformant CID001070")
    with open_ctx(store, year, policy, None) as ctx:
        say_header(ctx, as_json, store)
        w = what_if(ctx.store, ctx.facts, changes, ctx.year, ctx.policy, as_of=ctx.model.as_of)
        if as_json:
            emit({**head(ctx), **w.to_json()})
            return
        for s in w.smelters:
            console.print(f"{markup(s['cid'])} {markup(s['name'] or '')}: {markup(s['before'])} → "
                          f"{markup(s['after'])}")
        for s in w.suppliers:
            console.print(f"  {markup(s['supplier_id'])} {markup(s['name'] or '')}: {markup(s['before'])} → "
                          f"{markup(s['after'])} (high paths {s['high_paths_before']} → {s['high_paths_after']})")
        console.print(f"{len(w.suppliers)} suppliers change, {len(w.declarations)} declarations")


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="query")
