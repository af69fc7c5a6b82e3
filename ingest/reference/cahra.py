"""CAHRA areas: the EU's indicative list as published (CSV / xlsx table) → dated, sub-national entries.

Why: Regulation (EU) 2017/821 speaks of conflict-affected and high-risk *areas*. The indicative list
(prepared for the Commission, revised quarterly) names regions within about thirty countries, and a
smelter is in a CAHRA when its state/province is one of them — not merely because its country has
one somewhere. Each entry keeps the country (ISO-2), the area name as published and its ISO 3166-2
code (given by the file, or looked up by name in pycountry's subdivisions), the list's date and the
file as source. A row without an area (or "whole country", "entire country", "all") stays a
country-level entry.

The table is recognised by its header: a country column, a region column ("Region", "Area",
"Sub-national area", "Province", "Subdivision", "Admin 1", "ISO 3166-2") and, to tell it from other
country tables, either a classification column ("Classification", "Status", "CAHRA status",
"Conflict-affected / high-risk", "Category") or "cahra" in the file name. Dates: an "As of" /
"Date" / "Update" column, else the `--as-of` option, else a date in the file name.

Example (a CSV as the list's site exports it):
    Country,Region,ISO 3166-2,Classification
    Colombia,Antioquia,CO-ANT,Conflict-affected
    India,,,High-risk
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import pycountry

from minetrace.ingest.reference.countries import country_iso2
from minetrace.ingest.reference.tables import as_text, header_key

if TYPE_CHECKING:
    from minetrace.ingest.reference.tables import Table

#: area texts that mean "the whole country" (and the starter's former placeholder)
WHOLE_COUNTRY = {"", "whole country", "entire country", "country", "all", "all areas", "nationwide", "national",
                 "areas within", "*", "-"}
COUNTRY_KEYS = ("country", "countryname", "countrylocation", "state")
REGION_KEYS = ("region", "area", "subnationalarea", "subnationalregion", "province", "subdivision", "admin1",
               "regionarea", "areaname", "regionname", "stateprovince", "stateprovinceregion", "iso31662name")
CODE_KEYS = ("iso31662", "iso31662code", "subdivisioncode", "regioncode", "areacode", "code", "pcode")
CLASS_KEYS = ("classification", "status", "cahrastatus", "category", "conflictaffectedorhighrisk",
              "conflictaffectedhighrisk", "type", "risk", "cahra")
DATE_KEYS = ("asof", "date", "update", "updated", "listdate", "lastupdate", "edition")
_NOISE = re.compile(r"\b(province|provincia|region|région|regional|state|department|departamento|département|"
                    r"governorate|prefecture|oblast|county|district|territory|city of|of|the|de|du|des|la|le)\b")


def norm_area(text: Any) -> str:
    """An area / state name folded for comparison: accents, case, punctuation and words such as
    "Province", "Region", "State", "City of" dropped ("City of Kigali" ~ "Kigali", "Nord-Kivu" ~ "nordkivu")."""
    t = unicodedata.normalize("NFKD", str(text or "")).encode("ascii", "ignore").decode().casefold()
    t = _NOISE.sub(" ", t)
    return re.sub(r"[^a-z0-9]", "", t)


def is_whole_country(area: Any) -> bool:
    return str(area or "").strip().casefold() in WHOLE_COUNTRY


@lru_cache(maxsize=512)
def _subdivisions(iso2: str) -> dict[str, str]:
    """Folded subdivision name → ISO 3166-2 code for one country (pycountry)."""
    out: dict[str, str] = {}
    for sub in pycountry.subdivisions.get(country_code=iso2.upper()) or []:
        out.setdefault(norm_area(sub.name), sub.code)
    return out


def area_code(iso2: str | None, area: Any) -> str:
    """The ISO 3166-2 code of an area name within a country ("" when pycountry does not know it)."""
    if not iso2 or is_whole_country(area):
        return ""
    text = str(area).strip()
    if re.fullmatch(r"[A-Za-z]{2}-[A-Za-z0-9]{1,3}", text):
        return text.upper()
    return _subdivisions(iso2.upper()).get(norm_area(text), "")


def state_codes(iso2: str | None, state: Any) -> set[str]:
    """ISO 3166-2 codes a smelter's state/province text may name ("Lubumbashi, Haut-Katanga" → the
    code of any comma part pycountry knows)."""
    if not iso2 or not state:
        return set()
    return {c for c in (area_code(iso2, part) for part in str(state).split(",")) if c}


def state_names(state: Any) -> set[str]:
    """The folded names a state/province text may stand for: the whole text and each comma part."""
    parts = [str(state or "")] + str(state or "").split(",")
    return {n for n in (norm_area(p) for p in parts) if n}


def _col(keys: set[str], options: tuple[str, ...]) -> str | None:
    return next((opt for opt in options if opt in keys), None)


def looks_like_cahra(table: Table, name: str) -> bool:
    """The header of the published list: country + region, and a classification column or "cahra" in the name."""
    keys = {header_key(h) for h in table.header}
    has_country = any(k in keys for k in ("country", "countryname"))
    has_region = any(k in keys for k in REGION_KEYS + CODE_KEYS[:3])
    has_class = any(k in keys for k in CLASS_KEYS) or "cahra" in name.casefold()
    return has_country and has_region and has_class and "smelterid" not in keys


def cahra_rows(table: Table) -> tuple[list[dict[str, str]], int, list[str]]:
    """(entries {iso2, area, area_code, as_of, classification}, rows skipped, messages) from the table."""
    keys = {header_key(h) for h in table.header}
    cols = {"country": _col(keys, ("country", "countryname")), "area": _col(keys, REGION_KEYS),
            "code": _col(keys, CODE_KEYS), "class": _col(keys, CLASS_KEYS), "as_of": _col(keys, DATE_KEYS)}
    out: list[dict[str, str]] = []
    skipped = 0
    messages: list[str] = []
    for rec in table.records():
        def val(what: str, rec: dict[str, Any] = rec) -> str:
            col = cols[what]
            return (as_text(rec.get(col)) or "") if col else ""

        iso2 = country_iso2(val("country"))
        if not iso2:
            skipped += 1
            if val("country") and len(messages) < 5:
                messages.append(f"unknown country {val('country')!r}")
            continue
        area, code = val("area"), val("code").upper()
        if is_whole_country(area) and not code:
            area = ""
        elif not area and code:
            area = code
        out.append({"iso2": iso2, "area": area, "area_code": code or area_code(iso2, area), "as_of": val("as_of"),
                    "classification": val("class")})
    return out, skipped, messages
