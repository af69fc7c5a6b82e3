"""Remembered resolution decisions: a YAML file in the store directory (``decisions.yaml``).

On a shared (Neo4j) workspace the same decisions are nodes in the server, loaded into a `Decisions` without a
path and written back one by one through `on_record` (graph.workspace, graph.neo4j_workspace).

Why a plain file: analysts review and version it (git, e-mail) and it survives a rebuilt
reference DB. A decision says, for a raw name + metal (+ country, optional), "this is CIDxxxxxx"
(accept) or "this is not CIDxxxxxx" (reject). Names match after `normalise_name`, countries by
ISO-2; a decision without a country applies to every country.

File shape::

    decisions:
      - {metal: Gold, name: "Tanaka Kikinzoku", country: JP, accept: CID001875, decided_on: 2026-11-27}
      - {metal: Tin, name: "Jean Goldschmidt International", reject: [CID000123]}
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from minetrace.ingest.metals import canonical_metal
from minetrace.ingest.names import normalise_name
from minetrace.ingest.reference.countries import country_iso2

if TYPE_CHECKING:
    from minetrace.ingest.reference.store import Facility, ReferenceStore


@dataclass
class Decision:
    metal: str
    name: str
    country: str | None = None  # ISO-2, None = any country
    accept: str | None = None
    reject: set[str] = field(default_factory=set)
    decided_on: str | None = None
    note: str | None = None

    def to_yaml(self) -> dict[str, Any]:
        out: dict[str, Any] = {"metal": self.metal, "name": self.name}
        if self.country:
            out["country"] = self.country
        if self.accept:
            out["accept"] = self.accept
        if self.reject:
            out["reject"] = sorted(self.reject)
        if self.decided_on:
            out["decided_on"] = self.decided_on
        if self.note:
            out["note"] = self.note
        return out


class Decisions:
    """The decisions of one file, indexed by (metal, normalised name, ISO-2 or '')."""

    def __init__(self, path: Path | None = None, entries: list[Decision] | None = None,
                 on_record: Callable[[Decision], None] | None = None) -> None:
        self.path = path
        #: called with each decision `record` makes (a shared workspace keeps it in its server, graph.workspace)
        self.on_record = on_record
        self.entries: list[Decision] = list(entries or [])
        if path is not None and path.exists() and entries is None:
            self.entries = self._read(path)
        self._index()

    @staticmethod
    def _read(path: Path) -> list[Decision]:
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        items = doc.get("decisions", []) if isinstance(doc, dict) else doc
        out = []
        for item in items or []:
            if not isinstance(item, dict) or not item.get("metal") or not item.get("name"):
                continue
            reject = item.get("reject") or []
            out.append(Decision(
                metal=str(item["metal"]), name=str(item["name"]),
                country=country_iso2(item.get("country")) if item.get("country") else None,
                accept=str(item["accept"]).strip().upper() if item.get("accept") else None,
                reject={str(r).strip().upper() for r in ([reject] if isinstance(reject, str) else reject)},
                decided_on=str(item.get("decided_on")) if item.get("decided_on") else None,
                note=item.get("note")))
        return out

    def _index(self) -> None:
        self._by_key: dict[tuple[str, str, str], Decision] = {}
        for d in self.entries:
            self._by_key[(d.metal, normalise_name(d.name), d.country or "")] = d

    def __len__(self) -> int:
        return len(self.entries)

    def find(self, metal: str | None, name: str | None, iso2: str | None) -> Decision | None:
        """The decision for this name: the country-specific one first, then the any-country one."""
        if not metal or not name:
            return None
        key = normalise_name(name)
        return self._by_key.get((metal, key, iso2 or "")) or self._by_key.get((metal, key, ""))

    def record(self, metal: str, name: str, country: str | None, accept: str | None = None,
               reject: str | None = None, note: str | None = None) -> Decision:
        """Add or update a decision and write the file (when the object has a path)."""
        iso2 = country_iso2(country) if country else None
        d = self._by_key.get((metal, normalise_name(name), iso2 or ""))
        if d is None:
            d = Decision(metal=metal, name=" ".join(name.split()), country=iso2)
            self.entries.append(d)
        if accept:
            d.accept = accept.strip().upper()
            d.reject.discard(d.accept)
        if reject:
            r = reject.strip().upper()
            d.reject.add(r)
            if d.accept == r:
                d.accept = None
        d.decided_on = date.today().isoformat()
        if note:
            d.note = note
        self._index()
        self.save()
        if self.on_record is not None:
            self.on_record(d)
        return d

    def save(self) -> None:
        if self.path is None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        doc = {"decisions": [d.to_yaml() for d in self.entries]}
        header = "# minetrace resolution decisions (accept/reject a CID for a raw name + metal + country)\n"
        self.path.write_text(header + yaml.safe_dump(doc, sort_keys=False, allow_unicode=True), encoding="utf-8")


class DecisionError(ValueError):
    """A decision that cannot be recorded (unknown metal, a CID the reference does not hold or of another metal);
    `str()` says why."""


@dataclass
class RecordedDecision:
    """What `record_decision` did: the decision as now on file, the facility accepted, the review items closed."""

    decision: Decision
    metal: str  # canonical
    target: str  # the CID accepted or rejected, upper case
    facility: Facility | None  # the accepted CID's facility (None for a reject)
    closed_reviews: int


def decision_metal(metal: str, accept: str | None, reject: str | None) -> str:
    """The checks a decision passes before any store is opened: exactly one of `accept`/`reject` and a known metal;
    returns the canonical metal name."""
    if bool(accept) == bool(reject):
        raise DecisionError("give exactly one of --accept CID or --reject CID")
    canonical = canonical_metal(metal) if metal else None
    if not canonical:
        raise DecisionError(f"unknown metal {metal!r}")
    return canonical


def record_decision(ref: ReferenceStore, metal: str, raw_name: str, country: str | None, accept: str | None = None,
                    reject: str | None = None, note: str | None = None) -> RecordedDecision:
    """Record one accept/reject decision in the store's decisions (its file; a shared workspace's server) and close
    the review items an accept settles — the one way a decision is recorded (`minetrace reference decide`, the
    explorer's review queue). Checks: exactly one of `accept`/`reject`, a known metal, and an accepted CID the
    reference holds for that metal. Applying it to the rows already stored is the graph's part
    (`graph.relink.apply_decisions`)."""
    canonical = decision_metal(metal, accept, reject)
    target = (accept or reject or "").strip().upper()
    fac = ref.facility(target) if accept else None
    if accept and fac is None:
        raise DecisionError(f"{target} is not in the reference store; import the RMI list first")
    if fac is not None and fac.metal and fac.metal != canonical:
        raise DecisionError(f"{target} is a {fac.metal} facility, not {canonical}")
    d = ref.decisions().record(canonical, raw_name, country, accept=accept, reject=reject, note=note)
    closed = ref.close_reviews(canonical, raw_name, country) if accept else 0
    return RecordedDecision(d, canonical, target, fac, closed)
