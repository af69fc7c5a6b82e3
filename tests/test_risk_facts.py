"""A small in-memory implementation of `queries.risk.ReferenceFacts` for query tests, plus its own checks.

It is a real implementation of the protocol (dated statuses, removals, successors, watchlist, CAHRA
by date), not a mock: the risk tests run the same code path as with `ingest.reference.store`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from minetrace.queries.risk import ReferenceFacts


@dataclass
class Fac:
    cid: str
    metal: str
    standard_name: str
    country_iso2: str
    removed_on: str | None = None
    removal_reason: str | None = None
    successor: str | None = None
    retired: bool = False


@dataclass
class Obs:
    status: str
    as_of: str
    last_audit: str | None = None
    audit_cycle: str | None = None
    reaudit_in_progress: bool = False


@dataclass
class Status:
    cid: str
    as_of: str
    status: str
    last_audit: str | None = None
    audit_cycle: str | None = None
    reaudit_in_progress: bool = False
    removed_on: str | None = None
    removal_reason: str | None = None
    basis: str = "memory"
    source: str = "test"


@dataclass
class Chain:
    given: str
    current: str | None
    successors: list[str] = field(default_factory=list)
    chain: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    retired: bool = False


class MemoryFacts:
    """facilities + dated status observations + watchlist + covered/CAHRA lists, in dicts."""

    def __init__(self) -> None:
        self.facs: dict[str, Fac] = {}
        self.obs: dict[str, list[Obs]] = {}
        self.watch: list[dict[str, Any]] = []
        self.covered = {"CD", "AO", "BI", "CF", "CG", "RW", "SS", "TZ", "UG", "ZM"}
        self.cahra: list[tuple[str, str]] = []  # (iso2, as_of)

    def add(self, cid: str, metal: str, name: str, iso2: str, status: str | None = None, as_of: str = "2016-01-01",
            last_audit: str | None = None, cycle: str | None = None, **kw: Any) -> MemoryFacts:
        self.facs[cid] = Fac(cid, metal, name, iso2, **kw)
        if kw.get("removed_on"):
            self.facs[cid].retired = True
        if status:
            self.obs.setdefault(cid, []).append(Obs(status, as_of, last_audit, cycle))
        return self

    # --- the protocol
    def facility(self, cid: str) -> Fac | None:
        return self.facs.get(cid.upper())

    def current_cid(self, cid: str) -> Chain:
        given = cid.upper()
        chain, notes, cur = [given], [], given
        while cur in self.facs and self.facs[cur].successor:
            notes.append(f"{cur} removed {self.facs[cur].removed_on}: {self.facs[cur].removal_reason}")
            cur = self.facs[cur].successor
            chain.append(cur)
        if given not in self.facs:
            return Chain(given, None, chain=chain, notes=[f"{given} is not in the reference store"])
        return Chain(given, cur, chain=chain, notes=notes, retired=len(chain) > 1)

    def status_as_of(self, cid: str, when: date | str | None = None, scheme: str = "RMAP") -> Status:
        day = (when if isinstance(when, str) else (when or date.today()).isoformat())
        obs = [o for o in self.obs.get(cid, []) if o.as_of <= day]
        res = Status(cid, day, "Not listed")
        if obs:
            o = max(obs, key=lambda x: x.as_of)
            res = Status(cid, day, o.status, o.last_audit, o.audit_cycle, o.reaudit_in_progress)
        fac = self.facs.get(cid)
        if fac and fac.removed_on and fac.removed_on <= day:
            res.removed_on, res.removal_reason = fac.removed_on, fac.removal_reason
        return res

    def watchlist(self, when: date | str | None = None) -> list[dict[str, Any]]:
        return list(self.watch)

    def is_covered_country(self, iso2: str | None) -> bool:
        return bool(iso2) and iso2.upper() in self.covered

    def cahra_as_of(self, when: date | str | None = None) -> list[dict[str, Any]]:
        day = when if isinstance(when, str) else (when or date.today()).isoformat()
        return [{"iso2": iso2, "as_of": a} for iso2, a in self.cahra if a <= day]

    def covered_countries(self) -> set[str]:
        return set(self.covered)

    def status_snapshots(self, scheme: str = "RMAP") -> list[dict[str, Any]] | None:
        return None  # these facts cannot tell which status lists they rest on

    def summary(self) -> dict[str, Any] | None:
        return None  # no record of imports

    def version(self) -> str | None:
        return None  # never fingerprinted: nothing rated from them is remembered


def classic_facts() -> MemoryFacts:
    """The facts the hand-worked risk and query tests use (reporting year 2016, statuses judged at the filing
    date 2017-05-31; CID000300's conformance lapses on 2017-02-01, between the year end and the filing date)."""
    f = MemoryFacts()
    f.add("CID002587", "Gold", "Tony Goetz NV", "BE", "Active", removed_on="2025-06-27",
          removal_reason="No longer an operating smelter / refiner")
    f.add("CID001070", "Tin", "Conformant Rwanda Tin", "RW", "Conformant", last_audit="2016-06-01", cycle="1 Year")
    f.add("CID001000", "Tantalum", "Active Congo Ta", "CD", "Active")
    f.add("CID000100", "Gold", "Active China Au", "CN", "Active")
    f.add("CID000200", "Gold", "Lapsed Japan Au", "JP", "Conformant", last_audit="2015-03-01", cycle="1 Year")
    f.add("CID000300", "Gold", "Lapses Soon Au", "CH", "Conformant", last_audit="2016-02-01", cycle="1 Year")
    f.add("CID000400", "Tungsten", "Non Conformant W", "CN", "Non Conformant")
    f.add("CID000500", "Gold", "Not A Smelter Au", "US", None, removed_on="2015-05-01",
          removal_reason="Evidence obtained by RMI indicates company does not meet the RMI definition of a smelter")
    f.add("CID000600", "Tin", "Old Alias Tin", "MY", None, removed_on="2014-01-01", removal_reason="Alias to CID000700",
          successor="CID000700")
    f.add("CID000700", "Tin", "Current Tin", "MY", "Conformant", last_audit="2016-09-01", cycle="3 Years")
    f.add("CID000800", "Gold", "Zimbabwe Au", "ZW", "Not listed")
    f.add("CID000900", "Tin", "Conformant China Tin", "CN", "Conformant", last_audit="2016-08-01", cycle="1 Year")
    f.watch.append({"cid": "CID002587", "metal": "Gold", "name": "Tony Goetz NV", "list_name": "classic-six",
                    "reason": "The Sentry 2018", "source": "test"})
    f.cahra.append(("ZW", "2016-06-01"))
    return f


def test_memory_facts_satisfy_the_protocol():
    assert isinstance(classic_facts(), ReferenceFacts)


def test_memory_facts_follow_successors_and_date_statuses():
    f = classic_facts()
    assert f.current_cid("CID000600").current == "CID000700"
    assert f.status_as_of("CID000200", "2014-01-01").status == "Not listed"
    assert f.status_as_of("CID000200", "2016-12-31").status == "Conformant"
    assert [c["iso2"] for c in f.cahra_as_of("2016-12-31")] == ["ZW"]
    assert f.cahra_as_of("2016-01-01") == []
