"""`minetrace survey import-suppliers|scope|status|log|request|remind|receipts|outbox|funnel|templates`.

Import the master list, scope it (service / indirect / inactive dropped, with reasons), log contacts,
follow-ups and responses, and print the program's figures ("264 of 323 = 81.7 %, 30 invalid"). The
campaign verbs write the messages (queries/campaign): a request per in-scope supplier, reminders to those
still owing a valid form, a receipt for every form; `outbox` lists and sends them, `funnel` shows the
response funnel from the real contact dates. Shared options and printing: app/cli_campaign.py.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from app import cli_campaign as camp
from app.cli_query import JSON, POLICY, STORE, YEAR, emit, head, open_ctx, parse_date, say_header
from app.cli_safe_text import safe_text
from app.safe_output import cell, markup, message
from app.safe_output import console as safe_console
from graph.current import pending_by_supplier
from queries.survey import EVENT_KINDS, program_reference_date, store_survey


def register(root: typer.Typer) -> None:
    app = typer.Typer(help="The due-diligence survey: master list, scoping, contacts, response figures.",
                      no_args_is_help=True)
    root.add_typer(app, name="survey")
    console = safe_console()

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
                typer.echo(message(f"{f.severity}: {f.location}: {f.message}"), err=True)
            console.print(f"{len(res.suppliers)} suppliers imported from {markup(res.file, None)}"
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
            say_header(ctx, as_json, store)
            ref = parse_date(reference_date, "--reference-date") or program_reference_date(ctx.model)
            decisions = scope_store(ctx.store, ref, ctx.policy)
            for d in decisions:
                ctx.store.set_supplier_scope(d.supplier_id, d.in_scope,
                                             ("manual: " if d.code == "manual" else "") + d.reason)
            summary = summarise(decisions, ref, ctx.policy)
            if as_json:
                emit({**head(ctx), "summary": summary.to_json(), "suppliers": [d.to_json() for d in decisions]})
                return
            for d in decisions:
                if not d.in_scope:
                    console.print(f"out  {markup(d.supplier_id)} {markup(d.name or '')}: {markup(d.reason, 400)}")
            console.print(f"{summary.total} on the master list, {summary.in_scope} in scope, {summary.out_of_scope} "
                          f"out ({markup(', '.join(f'{k} {v}' for k, v in summary.by_reason.items()) or 'none', 600)})")

    @app.command("status")
    def status_cmd(store: str = STORE, year: int = YEAR, policy: str = POLICY,
                   since: str = typer.Option(None, "--since", help="Ignore survey events before this date."),
                   supplier: list[str] = typer.Option(None, "--supplier", help="Only these suppliers."),
                   as_json: bool = JSON) -> None:
        """Status per supplier and the figures: in scope, responded, response rate, valid, invalid."""
        with open_ctx(store, year, policy, None) as ctx:
            say_header(ctx, as_json, store)
            rows, fig = store_survey(ctx.store, ctx.year, program_reference_date(ctx.model), ctx.policy,
                                     parse_date(since, "--since"))
            shown = [r for r in rows if not supplier or r.supplier_id in supplier]
            pending = pending_by_supplier(ctx.store, ctx.year)
            if as_json:
                emit({**head(ctx), "figures": fig.to_json(),
                      "suppliers": [{**r.to_json(), "newer_form_pending": pending.get(r.supplier_id, [])}
                                    for r in shown]})
                return
            t = Table(title=f"Survey {ctx.year or ''}")
            for c in ("supplier", "status", "contacted", "follow-ups", "responded", "why"):
                t.add_column(c)
            for r in shown:
                why = "; ".join(r.invalid_reasons) if r.invalid_reasons else ("" if r.in_scope else r.scope_reason)
                if pending.get(r.supplier_id):
                    why = f"newer form pending ({pending[r.supplier_id][0]['reason']})" + (f"; {why}" if why else "")
                t.add_row(cell(f"{r.supplier_id} {r.name or ''}"), cell(r.status), cell(r.contacted_on or ""),
                          str(r.follow_ups), cell(r.responded_on or ""), cell(why, 80))
            console.print(t)
            console.print(markup(fig.text, 600))
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
                typer.echo(message(f"error: no supplier {supplier_id!r} in the store (import the master list "
                                   "first)"), err=True)
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
            typer.echo(message(f"{supplier_id}: {kind} on {day.isoformat()}" + (f" ({note})" if note else "")))

    register_campaign(app, console)


def register_campaign(app: typer.Typer, console: Console) -> None:
    """The campaign verbs of the `survey` family."""
    year_required = typer.Option(..., "--year", help="Reporting year the campaign asks for.")

    @app.command("request")
    def request_cmd(year: int = year_required,
                    template: str = typer.Option(..., "--template", help="The blank CMRT (or EMRT …) to attach."),
                    due: str = typer.Option(None, "--due", help="Answer due date (YYYY-MM-DD; default --date + "
                                            "request_due_days)."),
                    day: str = camp.DAY, outbox: str = camp.OUTBOX, templates: str = camp.TEMPLATES,
                    settings: str = camp.SETTINGS, sender: str = camp.SENDER, company: str = camp.COMPANY,
                    send: bool = camp.SEND, store: str = STORE, policy: str = POLICY, as_json: bool = JSON) -> None:
        """Write a request (.eml, the blank template attached) to every in-scope supplier not asked yet for the
        year; log it as "contacted". Suppliers without a usable contact are listed, not skipped silently."""
        from queries.campaign.run import run_requests

        cs = camp.setup(store, outbox, templates, settings, sender, company, day, send)
        with open_ctx(store, year, policy, None) as ctx:
            res = camp.guarded(lambda: run_requests(ctx, year, cs.settings, cs.renderer, cs.outbox, cs.day,
                                                    due=parse_date(due, "--due"), template_path=template,
                                                    send=cs.smtp))
        camp.finish(res, as_json, console, "requests", {"year": year, "date": cs.day.isoformat()})

    @app.command("remind")
    def remind_cmd(year: int = year_required,
                   template: str = typer.Option(None, "--template", help="Attach the blank template again."),
                   due: str = typer.Option(None, "--due", help="New due date (default --date + reminder interval)."),
                   day: str = camp.DAY, outbox: str = camp.OUTBOX, templates: str = camp.TEMPLATES,
                   settings: str = camp.SETTINGS, sender: str = camp.SENDER, company: str = camp.COMPANY,
                   send: bool = camp.SEND, store: str = STORE, policy: str = POLICY, as_json: bool = JSON) -> None:
        """Remind in-scope suppliers without a valid form whose last message is older than the reminder interval
        (numbered: the escalation count; after max_reminders they are listed to escalate). Logged as follow-ups."""
        from queries.campaign.run import run_reminders

        cs = camp.setup(store, outbox, templates, settings, sender, company, day, send)
        with open_ctx(store, year, policy, None) as ctx:
            res = camp.guarded(lambda: run_reminders(ctx, year, cs.settings, cs.renderer, cs.outbox, cs.day,
                                                     due=parse_date(due, "--due"), template_path=template,
                                                     send=cs.smtp))
        camp.finish(res, as_json, console, "reminders", {"year": year, "date": cs.day.isoformat()})

    @app.command("receipts")
    def receipts_cmd(declaration: list[str] = typer.Option(None, "--declaration", help="Only these declarations "
                                                          "(sha256); repeatable."),
                     template: str = typer.Option(None, "--template", help="Attach this blank template to receipts "
                                                  "of invalid forms."),
                     day: str = camp.DAY, outbox: str = camp.OUTBOX, templates: str = camp.TEMPLATES,
                     settings: str = camp.SETTINGS, sender: str = camp.SENDER, company: str = camp.COMPANY,
                     send: bool = camp.SEND, store: str = STORE, year: int = YEAR, policy: str = POLICY,
                     as_json: bool = JSON) -> None:
        """A receipt for every stored form that has none yet (valid or invalid: findings with cells, smelter rows
        to fix, actions for high-risk smelters, program gaps); opens a mitigation case per high-risk smelter."""
        cs = camp.setup(store, outbox, templates, settings, sender, company, day, send)
        run_receipt_step(store, year, policy, cs, declaration or None, template, as_json, console)

    @app.command("outbox")
    def outbox_cmd(kind: list[str] = typer.Option(None, "--kind", help="request | reminder | receipt; repeatable."),
                   pending_only: bool = typer.Option(False, "--pending", help="Only messages not sent yet."),
                   send: bool = typer.Option(False, "--send", help="Deliver every pending message over SMTP "
                                             "(environment as for `survey request --send`)."),
                   store: str = STORE, year: int = YEAR, as_json: bool = JSON) -> None:
        """The campaign's messages: kind, supplier, state (written / sent / failed with the error); --send delivers
        the pending ones."""
        from queries.campaign.ledger import load_messages
        from queries.campaign.run import default_outbox, run_send

        sent: list = []
        with open_ctx(store, year, None, None, default_year=False) as ctx:
            if send:
                cs = camp.setup(store, None, None, None, None, None, None, True)
                sent = run_send(ctx, cs.smtp, kinds=kind or None, year=ctx.year, outbox=default_outbox(store)).sent
            msgs = [m for m in load_messages(ctx.store, year=ctx.year) if (not kind or m.kind in kind)
                    and (not pending_only or m.state != "sent")]
        if as_json:
            emit({"year": year, "messages": [m.to_json() for m in msgs], "sent": [r.to_json() for r in sent]})
        else:
            t = Table(title=f"Outbox {year or ''}")
            for c in ("created", "kind", "supplier", "to", "state", "file / error"):
                t.add_column(c)
            for m in msgs:
                t.add_row(m.created, m.kind + (f" {m.seq}" if m.kind == "reminder" else ""),
                          safe_text(f"{m.supplier_id} {m.supplier_name or ''}"), safe_text(", ".join(m.to)),
                          m.state, safe_text(m.last_error or m.path))
            console.print(t)
            states = {s: sum(1 for m in msgs if m.state == s) for s in ("written", "sent", "failed", "held")}
            console.print(", ".join(f"{n} {s}" for s, n in states.items()) +
                          (f"; this run: {sum(r.ok for r in sent)} sent, {sum(not r.ok for r in sent)} failed"
                           if send else ""))
        if any(not r.ok for r in sent):
            raise typer.Exit(camp.EXIT_SEND_FAILED)

    @app.command("funnel")
    def funnel_cmd(store: str = STORE, year: int = YEAR, policy: str = POLICY,
                   since: str = typer.Option(None, "--since", help="Ignore survey events before this date."),
                   as_json: bool = JSON) -> None:
        """The response funnel from real contact dates: in scope → requested → contacted → responded → valid,
        days to respond, reminders per responder (the counts are `survey status`'s figures)."""
        from queries.campaign.funnel import campaign_funnel

        with open_ctx(store, year, policy, None) as ctx:
            f = campaign_funnel(ctx.store, ctx.year, program_reference_date(ctx.model), ctx.policy,
                                parse_date(since, "--since"))
        if as_json:
            emit(f.to_json())
            return
        t = Table(title=f"Response funnel {year or ''}")
        t.add_column("stage")
        t.add_column("suppliers", justify="right")
        for label, n in (("master list", f.master_list), ("in scope", f.in_scope), ("requested", f.requested),
                         ("contacted", f.contacted), ("reminded", f.reminded), ("responded", f.responded),
                         ("valid form", f.valid), ("invalid form", f.invalid), ("not responded", f.not_responded)):
            t.add_row(label, str(n))
        console.print(t)
        console.print(f"response rate {f.response_rate:.1f} %; days to respond: median "
                      f"{f.median_days_to_respond if f.median_days_to_respond is not None else '—'}, mean "
                      f"{f.mean_days_to_respond if f.mean_days_to_respond is not None else '—'}; reminders per "
                      f"responder {f.reminders_per_responder if f.reminders_per_responder is not None else '—'} "
                      f"({', '.join(f'{k}: {v}' for k, v in f.responders_by_reminders.items())}); "
                      f"mitigation cases open {f.cases_open}, closed {f.cases_closed}")

    @app.command("templates")
    def templates_cmd(out: str = typer.Option(..., "--out", help="Folder to copy the default templates into.")
                      ) -> None:
        """Copy the default message templates (English, Chinese) into a folder for editing (--templates DIR)."""
        from queries.campaign.render import copy_defaults

        written = copy_defaults(out)
        for p in written:
            typer.echo(str(p))
        typer.echo(f"{len(written)} template file(s) written to {out} (existing files left alone)")


def receipt_batch(store: str | None, year: int | None, policy: str | None, cs: camp.CampaignSetup,
                  declaration_ids: list[str] | None, template: str | None = None) -> Any:
    """`survey receipts` and `ingest --receipts`: receipts and mitigation cases (a `BatchResult`)."""
    from queries.campaign.run import run_receipts

    with open_ctx(store, year, policy, None, default_year=False) as ctx:
        return camp.guarded(lambda: run_receipts(ctx, cs.settings, cs.renderer, cs.outbox, cs.day, year=ctx.year,
                                                 declaration_ids=declaration_ids, template_path=template,
                                                 send=cs.smtp))


def print_receipts(res: Any, console: Console) -> None:
    cases = res.extra.get("cases", {})
    camp.print_result(res, console, "receipts")
    console.print(f"mitigation cases: {len(cases.get('opened', []))} opened, {len(cases.get('reopened', []))} "
                  f"reopened, {len(cases.get('proposed_to_close', []))} proposed to close "
                  "(`minetrace mitigation list`)")


def run_receipt_step(store: str | None, year: int | None, policy: str | None, cs: camp.CampaignSetup,
                     declaration_ids: list[str] | None, template: str | None, as_json: bool,
                     console: Console) -> None:
    res = receipt_batch(store, year, policy, cs, declaration_ids, template)
    if as_json:
        emit({"year": year, "date": cs.day.isoformat(), **res.to_json()})
    else:
        print_receipts(res, console)
    if res.failed:
        raise typer.Exit(camp.EXIT_SEND_FAILED)


def receipts_after_ingest(store: str | None, declaration_ids: list[str]) -> Any:
    """The receipts of the forms one `minetrace ingest --receipts` run stored (settings from the environment)."""
    cs = camp.setup(store, None, None, None, None, None, None, False)
    return receipt_batch(store, None, None, cs, declaration_ids)
