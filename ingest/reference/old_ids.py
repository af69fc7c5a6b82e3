"""Old-style smelter IDs (CMRT 2.x, before RMI's CIDs): what the ID itself says.

Why: a 2012–2014 supplier file identifies smelters as ``3USA005`` — a metal digit (1 gold, 2 tin,
3 tantalum, 4 tungsten), the ISO 3166-1 alpha-3 code of the smelter's country and a number. Without
RMI's 3.01 crosswalk (old ID → CID, `template-301` import) the number means nothing, but the metal and
the country are facts of the row that resolution must respect: a US tantalum row never resolves to
the same group's Japanese plant. With the crosswalk, the ID leads to a CID — whose facility may have
been split since, so the row's country picks the successor.

>>> parse_old_id("3USA005")
OldId(text='3USA005', metal='Tantalum', iso2='US', number=5)
>>> parse_old_id("1CDN123") is None  # CDN is no ISO-3 code
True
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pycountry

from minetrace.ingest.metals import OLD_ID_METAL_DIGIT

OLD_ID_RE = re.compile(r"^([1-4])([A-Z]{3})(\d{3})$")


@dataclass(frozen=True)
class OldId:
    text: str
    metal: str
    iso2: str
    number: int


def parse_old_id(text: object) -> OldId | None:
    """The facts an old-style ID states; None when the text is no old ID (or its country code is not ISO-3)."""
    if text is None:
        return None
    raw = str(text).strip().upper()
    m = OLD_ID_RE.match(raw)
    if not m:
        return None
    country = pycountry.countries.get(alpha_3=m.group(2))
    if country is None:
        return None
    return OldId(raw, OLD_ID_METAL_DIGIT[m.group(1)], country.alpha_2, int(m.group(3)))


def is_old_id_shape(text: object) -> bool:
    """Shaped like an old ID (digit 1–4, three letters, three digits), whatever the country code."""
    return text is not None and OLD_ID_RE.match(str(text).strip().upper()) is not None
