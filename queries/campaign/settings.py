"""Campaign settings: due dates and reminder rules as data, the sender and company from the environment.

Why data: how long a supplier gets to answer, how often it is reminded and when it is escalated are
program decisions an analyst changes without touching code — `defaults.yaml` beside this module holds
them, a user file passed with `--settings` overrides keys, and the sender / company / reply-to come
from `MINETRACE_MAIL_FROM`, `MINETRACE_COMPANY`, `MINETRACE_MAIL_REPLY_TO` (then CLI options).

Example:
    >>> s = load_settings(env={})
    >>> s.reminder_interval_days, s.max_reminders
    (14, 3)
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from email.utils import parseaddr
from pathlib import Path
from typing import Any

import yaml

DEFAULTS_FILE = Path(__file__).resolve().parent / "defaults.yaml"
ENV_SENDER = "MINETRACE_MAIL_FROM"
ENV_COMPANY = "MINETRACE_COMPANY"
ENV_REPLY_TO = "MINETRACE_MAIL_REPLY_TO"


class SettingsError(ValueError):
    """A settings file or value is not usable; the message names the file and key."""


@dataclass(frozen=True)
class CampaignSettings:
    request_due_days: int = 30
    reminder_interval_days: int = 14
    max_reminders: int = 3
    resubmit_due_days: int = 21
    action_due_days: int = 60
    sender: str = "Responsible sourcing <responsible-sourcing@example.com>"
    company: str = "Our company"
    reply_to: str = ""
    source: str = "defaults"

    @property
    def sender_address(self) -> str:
        return parseaddr(self.sender)[1]

    @property
    def sender_domain(self) -> str:
        addr = self.sender_address
        return addr.rsplit("@", 1)[1].lower() if "@" in addr else "minetrace.invalid"

    def to_json(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


_INTS = ("request_due_days", "reminder_interval_days", "max_reminders", "resubmit_due_days", "action_due_days")


def _apply(base: CampaignSettings, data: Mapping[str, Any], where: str) -> CampaignSettings:
    known = {f.name for f in fields(CampaignSettings)} - {"source"}
    changes: dict[str, Any] = {}
    for key, value in data.items():
        if key not in known:
            raise SettingsError(f"{where}: unknown setting {key!r} (known: {', '.join(sorted(known))})")
        if key in _INTS:
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise SettingsError(f"{where}: {key} must be a whole number of days ≥ 0, not {value!r}")
        elif value is not None and not isinstance(value, str):
            raise SettingsError(f"{where}: {key} must be text, not {value!r}")
        changes[key] = value if value is not None else ""
    return replace(base, **changes)


def _read_yaml(path: Path) -> Mapping[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except OSError as exc:
        raise SettingsError(f"{path}: cannot read ({exc.strerror or exc})") from None
    except yaml.YAMLError as exc:
        raise SettingsError(f"{path}: not valid YAML ({exc})") from None
    if not isinstance(data, Mapping):
        raise SettingsError(f"{path}: expected a mapping of settings")
    return data


def load_settings(path: str | Path | None = None, env: Mapping[str, str] | None = None,
                  **overrides: Any) -> CampaignSettings:
    """Defaults, then the user's file, then the environment, then non-empty `overrides` (CLI options)."""
    env = os.environ if env is None else env
    settings = _apply(CampaignSettings(), _read_yaml(DEFAULTS_FILE), str(DEFAULTS_FILE))
    if path:
        settings = replace(_apply(settings, _read_yaml(Path(path)), str(path)), source=str(path))
    from_env = {k: env.get(v) for k, v in (("sender", ENV_SENDER), ("company", ENV_COMPANY),
                                            ("reply_to", ENV_REPLY_TO)) if env.get(v)}
    settings = _apply(settings, from_env, "environment")
    settings = _apply(settings, {k: v for k, v in overrides.items() if v not in (None, "")}, "options")
    if "@" not in settings.sender_address:
        raise SettingsError(f"sender {settings.sender!r} has no e-mail address (set {ENV_SENDER})")
    return settings
