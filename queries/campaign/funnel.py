"""The response funnel from real contact dates: contacted, responded, days to respond, reminders per responder.

Why from the survey status: the funnel must reconcile with `minetrace survey status` — so its stage
counts are that command's figures (same function, same events, same declarations), and what it adds is
time: a supplier's first contact is its first `contacted` event (a request writes one), its response is
the survey status's `responded_on` (a logged `responded` event, else the day its first form was
ingested), reminders are the follow-ups logged before that day. The campaign ledger adds what was
actually written: requests, reminders by escalation, receipts.

Example:
    >>> f = campaign_funnel(store, 2016, date(2016, 12, 31), policy)   # doctest: +SKIP
    >>> f.contacted == f.figures["contacted"], f.median_days_to_respond  # doctest: +SKIP
    (True, 12.0)
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import date
from statistics import mean, median
from typing import Any

from minetrace.graph.store import GraphStore
from minetrace.queries._access import as_date
from minetrace.queries.campaign.cases import load_cases
from minetrace.queries.campaign.ledger import load_messages
from minetrace.queries.policy import Policy
from minetrace.queries.survey import store_survey


@dataclass
class Funnel:
    year: int | None
    figures: dict[str, Any]  # `survey status` figures, unchanged
    master_list: int
    in_scope: int
    requested: int  # in-scope suppliers with a request written to an address for the year
    requests_held: int  # in-scope suppliers whose request is held (no trusted address)
    contacted: int
    reminded: int  # in-scope suppliers with at least one follow-up
    responded: int
    valid: int
    invalid: int
    not_responded: int
    response_rate: float | None
    median_days_to_respond: float | None
    mean_days_to_respond: float | None
    reminders_per_responder: float | None
    responders_by_reminders: dict[str, int] = field(default_factory=dict)  # "0", "1", "2", "3+" → responders
    messages: dict[str, int] = field(default_factory=dict)  # kind → written; plus "<kind>_sent", "failed"
    reminders_by_escalation: dict[str, int] = field(default_factory=dict)
    cases_open: int = 0
    cases_closed: int = 0
    suppliers: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def campaign_funnel(store: GraphStore, year: int | None, reference_date: date, policy: Policy,
                    since: date | None = None) -> Funnel:
    rows, fig = store_survey(store, year, reference_date, policy, since)
    msgs = load_messages(store, year=year)
    requested_ids = {m.supplier_id for m in msgs if m.kind == "request" and m.state != "held"}
    held_ids = {m.supplier_id for m in msgs if m.kind == "request" and m.state == "held"}
    days: list[int] = []
    reminders_of_responders: list[int] = []
    per: list[dict[str, Any]] = []
    for r in rows:
        if not r.in_scope:
            continue
        first = as_date(r.contacted_on)
        resp = as_date(r.responded_on)
        before = [d for d in r.follow_up_dates if resp is None or (as_date(d) or date.max) <= resp]
        d = (resp - first).days if first and resp else None
        if d is not None and d >= 0:
            days.append(d)
        if r.status.startswith("responded"):
            reminders_of_responders.append(len(before))
        per.append({"supplier_id": r.supplier_id, "name": r.name, "status": r.status, "requested":
                    r.supplier_id in requested_ids, "contacted_on": r.contacted_on, "responded_on": r.responded_on,
                    "days_to_respond": d, "reminders": r.follow_ups, "reminders_before_response": len(before)
                    if resp else None})
    by_rem = Counter("3+" if n >= 3 else str(n) for n in reminders_of_responders)
    kinds = Counter(m.kind for m in msgs)
    sent = Counter(f"{m.kind}_sent" for m in msgs if m.state == "sent")
    cases = [c for c in load_cases(store) if year is None or year in c.years]
    return Funnel(
        year=year, figures=fig.to_json(), master_list=fig.master_list, in_scope=fig.in_scope,
        requested=sum(1 for p in per if p["requested"]),
        requests_held=sum(1 for p in per if p["supplier_id"] in held_ids), contacted=fig.contacted,
        reminded=sum(1 for p in per if p["reminders"]), responded=fig.responded, valid=fig.valid,
        invalid=fig.invalid, not_responded=fig.not_responded, response_rate=fig.response_rate,
        median_days_to_respond=float(median(days)) if days else None,
        mean_days_to_respond=round(mean(days), 1) if days else None,
        reminders_per_responder=round(mean(reminders_of_responders), 2) if reminders_of_responders else None,
        responders_by_reminders={k: by_rem.get(k, 0) for k in ("0", "1", "2", "3+")},
        messages={**dict(sorted(kinds.items())), **dict(sorted(sent.items())),
                  **{state: sum(1 for m in msgs if m.state == state) for state in ("written", "failed", "held")}},
        reminders_by_escalation=dict(sorted(Counter(str(m.seq) for m in msgs if m.kind == "reminder").items())),
        cases_open=sum(1 for c in cases if c.is_open), cases_closed=sum(1 for c in cases if not c.is_open),
        suppliers=per)
