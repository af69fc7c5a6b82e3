"""Message texts from Jinja2 templates the user can edit, in the supplier's language.

Why templates: what a request, a reminder or a receipt says is the program's voice — legal wording,
tone, the company's signature — and an analyst changes it without touching code. The defaults live in
`templates/<language>/<kind>.txt.j2` beside this module (English and Chinese); `--templates DIR` puts
a folder of the same shape in front of them (copy the defaults with `minetrace survey templates --out
DIR`), so a file there overrides its default and a new `DIR/de/` adds German. The language is the
master list's language column (`language_code`): Chinese spellings → `zh`, anything pycountry knows →
its ISO 639-1 code, nothing → `en`; a language without templates falls back to English.

A template renders the whole message: the first line is `Subject: …`, the rest is the plain-text body.
Everything passed in is plain text (`text.clean`): the environment is sandboxed, never autoescapes
(no HTML anywhere) and fails on an unknown variable, naming the template file and line.

Example:
    >>> r = Renderer()
    >>> out = r.render("request", "en", sample_context("request"))
    >>> out.subject.startswith("Our company"), out.language
    (True, 'en')
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
from jinja2.sandbox import SandboxedEnvironment

from minetrace.queries.campaign.text import clean, one_line

DEFAULT_TEMPLATES = Path(__file__).resolve().parent / "templates"
KINDS = ("request", "reminder", "receipt")
FALLBACK_LANGUAGE = "en"

_CHINESE = {"zh", "zho", "chi", "cn", "chs", "cht", "chinese", "mandarin", "中文", "汉语", "漢語", "简体中文",
            "繁體中文", "繁体中文", "普通话", "中文简体", "中文繁體", "simplifiedchinese", "traditionalchinese"}


class CampaignTemplateError(ValueError):
    """A message template is missing, does not parse or does not render; the message names the file."""


def language_code(value: Any) -> str:
    """The template language for a master-list language value ('zh-CN', 'Chinese', '中文' → 'zh')."""
    text = str(value or "").strip()
    if not text:
        return FALLBACK_LANGUAGE
    key = re.sub(r"[\s_()\-]", "", text.casefold())
    if key in _CHINESE or key.startswith(("zh", "chinese")):
        return "zh"
    base = re.split(r"[-_ ]", text.strip())[0].casefold()
    if len(base) == 2 and base.isalpha():
        return base
    try:
        import pycountry

        lang = pycountry.languages.lookup(text)
    except (LookupError, ImportError):
        return FALLBACK_LANGUAGE
    return str(getattr(lang, "alpha_2", "") or FALLBACK_LANGUAGE)


@dataclass(frozen=True)
class Rendered:
    subject: str
    body: str
    template: str  # "<lang>/<kind>.txt.j2" actually used
    language: str


class Renderer:
    """Renders `<language>/<kind>.txt.j2` from the user's folder first, then the defaults."""

    def __init__(self, templates_dir: str | Path | None = None) -> None:
        self.templates_dir = Path(templates_dir) if templates_dir else None
        if self.templates_dir is not None and not self.templates_dir.is_dir():
            raise CampaignTemplateError(f"{self.templates_dir}: no such templates folder")
        search = [str(self.templates_dir)] if self.templates_dir else []
        self.env = SandboxedEnvironment(
            loader=jinja2.FileSystemLoader([*search, str(DEFAULT_TEMPLATES)], encoding="utf-8"),
            undefined=jinja2.StrictUndefined, autoescape=False, trim_blocks=True, lstrip_blocks=True,
            keep_trailing_newline=True)

    def _template(self, kind: str, language: str) -> jinja2.Template:
        if kind not in KINDS:
            raise CampaignTemplateError(f"unknown message kind {kind!r} (one of {', '.join(KINDS)})")
        for lang in dict.fromkeys((language, FALLBACK_LANGUAGE)):
            try:
                return self.env.get_template(f"{lang}/{kind}.txt.j2")
            except jinja2.TemplateNotFound:
                continue
            except jinja2.TemplateSyntaxError as exc:
                raise CampaignTemplateError(f"{exc.filename or exc.name}:{exc.lineno}: {exc.message}") from None
        raise CampaignTemplateError(f"no template {language}/{kind}.txt.j2 or {FALLBACK_LANGUAGE}/{kind}.txt.j2 "
                                    f"in {self.templates_dir or DEFAULT_TEMPLATES}")

    def render(self, kind: str, language: str, context: dict[str, Any]) -> Rendered:
        """(subject, body) of one message; `context` values are cleaned of control characters first."""
        template = self._template(kind, language)
        where = template.filename or template.name
        try:
            text = template.render(**clean(context))
        except jinja2.TemplateError as exc:
            line = _template_line(exc)
            raise CampaignTemplateError(f"{where}{f':{line}' if line else ''}: {exc}") from None
        first, _, body = text.lstrip("\ufeff\n").partition("\n")
        if not first.lower().startswith("subject:"):
            raise CampaignTemplateError(f"{where}: the first line must be 'Subject: …' (got {first[:60]!r})")
        used = str(template.name or "")
        body = re.sub(r"\n[ \t]*\n(?:[ \t]*\n)+", "\n\n", body).strip("\n").rstrip() + "\n"
        return Rendered(subject=one_line(first.split(":", 1)[1], 250), body=body,
                        template=used, language=used.split("/", 1)[0] if "/" in used else language)


