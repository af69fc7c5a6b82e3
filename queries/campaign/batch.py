"""Write a batch of campaign messages into the outbox, log what they stand for, send them on request.

Why one batch function: requests, reminders and receipts differ in who gets them and what they say
(requests.py, reminders.py, receipts.py build `Draft`s), but not in how a message is made and kept —
rendered from the supplier's language template, written as an `.eml`, recorded in the ledger, its
survey event logged (a request is "contacted", a reminder a "follow_up"), and, with `--send`,
delivered over SMTP with every result recorded as it happens. A draft whose ledger key exists is
never written again; a message that failed to send stays pending and is retried by the next send.

Example:
    >>> res = write_drafts(store, drafts, settings, Renderer(), Path("outbox"), date(2017, 1, 10))  # doctest: +SKIP
    >>> len(res.written), len(res.existing)                                                         # doctest: +SKIP
    (42, 0)
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from email.utils import parseaddr
from pathlib import Path
from typing import Any

from minetrace.graph.store import GraphStore, SurveyEvent
from minetrace.queries.campaign.ledger import MessageRecord, load_messages, message_key, save_messages
from minetrace.queries.campaign.mail import Attachment, build_message, message_date, message_id, slug, write_eml
from minetrace.queries.campaign.render import Renderer
from minetrace.queries.campaign.settings import CampaignSettings
from minetrace.queries.campaign.smtp import Outgoing, SendResult, SmtpConfig, deliver


@dataclass
class Draft:
    """One message to write: about whom, what kind, and what its template gets."""

    supplier_id: str
    supplier_name: str | None
    kind: str  # request | reminder | receipt
    ref: str  # reporting year, or the declaration id for a receipt
    to: list[str]  # formatted recipients ("Name" <address>)
    language: str
    context: dict[str, Any]
    seq: int = 1
    year: int | None = None
    declaration_id: str | None = None
    due: str | None = None
    attachments: list[Attachment] = field(default_factory=list)
    references: list[str] = field(default_factory=list)
    detail: dict[str, Any] = field(default_factory=dict)
    hold: str | None = None  # why there is no trusted address: the message is written without one, never sent
    hold_detail: str = ""

    @property
    def key(self) -> str:
        return message_key(self.kind, self.ref, self.supplier_id, self.seq)


@dataclass
class Held:
    """A supplier (or form) that got no message this run, and why (no usable contact, reminders used up …)."""

    supplier_id: str
    name: str | None
    kind: str
    reason: str  # no_contact | not_on_master_list | escalate | not_due | …
    detail: str = ""
    declaration_id: str | None = None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class BatchResult:
    kind: str
    outbox: str
    written: list[MessageRecord] = field(default_factory=list)
    existing: list[MessageRecord] = field(default_factory=list)  # produced by an earlier run: not written again
    held: list[Held] = field(default_factory=list)
    sent: list[SendResult] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)  # kind-specific (cases opened, escalations …)

    @property
    def failed(self) -> list[SendResult]:
        return [r for r in self.sent if not r.ok]

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "outbox": self.outbox,
                "written": [m.to_json() for m in self.written],
                "existing": [{"supplier_id": m.supplier_id, "key": m.key, "message_id": m.message_id,
                              "state": m.state, "path": m.path} for m in self.existing],
                "held": [h.to_json() for h in self.held],
                "sent": [r.to_json() for r in self.sent],
                **self.extra}


def _display_name(sender: str) -> str:
    name, addr = parseaddr(sender)
    return name or addr


def eml_path(outbox: Path, draft: Draft) -> Path:
    if draft.kind == "receipt":
        return outbox / f"receipt-{slug(draft.supplier_id)}-{slug(draft.ref, 12)}.eml"
    seq = f"-{draft.seq}" if draft.kind == "reminder" else ""
    return outbox / f"{slug(draft.ref, 12)}-{draft.kind}{seq}-{slug(draft.supplier_id)}.eml"


def write_drafts(store: GraphStore, drafts: Iterable[Draft], settings: CampaignSettings, renderer: Renderer,
                 outbox: Path, day: date, deliver_by: str = "file", kind: str = "",
                 now: datetime | None = None) -> BatchResult:
    """Render and write every draft whose ledger key is new; record them; log the events now due.

    A draft with `hold` (no trusted address) is written all the same — the analyst can forward the `.eml` — in
    state "held": never sent, no survey event. When a later run finds an address for it, it is written again
    (same Message-ID) with the recipient and becomes a normal pending message."""
    drafts = list(drafts)
    known = {m.key: m for m in load_messages(store)}
    outbox = Path(outbox).resolve()
    result = BatchResult(kind=kind or (drafts[0].kind if drafts else ""), outbox=str(outbox))
    new: list[MessageRecord] = []
    when = message_date(day, now)
    for d in drafts:
        if d.key in known and not (known[d.key].state == "held" and not d.hold):
            result.existing.append(known[d.key])
            continue
        context = {"kind": d.kind, "company": settings.company, "sender_name": _display_name(settings.sender),
                   "today": day.isoformat(), "due": d.due, **d.context}
        rendered = renderer.render(d.kind, d.language, context)
        mid = message_id(d.kind, d.ref, d.seq, d.supplier_id, settings.sender_domain)
        headers = {"X-Minetrace-Kind": d.kind, "X-Minetrace-Supplier": d.supplier_id}
        if d.hold:
            headers["X-Minetrace-Held"] = f"{d.hold}: {d.hold_detail}" if d.hold_detail else d.hold
        msg = build_message(sender=settings.sender, to=[] if d.hold else d.to, subject=rendered.subject,
                            body=rendered.body, msg_id=mid, when=when, attachments=d.attachments,
                            reply_to=settings.reply_to or None, references=d.references, headers=headers)
        path = write_eml(msg, eml_path(outbox, d)).resolve()  # absolute: `--send` may run from elsewhere
        rec = MessageRecord(key=d.key, supplier_id=d.supplier_id, kind=d.kind, ref=d.ref, message_id=mid, to=d.to,
                            subject=rendered.subject, path=str(path), created=day.isoformat(), seq=d.seq,
                            year=d.year, declaration_id=d.declaration_id, supplier_name=d.supplier_name,
                            language=rendered.language, template=rendered.template, due=d.due, deliver=deliver_by,
                            references=d.references, attachments=[a.filename for a in d.attachments],
                            detail={**d.detail, **({"hold": d.hold, "hold_detail": d.hold_detail} if d.hold
                                                   else {})}, state="held" if d.hold else "written")
        if d.hold:
            rec.to = []
        new.append(rec)
        known[d.key] = rec
    save_messages(store, new)
    result.written = new
    log_due_events(store, new)
    return result


def log_due_events(store: GraphStore, messages: Iterable[MessageRecord]) -> int:
    """Log the survey event of every message whose event is due and not yet logged (then mark it)."""
    done = []
    for m in messages:
        if m.event_due and m.event_kind:
            store.log_survey_event(SurveyEvent(m.supplier_id, m.event_kind, m.created,  # type: ignore[arg-type]
                                               f"{m.kind}{f' {m.seq}' if m.kind == 'reminder' else ''} "
                                               f"{m.ref} by minetrace ({m.deliver})"))
            m.event_logged = True
            done.append(m)
    save_messages(store, done)
    return len(done)


def pending(store: GraphStore, kinds: Iterable[str] | None = None, year: int | None = None,
            keys: Iterable[str] | None = None) -> list[MessageRecord]:
    """Messages not yet sent (written or failed; never held ones), optionally of some kinds / a reporting year /
    some keys."""
    kinds = set(kinds) if kinds else None
    keys = set(keys) if keys is not None else None
    return [m for m in load_messages(store, year=year) if m.state in ("written", "failed")
            and (kinds is None or m.kind in kinds) and (keys is None or m.key in keys)]


def send_pending(store: GraphStore, config: SmtpConfig, messages: list[MessageRecord],
                 on_result: Callable[[MessageRecord, SendResult], None] | None = None,
                 connect: Any = None, sleep: Callable[[float], None] | None = None) -> list[SendResult]:
    """Deliver `messages` over SMTP; each result is recorded in the ledger as it happens (state sent or failed,
    the attempt with the server's answer) and the survey event of a sent message is logged."""
    from minetrace.queries.campaign.mail import envelope

    by_key = {m.key: m for m in messages}
    items: list[Outgoing] = []
    results: list[SendResult] = []
    stamp = lambda: datetime.now(UTC).isoformat(timespec="seconds")  # noqa: E731
    for m in messages:
        try:
            data = Path(m.path).read_bytes()
        except OSError as exc:
            res = SendResult(m.key, False, list(m.to), 0,
                             f"outbox file {m.path} cannot be read ({exc.strerror or exc})")
            _record(store, m, res, stamp())
            results.append(res)
            if on_result:
                on_result(m, res)
            continue
        sender, rcpts = envelope(data)
        items.append(Outgoing(m.key, sender, rcpts, data))

    def record(res: SendResult) -> None:
        m = by_key[res.key]
        _record(store, m, res, stamp())
        if on_result:
            on_result(m, res)

    kwargs: dict[str, Any] = {"connect": connect}
    if sleep is not None:
        kwargs["sleep"] = sleep
    results.extend(deliver(config, items, on_result=record, **kwargs))
    return results


def _record(store: GraphStore, m: MessageRecord, res: SendResult, at: str) -> None:
    m.attempts.append({"at": at, "ok": res.ok, "error": res.error, "code": res.code, "tries": res.attempts})
    if res.ok:
        m.state, m.sent_at = "sent", at
    else:
        m.state = "failed"
    save_messages(store, [m])
    if res.ok:
        log_due_events(store, [m])
