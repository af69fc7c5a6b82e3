"""Delivery of outbox messages over SMTP, configured by environment variables only.

Why the environment: a password on the command line ends up in shell history and `ps` output, so the
relay (host, port, security, user) and the password come from variables the analyst or the deployment
sets once. Delivery is per message: one refusal never stops the batch; transient failures (a dropped
connection, a 4xx reply) are retried with a pause, permanent ones (5xx) are reported at once; every
message gets a result with the server's answer, and the caller keeps failed messages pending so a later
run retries them without sending the others again.

| variable | meaning |
|---|---|
| MINETRACE_SMTP_HOST | relay host (required for --send) |
| MINETRACE_SMTP_PORT | port (default 587 for starttls, 465 for tls, 25 for none) |
| MINETRACE_SMTP_SECURITY | starttls (default) / tls (implicit TLS) / none |
| MINETRACE_SMTP_USER | login user (optional) |
| MINETRACE_SMTP_PASSWORD | login password (never on the command line) |
| MINETRACE_SMTP_CA_FILE | PEM file of the CA to trust for the relay's certificate (default: the system's) |
| MINETRACE_SMTP_TIMEOUT | seconds per connection / command (default 30) |
| MINETRACE_SMTP_RETRIES | extra attempts per message after a transient failure (default 2) |
| MINETRACE_SMTP_RETRY_DELAY | seconds before a retry, doubled each time (default 2) |
"""

from __future__ import annotations

import ipaddress
import os
import smtplib
import ssl
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

SECURITY = ("starttls", "tls", "none")
DEFAULT_PORTS = {"starttls": 587, "tls": 465, "none": 25}


class SmtpConfigError(ValueError):
    """The SMTP environment is incomplete or inconsistent; the message names the variable."""


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int
    security: str = "starttls"
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    timeout: float = 30.0
    retries: int = 2
    retry_delay: float = 2.0
    ca_file: str | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> SmtpConfig:
        env = os.environ if env is None else env
        host = (env.get("MINETRACE_SMTP_HOST") or "").strip()
        if not host:
            raise SmtpConfigError("MINETRACE_SMTP_HOST is not set: --send needs an SMTP relay "
                                  "(see `minetrace survey request --help`)")
        security = (env.get("MINETRACE_SMTP_SECURITY") or "starttls").strip().lower()
        if security not in SECURITY:
            raise SmtpConfigError(f"MINETRACE_SMTP_SECURITY={security!r}: use one of {', '.join(SECURITY)}")

        def number(name: str, default: float, kind: type = int) -> Any:
            raw = (env.get(name) or "").strip()
            if not raw:
                return default
            try:
                value = kind(raw)
            except ValueError:
                raise SmtpConfigError(f"{name}={raw!r} is not a number") from None
            if value < 0:
                raise SmtpConfigError(f"{name}={raw!r} must not be negative")
            return value

        user = (env.get("MINETRACE_SMTP_USER") or "").strip() or None
        password = env.get("MINETRACE_SMTP_PASSWORD") or None
        cfg = cls(host=host, port=number("MINETRACE_SMTP_PORT", DEFAULT_PORTS[security]), security=security,
                  user=user, password=password, timeout=number("MINETRACE_SMTP_TIMEOUT", 30.0, float),
                  retries=number("MINETRACE_SMTP_RETRIES", 2),
                  retry_delay=number("MINETRACE_SMTP_RETRY_DELAY", 2.0, float),
                  ca_file=(env.get("MINETRACE_SMTP_CA_FILE") or "").strip() or None)
        if cfg.ca_file and not os.path.isfile(cfg.ca_file):
            raise SmtpConfigError(f"MINETRACE_SMTP_CA_FILE={cfg.ca_file!r}: no such file")
        if user and password is None:
            raise SmtpConfigError("MINETRACE_SMTP_USER is set but MINETRACE_SMTP_PASSWORD is not")
        if user and security == "none" and not _loopback(host):
            raise SmtpConfigError(f"refusing to send the SMTP password unencrypted to {host}: set "
                                  "MINETRACE_SMTP_SECURITY=starttls or tls")
        return cfg

    def describe(self) -> str:
        who = f"{self.user}@" if self.user else ""
        return f"smtp://{who}{self.host}:{self.port} ({self.security})"


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass
class Outgoing:
    key: str  # the ledger key, handed back in the result
    sender: str
    recipients: list[str]
    data: bytes


