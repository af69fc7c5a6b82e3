"""Country text → ISO-2 for the graph, and the names of Country nodes.

Why here: the graph must turn declared mine-country cells ("DRC | Rwanda") and row countries into
Country nodes. The reference layer owns the CMRT spellings (`ingest.reference.countries`) and
`ingest.mine_countries` owns what a mine-country cell means (recycled, unknown, various, countries);
this module only keeps the countries of a cell and names Country nodes.
"""

from __future__ import annotations

from functools import lru_cache

import pycountry

from minetrace.ingest.mine_countries import countries as _mine_countries
from minetrace.ingest.reference.countries import country_iso2 as _reference_iso2


@lru_cache(maxsize=4096)
def to_iso2(text: object) -> str | None:
    """ISO-2 for a country name/code (the CMRT spellings: "CONGO" is CG, not CD), None when unknown."""
    if text is None or not str(text).strip():
        return None
    return _reference_iso2(text)


def split_countries(cell: str | None) -> list[str]:
    """ISO-2 codes named in a (possibly "|"-joined) mine-countries cell, first occurrence order; recycled,
    scrap, unknown and "various" tokens are no countries (`ingest.mine_countries` gives every token's reason)."""
    if not cell:
        return []
    return _mine_countries(cell)


@lru_cache(maxsize=512)
def country_name(iso2: str) -> str | None:
    hit = pycountry.countries.get(alpha_2=iso2.upper())
    return hit.name if hit else None
