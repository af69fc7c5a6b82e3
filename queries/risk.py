"""Smelter risk: high / medium / low with the reasons, at the filing date, under a policy preset.

Why this shape: the 2016 report rates each smelter on geography
(location and declared sourcing vs the Covered Countries — and, for the EU regime, CAHRAs), RMAP
audit status at the filing date, and adverse evidence (watchlist). A rating is only useful if it
can be defended, so every `SmelterRisk` lists the reasons (stable codes from `queries.reasons` +
text), the dated status it rests on and the watchlist entries.

Rating is a pipeline: `RULES` is a list of small functions, each looking at one thing (identity,
watchlist, status, removal, member-DB state, location, declared sourcing, sanctions, assurance) and
adding reason codes, findings or notes to the case. No rule decides a level: `_decide` takes the
highest level the policy gives the reasons (`risk.levels`, presets us-sec-1502 / eu-2017-821).
Adding a rule touches one function and the catalogue. Data-quality findings ("not a smelter", "not
operating", unresolved, unknown CID, and "no RMAP status data imported") mean no level
(`level is None`) unless adverse evidence makes the smelter high; with no status data at all nothing
is rated. A smelter located in a Covered Country is not high by itself: conformant Rwandan and
Congolese smelters exist.

Reference facts come through the `graph.store.ReferenceStore` protocol (here also named `ReferenceFacts`),
which `ingest.reference.store.ReferenceStore` satisfies; tests use a small in-memory implementation.

Example:
    >>> model = RiskModel(facts, policy=load_policy(), year=2016)      # doctest: +SKIP
    >>> r = model.rate_cid("CID002587")                                 # doctest: +SKIP
    >>> r.level, [x.code for x in r.reasons]                            # doctest: +SKIP
    ('high', ['watchlist', 'not_conformant'])
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from minetrace.graph.store import GraphStore, ReferenceStore
from minetrace.queries import glossary
from minetrace.queries._access import as_date, fields, first, get
from minetrace.queries.geography import Geography
from minetrace.queries.policy import Policy, load_policy
from minetrace.queries.reasons import LEVEL_RANK, REASONS, reason_level, worst
from minetrace.queries.sourcing import DeclaredSourcing, store_declared_sourcing
from minetrace.queries.status_basis import FILED_SCHEMES, StatusBasis, judged_at_label, status_basis

LEVELS = ("high", "medium", "low")
__all__ = ["LEVELS", "LEVEL_RANK", "RULES", "Reason", "ReferenceFacts", "RiskModel", "SmelterRisk",
           "declared_countries_by_smelter", "flags_of", "rate_store_smelters", "risk_by_key"]


#: the reference facts a rating reads: the `graph.store.ReferenceStore` protocol (the name the tests know)
ReferenceFacts = ReferenceStore


@dataclass
class Reason:
    code: str  # a code of queries.reasons.CATALOGUE
    text: str
    dimension: str  # adverse | assurance | geography | validity


@dataclass
class SmelterRisk:
    key: str
    cid: str | None
    metal: str | None
    name: str | None
    country_iso2: str | None
    as_of: str
    level: str | None  # "high" | "medium" | "low" | None (data-quality finding instead)
    reasons: list[Reason] = field(default_factory=list)
    findings: list[Reason] = field(default_factory=list)  # data-quality: unresolved, not_a_smelter …
    warnings: list[str] = field(default_factory=list)
    status: str | None = None  # RMAP status as of `as_of` ("Lapsed" when a conformance lapsed)
    status_basis: str | None = None
    status_source: str | None = None
    last_audit: str | None = None
    audit_cycle: str | None = None
    lapses_on: str | None = None
    conformant: bool = False
    watchlist: list[dict[str, Any]] = field(default_factory=list)
    declared_countries: list[str] = field(default_factory=list)  # specific declared mine countries
    given_cid: str | None = None
    cid_notes: list[str] = field(default_factory=list)
    state: str | None = None  # state / province (RMI data)
    notes: list[Reason] = field(default_factory=list)  # shown, change nothing (catalogue kind "note")
    status_observed_on: str | None = None  # the date of the list / observation the status comes from
    declared_unspecific_rows: int = 0
    policy: str | None = None

    @property
    def flagged(self) -> bool:
        return bool(flags_of(self))

    @property
    def reason_text(self) -> str:
        """The reasons, then the notes (what a reader needs to see why the level is what it is)."""
        return "; ".join(r.text for r in [*self.reasons, *self.notes])

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["flagged"] = self.flagged
        data["flags"] = flags_of(self)
        return data


def flags_of(risk: SmelterRisk, include_not_conformant: bool = False) -> list[str]:
    """Why a smelter is flagged (empty: not flagged): "high", then the flag of each reason that has one
    (watchlist, non_conformant, covered/cahra location and sourcing — only ever on a smelter that is not
    conformant), and "not_conformant" for a medium when asked."""
    out = ["high"] if risk.level == "high" else []
    for r in risk.reasons:
        flag = REASONS[r.code].flag if r.code in REASONS else ""
        if flag and flag not in out:
            out.append(flag)
    if include_not_conformant and risk.level == "medium" and "not_conformant" not in out:
        out.append("not_conformant")
    return out


def _contains_any(text: str | None, needles: tuple[str, ...]) -> bool:
    t = (text or "").casefold()
    return any(n.casefold() in t for n in needles)


def _norm_state(s: str | None) -> str:
    return re.sub(r"[^a-z]", "", (s or "").casefold())


def _cycle_years(cycle: Any, default_months: int) -> float:
    if cycle is None or cycle == "":
        return default_months / 12.0
    if isinstance(cycle, int | float):
        return float(cycle)
    m = re.search(r"(\d+(?:\.\d+)?)", str(cycle))
    if not m:
        return default_months / 12.0
    n = float(m.group(1))
    return n / 12.0 if "month" in str(cycle).casefold() else n


def _add_years(d: date, years: float) -> date:
    whole = int(years)
    months = round((years - whole) * 12)
    y, mth = d.year + whole, d.month + months
    y += (mth - 1) // 12
    mth = (mth - 1) % 12 + 1
    day = d.day
    while True:
        try:
            return date(y, mth, day)
        except ValueError:
            day -= 1


# ------------------------------------------------------------------------------------ the case
@dataclass
class Case:
    """One smelter being rated: what the rules read and what they add."""

    model: RiskModel
    r: SmelterRisk
    given: str
    chain_cids: list[str]
    declared: DeclaredSourcing
    fac: Any = None
    identified: bool = True  # the CID is in the reference data (False: unknown / split)
    status_known: bool = True  # False: no status data, nothing can be judged
    status: Any = None
    state: str = "Unknown"
    filed: tuple[str, Any] | None = None
    lapsed: bool = False
    later: str | None = None  # "Active on RMI's list of 2026-08-22": context when no list covers the as-of date

    def reason(self, code: str, text: str) -> None:
        self.r.reasons.append(Reason(code, text, REASONS[code].dimension))

    def finding(self, code: str, text: str) -> None:
        self.r.findings.append(Reason(code, text, REASONS[code].dimension))

    def note(self, code: str, text: str) -> None:
        self.r.notes.append(Reason(code, text, REASONS[code].dimension))

    def has(self, code: str) -> bool:
        return any(x.code == code for x in self.r.reasons)


Rule = Callable[[Case], None]


def rule_identity(c: Case) -> None:
    """The CID must name a facility of the reference data (retired CIDs were followed to their successor)."""
    m = c.model
    if m.facts is None or c.fac is not None:
        return
    c.identified = False
    successors = get(m.facts.current_cid(c.given), "successors") or []
    if successors:
        c.finding("cid_split", f"{c.given} was split into {', '.join(successors)}; ask the supplier which facility")
    else:
        c.finding("unknown_cid", f"{c.given} is not in the reference data")


def rule_watchlist(c: Case) -> None:
    """Adverse evidence: the CID, or one it was merged from, on the watchlist in force at the as-of date."""
    c.r.watchlist = c.model.watch_entries(*c.chain_cids, c.r.cid)
    for w in c.r.watchlist:
        why = w.get("reason") or w.get("evidence") or ""
        listed = glossary.watchlist_name(w.get("list_name"))  # the list's name in words, not its code
        head = f"on the watchlist of {listed}" if listed else "on the watchlist"
        c.reason("watchlist", head + (f": {str(why)[:200]}" if why else ""))


def rule_status(c: Case) -> None:
    """The RMAP status at the as-of date: the newest list on or before it; a later Conformant listing whose
    last audit is on or before it; a filed status when RMI says nothing; lapse by last audit + cycle."""
    m, r = c.model, c.r
    if not c.identified:
        return
    if not m.basis.has_status_data:
        c.status_known = False
        c.finding("no_status_data", "no RMAP status data imported: the status at "
                  f"{m.as_of.isoformat()} is unknown, so the smelter is not rated")
        return
    cid = str(r.cid)
    status = m.facts.status_as_of(cid, m.as_of) if m.facts is not None else None
    if _norm_state(get(status, "status")) not in m.conformant_states:
        later = m.later_conformance(cid)
        if later is not None:
            status = later
    if get(status, "basis") == "none":
        c.filed = m.filed_status(cid)
        status = c.filed[1] if c.filed else status
    if c.filed is None and _norm_state(get(status, "status")) not in m.conformant_states:
        c.later = m.later_status(cid)
    c.status = status
    c.state = str(get(status, "status") or "Unknown")
    r.status = c.state
    r.status_basis = get(status, "basis")
    r.status_source = get(status, "source")
    r.status_observed_on = get(status, "observed_on")
    r.last_audit = get(status, "last_audit")
    r.audit_cycle = get(status, "audit_cycle")
    if _norm_state(c.state) not in m.conformant_states:
        return
    audit = as_date(r.last_audit)
    if audit:
        lapse = _add_years(audit, _cycle_years(r.audit_cycle, m.policy.risk.default_audit_cycle_months))
        r.lapses_on = lapse.isoformat()
        reaudit = bool(get(status, "reaudit_in_progress"))
        c.lapsed = lapse < m.as_of and not reaudit
        if lapse < m.as_of and reaudit:
            c.note("reaudit_in_progress", f"audit cycle passed on {lapse.isoformat()} but a re-audit is in progress")
            r.warnings.append(f"audit cycle passed on {lapse.isoformat()} but a re-audit is in progress")
        if not c.lapsed and m.filing_date and m.as_of <= lapse < m.filing_date:
            text = (f"conformance lapses on {lapse.isoformat()}, before the filing date {m.filing_date.isoformat()} "
                    f"(last audit {audit.isoformat()}, cycle {r.audit_cycle or 'default'})")
            c.note("conformance_lapses", text)
            r.warnings.append(text)
    r.conformant = not c.lapsed
    if c.lapsed:
        r.status = "Lapsed"  # never "Conformant" beside the reason "conformance lapsed"


def rule_removal(c: Case) -> None:
    """Removed from RMI's list on or before the as-of date: for cause (high), or not a smelter / not operating."""
    m = c.model
    if not c.identified:
        return
    rp = m.policy.risk
    removed_on, why = get(c.status, "removed_on"), get(c.status, "removal_reason")
    fac_removed = as_date(get(c.fac, "removed_on"))
    if removed_on is None and get(c.fac, "retired") and fac_removed and fac_removed <= m.as_of:
        removed_on, why = get(c.fac, "removed_on"), get(c.fac, "removal_reason")
    if not removed_on:
        return
    text = f"removed from the RMI list on {removed_on}: {why or 'no reason given'}"
    if _contains_any(why, rp.high_removal_reasons):
        c.reason("removed_high", text)
    elif _contains_any(why, rp.not_a_smelter_reasons):
        c.finding("not_a_smelter", text)
    elif _contains_any(why, rp.not_operating_reasons):
        c.finding("not_operating", text)


