"""`minetrace survey import-suppliers|scope|status|log|request|remind|receipts|outbox|funnel|templates`.

Import the master list, scope it (service / indirect / inactive dropped, with reasons), log contacts,
follow-ups and responses, and print the program's figures ("264 of 323 = 81.7 %, 30 invalid"). The
campaign verbs write the messages (queries/campaign): a request per in-scope supplier, reminders to those
still owing a valid form, a receipt for every form; `outbox` lists and sends them, `funnel` shows the
response funnel from the real contact dates. Shared options and printing: app/cli_campaign.py.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

import typer
from rich.console import Console
from rich.table import Table

from minetrace.app import cli_campaign as camp
from minetrace.app.cli_options import (
    JSON,
    POLICY,
    STORE,
    YEAR,
    emit,
    head,
    open_ctx,
    open_graph,
    parse_date,
    say_header,
    year_option,
)
from minetrace.app.cli_safe_text import safe_text
from minetrace.app.safe_output import cell, markup, message
from minetrace.app.safe_output import console as safe_console

if TYPE_CHECKING:  # imported where used: `minetrace --help` loads none of them (tests/test_cli_startup.py)
    from minetrace.graph.store import GraphStore

app = typer.Typer(help="The due-diligence survey: master list, scoping, contacts, response figures.",
                  no_args_is_help=True)
console = safe_console()


@app.command("import-suppliers")
def import_cmd(file: str = typer.Argument(..., help="Supplier master list (CSV, xlsx, xls, ods)."),
               sheet: str = typer.Option(None, "--sheet", help="Sheet name (default: the first with data)."),
               store: str = STORE, as_json: bool = JSON) -> None:
    """Load the supplier master list into the store; bad rows are reported by file and row, never fatal."""
    from minetrace.graph.store import SupplierRecord
    from minetrace.ingest.suppliers import read_supplier_list

    res = read_supplier_list(file, sheet=sheet)
    if res.suppliers:
        gs = open_graph(store)
        try:
            gs.upsert_suppliers([SupplierRecord(
                id=s.id, name=s.name, aliases=s.aliases, category=s.category,
                last_purchase=s.last_purchase.isoformat() if s.last_purchase else None,
                contact_email=s.contact_email, email_domain=s.email_domain, spend=s.spend,
                contact_name=s.contact_name, language=s.language) for s in res.suppliers])
        finally:
            gs.close()
    relinked = None
    if res.suppliers:
        from minetrace.graph.supplier_link import relink_store

        gs = open_graph(store)
        try:  # the forms stored before this master list: filed under their master-list suppliers now
            relinked = relink_store(gs)
        finally:
            gs.close()
    if as_json:
        emit({"file": res.file, "imported": len(res.suppliers), "columns": res.columns,
              "findings": [f.to_json() for f in res.findings],
              "relinked": relinked.to_json() if relinked is not None else None})
    else:
        for f in res.findings:
            typer.echo(message(f"{f.severity}: {f.location}: {f.message}"), err=True)
        console.print(f"{len(res.suppliers)} suppliers imported from {markup(res.file, None)}"
                      f" ({len(res.findings)} findings)")
        if relinked is not None:
            print_relinked(relinked, console)
    if not res.suppliers:
        raise typer.Exit(2)


@app.command("scope")
def scope_cmd(store: str = STORE, year: int = YEAR, policy: str = POLICY,
              reference_date: str = typer.Option(None, "--reference-date", help="Inactivity is measured back "
                                                 "from this date (default 31 Dec of the year)."),
              as_json: bool = JSON) -> None:
    """Scope the master list: drop service, indirect and inactive suppliers (reason per supplier)."""
    from minetrace.queries.scoping import scope_store, summarise
    from minetrace.queries.survey import program_reference_date

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
    from minetrace.graph.current import pending_by_supplier
    from minetrace.queries.survey import program_reference_date, store_survey

    with open_ctx(store, year, policy, None) as ctx:
        say_header(ctx, as_json, store)
        from minetrace.queries import glossary
        from minetrace.queries.linking import unlinked_responders

        rows, fig = store_survey(ctx.store, ctx.year, program_reference_date(ctx.model), ctx.policy,
                                 parse_date(since, "--since"))
        shown = [r for r in rows if not supplier or r.supplier_id in supplier]
        pending = pending_by_supplier(ctx.store, ctx.year)
        unlinked = unlinked_responders(ctx.store, ctx.year)
        if as_json:
            emit({**head(ctx), "figures": fig.to_json(),
                  "suppliers": [{**r.to_json(), "newer_form_pending": pending.get(r.supplier_id, [])}
                                for r in shown],
                  "unlinked_responders": [u.to_json() for u in unlinked]})
            return
        t = Table(title=f"Survey {ctx.year or ''}")
        for c in ("supplier", "status", "contacted", "follow-ups", "responded", "why"):
            t.add_column(c)
        proposals = {u.supplier_id: u for u in unlinked if u.kind == "name_proposal"}
        for r in shown:
            # the reasons without their finding codes ("code: message (cell)"; codes stay in the JSON)
            reasons = [glossary.without_code(x) for x in r.invalid_reasons]
            why = "; ".join(reasons) if reasons else ("" if r.in_scope else r.scope_reason)
            if pending.get(r.supplier_id):
                why = f"newer form pending ({pending[r.supplier_id][0]['reason']})" + (f"; {why}" if why else "")
            if r.supplier_id in proposals:
                why = (f"linked by a name proposal ({proposals[r.supplier_id].company_name}): confirm below"
                       + (f"; {why}" if why else ""))
            t.add_row(cell(f"{r.supplier_id} {r.name or ''}"), cell(glossary.value("survey_status", r.status)),
                      cell(r.contacted_on or ""), str(r.follow_ups), cell(r.responded_on or ""), cell(why, 80))
        if shown:
            console.print(t)
        console.print(markup(fig.text, 600))
        print_unlinked(unlinked, console)
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
    from minetrace.graph.store import SurveyEvent
    from minetrace.queries.survey import EVENT_KINDS

    kind = event.strip().lower().replace("-", "_")
    if kind not in EVENT_KINDS:
        raise typer.BadParameter(f"{event!r}: use one of {', '.join(EVENT_KINDS)}", param_hint="--event")
    day = parse_date(when, "--date") or date.today()
    gs = open_graph(store)
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


@app.command("link")
def link_cmd(form: str = typer.Argument(..., help="The responder: the company name its form declares, the "
                                        "form's file name, or its SHA-256 (8 characters or more)."),
             to: str = typer.Option(..., "--to", help="The master-list supplier ID the responder is."),
             note: str = typer.Option("", "--note", help="Why (kept with the decision)."),
             store: str = STORE, as_json: bool = JSON) -> None:
    """Link a responder to a master-list supplier: an analyst's decision, applied at once to every stored form
    under the same declared name and remembered for later forms (`survey status` lists who needs one)."""
    from minetrace.graph.supplier_link import linker_for_store, relink_store, remember_link
    from minetrace.ingest.suppliers import normalise_company

    gs = open_graph(store)
    try:
        target = gs.supplier(to)
        if target is None or target.origin != "master_list":
            typer.echo(message(f"error: {to!r} is not a supplier of the master list (import it first: "
                               "`minetrace survey import-suppliers FILE`)"), err=True)
            raise typer.Exit(2)
        forms = find_forms(gs, form)
        if not forms:
            typer.echo(message(f"error: no stored form matches {form!r} (give the company name the form "
                               "declares, its file name or its SHA-256; `minetrace survey status` lists "
                               "responders not on the master list)"), err=True)
            raise typer.Exit(2)
        names = sorted({f.company_name for f in forms if f.company_name})
        for name in names:
            remember_link(gs, name, to, note)
        keys = {normalise_company(n) for n in names}
        same_name = [d.id for d in gs.declarations(current_only=False)
                     if d.company_name and normalise_company(d.company_name) in keys]
        report = relink_store(gs, linker_for_store(gs), declaration_ids=same_name)
        from minetrace.graph.store import SupplierRecord

        nameless = [f for f in forms if not f.company_name and f.supplier_id != to]
        for f in nameless:  # no name to remember: this form only
            gs.relink_declaration(f.id, SupplierRecord(target.id, target.name), None)
    finally:
        gs.close()
    moved = len(report.moved) + len(nameless)
    if as_json:
        emit({"supplier_id": to, "supplier_name": target.name, "remembered": names,
              "forms": [f.id for f in forms], "moved": moved, "relinked": report.to_json()})
        return
    files = ", ".join(sorted({str(f.file_name) for f in forms}))
    done = [f"{moved} stored form(s) filed there"] if moved or not report.holds_changed else []
    if report.holds_changed:
        done.append(f"{report.holds_changed} form(s) already there confirmed (no longer a name proposal)")
    console.print(f"linked {markup(' / '.join(repr(n) for n in names) or 'the form', 600)} ({markup(files, 400)}) "
                  f"to {markup(to)} {markup(target.name)}: {', '.join(done)}"
                  + ("; remembered for later forms under this name" if names else
                     "; the form has no company name, so only this form is linked"))


@app.command("relink")
def relink_cmd(dry_run: bool = typer.Option(False, "--dry-run", help="Show what would move; change nothing."),
               store: str = STORE, as_json: bool = JSON) -> None:
    """File every stored form under its master-list supplier again (after the master list changed, or forms
    came first): exact matches and analysts' links move, name proposals move held; nothing is unlinked."""
    from minetrace.graph.supplier_link import relink_store

    gs = open_graph(store)
    try:
        report = relink_store(gs, dry_run=dry_run)
    finally:
        gs.close()
    if as_json:
        emit(report.to_json())
        return
    print_relinked(report, console)


