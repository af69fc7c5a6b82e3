"""The record of every outgoing campaign message: what was written, to whom, sent or not, and why.

Why a ledger: "no duplicate on re-run" and "failed ones retryable" are promises about history — a
request already written for a supplier and year is never written again, a receipt is never produced
twice for the same declaration, a message the SMTP server refused stays pending with its error until
a later run delivers it. Each message is one `CampaignRecord` of kind "message" in the graph store,
keyed by what it is about (`<kind>|<year or declaration>|<supplier>|<sequence>`), so the ledger lives
beside the survey events on the embedded store and on Neo4j alike.

States: `written` (the .eml is in the outbox), `sent` (an SMTP server accepted it), `failed` (the last
delivery attempt failed; `attempts` keeps every try with its error), `held` (written without a recipient:
the supplier has no trusted address; never sent, rewritten with the address once the master list has one).
`deliver` says how the message was meant to leave: "file" (the analyst sends the .eml) or "smtp"
(`--send`); the survey event a message stands for (contacted / follow_up) is logged when it is written
(file) or sent (smtp).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any

from minetrace.graph import schema as S
from minetrace.graph.store import CampaignRecord, GraphStore

MESSAGE_KINDS = ("request", "reminder", "receipt")
STATES = ("written", "sent", "failed", "held")
#: the survey event each message kind stands for (None: a receipt answers a form, it is no contact)
EVENT_FOR_KIND = {"request": "contacted", "reminder": "follow_up", "receipt": None}


def message_key(kind: str, ref: str, supplier_id: str, seq: int = 1) -> str:
    return f"{kind}|{ref}|{supplier_id}|{seq}"


@dataclass
class MessageRecord:
    key: str
    supplier_id: str
    kind: str  # request | reminder | receipt
    ref: str  # reporting year (request, reminder) or declaration id (receipt)
    message_id: str
    to: list[str]
    subject: str
    path: str  # the .eml file in the outbox
    created: str  # ISO date of the campaign run that wrote it
    seq: int = 1  # reminder number (escalation); 1 for requests and receipts
    year: int | None = None
    declaration_id: str | None = None
    supplier_name: str | None = None
    language: str = "en"
    template: str | None = None
    due: str | None = None
    deliver: str = "file"  # file | smtp
    state: str = "written"  # written | sent | failed | held
    attempts: list[dict[str, Any]] = field(default_factory=list)  # {at, ok, error}
    sent_at: str | None = None
    event_logged: bool = False
    references: list[str] = field(default_factory=list)
    attachments: list[str] = field(default_factory=list)
    detail: dict[str, Any] = field(default_factory=dict)  # kind-specific summary (receipt findings, escalation …)

    @property
    def event_kind(self) -> str | None:
        return EVENT_FOR_KIND.get(self.kind)

    @property
    def event_due(self) -> bool:
        """Whether the survey event this message stands for should be logged now (and has not been)."""
        if self.event_logged or self.event_kind is None or self.state == "held":
            return False
        return self.state == "sent" or (self.deliver == "file" and self.state in ("written", "failed"))

    @property
    def last_error(self) -> str | None:
        failed = [a for a in self.attempts if not a.get("ok")]
        return failed[-1].get("error") if failed and self.state != "sent" else None

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["last_error"] = self.last_error
        return data

    def to_record(self) -> CampaignRecord:
        data = asdict(self)
        data.pop("key")
        data.pop("supplier_id")
        return CampaignRecord(S.CAMPAIGN_MESSAGE, self.key, self.supplier_id, data)

    @classmethod
    def from_record(cls, rec: CampaignRecord) -> MessageRecord:
        known = {f.name for f in fields(cls)}
        data = {k: v for k, v in rec.data.items() if k in known}
        return cls(key=rec.key, supplier_id=rec.supplier_id, **data)


def load_messages(store: GraphStore, kind: str | None = None, supplier_id: str | None = None,
                  year: int | None = None) -> list[MessageRecord]:
    """Message records from the store (optionally one kind / supplier / reporting year), oldest first."""
    out = [MessageRecord.from_record(r) for r in store.campaign_records(S.CAMPAIGN_MESSAGE, supplier_id)]
    out = [m for m in out if (kind is None or m.kind == kind) and (year is None or m.year == year)]
    out.sort(key=lambda m: (m.created, m.kind, m.supplier_id, m.seq))
    return out


def save_messages(store: GraphStore, messages: list[MessageRecord]) -> None:
    if messages:
        store.save_campaign_records([m.to_record() for m in messages])