def rule_high_state(c: Case) -> None:
    """A member-database state that is high on its own (Non Conformant, Unable to Proceed)."""
    if c.status_known and c.identified and _norm_state(c.state) in c.model.high_states:
        c.reason("high_state", f"status {c.state!r} as of {c.model.as_of.isoformat()}")


def rule_location(c: Case) -> None:
    """Located in a Covered Country or a CAHRA (whole-country entry, or the state/province is a listed area)."""
    m, r = c.model, c.r
    if not (c.status_known and c.identified):
        return
    loc = (r.country_iso2 or "").upper() or None
    cahra = m.geo.cahra_match(loc, r.state)
    if r.conformant:
        if m.is_covered(loc):
            c.note("located_covered_conformant", f"located in a Covered Country ({loc}); conformant, so not high")
        elif cahra is not None and cahra.is_cahra:
            c.note("located_cahra_conformant", f"{cahra.text}; conformant, so not raised")
        return
    if m.is_covered(loc):
        c.reason("covered_location", f"located in a Covered Country ({loc}) and not conformant")
    elif cahra is not None and cahra.is_cahra:
        c.reason("cahra_location", f"located in a CAHRA ({cahra.text}) and not conformant")
    elif cahra is not None:
        c.note("cahra_area_unmatched", cahra.text)


