"""The review queue by name: one entry per decision an analyst can make.

Why: a decision (`minetrace reference decide`, the explorer's Accept/Reject) is made for a metal, a name as
written and a country, and it closes every queued row whose name normalises the same in that country
(`ReferenceStore.close_reviews`) and re-points every stored row. The queue itself holds one item per smelter-list
row, so a name many suppliers write the same way was listed once per row: a 200-supplier program resolved
against the starter set queued 366 rows under 29 names. The CLI and the explorer both list `by_name`.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from minetrace.ingest.names import normalise_name
from minetrace.ingest.reference.countries import country_iso2


@dataclass
class ReviewName:
    """The queued rows one decision settles (`items`, in queue order); `metal`, `raw_name` and `country` as most of
    them write it (the first such row on a tie): what the entry shows and the decision is recorded under."""

    metal: str | None
    raw_name: str | None
    country: str | None
    items: list[dict[str, Any]] = field(default_factory=list)

    @property
    def first(self) -> dict[str, Any]:
        """The first item written as the entry shows it (its candidates and status are the entry's)."""
        return next((it for it in self.items if (it.get("raw_name"), it.get("country")) == (self.raw_name,
                                                                                         self.country)),
                    self.items[0])


def by_name(items: list[dict[str, Any]]) -> list[ReviewName]:
    """The open review items (`ReferenceStore.open_reviews`) grouped by (metal, normalised name, country ISO-2 —
    the country as written when it has no code), in the order each name first appears."""
    groups: dict[tuple[Any, str, Any], ReviewName] = {}
    for item in items:
        country = item.get("country")
        key = (item.get("metal"), normalise_name(str(item.get("raw_name") or "")),
               country_iso2(country) or (str(country).strip().upper() if country else None))
        group = groups.get(key)
        if group is None:
            group = groups[key] = ReviewName(item.get("metal"), item.get("raw_name"), country)
        group.items.append(item)
    for group in groups.values():
        (group.raw_name, group.country), _ = Counter((it.get("raw_name"), it.get("country"))
                                                     for it in group.items).most_common(1)[0]
    return list(groups.values())


def places(name: ReviewName, files: dict[str, str]) -> list[str]:
    """"<file> row <n>" of each row the name stands for, by file and row (`files`: declaration sha256 → file
    name; a form not named there shows as its hash's first 12 characters)."""
    def where(it: dict[str, Any]) -> tuple[str, int]:
        sha = str(it.get("declaration_sha256") or "")
        return files.get(sha) or sha[:12], int(it.get("row") or 0)

    return [f"{file} row {row}" for file, row in sorted(where(it) for it in name.items)]
