"""Supplier text made safe for a plain-text e-mail: no control characters, no bidi overrides.

Why: names, file names and finding messages in a receipt come from strangers' workbooks. Message
bodies are plain text (never HTML), so markup is inert, but control characters (a form feed, an
escape sequence, a NUL) and Unicode bidi overrides (which make "exe.fdp" read as "pdf.exe") must not
reach the reader's mail client; header values (subject, display name) must stay on one line.

Example:
    >>> plain_text("Acme\\x1b[31m Ltd\\u202e")
    'Acme[31m Ltd'
    >>> one_line("Line one\\nline two")
    'Line one line two'
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

#: C0/C1 controls except tab and newline, DEL, and the Unicode bidi embedding/override/isolate marks
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def plain_text(value: Any) -> str:
    """`value` as text without control or bidi characters (tabs and newlines kept)."""
    return _UNSAFE.sub("", str(value if value is not None else "")).replace("\r\n", "\n").replace("\r", "\n")


def one_line(value: Any, limit: int = 300) -> str:
    """`plain_text` on one line (whitespace runs collapsed), cut at `limit` characters."""
    text = " ".join(plain_text(value).split())
    return text if len(text) <= limit else text[:limit - 1] + "…"


def clean(value: Any) -> Any:
    """Every string inside `value` (dicts, lists, tuples) made `plain_text`; other values as they are."""
    if isinstance(value, str):
        return plain_text(value)
    if isinstance(value, Mapping):
        return {k: clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [clean(v) for v in value]
    return value
