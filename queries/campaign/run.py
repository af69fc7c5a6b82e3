"""One call per campaign step — request, remind, receipts, send — shared by the CLI and the explorer.

Why here: a step is several queries in a fixed order (who gets a message, write the batch, log the
events, open or update the mitigation cases, deliver over SMTP when asked) and both front ends must run
exactly the same order; app/ only turns options into these calls and results into tables.

Example:
    >>> with QueryContext.open(".minetrace", year=2016) as ctx:                             # doctest: +SKIP
    ...     res = run_requests(ctx, 2016, load_settings(), Renderer(), Path("outbox"), date.today(),
    ...                        template_path="RMI_CMRT_6.5.xlsx")
    >>> len(res.written), [h.supplier_id for h in res.held]                                  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from minetrace.queries._access import get
from minetrace.queries.campaign import cases as C
from minetrace.queries.campaign.batch import BatchResult, pending, send_pending, write_drafts
from minetrace.queries.campaign.ledger import MessageRecord
from minetrace.queries.campaign.mail import Attachment
from minetrace.queries.campaign.receipts import declarations_without_receipt, receipt_contents, receipt_drafts
from minetrace.queries.campaign.reminders import reminder_drafts
from minetrace.queries.campaign.render import Renderer
from minetrace.queries.campaign.requests import blank_template, request_drafts
from minetrace.queries.campaign.settings import CampaignSettings
from minetrace.queries.campaign.smtp import SendResult, SmtpConfig
from minetrace.queries.survey import program_reference_date

OnSent = Callable[[MessageRecord, SendResult], None]


def default_outbox(store_target: str | Path | None) -> Path:
    """`<store folder>/outbox` — the workspace's local folder (with Neo4j: $MINETRACE_STORE when a folder, else
    ./.minetrace; graph.workspace)."""
    from minetrace.graph.workspace import Workspace

    return Workspace.open(store_target).outbox_dir.resolve()


def _template(path: str | Path | None) -> Attachment | None:
    return blank_template(path)[0] if path else None


def _send(ctx: Any, res: BatchResult, config: SmtpConfig | None, kinds: list[str], year: int | None,
          on_sent: OnSent | None, connect: Any, sleep: Any) -> BatchResult:
    if config is not None:
        todo = pending(ctx.store, kinds, year)
        res.sent = send_pending(ctx.store, config, todo, on_result=on_sent, connect=connect, sleep=sleep)
    return res


def run_requests(ctx: Any, year: int, settings: CampaignSettings, renderer: Renderer, outbox: Path, day: date, *,
                 due: date | None = None, template_path: str | Path | None = None, send: SmtpConfig | None = None,
                 on_sent: OnSent | None = None, connect: Any = None, sleep: Any = None) -> BatchResult:
    """A request to every in-scope supplier of `year` not asked yet (the blank template attached)."""
    template = _template(template_path)
    due = due or day + timedelta(days=settings.request_due_days)
    drafts, held = request_drafts(ctx.store, year, program_reference_date(ctx.model), ctx.policy, day, due, template)
    res = write_drafts(ctx.store, drafts, settings, renderer, outbox, day, "smtp" if send else "file", "request")
    res.held = held
    res.extra["due"] = due.isoformat()
    return _send(ctx, res, send, ["request"], year, on_sent, connect, sleep)


def run_reminders(ctx: Any, year: int, settings: CampaignSettings, renderer: Renderer, outbox: Path, day: date, *,
                  due: date | None = None, template_path: str | Path | None = None, send: SmtpConfig | None = None,
                  on_sent: OnSent | None = None, connect: Any = None, sleep: Any = None) -> BatchResult:
    """A reminder to every in-scope supplier of `year` still owing a valid form whose reminder is due."""
    drafts, held = reminder_drafts(ctx.store, year, program_reference_date(ctx.model), ctx.policy, settings, day,
                                   _template(template_path), due)
    res = write_drafts(ctx.store, drafts, settings, renderer, outbox, day, "smtp" if send else "file", "reminder")
    res.held = held
    res.extra["escalations"] = {str(k): sum(1 for m in res.written if m.seq == k)
                                for k in sorted({m.seq for m in res.written})}
    res.extra["escalate"] = [h.supplier_id for h in held if h.reason == "escalate"]
    return _send(ctx, res, send, ["reminder"], year, on_sent, connect, sleep)


def run_receipts(ctx: Any, settings: CampaignSettings, renderer: Renderer, outbox: Path, day: date, *,
                 year: int | None = None, declaration_ids: list[str] | None = None,
                 template_path: str | Path | None = None, send: SmtpConfig | None = None,
                 on_sent: OnSent | None = None, connect: Any = None, sleep: Any = None) -> BatchResult:
    """A receipt for every stored declaration without one (or only `declaration_ids`), and the mitigation cases
    their high-risk smelters open; later forms that drop a smelter propose closing its case."""
    todo = declarations_without_receipt(ctx.store, year, declaration_ids)
    contents = receipt_contents(ctx.store, ctx.model, todo, year)
    drafts, held = receipt_drafts(ctx.store, contents, settings, day, _template(template_path))
    res = write_drafts(ctx.store, drafts, settings, renderer, outbox, day, "smtp" if send else "file", "receipt")
    res.held = held
    written = {m.declaration_id: m for m in res.written}
    names = {str(get(s, "id")): get(s, "name") for s in ctx.store.suppliers()}
    cases = {c.key: c for c in C.load_cases(ctx.store)}
    changed: dict[str, C.Case] = {}
    summary: dict[str, list[str]] = {"opened": [], "reopened": [], "requested": [], "proposed_to_close": []}
    action_due = (day + timedelta(days=settings.action_due_days)).isoformat()
    for c in contents:
        decl = {"declaration_id": c.declaration_id, "file_name": c.file_name, "reporting_year": c.reporting_year,
                "received": c.received, "scope": c.scope}
        msg = written.get(c.declaration_id)
        for item in c.high_risk:
            case, what = C.record_listing(cases, c.supplier_id, names.get(c.supplier_id), item, decl, day.isoformat(),
                                          msg.message_id if msg else None, action_due)
            if what != "unchanged":
                changed[case.key] = case
            if what in ("opened", "reopened"):
                summary[what].append(case.key)
            if msg is not None:
                summary["requested"].append(case.key)
        if not c.current:
            continue  # a form already superseded on arrival says nothing about the supply chain now
        for case in C.propose_closures(cases, c.supplier_id, decl, c.listed_keys, day.isoformat()):
            changed[case.key] = case
            summary["proposed_to_close"].append(case.key)
    C.save_cases(ctx.store, changed.values())
    res.extra["cases"] = summary
    res.extra["declarations"] = len(contents)
    return _send(ctx, res, send, ["receipt"], None, on_sent, connect, sleep)


def run_send(ctx: Any, config: SmtpConfig, *, kinds: list[str] | None = None, year: int | None = None,
             outbox: Path | None = None, on_sent: OnSent | None = None, connect: Any = None,
             sleep: Any = None) -> BatchResult:
    """Deliver every pending (written or failed) message of the ledger, optionally only some kinds / a year."""
    res = BatchResult(kind="outbox", outbox=str(outbox or ""))
    return _send(ctx, res, config, kinds or [], year, on_sent, connect, sleep)
