"""Smelter risk: high / medium / low with the reasons, as of a date, under a policy.

Why this shape (REFERENCE-DATA §10.3, DESIGN §1): the 2016 report rates each smelter on geography
(location and declared sourcing vs Covered Countries and CAHRA), RMAP audit status as of the reporting
date, and adverse evidence (watchlist). A rating is only useful if it can be defended, so every
`SmelterRisk` lists the reasons (stable codes + text), the dated status it rests on and the watchlist
entries. "Not a smelter", "not operating", unresolved and "not yet identified" rows are data-quality
findings, not levels (`level is None`). A smelter located in a Covered Country is not high by itself:
conformant Rwandan and Congolese smelters exist.

Reference facts come through the small `ReferenceFacts` protocol, which
`ingest.reference.store.ReferenceStore` satisfies; tests use a small in-memory implementation.

Example:
    >>> model = RiskModel(facts, policy=load_policy(), as_of=date(2016, 12, 31))   # doctest: +SKIP
    >>> r = model.rate_cid("CID002587")                                             # doctest: +SKIP
    >>> r.level, [x.code for x in r.reasons]                                        # doctest: +SKIP
    ('high', ['watchlist', 'not_conformant'])
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any, Protocol, runtime_checkable

from queries._access import as_date, fields, first, get
from queries.policy import Policy, load_policy

LEVELS = ("high", "medium", "low")
LEVEL_RANK = {"high": 3, "medium": 2, "low": 1, None: 0}


@runtime_checkable
class ReferenceFacts(Protocol):
    """What the risk model reads from the dated reference store (ingest.reference.store.ReferenceStore)."""

    def facility(self, cid: str) -> Any: ...  # .standard_name .metal .country_iso2 .retired .removed_on …

    def current_cid(self, cid: str) -> Any: ...  # .current .successors .chain .notes .retired

    def status_as_of(self, cid: str, when: date | str | None = None, scheme: str = "RMAP") -> Any: ...

    def watchlist(self, when: date | str | None = None) -> list[dict[str, Any]]: ...

    def is_covered_country(self, iso2: str | None) -> bool: ...

    def cahra_as_of(self, when: date | str | None = None) -> list[dict[str, Any]]: ...


@dataclass
class Reason:
    code: str  # watchlist | high_state | removed_high | covered_location | cahra_location | covered_sourcing |
    #            cahra_sourcing | sanctioned | not_conformant | lapsed | conformant | located_covered_conformant …
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
    status: str | None = None  # RMAP status as of `as_of`
    status_basis: str | None = None
    status_source: str | None = None
    last_audit: str | None = None
    audit_cycle: str | None = None
    lapses_on: str | None = None
    conformant: bool = False
    watchlist: list[dict[str, Any]] = field(default_factory=list)
    declared_countries: list[str] = field(default_factory=list)
    given_cid: str | None = None
    cid_notes: list[str] = field(default_factory=list)

    @property
    def flagged(self) -> bool:
        return self.level == "high" or bool(self.watchlist) or any(
            r.dimension == "geography" and r.code != "located_covered_conformant" for r in self.reasons)

    @property
    def reason_text(self) -> str:
        return "; ".join(r.text for r in self.reasons)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["flagged"] = self.flagged
        return data


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


class RiskModel:
    """Rates smelters against reference facts as of one date; caches per CID (a roll-up over 10k
    suppliers rates each distinct smelter once)."""

    def __init__(self, facts: ReferenceFacts | None, policy: Policy | None = None, as_of: date | None = None,
                 year: int | None = None, filing_date: date | None = None) -> None:
        self.facts = facts
        self.policy = policy or load_policy()
        rp = self.policy.risk
        self.as_of = as_of or rp.as_of_for(year)
        self.filing_date = filing_date or rp.filing_date_for(year or (self.as_of.year if not rp.as_of else None))
        self._cache: dict[tuple[Any, ...], SmelterRisk] = {}
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
        self.cahra: set[str] = set(rp.extra_cahra)
        if facts is not None and rp.use_reference_cahra:
            self.cahra |= {str(get(c, "iso2")).upper() for c in facts.cahra_as_of(self.as_of) or [] if get(c, "iso2")}
        self.covered: set[str] = set(rp.covered_countries)
        self._high_states = {_norm_state(s) for s in rp.high_states}
        self._conformant_states = {_norm_state(s) for s in rp.conformant_states}

    # ---------------------------------------------------------------- geography helpers
    def is_covered(self, iso2: str | None) -> bool:
        if not iso2:
            return False
        iso2 = iso2.upper()
        if self.covered:
            return iso2 in self.covered
        return bool(self.facts and self.facts.is_covered_country(iso2))

    def is_cahra(self, iso2: str | None) -> bool:
        return bool(iso2) and iso2.upper() in self.cahra

    def watch_entries(self, *cids: str | None) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for cid in dict.fromkeys(c.upper() for c in cids if c):
            out.extend(self._watch.get(cid, []))
        return out

    # ---------------------------------------------------------------- rating
    def rate_cid(self, cid: str, metal: str | None = None, name: str | None = None, country_iso2: str | None = None,
                 declared_countries: tuple[str, ...] | list[str] = (), key: str | None = None) -> SmelterRisk:
        """Rate one smelter given by CID (retired CIDs are followed to their successor)."""
        declared = tuple(sorted({c.upper() for c in declared_countries if c}))
        ck = (cid.upper(), metal, declared)
        if ck in self._cache:
            return self._cache[ck]
        r = self._rate(cid.upper(), metal, name, country_iso2, declared, key)
        self._cache[ck] = r
        return r

    def rate_smelter(self, smelter: Any, declared_countries: tuple[str, ...] | list[str] = ()) -> SmelterRisk:
        """Rate a store SmelterInfo-like object (key, cid, metal, name, country_iso2, provisional …)."""
        key = str(first(smelter, "key", "id", default=""))
        cid = first(smelter, "cid")
        metal = get(smelter, "metal")
        name = first(smelter, "name", "standard_name")
        country = first(smelter, "country_iso2", "country")
        if cid:
            r = self.rate_cid(str(cid), metal, name, country, declared_countries, key)
            if r.key != key:  # cached under another key (same CID): copy with this key
                r = SmelterRisk(**{**r.__dict__, "key": key})
            return r
        return self.unresolved(key, metal, name, country, smelter)

    def unresolved(self, key: str, metal: str | None, name: str | None, country: str | None,
                   smelter: Any = None) -> SmelterRisk:
        r = SmelterRisk(key=key, cid=None, metal=metal, name=name, country_iso2=country,
                        as_of=self.as_of.isoformat(), level=None)
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
              declared: tuple[str, ...], key: str | None) -> SmelterRisk:
        rp = self.policy.risk
        as_of = self.as_of
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
                        as_of=as_of.isoformat(), level=None, given_cid=given if given != cid else None,
                        cid_notes=notes, declared_countries=list(declared))
        watch = self.watch_entries(*chain_cids, cid)
        r.watchlist = watch
        high: list[Reason] = []
        if watch:
            for w in watch:
                why = w.get("reason") or w.get("evidence") or ""
                high.append(Reason("watchlist", f"on watchlist {w.get('list_name') or ''}".rstrip()
                                   + (f": {str(why)[:200]}" if why else ""), "adverse"))
        if fac is None and self.facts is not None:
            successors = get(self.facts.current_cid(given), "successors") or []
            if successors:
                r.findings.append(Reason("cid_split", f"{given} was split into {', '.join(successors)}; "
                                         "ask the supplier which facility", "validity"))
            else:
                r.findings.append(Reason("unknown_cid", f"{given} is not in the reference data", "validity"))
            if high:
                r.level, r.reasons = "high", high
            return r
        status = self.facts.status_as_of(cid, as_of) if self.facts is not None else None
        filed = self._filed_status(cid) if get(status, "basis") == "none" else None
        status = filed[1] if filed else status
        state = str(get(status, "status") or "Unknown")
        r.status = state
        r.status_basis = get(status, "basis")
        r.status_source = get(status, "source")
        r.last_audit = get(status, "last_audit")
        r.audit_cycle = get(status, "audit_cycle")
        removed_on = get(status, "removed_on")
        removal_reason = get(status, "removal_reason")
        if removed_on is None and get(fac, "retired") and as_date(get(fac, "removed_on")) and \
                as_date(get(fac, "removed_on")) <= as_of:
            removed_on, removal_reason = get(fac, "removed_on"), get(fac, "removal_reason")
        is_conformant_state = _norm_state(state) in self._conformant_states
        lapsed = False
        if is_conformant_state:
            audit = as_date(r.last_audit)
            if audit:
                lapse = _add_years(audit, _cycle_years(r.audit_cycle, rp.default_audit_cycle_months))
                r.lapses_on = lapse.isoformat()
                reaudit = bool(get(status, "reaudit_in_progress"))
                lapsed = bool(get(status, "lapsed")) if get(status, "lapsed") is not None else (
                    lapse < as_of and not reaudit)
                if lapse < as_of and reaudit:
                    r.warnings.append(f"audit cycle passed on {lapse.isoformat()} but a re-audit is in progress")
                if not lapsed and self.filing_date and as_of <= lapse < self.filing_date:
                    r.warnings.append(f"conformance lapses on {lapse.isoformat()}, before the filing date "
                                      f"{self.filing_date.isoformat()} (last audit {audit.isoformat()}, cycle "
                                      f"{r.audit_cycle or 'default'})")
        r.conformant = is_conformant_state and not lapsed
        invalid: Reason | None = None
        if removed_on:
            text = f"removed from the RMI list on {removed_on}: {removal_reason or 'no reason given'}"
            if _contains_any(removal_reason, rp.high_removal_reasons):
                high.append(Reason("removed_high", text, "adverse"))
            elif _contains_any(removal_reason, rp.not_a_smelter_reasons):
                invalid = Reason("not_a_smelter", text, "validity")
            elif _contains_any(removal_reason, rp.not_operating_reasons):
                invalid = Reason("not_operating", text, "validity")
        if _norm_state(state) in self._high_states:
            high.append(Reason("high_state", f"status {state!r} as of {as_of.isoformat()}", "assurance"))
        loc = (r.country_iso2 or "").upper() or None
        if not r.conformant:
            if self.is_covered(loc):
                high.append(Reason("covered_location", f"located in a Covered Country ({loc}) and not conformant",
                                   "geography"))
            elif self.is_cahra(loc):
                high.append(Reason("cahra_location", f"located in a CAHRA ({loc}) and not conformant", "geography"))
            if rp.declared_sourcing_high:
                cov = [c for c in declared if self.is_covered(c)]
                cah = [c for c in declared if self.is_cahra(c) and c not in cov]
                if cov:
                    high.append(Reason("covered_sourcing", "suppliers declare mine countries in the Covered "
                                       f"Countries ({', '.join(cov)}) and the smelter is not conformant", "geography"))
                if cah:
                    high.append(Reason("cahra_sourcing", f"suppliers declare CAHRA mine countries ({', '.join(cah)}) "
                                       "and the smelter is not conformant", "geography"))
        for sj in rp.sanctioned_jurisdictions:
            if loc == sj.iso2 and (not sj.metals or (r.metal in sj.metals)) and (sj.since is None or sj.since <= as_of):
                high.append(Reason("sanctioned", f"{r.metal or 'smelter'} in sanctioned jurisdiction {loc}"
                                   + (f" (since {sj.since.isoformat()})" if sj.since else ""), "adverse"))
        if invalid is not None:
            r.findings.append(invalid)
            if not high:  # a removed non-smelter / closed plant is a data-quality finding, not a level
                return r
        if high:
            r.level = "high"
            r.reasons = high
            if not r.conformant and not any(x.dimension == "assurance" for x in high):
                r.reasons.append(self._not_conformant_reason(state, lapsed, r))
            return r
        if r.conformant:
            r.level = "low"
            r.reasons.append(Reason("conformant", f"{state} as of {as_of.isoformat()}"
                                    + (f" (last audit {r.last_audit})" if r.last_audit else "") if filed is None else
                                    f"{state} per {filed[0]}, filed {get(filed[1], 'observed_on')} "
                                    f"(no RMI list for {as_of.isoformat()})", "assurance"))
            if self.is_covered(loc):
                r.reasons.append(Reason("located_covered_conformant",
                                        f"located in a Covered Country ({loc}); conformant, so not high", "geography"))
            return r
        r.level = "medium"
        r.reasons.append(self._not_conformant_reason(state, lapsed, r))
        return r

    #: Statuses a public filing states for its reporting year (the starter records the 2016 report's Appendix A
    #: "conflict-free" column under the first scheme). Read only when RMI's lists say nothing about the CID on
    #: the as-of date, and only an observation dated within the year before the as-of date .. the filing date.
    FILED_SCHEMES: tuple[str, ...] = ("CFSP (2016 report Appendix A)",)

    def _filed_status(self, cid: str) -> tuple[str, Any] | None:
        if self.facts is None or self.filing_date is None:
            return None
        for scheme in self.FILED_SCHEMES:
            st = self.facts.status_as_of(cid, self.filing_date, scheme)
            seen = as_date(get(st, "observed_on"))
            if get(st, "basis") != "none" and seen and _add_years(self.as_of, -1) < seen <= self.filing_date:
                return scheme, st
        return None

    def _not_conformant_reason(self, state: str, lapsed: bool, r: SmelterRisk) -> Reason:
        if lapsed:
            return Reason("lapsed", f"conformance lapsed on {r.lapses_on} (last audit {r.last_audit}, cycle "
                          f"{r.audit_cycle or 'default'})", "assurance")
        return Reason("not_conformant", f"not conformant as of {self.as_of.isoformat()} (status: {state})",
                      "assurance")


def rate_store_smelters(store: Any, facts: ReferenceFacts | None, year: int | None = None,
                        policy: Policy | None = None, as_of: date | None = None,
                        model: RiskModel | None = None) -> list[SmelterRisk]:
    """Rate every smelter reported in the store (for `year`, when given), with the mine countries
    suppliers declared for it. Sorted high → low, then data-quality findings, then by metal and name.

    >>> risks = rate_store_smelters(store, ref, year=2016)        # doctest: +SKIP
    """
    model = model or RiskModel(facts, policy, as_of=as_of, year=year)
    declared: dict[str, set[str]] = defaultdict(set)
    for item in store.declared_mine_countries(year=year):
        skey, iso2 = item[0], item[1]
        if iso2:
            declared[str(skey)].add(str(iso2).upper())
    if year is None:
        smelters = store.smelters()
    else:
        keys = {h_key for h_key in (get(h, "smelter_key") for h in store.reports(year=year))}
        smelters = [s for s in store.smelters() if str(first(s, "key", "id")) in keys]
    out = [model.rate_smelter(s, tuple(declared.get(str(first(s, "key", "id")), ()))) for s in smelters]
    out.sort(key=lambda r: (-LEVEL_RANK[r.level], r.level is None, r.metal or "", r.name or "", r.key))
    return out


def declared_countries_by_smelter(store: Any, year: int | None = None) -> dict[str, list[tuple[str, str, int]]]:
    """smelter key → [(iso2, declaration id, row)] of the mine countries suppliers declared for it."""
    out: dict[str, list[tuple[str, str, int]]] = defaultdict(list)
    for item in store.declared_mine_countries(year=year):
        skey, iso2, decl, row = item[0], item[1], item[2], item[3]
        if iso2:
            out[str(skey)].append((str(iso2).upper(), str(decl), int(row or 0)))
    return out


def risk_by_key(store: Any, model: RiskModel, year: int | None = None,
                hops: list[Any] | None = None, keys: set[str] | None = None,
                declared: dict[str, list[tuple[str, str, int]]] | None = None) -> dict[str, SmelterRisk]:
    """smelter key → rating, for the smelters reached by `hops` (default: every current hop of `year`),
    or for the given smelter `keys`. `declared` (from `declared_countries_by_smelter`) saves a query."""
    if declared is None:
        distinct = getattr(store, "smelter_mine_countries", None)
        if callable(distinct):  # the store's aggregate: only the (smelter, country) pairs, no per-row evidence
            declared = defaultdict(list)
            for skey, iso2 in distinct(year=year):
                if iso2:
                    declared[str(skey)].append((str(iso2).upper(), "", 0))
        else:
            declared = declared_countries_by_smelter(store, year)
    if keys is not None:
        hops = []
        wanted = set(keys)
    else:
        hops = store.reports(year=year) if hops is None else hops
        wanted = {str(fields(h)["smelter_key"]) for h in hops}
    out: dict[str, SmelterRisk] = {}
    for s in store.smelters():
        key = str(first(s, "key", "id"))
        if key in wanted:
            out[key] = model.rate_smelter(s, tuple(c for c, _, _ in declared.get(key, ())))
    for key in wanted - set(out):  # keys the store's smelter list did not give (no hop to read them from)
        if not hops:
            out[key] = model.rate_smelter({"key": key, "cid": key if key.startswith("CID") else None},
                                          tuple(c for c, _, _ in declared.get(key, ())))
    for h in hops:  # hops whose smelter node the store did not list
        key = str(fields(h)["smelter_key"])
        if key not in out:
            out[key] = model.rate_smelter({"key": key, "cid": get(h, "cid"), "metal": get(h, "metal"),
                                           "name": get(h, "smelter_name"), "country_iso2": get(h, "country_iso2"),
                                           "lookup_kind": get(h, "lookup_kind")},
                                          tuple(c for c, _, _ in declared.get(key, ())))
    return out
