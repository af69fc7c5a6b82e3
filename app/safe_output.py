"""One safe-output layer for everything that came from a file: names, cell text, paths, messages.

Why one module: supplier workbooks are strangers' input, and their text reaches the terminal (rich
tables, progress lines, warnings on stderr), Markdown (Streamlit) and HTML (plotly labels). Text from a
file must never be markup or terminal control there:

* rich markup (`[/x]` in a company name or zip member name made `parse`, `validate` and `ingest`
  stop with a MarkupError) — `markup()` escapes it, `cell()` gives rich a `Text` it never parses;
* control and escape sequences (clear screen, window title, OSC 52 clipboard writes), C1 controls,
  bidirectional overrides and lone surrogates (bytes of a non-UTF-8 file name) — `plain()` shows
  them as visible escapes (`\\x1b`, `\\u202e`, `\\xff`);
* very long values (Excel allows 32,767 characters a cell; a hostile file may carry 1 MB): display
  values are cut to `DISPLAY_LIMIT` characters *before* any other work, so output time is linear in
  the input and the terminal highlighter never sees a huge string. Full values stay in JSON and
  exports; `json_text()` keeps them whole but escapes what a terminal would act on and always
  yields valid UTF-8.

Example:
    >>> plain("Acme\\x1b]0;pwned\\x07 Ltd")
    'Acme\\\\x1b]0;pwned\\\\x07 Ltd'
    >>> markup("[/x] Tin")
    '\\\\[/x] Tin'
"""

from __future__ import annotations

import html as _html
import json
import os
import re
from typing import Any

from rich.console import Console
from rich.markup import escape as _rich_escape
from rich.text import Text

#: characters shown of one value in a terminal, table cell, Markdown or HTML label
DISPLAY_LIMIT = 200
#: messages (errors, warnings) may be longer: they name a file and say why
MESSAGE_LIMIT = 600

#: what a terminal (or a reader of the text) would act on: C0 except tab/newline/CR, DEL, C1, bidi
#: controls, line/paragraph separators, lone surrogates (undecodable file-name bytes)
_UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e"
                     "\u2066-\u2069\ud800-\udfff]")
_SPACES = re.compile("[\t\n\r]")
#: the same set for JSON text (json.dumps already escapes C0): C1, DEL, bidi, separators, surrogates
_JSON_UNSAFE = re.compile("[\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
#: Markdown that can appear inside a line: emphasis, code, links and images, HTML and entities, tables,
#: strikethrough, LaTeX ($), emoji shortcodes and Streamlit directives (:red[…], :material/…:), autolinks
#: (http: needs the colon; www. the dot); CommonMark lets any of them be backslash-escaped
_MD_INLINE = re.compile(r"([\\`*_\[\]<>|~$:&!{}]|(?<=www)\.|(?<=WWW)\.)")
#: Markdown that only counts at the start of a line: headings, lists, block quotes, ordered lists (1. / 1))
_MD_LINE_START = re.compile(r"^(\s*)([#>+=-]|\d+[.)])")
#: GFM turns bare URLs, www. names and e-mail addresses into links after escapes are resolved, so escaping
#: cannot stop it: an invisible WORD JOINER (U+2060) after the scheme / "www" / before "@" does
_MD_AUTOLINK = re.compile(r"(?i)(\b(?:https?|ftp|mailto)(?=\\?:)|\bwww(?=\\?\.)|(?<=[\w.+-])(?=@[\w-]+\.))")
WORD_JOINER = "\u2060"


def _escape_char(ch: str) -> str:
    code = ord(ch)
    if 0xDC80 <= code <= 0xDCFF:  # a byte os.fsdecode could not decode (surrogateescape)
        return f"\\x{code - 0xDC00:02x}"
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}"


