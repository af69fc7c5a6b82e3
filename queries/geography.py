"""Where a smelter is, against the two country lists the regimes use: Covered Countries and CAHRAs.

Why its own module: the Covered Countries are ten whole countries (Dodd-Frank §1502), but the EU's
CAHRA list names *areas*: a whole country for some entries, states / provinces / regions for most.
A smelter is in a CAHRA when its country has a whole-country entry, or when its state/province (RMI's
data gives it; the CMRT gives it for unlisted smelters) is one of the listed areas — by ISO 3166-2
code or by folded name. A country with sub-national entries only is not a CAHRA location for a
smelter elsewhere in it, and declared sourcing (a country, never an area) matches only whole-country
entries. The table used is the one in force on the as-of date (`ReferenceFacts.cahra_as_of`).

Example:
    >>> g = Geography({"CD", "RW"}, [{"iso2": "IN", "area": ""}, {"iso2": "CO", "area": "Antioquia",
    ...                                                               "area_code": "CO-ANT"}])
    >>> g.cahra_match("IN", None).kind, g.cahra_match("CO", "Medellín, Antioquia").kind
    ('country', 'area')
    >>> g.cahra_match("CO", "Bogotá D.C.").kind, g.is_cahra_country("CO")
    ('unmatched', False)
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from minetrace.ingest.reference.cahra import is_whole_country, norm_area, state_codes, state_names
from minetrace.queries._access import get


@dataclass(frozen=True)
class CahraMatch:
    """How a location relates to the CAHRA table: `country` (whole-country entry), `area` (the smelter's
    state/province is a listed area), or `unmatched` (the country has listed areas, not this one)."""

    kind: str
    iso2: str
    area: str = ""
    area_code: str = ""
    areas: tuple[str, ...] = ()  # the country's listed areas (for an `unmatched` note)
    as_of: str | None = None
    source: str | None = None

    @property
    def is_cahra(self) -> bool:
        return self.kind in ("country", "area")

    @property
    def text(self) -> str:
        when = f" (CAHRA list of {self.as_of})" if self.as_of else ""
        if self.kind == "country":
            return f"{self.iso2} is a whole-country CAHRA entry{when}"
        if self.kind == "area":
            code = f" [{self.area_code}]" if self.area_code and self.area_code != self.area else ""
            return f"{self.area}{code}, {self.iso2} is a listed CAHRA area{when}"
        shown = ", ".join(self.areas[:6]) + (" …" if len(self.areas) > 6 else "")
        return f"{self.iso2} has listed CAHRA areas ({shown}){when}, not the smelter's state/province"


class Geography:
    """Covered Countries (ISO-2) and the CAHRA entries in force, with the lookups the risk rules need."""

    def __init__(self, covered: Iterable[str], cahra: Iterable[Any] = (), extra_cahra: Iterable[str] = ()) -> None:
        self.covered = frozenset(c.upper() for c in covered if c)
        self.whole: dict[str, Any] = {}
        self.areas: dict[str, list[Any]] = defaultdict(list)
        for e in cahra:
            iso2 = str(get(e, "iso2") or "").upper()
            if not iso2:
                continue
            if is_whole_country(get(e, "area")) and not get(e, "area_code"):
                self.whole.setdefault(iso2, e)
            else:
                self.areas[iso2].append(e)
        for iso2 in extra_cahra:
            self.whole.setdefault(iso2.upper(), {"iso2": iso2.upper(), "source": "policy risk.cahra.extra"})

    def is_covered(self, iso2: str | None) -> bool:
        return iso2 is not None and iso2.upper() in self.covered

    def is_cahra_country(self, iso2: str | None) -> bool:
        """A whole-country CAHRA entry (what a declared mine country — never an area — can match)."""
        return iso2 is not None and iso2.upper() in self.whole

    def has_cahra(self, iso2: str | None) -> bool:
        """The country has any CAHRA entry (whole or sub-national)."""
        return iso2 is not None and (iso2.upper() in self.whole or iso2.upper() in self.areas)

    def cahra_match(self, iso2: str | None, state: Any = None) -> CahraMatch | None:
        """The CAHRA entry a location falls in (None when the country has no entry at all)."""
        if not iso2:
            return None
        iso2 = iso2.upper()
        whole = self.whole.get(iso2)
        if whole is not None:
            return CahraMatch("country", iso2, as_of=get(whole, "as_of"), source=get(whole, "source"))
        entries = self.areas.get(iso2)
        if not entries:
            return None
        codes = state_codes(iso2, state)
        names = state_names(state)
        for e in entries:
            code = str(get(e, "area_code") or "").upper()
            if (code and code in codes) or (norm_area(get(e, "area")) and norm_area(get(e, "area")) in names):
                return CahraMatch("area", iso2, str(get(e, "area") or code), code, as_of=get(e, "as_of"),
                                  source=get(e, "source"))
        listed = tuple(sorted({str(get(e, "area") or get(e, "area_code")) for e in entries}))
        return CahraMatch("unmatched", iso2, areas=listed, as_of=get(entries[0], "as_of"),
                          source=get(entries[0], "source"))

    def state(self) -> tuple[Any, ...]:
        """A fingerprint of the lists (for rating caches)."""
        return (tuple(sorted(self.covered)), tuple(sorted(self.whole)),
                tuple(sorted((k, tuple(sorted(str(get(e, "area")) for e in v))) for k, v in self.areas.items())))
