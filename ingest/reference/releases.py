"""Which template Look-ups are RMI's own: a content digest per release, and the trust a Look-up earns.

Why: every CMRT 6.x / EMRT / CRT / AMRT 1.3 a supplier sends carries a Smelter Look-up (CIDs,
standard names, countries), and every CMRT 3.01 a crosswalk. Learned blindly, any stranger's file
could rewrite the shared reference (move a Chinese smelter to the DRC in its own Look-up and every
other supplier's row of that smelter turns "covered location"). So a Look-up is trusted only when
its *content* is a release RMI published:

* `lookup_digest()` — a sha256 of the template kind, version and the Look-up rows as the reader
  gives them (trailing blank rows ignored), the same for a blank template and for every supplier
  file that left the sheet alone (and for .xls and .xlsx of one release);
* `known_releases.csv` (shipped: facts only — kind, version, release date, digest; no RMI content)
  plus the releases a user vouches for by importing a *blank* template (`minetrace reference import`),
  kept in the reference store;
* `template_trust()` — "template" for a known release or a blank template, else "supplier": a
  supplier's own Look-up, whose facts are kept as proposals that never change a shared fact.
"""

from __future__ import annotations

import csv
import hashlib
from functools import lru_cache
from pathlib import Path
from typing import Any

#: template kinds whose files carry a Smelter Look-up (AMRT only from 1.3; the reader says when there is none)
LOOKUP_KINDS = frozenset({"CMRT", "EMRT", "CRT", "AMRT"})
KNOWN_RELEASES = Path(__file__).resolve().parent / "known_releases.csv"

#: trust levels of a source of reference facts, and their rank (a higher rank wins; a supplier never does)
TRUST_RMI = "rmi"  # RMI's own exports (reference list, facility lists, revision history)
TRUST_TEMPLATE = "template"  # a template release recognised by content, or a blank template a user imports
TRUST_STARTER = "starter"  # the project's cited starter set
TRUST_SUPPLIER = "supplier"  # a supplier's workbook: proposals only
TRUST_RANK: dict[str | None, int] = {TRUST_SUPPLIER: 0, TRUST_TEMPLATE: 2, TRUST_STARTER: 2, TRUST_RMI: 3,
                                     None: 2}  # None: a fact stored before trust was recorded


def trust_rank(trust: str | None) -> int:
    return TRUST_RANK.get(trust, 2)


def _sheet_digest(h: Any, sheet: Any, cols: int) -> None:
    """Feed the sheet's first `cols` columns to `h` (trailing blank cells and rows do not count)."""
    rows = [tuple(row[:cols]) for row in sheet.rows]
    blank = ("",) * cols
    rows = [r + ("",) * (cols - len(r)) if len(r) < cols else r for r in rows]
    while rows and (rows[-1] == blank or not any(v not in ("", None) for v in rows[-1])):
        rows.pop()
    h.update(repr(rows).encode("utf-8"))  # values as the reader gives them (str / float / date)


def lookup_digest(kind: str | None, version: str | None, workbook: Any) -> tuple[str, str] | None:
    """(content digest, importer kind) of the reference list a workbook carries, or None when it has none."""
    kind = (kind or "").upper()
    version = version or "?"
    h = hashlib.sha256(f"{kind}\x1f{version}\x1f".encode())
    lookup = workbook.sheet("Smelter Look-up") if kind in LOOKUP_KINDS else None
    if lookup is not None and lookup.max_row > 4:
        h.update(b"lookup\x1e")
        _sheet_digest(h, lookup, 9)
        return h.hexdigest(), "template-lookup"
    ssn = workbook.sheet("Standard Smelter Names") if kind == "CMRT" and version.startswith("3") else None
    if ssn is not None:
        h.update(b"301\x1e")
        _sheet_digest(h, ssn, 5)
        k = workbook.sheet("K")
        if k is not None:
            h.update(b"K\x1e")
            _sheet_digest(h, k, 6)
        return h.hexdigest(), "template-301"
    return None


@lru_cache(maxsize=1)
def shipped_releases() -> dict[str, dict[str, str]]:
    """digest → {kind, version, release_date, importer, seen_in} of the releases this project knows."""
    with KNOWN_RELEASES.open(encoding="utf-8", newline="") as fh:
        return {row["digest"]: dict(row) for row in csv.DictReader(fh)}


def known_release(digest: str, store: Any = None) -> dict[str, str] | None:
    """The release a Look-up digest is, from the shipped list or the store's vouched releases; None if unknown."""
    hit = shipped_releases().get(digest)
    if hit is None and store is not None and hasattr(store, "vouched_release"):
        hit = store.vouched_release(digest)
    return hit


def is_blank_template(workbook: Any) -> bool:
    """A template nobody filled in: no company name and no smelter row (what RMI publishes)."""
    try:
        from minetrace.ingest.reader import read_declaration

        decl = read_declaration(workbook)
    except Exception:  # not readable as a declaration: not something we can call blank
        return False
    return not (decl.company.name or decl.smelters or decl.products)


def template_trust(digest: str, workbook: Any, store: Any = None, explicit: bool = False) -> tuple[str, str]:
    """(trust, why) of a template's Look-up: a known release is RMI's own; a blank template a user imports
    (`explicit`) is vouched for; anything else is a supplier's Look-up (proposals only)."""
    release = known_release(digest, store)
    if release is not None:
        return TRUST_TEMPLATE, f"a known RMI release ({release.get('kind')} {release.get('version')})"
    if explicit and is_blank_template(workbook):
        return TRUST_TEMPLATE, "a blank template imported by you (its release is now recognised by content)"
    return TRUST_SUPPLIER, ("not a known RMI release: a supplier's own Look-up, kept as proposals that never "
                            "change a shared fact")
