"""How figures, user text, tables and charts travel through Jinja into the Word document.

Why markers: a template is rendered by docxtpl as XML text, so a value cannot carry a bookmark or a
highlight by itself — and a company's own template writes `{{ f.response_rate }}` wherever it likes,
inside any run and style. Each value therefore renders as plain text wrapped in private-use
characters (U+E000 kind+id U+E001 text U+E002); after rendering, `finish.py` finds them and turns a
figure into a bookmarked run, an unfilled placeholder into a highlighted run, a table or chart marker
into the real thing. The markers never reach the saved document, and every string from the data is
cleaned of them (and of characters XML cannot hold) before it enters the template, so supplier text is
always plain text — never markup, Jinja, or control characters.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

OPEN, MID, CLOSE = "\ue000", "\ue001", "\ue002"

FIGURE = "F"  # a traced figure: bookmarked
PLACEHOLDER = "P"  # user text still to write: highlighted
USER_TEXT = "U"  # user text supplied: plain, line breaks kept
TABLE = "T"  # a Word table in place of the paragraph
CHART = "C"  # an inline picture
WARNING = "W"  # a note to the analyst about the data (highlighted, bold)
KINDS = (FIGURE, PLACEHOLDER, USER_TEXT, TABLE, CHART, WARNING)

MARKER_RE = re.compile(f"{OPEN}([{''.join(KINDS)}])([^{MID}]*){MID}([^{CLOSE}]*){CLOSE}")
#: characters XML 1.0 cannot hold, plus our own markers
_UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff\ue000-\ue002\ud800-\udfff]")


def clean(text: Any) -> str:
    """A value as safe plain text for the document: str, without control characters or markers."""
    if text is None:
        return ""
    return _UNSAFE.sub("", str(text))


def clean_data(obj: Any) -> Any:
    """`clean` applied to every string of a JSON-like structure (dicts, lists, tuples)."""
    if isinstance(obj, str):
        return clean(obj)
    if isinstance(obj, dict):
        return {k: clean_data(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [clean_data(v) for v in obj]
    return obj


def mark(kind: str, ident: str, text: str = "") -> str:
    return f"{OPEN}{kind}{ident}{MID}{clean(text)}{CLOSE}"


@dataclass(frozen=True)
class Marked:
    """A value for the template context: renders as its marker; `.value` / `.text` for Jinja logic."""

    kind: str
    ident: str
    text: str = ""
    value: Any = None

    def __str__(self) -> str:
        return mark(self.kind, self.ident, self.text)

    def __bool__(self) -> bool:
        return bool(self.value) if self.kind == FIGURE else bool(self.text)

    def s(self, one: str, many: str) -> str:
        """The word that agrees with a figure: `{{ f.origin_countries }} {{ f.origin_countries.s("country",
        "countries") }}`."""
        return one if self.value == 1 else many


def segments(text: str) -> list[tuple[str | None, str, str]]:
    """Split a text into (kind or None for plain, id, text) pieces."""
    out: list[tuple[str | None, str, str]] = []
    pos = 0
    for m in MARKER_RE.finditer(text):
        if m.start() > pos:
            out.append((None, "", text[pos:m.start()]))
        out.append((m.group(1), m.group(2), m.group(3)))
        pos = m.end()
    if pos < len(text):
        out.append((None, "", text[pos:]))
    return out


def has_marker(text: str | None) -> bool:
    return bool(text) and OPEN in text  # type: ignore[operator]
