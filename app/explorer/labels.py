"""How the explorer names a smelter, a supplier or a country in pickers, graphs and headings.

Why a module: the same smelter appears in the Trace picker, the graph, the Sankey and the Smelters page, and
a person should read the same words everywhere — the standard name with metal and CID, "Smelter not yet
identified (Tin)" for a coverage gap instead of "Unknown — Tin — nan", the supplier's name instead of a key
or a hash. Missing values come through `values.present`, so no label ever raises or says "nan".

Example:
    >>> smelter_label("Unknown", "Tin", None, "unidentified")
    'Smelter not yet identified (Tin)'
    >>> smelter_label("Tony Goetz NV", "Gold", "CID002587", "resolved")
    'Tony Goetz NV — Gold — CID002587'
"""

from __future__ import annotations

from typing import Any

from minetrace.app.explorer.values import present, shown
from minetrace.queries import glossary


def smelter_name(name: Any, metal: Any, status: Any) -> str:
    """A smelter's name for a node or a heading (no CID)."""
    if present(status) == "unidentified":
        return f"{glossary.phrase('not_yet_identified')} ({shown(metal, 'metal unknown')})"
    return shown(name, "(no name on the row)")


def smelter_label(name: Any, metal: Any, cid: Any, status: Any) -> str:
    """name — metal — CID (or what the row lacks) for pickers and tables."""
    if present(status) == "unidentified":
        return smelter_name(name, metal, status)
    ident = present(cid) or glossary.value("resolution", present(status) or "unresolved")
    return f"{smelter_name(name, metal, status)} — {shown(metal, 'metal unknown')} — {ident}"


def supplier_label(name: Any, supplier_id: Any) -> str:
    """The supplier's name, with its master-list ID in brackets (a key made from a declared name is not
    shown: the name says it)."""
    sid = shown(supplier_id, "")
    text = shown(name, sid or "(no name)")
    if sid and not sid.startswith("decl:") and sid != text:
        return f"{text} ({sid})"
    return text