def rule_sourcing(c: Case) -> None:
    """Specific declared mine countries in a Covered Country / whole-country CAHRA (not the smelter's own country)."""
    m, r = c.model, c.r
    if c.declared.unspecific_rows:
        c.note("unspecific_sourcing", f"{c.declared.unspecific_rows} declaration row(s) name more than "
               f"{m.policy.risk.max_declared_countries} mine countries (an RCOI list): not counted")
    if not (c.status_known and c.identified) or r.conformant:
        return
    own = (r.country_iso2 or "").upper()
    cov = [x for x in c.declared.countries if m.is_covered(x) and x != own]
    cah = [x for x in c.declared.countries if m.geo.is_cahra_country(x) and x not in cov and x != own]
    if cov:
        c.reason("covered_sourcing", "suppliers declare mine countries in the Covered Countries "
                 f"({', '.join(cov)}) and the smelter is not conformant")
    if cah:
        c.reason("cahra_sourcing", f"suppliers declare CAHRA mine countries ({', '.join(cah)}) and the smelter "
                 "is not conformant")


def rule_sanctioned(c: Case) -> None:
    """Located in a jurisdiction the policy lists as sanctioned, for the metal, from the given date."""
    m, r = c.model, c.r
    loc = (r.country_iso2 or "").upper() or None
    for sj in m.policy.risk.sanctioned_jurisdictions:
        if loc == sj.iso2 and (not sj.metals or (r.metal in sj.metals)) and (sj.since is None or sj.since <= m.as_of):
            c.reason("sanctioned", f"{r.metal or 'smelter'} in sanctioned jurisdiction {loc}"
                     + (f" (since {sj.since.isoformat()})" if sj.since else ""))


