"""One row mapping: what a resolved declaration writes, the same for every store.

Why it exists: the embedded store and the Neo4j store write the same graph from a declaration's smelter rows —
the Smelter node a row lands on (its key: the CID, else a provisional "metal|name|country" key), which name and
country the node gets, the LOCATED_IN candidate and how its source ranks against an existing one, the declared
mine countries, and the REPORTS edge with the evidence behind it, down to the source cell the reader read
(`Smelter List!D6`, CMRT 1.00 `Smelter and Mine List!D6`). Computing that here, once and without a store,
keeps the two stores' graphs identical by construction; each store only turns `DeclarationRows` into its own
statements. Pure: no I/O, no store implementation (the node record is `graph.store.SmelterInfo`, what
the stores read back); both stores import this module, never each other.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, fields
from typing import Any

from minetrace.graph import schema as S
from minetrace.graph.countries import split_countries, to_iso2
from minetrace.graph.store import SmelterInfo
from minetrace.ingest.names import normalise_name
from minetrace.ingest.records import Answer, Declaration, Resolution, SmelterRow

#: the sheets the stored evidence names (a row number alone is read against these)
SMELTER_SHEET = "Smelter List"
PRODUCT_SHEET = "Product List"
MINE_SHEET = "Mine List"

#: LOCATED_IN source priority: a better-ranked source replaces a worse one (reference data always wins)
LOCATION_RANK: dict[str, int] = {"reference": 3, "resolution": 2, "declared": 1}

#: an answer's fields, in order (`dataclasses.asdict` walks every value recursively: ~1.6 ms of a form's write)
_ANSWER_FIELDS = tuple(f.name for f in fields(Answer))


def answers_json(decl: Declaration) -> str:
    """The declaration's per-metal answers as stored (`answers_json`: question → metal → answer), as
    `Declaration.to_json()` writes them."""
    return json.dumps({q: {m: {k: getattr(a, k) for k in _ANSWER_FIELDS} for m, a in per.items()}
                       for q, per in decl.answers.items()}, ensure_ascii=False)


def company_answers_json(decl: Declaration) -> str:
    """The declaration's company-level answers as stored (`company_answers_json`: question → answer)."""
    return json.dumps({q: {k: getattr(a, k) for k in _ANSWER_FIELDS} for q, a in decl.company_answers.items()},
                      ensure_ascii=False)


#: the cell a row's evidence points at: the name as written first, then what else identified the smelter
_CELL_FIELDS = ("name", "lookup", "cid", "input_cid", "metal", "country")


def provisional_key(row: SmelterRow) -> str:
    """"metal|normalised name|country" for a row that did not resolve."""
    metal = (row.metal or "").lower()
    name = normalise_name(row.name or row.lookup or "") or "unidentified"
    country = to_iso2(row.country_code or row.country) or ""
    return f"{metal}|{name}|{country}"


def smelter_key_for(row: SmelterRow, resolution: Resolution | None) -> str:
    """The Smelter node key of one smelter-list row (CID when resolved, else a provisional key)."""
    if resolution is not None and resolution.cid:
        return resolution.cid
    if resolution is not None and resolution.provisional_key:
        return S.provisional_smelter_key(resolution.provisional_key)
    return S.PROVISIONAL_PREFIX + provisional_key(row)


def row_cell(decl: Declaration, index: int) -> str:
    """The source cell of smelter row `index` as the reader read it ("Smelter List!D6"); the sheet and row
    when the reader recorded no cell for it (a declaration built by hand)."""
    prefix = f"smelters.{index}."
    for name in _CELL_FIELDS:
        where = decl.provenance.get(prefix + name)
        if where:
            return where
    return f"{SMELTER_SHEET}!row {decl.smelters[index].row}"


@dataclass(frozen=True)
class Location:
    """A LOCATED_IN candidate: replaces the smelter's current edge when its source ranks higher."""

    key: str
    iso: str
    source: str  # resolution | declared

    @property
    def rank(self) -> int:
        return LOCATION_RANK[self.source]


@dataclass(frozen=True)
class Report:
    """One REPORTS edge (Declaration → Smelter): a smelter-list row and the evidence behind it."""

    key: str
    row: int
    cell: str
    metal: str | None
    raw_name: str | None
    raw_cid: str | None
    raw_country: str | None
    lookup_kind: str | None
    method: str | None
    score: float | None
    given_cid: str | None
    resolution_status: str | None
    mine_countries: tuple[str, ...] = ()
    node: SmelterInfo | None = None  # set on the first row naming the smelter
    location: Location | None = None  # set on the first row giving the smelter a country

    def evidence(self) -> dict[str, Any]:
        """The edge's properties (`schema` REPORTS), the sheet included."""
        return {"row": self.row, "sheet": SMELTER_SHEET, "cell": self.cell, "metal": self.metal,
                "raw_name": self.raw_name, "raw_cid": self.raw_cid, "raw_country": self.raw_country,
                "lookup_kind": self.lookup_kind, "method": self.method, "score": self.score,
                "given_cid": self.given_cid, "resolution_status": self.resolution_status}


@dataclass
class DeclarationRows:
    """Everything a declaration's smelter rows write, in row order."""

    reports: list[Report] = field(default_factory=list)
    smelters: dict[str, SmelterInfo] = field(default_factory=dict)
    locations: dict[str, Location] = field(default_factory=dict)

    @property
    def mine_countries(self) -> list[tuple[str, str, int]]:
        """(smelter key, iso2, row) of every declared mine country, in row order."""
        return [(r.key, iso, r.row) for r in self.reports for iso in r.mine_countries]

    def countries(self) -> list[str]:
        """The countries the rows name (locations and mine countries), sorted."""
        return sorted({loc.iso for loc in self.locations.values()} | {iso for _, iso, _ in self.mine_countries})


def declaration_rows(decl: Declaration, resolutions: list[Resolution]) -> DeclarationRows:
    """Map a resolved declaration to the smelter nodes, LOCATED_IN candidates and REPORTS edges it writes.

    The node takes the resolution's standard name and country, else what the row declared; its first row
    creates it. A country from the resolution ranks above a declared one."""
    if len(resolutions) != len(decl.smelters):
        raise ValueError(f"{decl.file.name}: {len(resolutions)} resolutions for {len(decl.smelters)} smelter rows")
    out = DeclarationRows()
    for index, (row, res) in enumerate(zip(decl.smelters, resolutions, strict=True)):
        key = smelter_key_for(row, res)
        provisional = key.startswith(S.PROVISIONAL_PREFIX)
        declared_iso = to_iso2(row.country_code) if row.country_code else to_iso2(row.country)
        iso = res.country_iso2 or declared_iso
        node = None
        if key not in out.smelters:
            node = out.smelters[key] = SmelterInfo(
                key, None if provisional else (res.cid or key), res.metal or row.metal,
                res.standard_name or row.standard_name or row.name or row.lookup, iso, provisional, res.status)
        loc = None
        if iso and key not in out.locations:
            loc = out.locations[key] = Location(key, iso, "resolution" if res.country_iso2 else "declared")
        out.reports.append(Report(
            key, row.row, row_cell(decl, index), row.metal, row.name or row.lookup, row.cid, row.country,
            row.lookup_kind, res.method, None if res.score is None else float(res.score), res.given_cid, res.status,
            tuple(split_countries(row.mine_countries)), node, loc))
    return out
