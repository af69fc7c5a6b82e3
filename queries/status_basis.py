"""Which date statuses are judged at, from which status lists — and whether there are any at all.

Why: a rating is only as good as the status it rests on, and an analyst must see what that is. By
default statuses are judged at the filing date (31 May of the reporting year + 1: a Form SD states
them as of its filing, as the 2016 report's Appendix A does), from the newest RMI list dated on or
before it; a list dated after it still counts a conformance whose last audit is on or before the
date. Every rating output states the date and the lists. A store with no RMAP status data at all
(a fresh store, only the starter facts) cannot tell conformant from unknown: every rating command
then says so on its first line (`notice`) and smelters get the `no_status_data` finding instead of
a level — never "high" for want of data.

Example:
    >>> b = status_basis(reference, as_of=date(2026, 5, 31), filing_date=date(2026, 5, 31))  # doctest: +SKIP
    >>> b.text                                                                                 # doctest: +SKIP
    'statuses as of 2026-05-31 (filing date) from RMI lists of 2026-08-22 (after that date: ...)'
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from typing import Any

from minetrace.graph.store import ReferenceStore
from minetrace.queries._access import as_date

#: statuses a public filing states for its reporting year, read when RMI's lists say nothing about the
#: date (the starter records the 2016 report's Appendix A "conflict-free" column under this scheme)
FILED_SCHEMES: tuple[str, ...] = ("CFSP (2016 report Appendix A)",)

NO_STATUS_NOTICE = ("notice: no RMAP status data imported — smelter statuses are unknown, so no smelter is rated "
                    "(data-quality finding no_status_data instead). Import RMI's Conformant and Active lists: "
                    "`minetrace reference import <export.csv|.xml>{store}`.")


@dataclass
class StatusBasis:
    as_of: str
    filing_date: str | None
    judged_at: str  # "filing date" | "year end" | "given date"
    lists: list[dict[str, Any]] = field(default_factory=list)  # every RMAP list on file
    used: list[dict[str, Any]] = field(default_factory=list)  # newest per kind on or before as_of
    later: list[dict[str, Any]] = field(default_factory=list)  # newer than as_of (read by last-audit date)
    filed: list[dict[str, Any]] = field(default_factory=list)  # filed statuses covering the year
    has_status_data: bool = True
    known: bool = True  # False when the reference facts cannot list their status data (test doubles)

    @property
    def newest_later(self) -> str | None:
        return max((str(x["as_of"]) for x in self.later), default=None)

    @property
    def text(self) -> str:
        """One line for every output header."""
        head = f"statuses as of {self.as_of} ({self.judged_at})"
        if not self.known:
            return head
        if not self.has_status_data:
            return f"{head}: no RMAP status data imported"
        parts = []
        if self.used:
            parts.append("from RMI lists of " + ", ".join(sorted({str(x["as_of"]) for x in self.used})))
        if self.later:
            parts.append(("and " if self.used else "from ") + "lists of " + ", ".join(
                sorted({str(x["as_of"]) for x in self.later})) + f" (after {self.as_of}: a conformance counts "
                         f"when its last audit is on or before {self.as_of})")
        if self.filed:
            parts.append("filed statuses: " + "; ".join(str(x["kind"]).split(":", 1)[0] for x in self.filed))
        return f"{head} " + " ".join(parts)

    @property
    def notice(self) -> str | None:
        return self.notice_for(None)

    def notice_for(self, store_option: str | None) -> str | None:
        """The no-status notice (None when status data is on file), its fix command naming the --store the user
        gave: copied without it, the command would import into the default store."""
        if self.has_status_data or not self.known:
            return None
        return NO_STATUS_NOTICE.format(store=f" --store {store_option}" if store_option else "")

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["text"] = self.text
        data["notice"] = self.notice
        return data


def status_basis(facts: ReferenceStore | None, as_of: date, filing_date: date | None,
                 judged_at: str = "filing date") -> StatusBasis:
    """The status lists a rating at `as_of` rests on (`facts.status_snapshots`, when the facts can list them)."""
    basis = StatusBasis(as_of=as_of.isoformat(), filing_date=filing_date.isoformat() if filing_date else None,
                        judged_at=judged_at)
    if facts is None:
        basis.has_status_data = False
        return basis
    snapshots = facts.status_snapshots("RMAP")
    if snapshots is None:
        basis.known = False
        return basis
    lists = [dict(x) for x in snapshots]
    basis.lists = lists
    day = as_of.isoformat()
    newest: dict[str, dict[str, Any]] = {}
    for x in lists:
        if str(x.get("as_of") or "") <= day:
            if str(x["kind"]) not in newest or str(x["as_of"]) > str(newest[str(x["kind"])]["as_of"]):
                newest[str(x["kind"])] = x
        else:
            basis.later.append(x)
    basis.used = sorted(newest.values(), key=lambda x: (str(x["as_of"]), str(x["kind"])))
    window_from = as_of - timedelta(days=366)
    until = filing_date or as_of
    for scheme in FILED_SCHEMES:
        for x in facts.status_snapshots(scheme) or []:
            first, last = as_date(x.get("first") or x.get("as_of")), as_date(x.get("as_of"))
            if first and last and first <= until and last > window_from:
                basis.filed.append(x)
    basis.has_status_data = bool(lists or basis.filed)
    return basis


def judged_at_label(policy_as_of: date | None, given: date | None, statuses_at: str) -> str:
    if given or policy_as_of:
        return "given date"
    return "year end" if statuses_at == "year_end" else "filing date"