def find_forms(store: GraphStore, what: str) -> list[Any]:
    """The stored forms a user names: a SHA-256 (or a prefix of 8+ characters), a file name, or the company name
    the form declares (compared normalised)."""
    from minetrace.ingest.suppliers import normalise_company

    text = what.strip()
    decls = store.declarations(current_only=False)
    low = text.lower()
    if len(low) >= 8 and all(c in "0123456789abcdef" for c in low):
        hits = [d for d in decls if d.id.startswith(low)]
        if hits:
            return hits
    hits = [d for d in decls if d.file_name and (d.file_name.lower() == low or
                                                 d.file_name.rsplit("!", 1)[-1].lower() == low)]
    if hits:
        return hits
    key = normalise_company(text)
    if text.startswith("decl:"):
        return [d for d in decls if d.supplier_id == text]
    return [d for d in decls if key and d.company_name and normalise_company(d.company_name) == key]


def print_relinked(report: Any, console: Console) -> None:
    """What a relink did, one line per form moved, then the count line."""
    verb = "would file" if report.dry_run else "filed"
    shown = 20
    for m in report.moved[:shown]:
        how = "a name proposal, held until confirmed" if m.hold else glossary_link(m.method)
        company = m.company_name or "no company name"
        console.print(f"  {markup(m.file_name or m.declaration_id[:12])} ({markup(company)}): {verb} under "
                      f"{markup(m.to_id)} {markup(m.to_name)} — {markup(how)}")
    if len(report.moved) > shown:
        console.print(f"  … and {len(report.moved) - shown} more (--json lists every one)")
    console.print(markup(report.summary(), 600))