def rule_assurance(c: Case) -> None:
    """Conformant and current (low), lapsed or not conformant (medium) — unless a high state already says it."""
    m, r = c.model, c.r
    if not (c.status_known and c.identified) or c.has("high_state"):
        return
    when = m.as_of.isoformat()
    if r.conformant:
        if c.filed is not None:
            text = (f"{c.state} per {c.filed[0]}, filed {get(c.filed[1], 'observed_on')} (no RMI list for {when})")
        else:
            via = (f"; listed {r.status_observed_on}, last audit {r.last_audit} on or before {when}"
                   if r.status_basis == "audit_date" else (f" (last audit {r.last_audit})" if r.last_audit else ""))
            text = f"{c.state} as of {when}{via}"
        c.reason("conformant", text)
    elif c.lapsed:
        c.reason("lapsed", f"conformance lapsed on {r.lapses_on} (last audit {r.last_audit}, cycle "
                 f"{r.audit_cycle or 'default'})")
    else:
        later = f"; {c.later}" if c.later else ""
        c.reason("not_conformant", f"not conformant as of {when} (status: {c.state}{later})")


#: the rating pipeline, in order; each rule adds reason codes / findings / notes to the case
RULES: tuple[Rule, ...] = (rule_identity, rule_watchlist, rule_status, rule_removal, rule_high_state, rule_location,
                           rule_sourcing, rule_sanctioned, rule_assurance)


