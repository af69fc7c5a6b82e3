"""Mine-country cells → countries, with a reason for every token.

Why: the Smelter List's "Location (Country) of Mine(s)" column is free text strangers type or paste:
"Recycled", "Unknown", "Various", "DRC | Rwanda", "Rwanda, Burundi", "USA & Canada", or a 30-country
RCOI list copied from RMI. Only real countries may become declared-sourcing facts; recycled/scrap and
"unknown" are recorded as what they are, never guessed into a country. This runs at read time on
the records side: the graph stores the countries (`graph.countries.split_countries` calls it), the
explorer and exports can show every token with its reason, and the risk rules (queries/) decide
what a declaration row means — too many countries is "unspecific", the smelter's own country adds
nothing — because those thresholds are policy.

Reasons: ``country`` (an ISO-2 code), ``recycled`` (recycled / scrap / secondary), ``unknown``
(unknown, n/a, tbd …), ``various`` (various, multiple, global, worldwide …), ``duplicate`` (a country
already named in the cell), ``not_a_country`` (text that is none of these).

Example:
    >>> [(t.text, t.reason) for t in parse_mine_countries("DRC | Recycled, scrap; Unknown")]
    [('DRC', 'country'), ('Recycled', 'recycled'), ('scrap', 'recycled'), ('Unknown', 'unknown')]
    >>> countries("Rwanda, Burundi & Congo, Democratic Republic of the")
    ['RW', 'BI', 'CD']
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from functools import lru_cache
from typing import Any

import pycountry

from minetrace.ingest.reference.countries import country_iso2

REASONS = ("country", "recycled", "unknown", "various", "duplicate", "not_a_country")

_SPLIT = re.compile(r"\s*(?:\||;|\n|/|\\|\+|、|，|；)\s*")
_AND = re.compile(r"\s*(?:&|\band\b|\bund\b|\bet\b|\by\b|和|及)\s*", re.IGNORECASE)
#: the tail of a "Name, qualifier" country spelling ("Korea, Republic of", "Congo, Democratic Republic of the")
_QUALIFIER = re.compile(r"^(the\s+)?((democratic|united|islamic|plurinational|bolivarian|federated|federal|"
                        r"people's|socialist|arab|former)\s+)*(republic|state|states|province|kingdom|emirates)"
                        r"(\s+of)?(\s+the)?(\s+china)?$|^the$", re.IGNORECASE)
_RECYCLED = re.compile(r"\b(recycl\w*|scrap|secondary|reclaim\w*|urban min\w*|e-?waste|re-?use\w*)\b|回收|废料",
                       re.IGNORECASE)
_UNKNOWN = re.compile(r"^(unknown|unk|n\.?/?\s*a\.?|none|nil|tbd|tba|not known|not available|no information|no data|"
                      r"unidentified|not identified|to be (?:confirmed|determined)|pending|\?+|-+|0|x)$|未知",
                      re.IGNORECASE)
_VARIOUS = re.compile(r"\b(various|multiple|several|many|mixed|global(?:ly)?|world ?wide|international|all|"
                      r"other|others|etc\.?|diverse|see (?:rmi|attached|list)|rcoi|multi[- ]?country)\b|多国|各国",
                      re.IGNORECASE)


#: spellings seen in mine-country cells that the template's country list does not resolve (or resolves wrongly)
_ALIASES: dict[str, str] = {
    "congo (drc)": "CD", "congo drc": "CD", "congo (kinshasa)": "CD", "congo-kinshasa": "CD", "rdc": "CD",
    "dr of congo": "CD", "d.r. congo": "CD", "d.r.c.": "CD", "congo (democratic republic)": "CD",
    "congo (brazzaville)": "CG", "congo-brazzaville": "CG", "brasil": "BR", "peru (rep.)": "PE",
}


@dataclass(frozen=True)
class MineCountryToken:
    text: str  # the token as written (trimmed)
    iso2: str | None  # set for reason "country" (and "duplicate")
    reason: str  # one of REASONS

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def _exact_iso2(text: str) -> str | None:
    """ISO-2 only when the text names a country exactly (CMRT spellings first, no fuzzy guess)."""
    t = text.strip().strip(".").strip()
    if not t:
        return None
    try:
        return pycountry.countries.lookup(t).alpha_2
    except LookupError:
        return None


def _classify(text: str) -> tuple[str | None, str]:
    t = text.strip().strip(".").strip()
    if not t or _UNKNOWN.match(t):
        return None, "unknown"
    if _RECYCLED.search(t):
        return None, "recycled"
    code = _ALIASES.get(" ".join(t.casefold().split())) or country_iso2(t)
    if code:
        return code, "country"
    if _VARIOUS.search(t):
        return None, "various"
    return None, "not_a_country"


def _is_name(text: str) -> bool:
    """The text names one country as a whole ("Bosnia and Herzegovina", "Korea, Republic of")."""
    if _exact_iso2(text) or " ".join(text.casefold().split()) in _ALIASES:
        return True
    return bool(country_iso2(text)) and not _AND.search(text) and "," not in text


def _comma_pieces(part: str) -> list[str]:
    """Comma-separated pieces, with "Name, qualifier" spellings kept whole: "Rwanda, Burundi" is two
    countries, "Congo, Democratic Republic of the" one."""
    pieces = [p.strip() for p in part.split(",") if p.strip()]
    out: list[str] = []
    for piece in pieces:
        if out and _QUALIFIER.match(piece):
            out[-1] = f"{out[-1]}, {piece}"
        else:
            out.append(piece)
    return out


def _items(cell: str) -> list[str]:
    if _UNKNOWN.match(cell.strip()):
        return [cell.strip()]
    out: list[str] = []
    for part in _SPLIT.split(cell):
        part = part.strip()
        if not part:
            continue
        if _is_name(part) or _UNKNOWN.match(part):
            out.append(part)
            continue
        for piece in _comma_pieces(part):
            if _is_name(piece):
                out.append(piece)
            else:
                out.extend(x.strip() for x in _AND.split(piece) if x and x.strip())
    return out


@lru_cache(maxsize=8192)
def _parse(cell: str) -> tuple[MineCountryToken, ...]:
    out: list[MineCountryToken] = []
    seen: set[str] = set()
    for item in _items(cell):
        code, reason = _classify(item)
        if reason == "country" and code in seen:
            reason = "duplicate"
        if code:
            seen.add(code)
        out.append(MineCountryToken(item, code, reason))
    return tuple(out)


def parse_mine_countries(cell: Any) -> list[MineCountryToken]:
    """Every token of a mine-country cell with its reason, in the order written."""
    if cell is None:
        return []
    text = str(cell).strip()
    return list(_parse(text)) if text else []


def countries(cell: Any) -> list[str]:
    """The distinct ISO-2 countries a cell names, first occurrence order (recycled/unknown/various left out)."""
    return [t.iso2 for t in parse_mine_countries(cell) if t.reason == "country" and t.iso2]
