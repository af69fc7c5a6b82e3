"""Text a spreadsheet would run: the one rule every CSV and xlsx the tool writes uses to neutralise it.

Why in ingest/ (the lowest layer): the query exports (queries/xlsx.py) and the graph exports
(graph/export.py — CSV meant for neo4j-admin, but opened in Excel as often) both write cells that
came from supplier files. A supplier who types `=HYPERLINK("http://evil", "click")` as a company
name must not get a live formula in the analyst's spreadsheet (CSV/formula injection, OWASP):
`neutralise` prefixes a `'` to any text starting with =, +, -, @, tab, carriage return or newline
(also after leading spaces, and their full-width forms). Numbers stay numbers.

Example:
    >>> neutralise("=1+1"), neutralise("Tin"), neutralise(-3)
    ("'=1+1", 'Tin', -3)
"""

from __future__ import annotations

from typing import Any

#: characters that make a spreadsheet treat a cell as a formula or DDE command
DANGEROUS_FIRST = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def is_dangerous(text: str) -> bool:
    stripped = text.lstrip(" \u00a0")
    return bool(text) and (text.startswith(DANGEROUS_FIRST) or stripped.startswith(DANGEROUS_FIRST))


def neutralise(value: Any) -> Any:
    """The value made safe to put in a spreadsheet cell: dangerous text gets a leading apostrophe."""
    if isinstance(value, str) and is_dangerous(value):
        return "'" + value
    return value
