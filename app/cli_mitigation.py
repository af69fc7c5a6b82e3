"""`minetrace mitigation list|update|export|progress`: follow every high-risk supplier–smelter link to closure.

Thin layer over queries/campaign/cases.py: a case opens when a receipt names a high-risk smelter
(`minetrace survey receipts`, `ingest --receipts`); the analyst records the supplier's reply, the files
it sent and the closure (removed / product-specific CMRT shows no use / risk accepted with the reason);
`progress` is the year-over-year figure (links at start, closed, remaining).
"""

from __future__ import annotations

from datetime import date

import typer
from rich.console import Console
from rich.table import Table

from minetrace.app.cli_query import JSON, POLICY, STORE, emit, parse_date
from minetrace.app.cli_safe_text import safe_text
from minetrace.app.safe_output import message


def register(root: typer.Typer) -> None:
    app = typer.Typer(help="Mitigation cases: one per supplier × high-risk smelter, from receipt to closure.",
                      no_args_is_help=True)
    root.add_typer(app, name="mitigation")
    console = Console()

    def open_store_or_exit(store: str | None):  # noqa: ANN202 - a GraphStore
        from minetrace.graph.open import open_store
        from minetrace.graph.store import resolve_store_target

        try:
            return open_store(store)
        except Exception as exc:
            typer.echo(message(f"cannot open store {resolve_store_target(store)}: {exc}"), err=True)
            raise typer.Exit(1) from None

    @app.command("list")
    def list_cmd(state: str = typer.Option(None, "--state", help="open | requested | replied | closed"),
                 supplier: str = typer.Option(None, "--supplier", help="Only this supplier ID."),
                 smelter: str = typer.Option(None, "--smelter", help="Only this smelter (CID or key)."),
                 year: int = typer.Option(None, "--year", help="Only links found in this reporting year's forms."),
                 open_only: bool = typer.Option(False, "--open", help="Only cases not closed."),
                 store: str = STORE, policy: str = POLICY, as_json: bool = JSON) -> None:
        """Cases by smelter and supplier, open ones first, with dates, due date and closure proposals.
        (--policy is accepted like every report command's; a case keeps the risk reasons of the receipt that
        opened it, so the list does not depend on it.)"""
        from minetrace.queries import glossary
        from minetrace.queries.campaign.cases import filter_cases, load_cases

        st = open_store_or_exit(store)
        try:
            cases = filter_cases(load_cases(st), state, supplier, smelter, year, open_only)
        finally:
            st.close()
        if as_json:
            emit({"cases": [c.to_json() for c in cases]})
            return
        t = Table(title="Mitigation cases")
        for header in ("smelter", "supplier", "state", "opened", "due", "closed / proposal"):
            t.add_column(header)
        for c in cases:
            end = (f"{c.closed_on} {c.closed_reason}" if not c.is_open else
                   (f"proposed: {c.proposal['reason']} ({c.proposal['file_name']})" if c.proposal else ""))
            t.add_row(safe_text(f"{c.cid or c.smelter_key} {c.smelter_name or ''}"),
                      safe_text(glossary.supplier(c.supplier_id, c.supplier_name)), c.state, c.opened_on or "",
                      c.due or "", safe_text(end))
        if cases:
            console.print(t)
        console.print(f"{len(cases)} case(s): {sum(c.is_open for c in cases)} open, "
                      f"{sum(not c.is_open for c in cases)} closed, "
                      f"{sum(1 for c in cases if c.is_open and c.proposal)} proposed to close")

    @app.command("update")
    def update_cmd(key: str = typer.Argument(..., help="Case key '<supplier id>|<smelter>' (or a unique suffix / "
                                             "CID)."),
                   state: str = typer.Option(None, "--state", help="requested | replied | closed"),
                   reason: str = typer.Option(None, "--reason", help="Closing reason: removed | product_cmrt_no_use | "
                                              "risk_accepted (needs --note)."),
                   note: str = typer.Option(None, "--note", help="What happened (kept with the date)."),
                   file: list[str] = typer.Option(None, "--file", help="A file the supplier sent (kept "
                                                  "content-addressed in the store); repeatable."),
                   accept_proposal: bool = typer.Option(False, "--accept-proposal", help="Close as the later form "
                                                        "proposed."),
                   when: str = typer.Option(None, "--date", help="Date of the update (default today)."),
                   store: str = STORE, as_json: bool = JSON) -> None:
        """Record a reply, a note, files, or the closure of one case (every change dated in its history)."""
        from minetrace.queries.campaign.cases import CaseError, update_case

        day = (parse_date(when, "--date") or date.today()).isoformat()
        st = open_store_or_exit(store)
        try:
            case = update_case(st, key, day, state=state, reason=reason, note=note, files=file or [],
                               accept_proposal=accept_proposal)
        except CaseError as exc:
            typer.echo(message(f"error: {exc}"), err=True)
            raise typer.Exit(1) from None
        finally:
            st.close()
        if as_json:
            emit(case.to_json())
        else:
            console.print(f"{safe_text(case.key)}: {case.state}"
                          + (f" ({case.closed_reason})" if case.closed_reason else "")
                          + (f", {len(case.files)} file(s)" if case.files else ""))

    @app.command("export")
    def export_cmd(out: str = typer.Option(..., "--out", help="Output file (.xlsx with a Progress sheet, or .csv)."),
                   state: str = typer.Option(None, "--state"), year: int = typer.Option(None, "--year"),
                   open_only: bool = typer.Option(False, "--open"), store: str = STORE,
                   as_json: bool = JSON) -> None:
        """Every case as a spreadsheet row (supplier text neutralised against formula injection)."""
        from minetrace.queries.campaign.cases import export_cases, filter_cases, load_cases

        st = open_store_or_exit(store)
        try:
            n = export_cases(filter_cases(load_cases(st), state, None, None, year, open_only), out)
        finally:
            st.close()
        if as_json:
            emit({"path": out, "rows": n, "kind": "mitigation"})
        else:
            console.print(f"mitigation: {n} rows → {safe_text(out)}")

    @app.command("progress")
    def progress_cmd(store: str = STORE, as_json: bool = JSON) -> None:
        """Year over year: high-risk smelter–supplier links found in each year's forms, closed, remaining."""
        from minetrace.queries.campaign.cases import load_cases, year_progress

        st = open_store_or_exit(store)
        try:
            rows = year_progress(load_cases(st))
        finally:
            st.close()
        if as_json:
            emit({"progress": rows})
            return
        t = Table(title="High-risk smelter–supplier links")
        for c in ("year", "at start", "closed", "remaining", "closed by reason", "proposed to close"):
            t.add_column(c)
        for r in rows:
            t.add_row(str(r["year"]), str(r["at_start"]), str(r["closed"]), str(r["remaining"]),
                      ", ".join(f"{k} {v}" for k, v in r["closed_by_reason"].items()), str(r["proposed_to_close"]))
        if rows:
            console.print(t)
        console.print(f"{len(rows)} year(s) with high-risk smelter–supplier links")
