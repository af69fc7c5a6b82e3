"""Canonical metal names and the spellings templates use for them.

Every record carries the canonical name ("Tin", "Tantalum", "Tungsten", "Gold", or the
EMRT/CRT/AMRT mineral name in title case) so that the graph and the queries never see
"Tantalum (Ta)", "tantalum  (*)" or "钽".
"""

from __future__ import annotations

import re

TIN = "Tin"
TANTALUM = "Tantalum"
TUNGSTEN = "Tungsten"
GOLD = "Gold"

#: The four 3TG metals in the fixed order the CMRT Declaration lists them.
CMRT_METALS: tuple[str, ...] = (TANTALUM, TIN, GOLD, TUNGSTEN)
THREE_TG: frozenset[str] = frozenset(CMRT_METALS)

#: Old-style (<= 2.03a) smelter IDs start with a metal digit.
OLD_ID_METAL_DIGIT: dict[str, str] = {"1": GOLD, "2": TIN, "3": TANTALUM, "4": TUNGSTEN}

_ALIASES: dict[str, str] = {
    "tin": TIN, "sn": TIN, "tin (sn)": TIN, "锡": TIN,
    "tantalum": TANTALUM, "ta": TANTALUM, "tantalum (ta)": TANTALUM, "钽": TANTALUM,
    "tungsten": TUNGSTEN, "w": TUNGSTEN, "tungsten (w)": TUNGSTEN, "钨": TUNGSTEN,
    "gold": GOLD, "au": GOLD, "gold (au)": GOLD, "金": GOLD,
    "cobalt": "Cobalt", "co": "Cobalt", "mica": "Mica", "copper": "Copper", "cu": "Copper",
    "lithium": "Lithium", "li": "Lithium", "nickel": "Nickel", "ni": "Nickel",
    "graphite": "Graphite", "natural graphite": "Graphite",
    "aluminum": "Aluminum", "aluminium": "Aluminum", "iridium": "Iridium", "lime": "Lime",
    "manganese": "Manganese", "palladium": "Palladium", "platinum": "Platinum",
    "rare earth elements": "Rare Earth Elements", "rhodium": "Rhodium", "ruthenium": "Ruthenium",
    "silver": "Silver", "soda ash": "Soda Ash", "zinc": "Zinc",
}

_NOISE = re.compile(r"\(\*\)|\(\s*[a-z]{1,2}\s*\)\s*$", re.IGNORECASE)


def canonical_metal(value: object) -> str | None:
    """Return the canonical metal name for a cell value, or None when it names no metal.

    >>> canonical_metal("Tantalum (Ta) (*)"), canonical_metal(" tin "), canonical_metal("")
    ('Tantalum', 'Tin', None)
    """
    if value is None:
        return None
    text = str(value).strip()
    if not text:
        return None
    key = " ".join(text.lower().split())
    if key in _ALIASES:
        return _ALIASES[key]
    stripped = " ".join(_NOISE.sub("", key).replace("(*)", "").split())
    stripped = re.sub(r"\s*\([a-z]{1,2}\)$", "", stripped).strip()
    return _ALIASES.get(stripped)