def text_of(value: Any) -> str:
    """Any value as text: bytes decoded (undecodable bytes as \\xNN), paths as the OS gives them."""
    if value is None:
        return ""
    if isinstance(value, bytes | bytearray):
        return bytes(value).decode("utf-8", "backslashreplace")
    if isinstance(value, os.PathLike):
        path = os.fspath(value)
        return path if isinstance(path, str) else path.decode("utf-8", "backslashreplace")
    return str(value)


def plain(value: Any, limit: int | None = DISPLAY_LIMIT, newlines: bool = False) -> str:
    """Terminal-safe text: cut to `limit` characters first, controls shown as escapes, tabs/newlines as
    spaces (kept when `newlines`). Linear in the length of the value."""
    text = text_of(value)
    more = 0
    if limit is not None and len(text) > limit:
        more = len(text) - limit
        text = text[:limit]
    if not newlines:
        text = _SPACES.sub(" ", text)
    else:
        text = text.replace("\r", " ").replace("\t", " ")
    text = _UNSAFE.sub(lambda m: _escape_char(m.group()), text)
    return text + (f"… (+{more:,} characters)" if more else "")


def markup(value: Any, limit: int | None = DISPLAY_LIMIT) -> str:
    """`plain()` with rich markup escaped: safe inside an f-string printed by rich."""
    return _rich_escape(plain(value, limit))


def cell(value: Any, limit: int | None = DISPLAY_LIMIT, style: str = "") -> Text:
    """A rich table cell rich never parses for markup (control characters shown as escapes)."""
    return Text(plain(value, limit), style=style)


def message(value: Any) -> str:
    """A one-line message for stderr (file name and reason): plain text, longer limit."""
    return plain(value, MESSAGE_LIMIT)


def md(value: Any, limit: int | None = DISPLAY_LIMIT) -> str:
    """Text for Streamlit Markdown (st.markdown, st.caption, st.success, expander labels …): never Markdown,
    HTML, a link or a directive — each character that could start one is backslash-escaped, and bare URLs,
    www. names and e-mail addresses carry an invisible word joiner so they are not made links."""
    text = _MD_INLINE.sub(r"\\\1", plain(value, limit))
    text = _MD_AUTOLINK.sub(lambda m: m.group(1) + WORD_JOINER, text)
    return _MD_LINE_START.sub(lambda m: m.group(1) + (m.group(2)[:-1] + "\\" + m.group(2)[-1]
                                                      if m.group(2)[0].isdigit() else "\\" + m.group(2)), text)


def md_code(value: Any, limit: int | None = DISPLAY_LIMIT) -> str:
    """Text as a Markdown code span (shown verbatim, never Markdown or HTML): fenced with more backticks than
    the longest run of backticks inside it."""
    text = plain(value, limit)
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") or not text.strip() else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def html(value: Any, limit: int | None = DISPLAY_LIMIT) -> str:
    """Text for an HTML context (plotly labels and hover text): escaped, never markup."""
    return _html.escape(plain(value, limit), quote=True)


def file_name(value: Any) -> str:
    """A file name as stored and shown: any byte string works; undecodable bytes become \\xNN, controls
    escapes (no length limit: it identifies the file)."""
    return plain(value, None)


def _json_char(match: re.Match[str]) -> str:
    code = ord(match.group())
    if 0xD800 <= code <= 0xDFFF:  # lone surrogate: keep the byte visible as text, stay valid UTF-8
        return f"\\\\x{code - 0xDC00:02x}" if code >= 0xDC80 else f"\\\\u{code:04x}"
    return f"\\u{code:04x}"


def json_text(data: Any, indent: int | None = 2) -> str:
    """JSON for stdout: full values, valid UTF-8 whatever the input, nothing a terminal would act on."""
    text = json.dumps(data, ensure_ascii=False, indent=indent, default=str)
    return _JSON_UNSAFE.sub(_json_char, text)


def console(stderr: bool = False) -> Console:
    """The rich console every CLI family prints with: no automatic highlighting (its regexes are not
    linear on long values and colour what came from a file)."""
    return Console(stderr=stderr, highlight=False)
