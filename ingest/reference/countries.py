"""Country text → ISO 3166-1 alpha-2, the way CMRT templates and RMI exports spell countries.

Why: everything downstream (covered countries, CAHRA, country boost in resolution) compares
ISO codes, never names. The CMRT's own spellings come first because they hold traps
("CONGO" is the Republic of the Congo, CG — not the DRC); pycountry's lookup and fuzzy search
are the fallback for free text.

>>> country_iso2("CONGO"), country_iso2("CONGO, DEMOCRATIC REPUBLIC OF THE"), country_iso2("Viet Nam")
('CG', 'CD', 'VN')
"""

from __future__ import annotations

import re
from functools import lru_cache

import pycountry

#: CMRT / RMI spellings and common variants that pycountry does not resolve (or resolves wrongly).
_SPECIAL: dict[str, str | None] = {
    "congo": "CG",
    "republic of the congo": "CG",
    "congo brazzaville": "CG",
    "congo, republic of the": "CG",
    "congo, democratic republic of the": "CD",
    "democratic republic of the congo": "CD",
    "democratic republic of congo": "CD",
    "dr congo": "CD",
    "drc": "CD",
    "congo, the democratic republic of the": "CD",
    "congo kinshasa": "CD",
    "korea, republic of": "KR",
    "republic of korea": "KR",
    "south korea": "KR",
    "korea": "KR",
    "korea, democratic people's republic of": "KP",
    "north korea": "KP",
    "taiwan": "TW",
    "taiwan, province of china": "TW",
    "chinese taipei": "TW",
    "russia": "RU",
    "russian federation": "RU",
    "viet nam": "VN",
    "vietnam": "VN",
    "united states": "US",
    "united states of america": "US",
    "usa": "US",
    "u.s.a.": "US",
    "us": "US",
    "america": "US",
    "united kingdom": "GB",
    "uk": "GB",
    "great britain": "GB",
    "england": "GB",
    "tanzania": "TZ",
    "tanzania, united republic of": "TZ",
    "bolivia": "BO",
    "bolivia, plurinational state of": "BO",
    "iran": "IR",
    "iran, islamic republic of": "IR",
    "laos": "LA",
    "lao people's democratic republic": "LA",
    "syria": "SY",
    "czech republic": "CZ",
    "czechia": "CZ",
    "turkey": "TR",
    "turkiye": "TR",
    "türkiye": "TR",
    "hong kong": "HK",
    "macau": "MO",
    "macao": "MO",
    "ivory coast": "CI",
    "cote d'ivoire": "CI",
    "côte d'ivoire": "CI",
    "swaziland": "SZ",
    "eswatini": "SZ",
    "burma": "MM",
    "myanmar": "MM",
    "kyrgyzstan": "KG",
    "moldova": "MD",
    "venezuela": "VE",
    "uae": "AE",
    "u.a.e.": "AE",
    "united arab emirates": "AE",
    "south sudan": "SS",
    "central african republic": "CF",
    "car": "CF",
    "unknown": None,
    "n/a": None,
    "na": None,
    "-": None,
    "0": None,
    "": None,
}

_SPACES = re.compile(r"\s+")


@lru_cache(maxsize=4096)
def country_iso2(text: object) -> str | None:
    """ISO-2 code for a country cell (name, ISO-2 or ISO-3), None when unknown or empty."""
    if text is None:
        return None
    raw = _SPACES.sub(" ", str(text).replace("\u00a0", " ")).strip().strip(".").strip()
    if not raw:
        return None
    key = raw.casefold()
    if key in _SPECIAL:
        return _SPECIAL[key]
    if len(raw) == 2 and raw.isalpha():
        hit = pycountry.countries.get(alpha_2=raw.upper())
        return hit.alpha_2 if hit else None
    if len(raw) == 3 and raw.isalpha():
        hit = pycountry.countries.get(alpha_3=raw.upper())
        if hit:
            return hit.alpha_2
    try:
        return pycountry.countries.lookup(raw).alpha_2
    except LookupError:
        pass
    # "BOLIVIA (PLURINATIONAL STATE OF)", "IRAN (ISLAMIC REPUBLIC OF)": the UN/RMI form of
    # pycountry's "Bolivia, Plurinational State of" — try that order, then the bare name
    if "(" in raw and raw.endswith(")"):
        base, _, inner = raw[:-1].partition("(")
        for candidate in (f"{base.strip()}, {inner.strip()}", base.strip()):
            found = country_iso2(candidate) if candidate.casefold() != key else None
            if found:
                return found
    # "Country, something" → try the part before the comma ("CHINA, Jiangxi")
    if "," in raw:
        head = raw.split(",", 1)[0].strip()
        if head.casefold() != key:
            found = country_iso2(head)
            if found:
                return found
    try:
        hits = pycountry.countries.search_fuzzy(raw)
    except LookupError:
        return None
    return hits[0].alpha_2 if len(hits) == 1 or len(raw) > 4 else None
