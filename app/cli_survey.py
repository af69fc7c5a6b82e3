"""`minetrace survey import-suppliers|scope|status|log`: run the due-diligence program.

Import the master list, scope it (service / indirect / inactive dropped, with reasons), log contacts,
follow-ups and responses, and print the program's figures ("264 of 323 = 81.7 %, 30 invalid").
"""

from __future__ import annotations

from datetime import date

import typer
from rich.console import Console
from rich.table import Table

from app.cli_query import JSON, POLICY, STORE, YEAR, emit, open_ctx, parse_date
from queries.survey import EVENT_KINDS, store_survey


def register(root: typer.Typer) -> None:
    app = typer.Typer(help="The due-diligence survey: master list, scoping, contacts, response figures.",
                      no_args_is_help=True)
    root.add_typer(app, name="survey")
    console = Console()

    @app.command("import-suppliers")
    def import_cmd(file: str = typer.Argument(..., help="Supplier master list (CSV, xlsx, xls, ods)."),
                   sheet: str = typer.Option(None, "--sheet", help="Sheet name (default: the first with data)."),
                   store: str = STORE, as_json: bool = JSON) -> None:
        """Load the supplier master list into the store; bad rows are reported by file and row, never fatal."""
        from graph.store import SupplierRecord, open_store
        from ingest.suppliers import read_supplier_list

        res = read_supplier_list(file, sheet=sheet)
        if res.suppliers:
            gs = open_store(store)
            try:
                gs.upsert_suppliers([SupplierRecord(
                    id=s.id, name=s.name, aliases=s.aliases, category=s.category,
                    last_purchase=s.last_purchase.isoformat() if s.last_purchase else None,
                    contact_email=s.contact_email, email_domain=s.email_domain, spend=s.spend,
                    contact_name=s.contact_name, language=s.language) for s in res.suppliers])
            finally:
                gs.close()
        if as_json:
            emit({"file": res.file, "imported": len(res.suppliers), "columns": res.columns,
                  "findings": [f.to_json() for f in res.findings]})
        else:
            for f in res.findings:
                typer.echo(f"{f.severity}: {f.location}: {f.message}", err=True)
            console.print(f"{len(res.suppliers)} suppliers imported from {res.file}"
                          f" ({len(res.findings)} findings)")
        if not res.suppliers:
            raise typer.Exit(2)

    @app.command("scope")
    def scope_cmd(store: str = STORE, year: int = YEAR, policy: str = POLICY,
                  reference_date: str = typer.Option(None, "--reference-date", help="Inactivity is measured back "
                                                     "from this date (default 31 Dec of the year)."),
                  as_json: bool = JSON) -> None:
        """Scope the master list: drop service, indirect and inactive suppliers (reason per supplier)."""
        from queries.scoping import scope_store, summarise

        with open_ctx(store, year, policy, None) as ctx:
            ref = parse_date(reference_date, "--reference-date") or ctx.model.as_of
            decisions = scope_store(ctx.store, ref, ctx.policy)
            for d in decisions:
                ctx.store.set_supplier_scope(d.supplier_id, d.in_scope,
                                             ("manual: " if d.code == "manual" else "") + d.reason)
            summary = summarise(decisions, ref, ctx.policy)
            if as_json:
                emit({"summary": summary.to_json(), "suppliers": [d.to_json() for d in decisions]})
                return
            for d in decisions:
                if not d.in_scope:
                    console.print(f"out  {d.supplier_id} {d.name or ''}: {d.reason}")
            console.print(f"{summary.total} on the master list, {summary.in_scope} in scope, {summary.out_of_scope} "
                          f"out ({', '.join(f'{k} {v}' for k, v in summary.by_reason.items()) or 'none'})")

    @app.command("status")
    def status_cmd(store: str = STORE, year: int = YEAR, policy: str = POLICY,
                   since: str = typer.Option(None, "--since", help="Ignore survey events before this date."),
                   supplier: list[str] = typer.Option(None, "--supplier", help="Only these suppliers."),
                   as_json: bool = JSON) -> None:
        """Status per supplier and the figures: in scope, responded, response rate, valid, invalid."""
        with open_ctx(store, year, policy, None) as ctx:
            rows, fig = store_survey(ctx.store, ctx.year, ctx.model.as_of, ctx.policy, parse_date(since, "--since"))
            shown = [r for r in rows if not supplier or r.supplier_id in supplier]
            if as_json:
                emit({"year": ctx.year, "figures": fig.to_json(), "suppliers": [r.to_json() for r in shown]})
                return
            t = Table(title=f"Survey {ctx.year or ''}")
            for c in ("supplier", "status", "contacted", "follow-ups", "responded", "why"):
                t.add_column(c)
            for r in shown:
                why = "; ".join(r.invalid_reasons) if r.invalid_reasons else ("" if r.in_scope else r.scope_reason)
                t.add_row(f"{r.supplier_id} {r.name or ''}", r.status, r.contacted_on or "", str(r.follow_ups),
                          r.responded_on or "", why[:80])
            console.print(t)
            console.print(fig.text)
            if fig.master_list == 0:
                typer.echo("no supplier master list in the store: run `minetrace survey import-suppliers FILE` "
                           f"({len(fig.unlisted_responders)} declaring companies are not on a master list)", err=True)

    @app.command("log")
    def log_cmd(supplier_id: str = typer.Argument(..., help="Supplier ID from the master list."),
                event: str = typer.Option(..., "--event", help="contacted | follow_up | responded | out_of_scope | "
                                          "in_scope | note"),
                when: str = typer.Option(None, "--date", help="Event date (YYYY-MM-DD, default today)."),
                note: str = typer.Option("", "--note", help="Free text (e.g. why out of scope)."),
                store: str = STORE, as_json: bool = JSON) -> None:
        """Record a survey event for a supplier."""
        from graph.store import SurveyEvent, open_store

        kind = event.strip().lower().replace("-", "_")
        if kind not in EVENT_KINDS:
            raise typer.BadParameter(f"{event!r}: use one of {', '.join(EVENT_KINDS)}", param_hint="--event")
        day = parse_date(when, "--date") or date.today()
        gs = open_store(store)
        try:
            if gs.supplier(supplier_id) is None:
                typer.echo(f"error: no supplier {supplier_id!r} in the store (import the master list first)", err=True)
                raise typer.Exit(2)
            ev = SurveyEvent(supplier_id, kind, day.isoformat(), note)  # type: ignore[arg-type]
            gs.log_survey_event(ev)
            if kind == "out_of_scope":
                gs.set_supplier_scope(supplier_id, False, f"manual: {note}" if note else "manual:")
            elif kind == "in_scope":
                gs.set_supplier_scope(supplier_id, None, None)
        finally:
            gs.close()
        if as_json:
            emit({"supplier_id": supplier_id, "kind": kind, "date": day.isoformat(), "note": note})
        else:
            typer.echo(f"{supplier_id}: {kind} on {day.isoformat()}" + (f" ({note})" if note else ""))
