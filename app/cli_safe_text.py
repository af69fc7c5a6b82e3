"""Text from supplier files made safe for the terminal — kept for the campaign commands that import it.

The project-wide layer is `app.safe_output` (issue #10): `safe_text` is its `markup()` — rich markup escaped,
control, escape and bidi characters shown as visible escapes (`\\x1b`), long values cut for display — so
the campaign and mitigation commands print supplier text exactly as every other command does.

Example:
    >>> safe_text("[bold]Acme\\x1b[2J")
    '\\\\[bold]Acme\\\\x1b[2J'
"""

from __future__ import annotations

from typing import Any

from minetrace.app.safe_output import MESSAGE_LIMIT, markup


def safe_text(value: Any) -> str:
    """`value` as text for rich output: markup escaped, controls as escapes, at most MESSAGE_LIMIT characters."""
    return markup("" if value is None else value, MESSAGE_LIMIT)