class RiskModel:
    """Rates smelters against reference facts as of one date under one policy; caches per CID (a roll-up
    over 10k suppliers rates each distinct smelter once)."""

    def __init__(self, facts: ReferenceFacts | None, policy: Policy | None = None, as_of: date | None = None,
                 year: int | None = None, filing_date: date | None = None) -> None:
        self.facts = facts
        self.policy = policy or load_policy()
        rp = self.policy.risk
        self.year = year
        #: the Form SD filing date of the reporting year (31 May of year + 1 unless the policy fixes one)
        self.filing_date = filing_date or rp.filing_date_for(year)
        if as_of is None and not rp.as_of and year and rp.statuses_at == "filing_date":
            self.as_of = self.filing_date or rp.as_of_for(year)
        else:
            self.as_of = as_of or rp.as_of_for(year)
        self.basis: StatusBasis = status_basis(facts, self.as_of, self.filing_date,
                                               judged_at_label(rp.as_of, as_of, rp.statuses_at))
        self._cache: dict[tuple[Any, ...], SmelterRisk] = {}
        self._later: dict[str, Any] = {}
        self._watch: dict[str, list[dict[str, Any]]] = defaultdict(list)
        if facts is not None and rp.use_reference_watchlist:
            for w in facts.watchlist(self.as_of if rp.dated_watchlist else None) or []:
                cid = str(get(w, "cid") or "").upper()
                if cid and cid not in rp.ignore_watch_cids:
                    self._watch[cid].append({k: get(w, k) for k in ("cid", "metal", "name", "country_iso2",
                                                                     "list_name", "reason", "evidence", "source",
                                                                     "as_of")})
        for cid in rp.extra_watch_cids:
            if cid not in rp.ignore_watch_cids:
                self._watch[cid].append({"cid": cid, "list_name": "policy", "reason": "listed in the policy file",
                                         "source": self.policy.source})
        cahra = list(facts.cahra_as_of(self.as_of) or []) if facts is not None and rp.use_reference_cahra else []
        self.covered: set[str] = set(rp.covered_countries)
        if not self.covered and facts is not None:
            self.covered = set(facts.covered_countries())
        self.geo = Geography(self.covered, cahra, rp.extra_cahra)
        #: ISO codes with a whole-country or sub-national CAHRA entry (fingerprints; see `geo` for matching)
        self.cahra: set[str] = set(self.geo.whole) | set(self.geo.areas)
        self.high_states = {_norm_state(s) for s in rp.high_states}
        self.conformant_states = {_norm_state(s) for s in rp.conformant_states}

    # ---------------------------------------------------------------- geography helpers
    def is_covered(self, iso2: str | None) -> bool:
        if not iso2:
            return False
        iso2 = iso2.upper()
        if self.covered:
            return iso2 in self.covered
        return bool(self.facts and self.facts.is_covered_country(iso2))

    def is_cahra(self, iso2: str | None, state: Any = None) -> bool:
        """Located in a CAHRA: a whole-country entry, or `state` is a listed area of the country."""
        match = self.geo.cahra_match(iso2, state)
        return bool(match and match.is_cahra)

    def watch_entries(self, *cids: str | None) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for cid in dict.fromkeys(c.upper() for c in cids if c):
            out.extend(self._watch.get(cid, []))
        return out

    # ---------------------------------------------------------------- status helpers
    def later_conformance(self, cid: str) -> Any:
        """A Conformant listing dated after the as-of date whose last audit is on or before it (the
        conformance held at the as-of date), else None."""
        newest = self.basis.newest_later
        if newest is None or self.facts is None:
            return None
        if cid not in self._later:
            st = self.facts.status_as_of(cid, newest)
            audit = as_date(get(st, "last_audit"))
            ok = (_norm_state(get(st, "status")) in self.conformant_states and audit is not None
                  and audit <= self.as_of)
            if ok:
                data = dict(fields(st))
                data["basis"] = "audit_date"
                data["removed_on"] = data["removal_reason"] = None  # the removal read is the as-of date's
                self._later[cid] = data
            else:
                self._later[cid] = None
        return self._later[cid]

    def later_status(self, cid: str) -> str | None:
        """What the newest list after the as-of date says of a CID no list covers at that date (context only)."""
        newest = self.basis.newest_later
        if newest is None or self.facts is None:
            return None
        st = self.facts.status_as_of(cid, newest)
        state = get(st, "status")
        if get(st, "basis") == "none" or not state or state == "Removed":
            return None
        audit = get(st, "last_audit")
        after = f", last audit {audit} after {self.as_of.isoformat()}" if audit and str(audit) > str(self.as_of) else ""
        return f"{state} on RMI's list of {get(st, 'observed_on') or newest}{after}"

    #: kept for callers of the former location (queries.status_basis.FILED_SCHEMES)
    FILED_SCHEMES: tuple[str, ...] = FILED_SCHEMES

    def filed_status(self, cid: str) -> tuple[str, Any] | None:
        """A status a public filing states for the reporting year (read only when RMI's lists say nothing about
        the CID on the as-of date, and only an observation dated within the year before it .. the filing date)."""
        if self.facts is None or self.filing_date is None:
            return None
        for scheme in self.FILED_SCHEMES:
            st = self.facts.status_as_of(cid, self.filing_date, scheme)
            seen = as_date(get(st, "observed_on"))
            if get(st, "basis") != "none" and seen and _add_years(self.as_of, -1) < seen <= self.filing_date:
                return scheme, st
        return None

    # ---------------------------------------------------------------- rating
    def rate_cid(self, cid: str, metal: str | None = None, name: str | None = None, country_iso2: str | None = None,
                 declared_countries: tuple[str, ...] | list[str] = (), key: str | None = None,
                 unspecific_rows: int = 0) -> SmelterRisk:
        """Rate one smelter given by CID (retired CIDs are followed to their successor). `declared_countries`:
        its specific declared mine countries; `unspecific_rows`: declaration rows left out as RCOI lists."""
        declared = DeclaredSourcing(tuple(sorted({c.upper() for c in declared_countries if c})), unspecific_rows)
        ck = (cid.upper(), metal, declared)
        if ck in self._cache:
            return self._cache[ck]
        r = self._rate(cid.upper(), metal, name, country_iso2, declared, key)
        self._cache[ck] = r
        return r

    def rate_smelter(self, smelter: Any, declared_countries: tuple[str, ...] | list[str] = (),
                     unspecific_rows: int = 0) -> SmelterRisk:
        """Rate a store SmelterInfo-like object (key, cid, metal, name, country_iso2, provisional …)."""
        key = str(first(smelter, "key", "id", default=""))
        cid = first(smelter, "cid")
        metal = get(smelter, "metal")
        name = first(smelter, "name", "standard_name")
        country = first(smelter, "country_iso2", "country")
        if cid:
            r = self.rate_cid(str(cid), metal, name, country, declared_countries, key, unspecific_rows)
            if r.key != key:  # cached under another key (same CID): copy with this key
                r = SmelterRisk(**{**r.__dict__, "key": key})
            return r
        return self.unresolved(key, metal, name, country, smelter)

    def unresolved(self, key: str, metal: str | None, name: str | None, country: str | None,
                   smelter: Any = None) -> SmelterRisk:
        r = SmelterRisk(key=key, cid=None, metal=metal, name=name, country_iso2=country,
                        as_of=self.as_of.isoformat(), level=None, policy=self.policy.label)
        kind = str(first(smelter, "lookup_kind", "resolution_status", "status", default="") or "")
        text = f"{key}{' ' + name if name else ''}"
        if "not_yet" in kind or "unidentified" in kind or "not yet identified" in (name or "").casefold():
            r.findings.append(Reason("not_yet_identified", f"smelter not yet identified ({text}): coverage gap",
                                     "validity"))
        elif "review" in kind:
            r.findings.append(Reason("needs_review", f"possible matches awaiting review ({text})", "validity"))
        else:
            r.findings.append(Reason("unresolved", f"not matched to an RMI smelter ({text})", "validity"))
        return r

    def _rate(self, given: str, metal: str | None, name: str | None, country: str | None,
              declared: DeclaredSourcing, key: str | None) -> SmelterRisk:
        cid = given
        notes: list[str] = []
        chain_cids: list[str] = [given]
        if self.facts is not None:
            chain = self.facts.current_cid(given)
            notes = list(get(chain, "notes") or [])
            chain_cids = list(get(chain, "chain") or [given])
            if get(chain, "current"):
                cid = str(get(chain, "current"))
        fac = self.facts.facility(cid) if self.facts is not None else None
        r = SmelterRisk(key=key or cid, cid=cid, metal=metal or get(fac, "metal"),
                        name=get(fac, "standard_name") or name, country_iso2=get(fac, "country_iso2") or country,
                        as_of=self.as_of.isoformat(), level=None, given_cid=given if given != cid else None,
                        cid_notes=notes, declared_countries=list(declared.countries), state=get(fac, "state"),
                        declared_unspecific_rows=declared.unspecific_rows, policy=self.policy.label)
        case = Case(self, r, given, chain_cids, declared, fac=fac)
        for rule in RULES:
            rule(case)
        self._decide(case)
        return r

    def _decide(self, c: Case) -> None:
        """The level: the highest level the policy gives the reasons. A data-quality finding leaves the smelter
        unrated unless adverse evidence makes it high; no status data leaves it unrated whatever it is."""
        r = c.r
        levels = self.policy.risk.levels
        capped = not self.policy.risk.declared_sourcing_high

        def level_of(code: str) -> str | None:
            lv = reason_level(code, levels)
            if capped and code in ("covered_sourcing", "cahra_sourcing") and lv == "high":
                return "medium"
            return lv

        level = worst([level_of(x.code) for x in r.reasons])
        if any(f.code == "no_status_data" for f in r.findings) or (r.findings and level != "high"):
            level = None
            r.reasons = [x for x in r.reasons if x.dimension == "adverse"]  # evidence stays; nothing rated
        r.level = level
        if level is not None:  # the reasons that set the level first, each group in rule order
            r.reasons.sort(key=lambda x: -LEVEL_RANK[level_of(x.code)])