def glossary_link(method: str) -> str:
    from minetrace.queries import glossary

    return glossary.value("link", method)


def print_unlinked(unlinked: list[Any], console: Console) -> None:
    """Responders the master list does not account for, with their best candidates and the command that links
    each (queries.linking)."""
    from minetrace.queries import glossary

    missing = [u for u in unlinked if u.kind == "not_on_master_list"]
    proposals = [u for u in unlinked if u.kind == "name_proposal"]
    for title, group in ((f"{len(missing)} responder(s) not on the master list — their forms count for no "
                          "master-list supplier until linked:", missing),
                         (f"{len(proposals)} responder(s) linked only by a name proposal — confirm the link:",
                          proposals)):
        if not group:
            continue
        console.print(markup(title, None))
        for u in group:
            status = glossary.value("form_status", u.status)
            console.print(f"  {markup(u.company_name or '(no company name)')} — {markup(u.file_name or '')} "
                          f"({markup(status)}, {u.reporting_year or 'no year'})")
            if u.candidates:
                console.print("    candidates: " + markup("; ".join(
                    f"{c.supplier_id} {c.name} (score {c.score:.0f}: {c.why})" for c in u.candidates), 800))
            else:
                console.print("    no master-list supplier comes close: add it to the master list, or link it by ID")
            console.print(f"    link: {markup(u.link_command, 600)}")


# ---------------------------------------------------------------------------------------------- campaign verbs
year_required = year_option("Reporting year the campaign asks for.", required=True)


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
    from minetrace.queries.campaign.run import run_requests

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
    from minetrace.queries.campaign.run import run_reminders

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
    from minetrace.queries import glossary
    from minetrace.queries.campaign.ledger import load_messages
    from minetrace.queries.campaign.run import default_outbox, run_send

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
                      safe_text(glossary.supplier(m.supplier_id, m.supplier_name)), safe_text(", ".join(m.to)),
                      m.state, safe_text(m.last_error or m.path))
        if msgs:
            console.print(t)
        states = {s: sum(1 for m in msgs if m.state == s) for s in ("written", "sent", "failed", "held")}
        console.print(f"{len(msgs)} message(s): " + ", ".join(f"{n} {s}" for s, n in states.items()) +
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
    from minetrace.queries.campaign.funnel import campaign_funnel
    from minetrace.queries.survey import program_reference_date

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
    from minetrace.queries.campaign.render import copy_defaults

    written = copy_defaults(out)
    for p in written:
        typer.echo(str(p))
    typer.echo(f"{len(written)} template file(s) written to {out} (existing files left alone)")


def receipt_batch(store: str | None, year: int | None, policy: str | None, cs: camp.CampaignSetup,
                  declaration_ids: list[str] | None, template: str | None = None) -> Any:
    """`survey receipts` and `ingest --receipts`: receipts and mitigation cases (a `BatchResult`)."""
    from minetrace.queries.campaign.run import run_receipts

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


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="survey")
