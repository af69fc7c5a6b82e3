"""Reminders: who has not sent a valid form yet, how often they were reminded, and whether one is due.

Why its own rules: chasing non-responders is where the analyst's days go. A reminder goes
to an in-scope supplier that was contacted for the year (a request, or a logged contact) and has no
valid form on file — none at all, or only invalid ones (the reminder then lists what to correct). It is
due when the last message to that supplier for the year is at least `reminder_interval_days` old, so a
re-run on the same day writes nothing new. Reminders are numbered (the escalation count: the ledger
key `reminder|<year>|<supplier>|<n>`); after `max_reminders` the supplier is held as "escalate" for
the buyer to call instead. In-scope suppliers never contacted are held as "not_contacted" (a reminder
cannot precede the request).

Example:
    >>> drafts, held = reminder_drafts(store, 2016, date(2016, 12, 31), policy, settings,  # doctest: +SKIP
    ...                                date(2017, 2, 1))
    >>> [(d.supplier_id, d.seq) for d in drafts][:1], [h.reason for h in held][:1]  # doctest: +SKIP
    ([('S00004', 1)], ['not_due'])
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from typing import Any

from minetrace.graph.store import GraphStore
from minetrace.queries._access import as_date, get
from minetrace.queries.campaign.batch import Draft, Held
from minetrace.queries.campaign.contacts import addressee
from minetrace.queries.campaign.ledger import load_messages
from minetrace.queries.campaign.mail import Attachment
from minetrace.queries.campaign.settings import CampaignSettings
from minetrace.queries.policy import Policy
from minetrace.queries.survey import store_survey

#: survey statuses that still need a (valid) form
WAITING = ("contacted", "responded_invalid")


def reminder_drafts(store: GraphStore, year: int, reference_date: date, policy: Policy, settings: CampaignSettings,
                    day: date, template: Attachment | None = None,
                    due: date | None = None) -> tuple[list[Draft], list[Held]]:
    """Reminder drafts for the suppliers due one; the others that still owe a form are held with the reason."""
    rows, _ = store_survey(store, year, reference_date, policy)
    sups = {str(get(s, "id")): s for s in store.suppliers()}
    sent: dict[str, list[Any]] = defaultdict(list)
    for m in load_messages(store, year=year):
        sent[m.supplier_id].append(m)
    due_day = due or day + timedelta(days=settings.reminder_interval_days)
    drafts: list[Draft] = []
    held: list[Held] = []
    for r in rows:
        if r.in_scope and r.status == "not_contacted":
            who = addressee(sups.get(r.supplier_id, {"id": r.supplier_id, "name": r.name}))
            request_held = any(m.kind == "request" and m.state == "held" for m in sent.get(r.supplier_id, []))
            held.append(Held(r.supplier_id, r.name, "reminder", "not_contacted",
                             ("its request is held: add a contact to the master list and run `survey request` again"
                              if request_held else "never contacted: send the request first")
                             + (f" ({who.why})" if who.why else "")))
            continue
        if not r.in_scope or r.status not in WAITING:
            continue
        msgs = sent.get(r.supplier_id, [])
        reminders = [m for m in msgs if m.kind == "reminder"]
        requests = [m for m in msgs if m.kind == "request"]
        n = max((m.seq for m in reminders), default=0)
        last = max([as_date(m.created) for m in msgs] + [as_date(r.last_contact)], key=lambda d: d or date.min)
        if n >= settings.max_reminders:
            held.append(Held(r.supplier_id, r.name, "reminder", "escalate",
                             f"{n} reminders sent (limit {settings.max_reminders}): escalate to the buyer"))
            continue
        if last is not None and (day - last).days < settings.reminder_interval_days:
            nxt = last + timedelta(days=settings.reminder_interval_days)
            held.append(Held(r.supplier_id, r.name, "reminder", "not_due",
                             f"last contact {last.isoformat()}: next reminder from {nxt.isoformat()}"))
            continue
        who = addressee(sups.get(r.supplier_id, {"id": r.supplier_id, "name": r.name}))
        if not who.ok:
            held.append(Held(r.supplier_id, r.name, "reminder", who.reason or "no_contact", who.why))
        seq = n + 1
        first = min([m.created for m in requests] + ([r.contacted_on] if r.contacted_on else []), default=None)
        refs = [m.message_id for m in sorted(requests + reminders, key=lambda m: (m.created, m.kind, m.seq))]
        invalid = r.status == "responded_invalid"
        drafts.append(Draft(
            supplier_id=r.supplier_id, supplier_name=r.name, kind="reminder", ref=str(year), to=who.to,
            language=who.language, seq=seq, year=year, due=due_day.isoformat(),
            attachments=[template] if template else [], references=refs[-10:],
            detail={"escalation": seq, "invalid_form": invalid, "status": r.status},
            hold=None if who.ok else (who.reason or "no_contact"), hold_detail=who.why,
            context={"supplier": who.supplier_context(), "year": year, "escalation": seq,
                     "max_reminders": settings.max_reminders, "final": seq >= settings.max_reminders,
                     "requested_on": first or "", "last_contact": last.isoformat() if last else "",
                     "invalid_form": invalid, "invalid_reasons": list(r.invalid_reasons) if invalid else [],
                     "template_file": template.filename if template else ""}))
    return drafts, held