def _template_line(exc: BaseException) -> int | None:
    """The template line of a render error, from the traceback frames Jinja2 maps back to the template."""
    tb = exc.__traceback__
    line = None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename.endswith(".j2"):
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def copy_defaults(out: str | Path) -> list[Path]:
    """Copy the default templates into `out` (for editing); existing files are left alone. Returns the new files."""
    out = Path(out)
    written = []
    for src in sorted(DEFAULT_TEMPLATES.rglob("*")):
        if not src.is_file():
            continue
        target = out / src.relative_to(DEFAULT_TEMPLATES)
        if target.exists():
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(src.read_bytes())
        written.append(target)
    return written


def sample_context(kind: str) -> dict[str, Any]:
    """A filled-in context for `kind` (documentation, template previews and tests)."""
    base: dict[str, Any] = {
        "kind": kind, "company": "Our company", "sender_name": "Responsible sourcing",
        "supplier": {"id": "S-001", "name": "Acme Components Ltd.", "contact_name": "Li Wei"},
        "year": 2016, "today": "2017-01-10", "due": "2017-02-09", "template_file": "RMI_CMRT_6.5.xlsx",
    }
    if kind == "reminder":
        base.update(escalation=1, max_reminders=3, final=False, requested_on="2017-01-10",
                    last_contact="2017-01-10", invalid_form=False, invalid_reasons=[])
    if kind == "receipt":
        base.update(
            declaration={"file_name": "acme_cmrt.xlsx", "received": "2017-02-01", "status": "invalid",
                         "template": "CMRT 6.5", "reporting_year": 2016, "scope": "A"},
            valid=False, resubmit_due="2017-02-22", action_due="2017-04-02",
            findings=[{"severity": "error", "location": "Declaration!D8", "title": "Required field missing",
                       "message": "company name is empty", "code": "required_field_missing"}],
            unresolved=[{"row": 12, "metal": "Gold", "name": "Golden Phoenix Refining", "country": "CHINA",
                         "status": "unresolved", "cid_given": None}],
            high_risk=[{"cid": "CID002587", "name": "Tony Goetz NV", "metal": "Gold", "country": "BE",
                        "reasons": ["on the watchlist"], "rows": [7]}],
            program_gaps=[{"letter": "G", "title": "Corrective-action management", "answer": "No",
                           "cell": "Declaration!D81"}])
    return base
