"""Which smelter-row resolver the graph ingest uses, and a CID-only fallback.

Why: the graph ingest needs a `resolve(row) -> Resolution` for every smelter row. The real
resolver (exact CID, retired-CID chains, aliases, fuzzy names) lives in `ingest.resolve`; this
module opens it and, for a caller that cannot build it, offers `CidOnlyResolver`, which trusts a
well-formed CID as written and keeps every other row as a provisional smelter — nothing is
dropped, and the fallback says so in `Resolution.notes`.
"""

from __future__ import annotations

import os
import re
from typing import TYPE_CHECKING, Protocol

from minetrace.graph.rows import provisional_key
from minetrace.ingest.records import Resolution, SmelterRow

if TYPE_CHECKING:
    from minetrace.graph.store import GraphStore

_CID = re.compile(r"^CID\d{6}$")


class RowResolver(Protocol):
    """What the graph ingest needs. A resolver may also offer `resolve_declaration(decl)` (the reference
    resolver does: it queues review candidates under the declaration's sha256); the ingest prefers it."""

    def resolve(self, row: SmelterRow) -> Resolution: ...


class CidOnlyResolver:
    """Resolve a row by its CID alone (optionally checked against a dict of known facilities).

    `facilities`: CID → (metal, standard name, country ISO-2); when given, an unknown CID stays
    unresolved. Without it every well-formed CID is trusted.
    """

    def __init__(self, facilities: dict[str, tuple[str | None, str | None, str | None]] | None = None) -> None:
        self.facilities = facilities

    def resolve(self, row: SmelterRow) -> Resolution:
        cid = (row.cid or row.input_cid or "").strip().upper().replace(" ", "")
        if row.lookup_kind == "not_yet_identified" and not cid:
            return Resolution("unidentified", None, "none", 0.0, metal=row.metal, provisional_key=provisional_key(row))
        if _CID.match(cid) and (self.facilities is None or cid in self.facilities):
            metal, name, iso = (self.facilities or {}).get(cid, (row.metal, None, None))
            return Resolution("resolved", cid, "cid", 100.0, given_cid=cid, metal=metal or row.metal,
                              standard_name=name, country_iso2=iso)
        return Resolution("unresolved", None, "none", 0.0, given_cid=cid or None, metal=row.metal,
                          provisional_key=provisional_key(row), notes=["CID-only resolver: no name matching"])


def default_resolver(store: str | os.PathLike[str] | None = None,
                     graph: GraphStore | None = None) -> tuple[RowResolver, str]:
    """(resolver, description): the reference resolver of the workspace `store` names (a folder, a Neo4j URI;
    None: $MINETRACE_STORE, else ./.minetrace), its review decisions included (graph.workspace)."""
    from minetrace.graph.workspace import Workspace

    return Workspace.open(store).resolver(graph=graph)