def rate_store_smelters(store: GraphStore, facts: ReferenceFacts | None, year: int | None = None,
                        policy: Policy | None = None, as_of: date | None = None,
                        model: RiskModel | None = None) -> list[SmelterRisk]:
    """Rate every smelter reported in the store (for `year`, when given), with the mine countries
    suppliers declared for it. Sorted high → low, then data-quality findings, then by metal and name.

    >>> risks = rate_store_smelters(store, ref, year=2016)        # doctest: +SKIP
    """
    model = model or RiskModel(facts, policy, as_of=as_of, year=year)
    out = list(risk_by_key(store, model, year).values())
    out.sort(key=lambda r: (-LEVEL_RANK[r.level], r.level is None, r.metal or "", r.name or "", r.key))
    return out


def declared_countries_by_smelter(store: GraphStore, year: int | None = None) -> dict[str, list[tuple[str, str, int]]]:
    """smelter key → [(iso2, declaration id, row)] of the mine countries suppliers declared for it."""
    out: dict[str, list[tuple[str, str, int]]] = defaultdict(list)
    for item in store.declared_mine_countries(year=year):
        skey, iso2, decl, row = item[0], item[1], item[2], item[3]
        if iso2:
            out[str(skey)].append((str(iso2).upper(), str(decl), int(row or 0)))
    return out


