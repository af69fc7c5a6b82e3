"""Requests: one message per in-scope supplier and reporting year, with the blank template attached.

Why: the campaign starts by asking every in-scope supplier (the master list after scoping)
for its CMRT by a due date. The ledger key `request|<year>|<supplier>|1` makes the request unique:
re-running the command writes only the requests still missing (a supplier added to the master list,
or given a contact since). A supplier without a usable contact gets its request written without a
recipient (state "held": never sent, nobody marked contacted) and is listed — never skipped in silence;
once the master list gives it an address, the next run writes the same request to it. The blank
template is checked to be a readable reporting template before anything is written.

Example:
    >>> tpl, what = blank_template("CMRT_6.5.xlsx")                                       # doctest: +SKIP
    >>> drafts, held = request_drafts(store, 2016, date(2016, 12, 31), policy,            # doctest: +SKIP
    ...                               date(2017, 1, 10), due=date(2017, 2, 9), template=tpl)
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from minetrace.graph.store import GraphStore
from minetrace.queries._access import get
from minetrace.queries.campaign.batch import Draft, Held
from minetrace.queries.campaign.contacts import addressee
from minetrace.queries.campaign.mail import Attachment
from minetrace.queries.policy import Policy
from minetrace.queries.survey import store_survey


class CampaignInputError(ValueError):
    """A file the campaign was given cannot be used (the message names it)."""


def blank_template(path: str | Path) -> tuple[Attachment, str]:
    """The blank template as an attachment and what it is ("CMRT 6.5"); CampaignInputError when the file
    cannot be read or is no reporting template."""
    from minetrace.ingest.detect import detect_template
    from minetrace.ingest.workbook import UnreadableWorkbook, open_workbook

    p = Path(path)
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise CampaignInputError(f"{p}: cannot read the blank template ({exc.strerror or exc})") from None
    try:
        info, _ = detect_template(open_workbook(data, name=p.name))
    except UnreadableWorkbook as exc:
        raise CampaignInputError(f"{p}: not a reporting template the suppliers can fill ({exc.message})") from None
    return Attachment.from_file(p), f"{info.kind} {info.version or '?'}"


def request_drafts(store: GraphStore, year: int, reference_date: date, policy: Policy, day: date, due: date,
                   template: Attachment | None) -> tuple[list[Draft], list[Held]]:
    """A request draft for every in-scope master-list supplier; those without a usable contact are also listed as
    held (their draft carries `hold`)."""
    rows, _ = store_survey(store, year, reference_date, policy)
    sups = {str(get(s, "id")): s for s in store.suppliers()}
    drafts: list[Draft] = []
    held: list[Held] = []
    for r in rows:
        if not r.in_scope:
            continue
        who = addressee(sups.get(r.supplier_id, {"id": r.supplier_id, "name": r.name}))
        if not who.ok:
            held.append(Held(r.supplier_id, r.name, "request", who.reason or "no_contact", who.why))
        drafts.append(Draft(
            supplier_id=r.supplier_id, supplier_name=r.name, kind="request", ref=str(year), to=who.to,
            language=who.language, year=year, due=due.isoformat(),
            attachments=[template] if template else [],
            hold=None if who.ok else (who.reason or "no_contact"), hold_detail=who.why,
            context={"supplier": who.supplier_context(), "year": year,
                     "template_file": template.filename if template else ""}))
    return drafts, held
