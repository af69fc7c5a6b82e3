"""Text from supplier files made safe for the terminal: no rich markup, no control characters.

Why a helper of its own: names, cells and paths in campaign output come from strangers' workbooks; a
"[red]" or an escape sequence in a company name must print as text, not style or move the cursor.
Issue #10 brings a project-wide safe-output layer; until it lands, the campaign commands print every
supplier-given value through `safe_text` — one function to replace.

Example:
    >>> safe_text("[bold]Acme\\x1b[2J")
    '\\\\[bold]Acme[2J'
"""

from __future__ import annotations

import re
from typing import Any

from rich.markup import escape

_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def safe_text(value: Any) -> str:
    """`value` as text for rich output: control and bidi characters removed, markup escaped."""
    return escape(_CONTROL.sub("", "" if value is None else str(value)))
