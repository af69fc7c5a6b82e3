"""A real SMTP server for the campaign tests: aiosmtpd on 127.0.0.1, started and stopped by the tests.

Why not a mock: delivery must be tested against a server that speaks SMTP — envelopes, refusals with
real reply codes, STARTTLS and AUTH — so what `--send` does is what a relay sees. The handler keeps
every accepted message (raw bytes, envelope) and can refuse recipients permanently (550) or defer them
once (451), to test a failure in the middle of a batch.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import socket
import ssl
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    data: bytes
    authenticated: bool

    @property
    def message(self) -> EmailMessage:
        return message_from_bytes(self.data, policy=policy.default)  # type: ignore[return-value]


class MailSink:
    """aiosmtpd handler: accepts mail, except recipients in `refuse` (550) and, once each, in `defer` (451)."""

    def __init__(self) -> None:
        self.received: list[Received] = []
        self.refuse: set[str] = set()
        self.defer: set[str] = set()
        self.deferred: Counter[str] = Counter()

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,  # noqa: N802
                          rcpt_options: list[str]) -> str:
        if address in self.refuse:
            return "550 5.1.1 mailbox unavailable"
        if address in self.defer and not self.deferred[address]:
            self.deferred[address] += 1
            return "451 4.3.0 try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), bytes(envelope.original_content),
                                      bool(getattr(session, "authenticated", False))))
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[Received]:
        return [r for r in self.received if address in r.rcpt_tos]


@dataclass
class SmtpServer:
    host: str
    port: int
    sink: MailSink
    env: dict[str, str]  # the MINETRACE_SMTP_* variables that reach it


@contextmanager
def smtp_server(tls_dir: Path | None = None, user: str | None = None, password: str | None = None,
                implicit_tls: bool = False) -> Iterator[SmtpServer]:
    """A running server; with `tls_dir` it offers STARTTLS (a self-signed certificate written there) — or, with
    `implicit_tls`, speaks TLS from the first byte — and, with `user`/`password`, requires AUTH over TLS."""
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult, LoginPassword

    sink = MailSink()
    port = free_port()
    kwargs: dict[str, Any] = {}
    env = {"MINETRACE_SMTP_HOST": "127.0.0.1", "MINETRACE_SMTP_PORT": str(port), "MINETRACE_SMTP_SECURITY": "none",
           "MINETRACE_SMTP_RETRY_DELAY": "0", "MINETRACE_SMTP_TIMEOUT": "10"}
    if tls_dir is not None:
        cert, key = self_signed(tls_dir)
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(cert, key)
        if implicit_tls:
            kwargs.update(ssl_context=ctx)
        else:
            kwargs.update(tls_context=ctx, require_starttls=True)
        env.update(MINETRACE_SMTP_SECURITY="tls" if implicit_tls else "starttls", MINETRACE_SMTP_CA_FILE=str(cert))
    if user is not None:
        def authenticator(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
            ok = isinstance(data, LoginPassword) and data.login.decode() == user and \
                data.password.decode() == password
            return AuthResult(success=ok, handled=False)

        # aiosmtpd cannot tell an implicit-TLS connection is encrypted (its issue #281): no auth_require_tls there
        kwargs.update(authenticator=authenticator, auth_require_tls=not implicit_tls, auth_required=True)
        env.update(MINETRACE_SMTP_USER=user, MINETRACE_SMTP_PASSWORD=password or "")
    controller = Controller(sink, hostname="127.0.0.1", port=port, **kwargs)
    controller.start()
    try:
        yield SmtpServer("127.0.0.1", port, sink, env)
    finally:
        controller.stop()


def self_signed(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 / localhost (cert.pem, key.pem in `folder`)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    folder.mkdir(parents=True, exist_ok=True)
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "minetrace test relay")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost"),
                                                        x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path