@dataclass
class SendResult:
    key: str
    ok: bool
    recipients: list[str]
    attempts: int
    error: str | None = None
    code: int | None = None  # the server's reply code when it refused
    transient: bool = False

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


class _Failure(Exception):
    def __init__(self, message: str, code: int | None, transient: bool) -> None:
        super().__init__(message)
        self.code = code
        self.transient = transient


def _classify(exc: BaseException) -> _Failure:
    """A failure with the server's code; 4xx codes and lost connections are transient."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [c for c, _ in exc.recipients.values()]
        text = "; ".join(f"{r}: {c} {m.decode(errors='replace') if isinstance(m, bytes) else m}"
                         for r, (c, m) in exc.recipients.items())
        return _Failure(f"recipient refused ({text})", max(codes) if codes else None,
                        bool(codes) and all(400 <= c < 500 for c in codes))
    if isinstance(exc, smtplib.SMTPResponseException):
        msg = exc.smtp_error.decode(errors="replace") if isinstance(exc.smtp_error, bytes) else str(exc.smtp_error)
        return _Failure(f"{exc.smtp_code} {msg}", exc.smtp_code, 400 <= exc.smtp_code < 500)
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        return _Failure(f"the server does not support this: {exc}", None, False)
    if isinstance(exc, OSError):  # SMTPServerDisconnected, a reset connection, a timeout
        return _Failure(f"connection failed: {exc}", None, True)
    return _Failure(f"{type(exc).__name__}: {exc}", None, False)


class SmtpSession:
    """One connection, opened lazily and re-opened after a failure."""

    def __init__(self, config: SmtpConfig, connect: Callable[[SmtpConfig], smtplib.SMTP] | None = None) -> None:
        self.config = config
        self._connect = connect or _connect
        self._smtp: smtplib.SMTP | None = None

    def send(self, item: Outgoing) -> dict[str, Any]:
        if self._smtp is None:
            self._smtp = self._connect(self.config)
        refused = self._smtp.sendmail(item.sender, item.recipients, item.data)
        return dict(refused or {})

    def reset(self) -> None:
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except (smtplib.SMTPException, OSError):
                try:
                    self._smtp.close()
                except OSError:
                    pass
            self._smtp = None

    def close(self) -> None:
        self.reset()


def _connect(config: SmtpConfig) -> smtplib.SMTP:
    context = ssl.create_default_context(cafile=config.ca_file)
    smtp: smtplib.SMTP
    if config.security == "tls":
        smtp = smtplib.SMTP_SSL(config.host, config.port, timeout=config.timeout, context=context)
    else:
        smtp = smtplib.SMTP(config.host, config.port, timeout=config.timeout)
    try:
        smtp.ehlo()
        if config.security == "starttls":
            smtp.starttls(context=context)
            smtp.ehlo()
        if config.user:
            smtp.login(config.user, config.password or "")
    except BaseException:
        smtp.close()
        raise
    return smtp


def deliver(config: SmtpConfig, items: Iterable[Outgoing], on_result: Callable[[SendResult], None] | None = None,
            connect: Callable[[SmtpConfig], smtplib.SMTP] | None = None,
            sleep: Callable[[float], None] = time.sleep) -> list[SendResult]:
    """Send each item; a failure never stops the batch. `on_result` sees every result as it happens
    (the caller records it at once, so a crash mid-batch loses nothing)."""
    session = SmtpSession(config, connect)
    results: list[SendResult] = []
    try:
        for item in items:
            attempt = 0
            while True:
                attempt += 1
                try:
                    refused = session.send(item)
                except (smtplib.SMTPException, OSError) as exc:
                    failure = _classify(exc)
                    session.reset()
                    if failure.transient and attempt <= config.retries:
                        sleep(config.retry_delay * (2 ** (attempt - 1)))
                        continue
                    result = SendResult(item.key, False, item.recipients, attempt, str(failure), failure.code,
                                        failure.transient)
                else:
                    if refused:  # accepted for some recipients only: say which were refused
                        text = "; ".join(f"{r}: {c}" for r, (c, _) in refused.items())
                        result = SendResult(item.key, True, item.recipients, attempt,
                                            f"some recipients refused ({text})")
                    else:
                        result = SendResult(item.key, True, item.recipients, attempt)
                break
            results.append(result)
            if on_result is not None:
                on_result(result)
    finally:
        session.close()
    return results
