"""Country text → ISO-2 for the graph, and the names of Country nodes.

Why here: the graph must turn declared mine-country cells ("DRC | Rwanda") and row countries into
Country nodes. The reference layer owns the CMRT spellings (`ingest.reference.countries`) and
`ingest.mine_countries` owns what a mine-country cell means (recycled, unknown, various, countries);
this module only keeps the countries of a cell and falls back to pycountry when that layer is absent.
"""

from __future__ import annotations

import re
from functools import lru_cache

import pycountry

try:  # the reference layer knows the CMRT traps ("CONGO" is CG, not CD)
    from minetrace.ingest.reference.countries import country_iso2 as _reference_iso2
except ImportError:  # pragma: no cover - only while the reference layer is absent
    _reference_iso2 = None
try:
    from minetrace.ingest.mine_countries import countries as _mine_countries
except ImportError:  # pragma: no cover - only while the reference layer is absent
    _mine_countries = None

_SPLIT = re.compile(r"\s*(?:\||;|\n|/)\s*")


@lru_cache(maxsize=4096)
def to_iso2(text: object) -> str | None:
    """ISO-2 for a country name/code, None when unknown."""
    if text is None or not str(text).strip():
        return None
    if _reference_iso2 is not None:
        return _reference_iso2(text)
    raw = str(text).strip()
    try:
        return pycountry.countries.lookup(raw).alpha_2
    except LookupError:
        return None


def _exact_iso2(text: str) -> str | None:
    """ISO-2 only when pycountry knows the text exactly (no fuzzy guess)."""
    try:
        return pycountry.countries.lookup(text.strip()).alpha_2
    except LookupError:
        return None


def split_countries(cell: str | None) -> list[str]:
    """ISO-2 codes named in a (possibly "|"-joined) mine-countries cell, first occurrence order; recycled,
    scrap, unknown and "various" tokens are no countries (`ingest.mine_countries` gives every token's reason)."""
    if not cell:
        return []
    if _mine_countries is not None:
        return _mine_countries(cell)
    return list(_split_countries(str(cell)))


@lru_cache(maxsize=8192)
def _split_countries(cell: str) -> tuple[str, ...]:
    out: list[str] = []
    for part in _SPLIT.split(str(cell)):
        pieces = [p for p in part.split(",") if p.strip()]
        codes = [_exact_iso2(p) for p in pieces]
        if len(pieces) > 1 and all(codes):  # "Rwanda, Burundi" (not "Congo, Democratic Republic of the")
            found = codes
        else:
            found = [to_iso2(part)]
        out.extend(c for c in found if c and c not in out)
    return tuple(out)


@lru_cache(maxsize=512)
def country_name(iso2: str) -> str | None:
    hit = pycountry.countries.get(alpha_2=iso2.upper())
    return hit.name if hit else None
