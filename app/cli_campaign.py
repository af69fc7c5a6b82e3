"""Shared plumbing of the campaign commands (`survey request|remind|receipts|outbox`, `ingest --receipts`).

Why a module: four commands take the same options (outbox, templates, settings, sender, --send, --date)
and print the same kind of result (messages written, suppliers held with the reason, SMTP results);
keeping that here keeps `cli_survey.py` to one verb per function and lets `ingest --receipts` reuse it.
Everything a supplier wrote is printed through `safe_text`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from minetrace.app.cli_safe_text import safe_text
from minetrace.app.safe_output import message

OUTBOX = typer.Option(None, "--outbox", help="Folder for the .eml files (default: <store folder>/outbox).")
TEMPLATES = typer.Option(None, "--templates", help="Folder of message templates (<lang>/<kind>.txt.j2) in front "
                         "of the defaults (copy them with `minetrace survey templates --out DIR`).")
SETTINGS = typer.Option(None, "--settings", help="Campaign settings YAML (due days, reminder interval, sender) "
                        "over queries/campaign/defaults.yaml.")
SENDER = typer.Option(None, "--from", help="Sender, e.g. 'Sourcing <sourcing@ourco.com>' (default "
                      "$MINETRACE_MAIL_FROM).")
COMPANY = typer.Option(None, "--company", help="Company the messages speak for (default $MINETRACE_COMPANY).")
DAY = typer.Option(None, "--date", help="Date of this campaign run (YYYY-MM-DD, default today): message date, "
                   "logged contact date, due dates counted from it.")
SEND = typer.Option(False, "--send", help="Also deliver pending messages over SMTP (MINETRACE_SMTP_HOST, _PORT, "
                    "_SECURITY starttls|tls|none, _USER, _PASSWORD); failed ones stay pending for the next run.")

EXIT_CONFIG = 1
EXIT_BAD_TEMPLATE = 2
EXIT_SEND_FAILED = 3


@dataclass
class CampaignSetup:
    settings: Any
    renderer: Any
    outbox: Path
    smtp: Any  # SmtpConfig | None
    day: date


def setup(store: str | None, outbox: str | None, templates: str | None, settings_file: str | None,
          sender: str | None, company: str | None, day: str | None, send: bool) -> CampaignSetup:
    """Settings, renderer, outbox and SMTP configuration from the options; a clear message and exit 1 when not
    usable."""
    from minetrace.app.cli_options import parse_date
    from minetrace.queries.campaign.render import CampaignTemplateError, Renderer
    from minetrace.queries.campaign.run import default_outbox
    from minetrace.queries.campaign.settings import SettingsError, load_settings
    from minetrace.queries.campaign.smtp import SmtpConfig, SmtpConfigError

    try:
        settings = load_settings(settings_file, sender=sender, company=company)
        renderer = Renderer(templates)
        smtp = SmtpConfig.from_env() if send else None
    except (SettingsError, CampaignTemplateError, SmtpConfigError) as exc:
        typer.echo(message(f"error: {exc}"), err=True)
        raise typer.Exit(EXIT_CONFIG) from None
    return CampaignSetup(settings, renderer, Path(outbox) if outbox else default_outbox(store), smtp,
                         parse_date(day, "--date") or date.today())


def guarded(fn: Any) -> Any:
    """Run a campaign step; template and input errors become one line on stderr and an exit code."""
    from minetrace.queries.campaign.render import CampaignTemplateError
    from minetrace.queries.campaign.requests import CampaignInputError

    try:
        return fn()
    except CampaignInputError as exc:
        typer.echo(message(f"error: {exc}"), err=True)
        raise typer.Exit(EXIT_BAD_TEMPLATE) from None
    except CampaignTemplateError as exc:
        typer.echo(message(f"error: message template: {exc}"), err=True)
        raise typer.Exit(EXIT_CONFIG) from None


def print_result(res: Any, console: Console, what: str, limit: int = 200) -> None:
    """Messages written (a table), held suppliers with reasons, SMTP results, and a summary line."""
    from minetrace.queries import glossary

    if res.written:
        t = Table(title=f"{what} written to {safe_text(res.outbox)}")
        for c in ("supplier", "to", "language", "file"):
            t.add_column(c)
        for m in res.written[:limit]:
            to = ", ".join(m.to) if m.state != "held" else f"(held: {m.detail.get('hold')})"
            t.add_row(safe_text(glossary.supplier(m.supplier_id, m.supplier_name)), safe_text(to), m.language,
                      safe_text(Path(m.path).name))
        console.print(t)
        if len(res.written) > limit:
            console.print(f"… and {len(res.written) - limit} more (--json lists them all)")
    held: dict[str, list[Any]] = {}
    for h in res.held:
        held.setdefault(h.reason, []).append(h)
    for reason, items in held.items():
        console.print(f"[yellow]{len(items)} held ({reason})[/yellow]: " + "; ".join(
            safe_text(glossary.supplier(h.supplier_id, h.name) + (f" — {h.detail}" if h.detail else ""))
            for h in items[:limit]))
    failed = [r for r in res.sent if not r.ok]
    for r in failed:
        console.print(f"[red]not sent[/red] {safe_text(r.key)} to {safe_text(', '.join(r.recipients))}: "
                      f"{safe_text(r.error)} (stays pending: run again with --send)")
    n_held = sum(1 for m in res.written if m.state == "held")
    parts = [f"{len(res.written)} {what} written" + (f" ({n_held} without a recipient: held)" if n_held else ""),
             f"{len(res.existing)} written before"]
    with_file = {(m.supplier_id, m.declaration_id) for m in res.written + res.existing}
    no_message = [h for h in res.held if (h.supplier_id, h.declaration_id) not in with_file]
    if no_message:
        parts.append(f"{len(no_message)} without a message (listed above)")
    if res.sent:
        parts.append(f"{sum(r.ok for r in res.sent)} sent, {len(failed)} failed")
    console.print(", ".join(parts) + f" — outbox {safe_text(res.outbox)}")


def finish(res: Any, as_json: bool, console: Console, what: str, head: dict[str, Any] | None = None) -> None:
    from minetrace.app.cli_options import emit

    if as_json:
        emit({**(head or {}), **res.to_json()})
    else:
        print_result(res, console, what)
    if any(not r.ok for r in res.sent):
        raise typer.Exit(EXIT_SEND_FAILED)
