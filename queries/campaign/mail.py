"""Messages as RFC 5322 `.eml` files: plain-text body, MIME attachments, a stable Message-ID.

Why files first: an analyst must be able to read, edit and send every message from their own mail
client (Outlook and Thunderbird open `.eml`), and a campaign must survive without an SMTP relay. The
standard library's `email` package writes them (`EmailMessage`, SMTP policy: CRLF line ends, RFC 2047
encoded non-ASCII headers, UTF-8 bodies). The Message-ID is derived from what the message is about —
kind, reporting year or declaration, sequence, supplier — and the sender's domain, so the same message
always carries the same id: a re-run never produces a second one, and a mail server or client that has
already seen the id can drop a duplicate.

Example:
    >>> message_id("request", "2016", 1, "S-001", "example.com")
    '<minetrace.request.2016.1.S-001.934b6e95ad@example.com>'
"""

from __future__ import annotations

import base64
import hashlib
import mimetypes
import os
import re
import tempfile
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from email import policy
from email.message import EmailMessage, Message
from email.utils import format_datetime, formataddr, getaddresses, parseaddr
from functools import lru_cache
from pathlib import Path

from minetrace.queries.campaign.text import one_line

_SLUG = re.compile(r"[^A-Za-z0-9_-]+")
_EMAIL = re.compile(r"^[^@\s<>(),;:\"\[\]]+@[^@\s<>(),;:\"\[\]]+\.[^@\s<>(),;:\"\[\]]+$")
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def slug(text: str, limit: int = 40) -> str:
    """Letters, digits, '-' and '_' only (for Message-IDs and file names)."""
    return (_SLUG.sub("_", str(text)).strip("_") or "x")[:limit]


def message_id(kind: str, ref: str, seq: int, supplier_id: str, domain: str) -> str:
    """`<minetrace.<kind>.<ref>.<seq>.<supplier>.<hash>@<domain>>` — the same inputs, the same id."""
    digest = hashlib.sha1(f"{kind}|{ref}|{seq}|{supplier_id}".encode()).hexdigest()[:10]
    host = re.sub(r"[^A-Za-z0-9.-]", "", domain).strip(".") or "minetrace.invalid"
    return f"<minetrace.{slug(kind)}.{slug(ref, 16)}.{seq}.{slug(supplier_id)}.{digest}@{host}>"


def usable_address(value: str | None) -> str | None:
    """The e-mail address in `value` when it is one plain, well-formed address; else None."""
    if not value:
        return None
    pairs = getaddresses([str(value)])
    if len(pairs) != 1:
        return None
    addr = pairs[0][1].strip()
    return addr if _EMAIL.match(addr) else None


def recipient(address: str, name: str | None) -> str:
    """`"Name" <address>` (name on one line, quoted as needed by the email package)."""
    return formataddr((one_line(name, 120), address)) if name else address


@dataclass(frozen=True)
class Attachment:
    filename: str
    data: bytes
    mime: str = XLSX_MIME

    @classmethod
    def from_file(cls, path: str | Path) -> Attachment:
        p = Path(path)
        guessed = mimetypes.guess_type(p.name)[0]
        mime = XLSX_MIME if p.suffix.lower() == ".xlsx" else (guessed or "application/octet-stream")
        return cls(p.name, p.read_bytes(), mime)


def message_date(day: date, now: datetime | None = None) -> datetime:
    """The Date header: now when `day` is today, else 09:00 UTC of `day` (a back-dated campaign run)."""
    now = now or datetime.now(UTC)
    return now if day == now.date() else datetime.combine(day, time(9, 0), tzinfo=UTC)


def build_message(*, sender: str, to: list[str], subject: str, body: str, msg_id: str, when: datetime,
                  attachments: list[Attachment] = (), reply_to: str | None = None,  # type: ignore[assignment]
                  references: list[str] = (), headers: dict[str, str] | None = None,  # type: ignore[assignment]
                  ) -> EmailMessage:
    """One plain-text message with attachments (SMTP policy: CRLF, encoded headers)."""
    msg = EmailMessage(policy=policy.SMTP)
    msg["From"] = sender
    if to:  # no recipient: a held message (RFC 5322 needs only From and Date)
        msg["To"] = ", ".join(to)
    if reply_to:
        msg["Reply-To"] = reply_to
    msg["Subject"] = one_line(subject, 250)
    msg["Date"] = format_datetime(when)
    msg["Message-ID"] = msg_id
    if references:
        msg["In-Reply-To"] = references[-1]
        msg["References"] = " ".join(references)
    for key, value in (headers or {}).items():
        msg[key] = one_line(value, 200)
    msg.set_content(body, charset="utf-8")
    for i, a in enumerate(attachments):
        maintype, _, subtype = a.mime.partition("/")
        # the base64 body is spliced in by `message_bytes` (encoded once per file, not once per message)
        msg.add_attachment(_placeholder(i).encode(), maintype=maintype, subtype=subtype or "octet-stream",
                           filename=a.filename, cte="7bit")
        payload = msg.get_payload()
        part = payload[-1] if isinstance(payload, list) else None
        assert isinstance(part, Message)  # add_attachment made the message multipart
        del part["Content-Transfer-Encoding"]
        part["Content-Transfer-Encoding"] = "base64"
        part.set_payload(_placeholder(i))
    msg._minetrace_attachments = list(attachments)  # type: ignore[attr-defined]
    return msg


def _placeholder(i: int) -> str:
    return f"@@minetrace-attachment-{i}-3f9c2e@@"


@lru_cache(maxsize=8)
def _base64_body(data: bytes) -> bytes:
    """Base64 in 76-character CRLF lines (RFC 2045), computed once per attachment content."""
    return base64.encodebytes(data).replace(b"\n", b"\r\n").rstrip(b"\r\n")


def message_bytes(msg: EmailMessage) -> bytes:
    """The message as SMTP-ready bytes (CRLF), its attachments' base64 bodies spliced in."""
    raw = msg.as_bytes(policy=policy.SMTP)
    for i, a in enumerate(getattr(msg, "_minetrace_attachments", [])):
        token = _placeholder(i).encode()
        if raw.count(token) != 1:  # pragma: no cover - the token is ours and appears once
            raise ValueError("attachment placeholder not found exactly once")
        raw = raw.replace(token, _base64_body(a.data))
    return raw


def write_eml(msg: EmailMessage, path: str | Path) -> Path:
    """The message as bytes into `path` (atomic: a temporary file renamed into place)."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-", suffix=".eml")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(message_bytes(msg))
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def envelope(data: bytes) -> tuple[str, list[str]]:
    """(sender address, recipient addresses) of stored `.eml` bytes, for SMTP delivery."""
    from email import message_from_bytes

    msg = message_from_bytes(data, policy=policy.default)
    sender = parseaddr(str(msg.get("From", "")))[1]
    rcpts = [a for _, a in getaddresses([str(v) for v in msg.get_all("To", []) + msg.get_all("Cc", [])]) if a]
    return sender, rcpts