def risk_by_key(store: GraphStore, model: RiskModel, year: int | None = None,
                hops: list[Any] | None = None, keys: set[str] | None = None,
                declared: dict[str, list[tuple[str, str, int]]] | None = None) -> dict[str, SmelterRisk]:
    """smelter key → rating, for the smelters reached by `hops` (default: every current hop of `year`),
    or for the given smelter `keys`. `declared` (from `declared_countries_by_smelter`) saves a query."""
    if declared is None:
        sourcing = store_declared_sourcing(store, year, model.policy)
    else:
        from minetrace.queries.sourcing import declared_sourcing

        sourcing = declared_sourcing(((k, iso2, d, row) for k, items in declared.items() for iso2, d, row in items),
                                     model.policy.risk.max_declared_countries)
    empty = DeclaredSourcing()
    if keys is not None:
        hops = []
        wanted = set(keys)
    else:
        hops = store.reports(year=year) if hops is None else hops
        wanted = {str(fields(h)["smelter_key"]) for h in hops}

    def rate(s: Any, key: str) -> SmelterRisk:
        ds = sourcing.get(key, empty)
        return model.rate_smelter(s, ds.countries, ds.unspecific_rows)

    out: dict[str, SmelterRisk] = {}
    for s in store.smelters():
        key = str(first(s, "key", "id"))
        if key in wanted:
            out[key] = rate(s, key)
    for key in wanted - set(out):  # keys the store's smelter list did not give (no hop to read them from)
        if not hops:
            out[key] = rate({"key": key, "cid": key if key.startswith("CID") else None}, key)
    for h in hops:  # hops whose smelter node the store did not list
        key = str(fields(h)["smelter_key"])
        if key not in out:
            out[key] = rate({"key": key, "cid": get(h, "cid"), "metal": get(h, "metal"),
                             "name": get(h, "smelter_name"), "country_iso2": get(h, "country_iso2"),
                             "lookup_kind": get(h, "lookup_kind")}, key)
    return out
