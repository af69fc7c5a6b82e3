"""Smelter resolution: tie every Smelter List row to a facility (CID) using every fact of the row.

The facts of a row: its CIDs (well-formed, malformed, retired), an old-style ID (which states a metal and
a country even without a crosswalk), its names (look-up value, typed name, standard name, each part of a
consolidated cell), its country, its city/state and the metal. Order:

1. a well-formed CID the store knows → that facility; retired → the revision history's successor; split →
   the successor in the row's country (or city), else review listing them; a CID of another metal →
   finding ``cid_wrong_metal`` and resolution continues on the name; a CID whose facility is in another
   country than the row says is accepted only when the row's name backs it (finding ``cid_country_mismatch``);
2. a malformed CID (extra digit, O for 0, spaces, no "CID" prefix) → repaired when exactly one existing
   variant of the row's metal fits the name, else finding ``malformed_cid``;
3. an old-style ID (3USA005) → its metal and country join the row's facts (a metal that contradicts the
   row: finding ``old_id_metal_mismatch``, the ID is set aside); through the 3.01 crosswalk when imported;
4. a remembered decision for (metal, raw name, country) → accept / reject;
5. the names, through `ingest.resolve_index` (alias, name variant, romanisation, acronym, typo, short or
   group form, fuzzy), each hit followed to today's CID (a split group to the successor in the row's country);
6. the row's country (and the old ID's) weighs every candidate: agreeing adds, contradicting marks it —
   a contradicted candidate is never accepted; city/state words that match a facility's location add;
7. decide: one certain candidate (alias, variant, romanisation, crosswalk) → resolved; several → the one
   the country (then the location) singles out, else review; weaker evidence → resolved when its score
   clears `accept` with a `margin` over the next facility, review above `review`, else unresolved with a
   provisional key; "Smelter not yet identified" → "unidentified" (a coverage gap, not a facility).

Every candidate carries its reasons (`Candidate.reasons`, `Resolution.reasons`), shown by
`minetrace reference resolve --json` and the review queue. Thresholds and method scores come from
ingest/reference/resolution.yaml (overridable by <store>/resolution.yaml).

Speed: aliases are blocked by metal and normalised once; exact dict lookups run before any fuzzy scoring;
results are cached per distinct row facts.
"""

from __future__ import annotations

import gc
import re
import threading
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml
from rapidfuzz import fuzz

from minetrace.ingest.findings import make_finding
from minetrace.ingest.names import TRADE_WORDS, NameForms, name_forms, name_tokens, normalise_name
from minetrace.ingest.records import Candidate, Declaration, Finding, Resolution, SmelterRow
from minetrace.ingest.reference.countries import country_iso2
from minetrace.ingest.reference.decisions import Decisions
from minetrace.ingest.reference.notice import has_reference_list
from minetrace.ingest.reference.old_ids import is_old_id_shape, parse_old_id
from minetrace.ingest.reference.store import CID_RE, ReferenceStore
from minetrace.ingest.resolve_index import NameHit, NameIndex, Scores, countries_in_name

POLICY_FILE = Path(__file__).resolve().parent / "reference" / "resolution.yaml"
OLD_ID_RE = re.compile(r"^[1-4][A-Z]{3}\d{3}$")
#: ID cells that mean "no ID" (after clean_cid_text)
_NO_ID = {"", "NA", "N/A", "NONE", "NOTLISTED", "UNKNOWN", "TBD", "0", "NIL", "ENTERSMELTERDETAILS", "SMELTERNOTLISTED"}
_ID_JUNK = re.compile(r"[\s\u00a0\u200b\u200c\u200d\ufeff.\-_/:#]+")
NOT_LISTED = "smelter not listed"
NOT_YET = "smelter not yet identified"
_EMPTY_NAMES = {"", "na", "n a", "none", "unknown", "tbd", "0", "not listed", "not applicable", "smelter not listed",
                "smelter not yet identified", "see comments", "other"}
#: methods whose evidence is certain: several of them pointing at different facilities is a question, not a vote
STRONG = frozenset({"alias", "name_variant", "romanisation", "old_id", "cid", "decision"})
#: among certain evidence, the more direct wins: a typed alias over an alias without its suffix over a spelling
_RANK = {"alias": 3, "old_id": 3, "cid": 3, "decision": 3, "name_variant": 2, "romanisation": 1}


@dataclass
class Policy:
    accept: float = 92
    review: float = 75
    margin: float = 6
    accept_clear: float = 101  # a lower accept score when no other facility comes close (see clear_margin)
    clear_margin: float = 100
    country_match_bonus: float = 4
    country_mismatch_penalty: float = 12
    location_bonus: float = 3
    corroboration_bonus: float = 4
    repair_name_min: float = 75
    min_fuzzy_length: int = 4
    name_variant_score: float = 97
    romanisation_score: float = 95
    acronym_score: float = 92
    acronym_min_length: int = 3
    typo_base: float = 98
    typo_per_edit: float = 5
    short_form_score: float = 91
    group_name_score: float = 88
    fuzzy_cap: float = 84
    rare_df: int = 2
    #: ISO-2 codes RMI and suppliers use for the same place (RMI moved Hong Kong refiners to CN and back)
    country_equivalents: list[list[str]] = field(default_factory=lambda: [["CN", "HK", "MO"]])

    @classmethod
    def load(cls, store_dir: Path | None = None) -> Policy:
        data: dict[str, Any] = yaml.safe_load(POLICY_FILE.read_text(encoding="utf-8")) or {}
        if store_dir is not None and (store_dir / "resolution.yaml").exists():
            data.update(yaml.safe_load((store_dir / "resolution.yaml").read_text(encoding="utf-8")) or {})
        known = set(cls.__dataclass_fields__)
        return cls(**{k: v for k, v in data.items() if k in known})

    def scores(self) -> Scores:
        return Scores(name_variant=self.name_variant_score, romanisation=self.romanisation_score,
                      acronym=self.acronym_score, typo_base=self.typo_base, typo_per_edit=self.typo_per_edit,
                      short_form=self.short_form_score, group_name=self.group_name_score, fuzzy_cap=self.fuzzy_cap,
                      rare_df=self.rare_df, min_fuzzy_length=self.min_fuzzy_length,
                      acronym_min_length=self.acronym_min_length)

    def same_country(self, a: str | None, b: str | None) -> bool:
        if not a or not b:
            return False
        if a == b:
            return True
        return any(a in group and b in group for group in self.country_equivalents)


@dataclass
class _Fac:
    cid: str
    metal: str | None
    name: str | None
    iso2: str | None
    city: str | None = None
    state: str | None = None
    retired: bool = False


@dataclass
class _Cand:
    """A facility (today's CID) the row may mean, with the evidence weighed so far."""

    cid: str
    score: float
    method: str
    reasons: list[str]
    capped: bool = False  # fuzzy with an unmatched identifying word: review at most
    contradiction: str | None = None
    country_agrees: bool = False
    location_agrees: bool = False
    via_split: bool = False  # reached only as one of the successors of a split group
    names: set[str] = field(default_factory=set)  # the row's names (raw) that found this facility

    @property
    def strong(self) -> bool:
        return self.method in STRONG and not self.capped

    @property
    def rank(self) -> int:
        return _RANK.get(self.method, 0) if self.strong else 0


@dataclass
class _Facts:
    metal: str | None
    names: list[NameForms]
    countries: list[str]  # the row's own country (and each part of a consolidated country cell)
    ids: tuple[str, ...]
    kind: str | None
    raw_name: str | None
    places: list[str]  # city / state / street words


def score_names(a: str, b: str) -> float:
    """The fuzzy score used for ranking: 0.5 token_set + 0.3 token_sort + 0.2 ratio on normalised names.

    token_set_ratio forgives dropped/added words (truncation, legal suffixes) but scores any subset
    100; ratio and token_sort_ratio keep the whole string honest. The blend rewards both.
    """
    ts = fuzz.token_set_ratio(a, b)
    so = fuzz.token_sort_ratio(a, b)
    r = fuzz.ratio(a, b)
    return 0.5 * ts + 0.3 * so + 0.2 * r


def clean_cid_text(value: object) -> str:
    """Upper-case ID text with spaces, NBSP, dots, dashes and zero-width characters removed."""
    text = unicodedata.normalize("NFKC", str(value)).upper()
    return _ID_JUNK.sub("", text)


def cid_variants(text: str) -> list[str]:
    """Plausible CIDs for a malformed ID: O→0, I/L→1, missing prefix, one extra digit, short padding."""
    t = clean_cid_text(text)
    for prefix in ("CID", "C1D", "CLD", "ClD", "ID", "CD", "CI"):
        if t.startswith(prefix):
            t = t[len(prefix):]
            break
    digits = t.replace("O", "0").replace("I", "1").replace("L", "1")
    if not digits.isdigit():
        return []
    out: list[str] = []
    if len(digits) == 6:
        out.append(digits)
    elif len(digits) == 7:
        out.extend(digits[:i] + digits[i + 1:] for i in range(7))
    elif 3 <= len(digits) < 6:
        out.append(digits.zfill(6))
    seen: list[str] = []
    for d in out:
        c = f"CID{d}"
        if c not in seen:
            seen.append(c)
    return seen


#: what `Resolver._build` sets: read before the build, any of them builds the indexes (one build at a time)
_BUILD_LOCK = threading.RLock()
_INDEX_ATTRS = frozenset({"retired", "_follow_cache", "_gates", "_alias_countries", "facs", "index", "names_of",
                          "has_reference_list", "old_ids"})


class Resolver:
    """Resolve SmelterRows against a ReferenceStore. Build once (lazily, on the first question), call `resolve`
    many times."""

    def __init__(self, store: ReferenceStore, decisions: Decisions | str | Path | None = None,
                 as_of: date | str | None = None, policy: Policy | None = None) -> None:
        self.store = store
        self.as_of = as_of
        self.policy = policy or Policy.load(store.dir)
        if decisions is None:
            decisions = store.decisions()
        elif isinstance(decisions, str | Path):
            decisions = Decisions(Path(decisions))
        self.decisions = decisions
        self._cache: dict[tuple[Any, ...], Resolution] = {}  # per distinct row facts
        self._raw_cache: dict[tuple[Any, ...], Resolution] = {}  # per distinct raw row fields

    if not TYPE_CHECKING:  # hidden from mypy: the attributes `_build` sets keep their checked types
        def __getattr__(self, name: str) -> Any:
            """The indexes are built on first use (about a second over a full RMI list): a command that opens a
            resolver it never asks — `ingest` of duplicates only, or one whose Look-up learning rebuilds it at once
            (`graph.lookup_learning.rebuilt`) — does not pay for them. Python calls this only for an attribute not
            set yet; a second thread asking during the build (the explorer shares resolvers) waits for it."""
            if name not in _INDEX_ATTRS:
                raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
            with _BUILD_LOCK:
                if name not in self.__dict__:
                    if self.__dict__.get("_building"):  # _build read what it had not set yet: a defect, not a loop
                        raise AttributeError(f"{name!r} read before Resolver._build set it")
                    self._building = True
                    try:
                        self._build()
                    finally:
                        self._building = False
            return self.__dict__[name]

    # ------------------------------------------------------------------ index
    def _build(self) -> None:
        retired = self.store.retired_map()
        if self.as_of:  # resolving a past reporting period: later removals had not happened yet
            day = str(self.as_of)[:10]
            retired = {c: v for c, v in retired.items() if not v[0] or v[0] <= day}
        self.retired = retired
        self._follow_cache: dict[str, tuple[str | None, list[str], list[str]]] = {}
        self._gates: dict[tuple[str, tuple[str, ...]], set[str]] = {}
        self._alias_countries: dict[str, dict[str, set[str | None]]] = {}
        self.facs: dict[str, _Fac] = {}
        for r in self.store.db.execute("SELECT cid, metal, standard_name, country_iso2, city, state FROM facilities"):
            self.facs[r["cid"]] = _Fac(r["cid"], r["metal"], r["standard_name"], r["country_iso2"], r["city"],
                                       r["state"], r["cid"] in retired)
        aliases = []
        for row in self.store.all_aliases():
            metal, cid = row["metal"], row["cid"]
            fac = self.facs.get(cid)
            if fac is not None and fac.metal and fac.metal != metal:
                continue  # alias filed under another metal (metal corrected later): trust the facility
            aliases.append((metal, row["alias_raw"], cid))
        facilities = {c: (f.metal, f.name, f.iso2, f.city, f.state) for c, f in self.facs.items()}
        self.index = NameIndex(aliases, facilities, self._targets, self.policy.scores())
        self.names_of = self.index.names_of
        #: a reference list (RMI export or template Look-up) was imported; without one, unknown CIDs are trusted
        self.has_reference_list = has_reference_list(self.store)
        self.old_ids: dict[str, set[str]] = {}
        for r in self.store.db.execute("SELECT old_id, cid FROM old_ids"):
            self.old_ids.setdefault(r["old_id"], set()).add(r["cid"])

    # ------------------------------------------------------------------ chains
    def _follow(self, cid: str) -> tuple[str | None, list[str], list[str]]:
        """(current cid or None when split, notes, split successors); memoised (callers copy the lists)."""
        hit = self._follow_cache.get(cid)
        if hit is None:
            hit = self._follow_cache[cid] = self._walk(cid)
        return hit[0], list(hit[1]), list(hit[2])

    def _walk(self, cid: str) -> tuple[str | None, list[str], list[str]]:
        notes: list[str] = []
        seen = {cid}
        cur = cid
        while cur in self.retired:
            removed_on, reason, succ = self.retired[cur]
            notes.append(f"{cur} removed {removed_on or '?'}: {reason or 'no reason given'}")
            succ = [s for s in succ if s not in seen]
            if len(succ) == 1:
                cur = succ[0]
                seen.add(cur)
                continue
            if len(succ) > 1:
                return None, notes, self._expand(succ, seen)
            break
        return cur, notes, []

    def _expand(self, succ: list[str], seen: set[str]) -> list[str]:
        """Successors of a split, each followed to today's CID (a successor may have been merged or split since)."""
        out: list[str] = []
        for s in succ:
            cur, _, more = self._walk(s) if s not in seen else (s, [], [])
            for t in [cur] if cur else more:
                if t and t not in out:
                    out.append(t)
        return out

    def _targets(self, cid: str) -> list[str]:
        current, _, succ = self._follow(cid)
        return [current] if current else succ

    def _split_parent(self, cid: str) -> str:
        """The CID in a chain whose removal split it into several facilities."""
        seen = {cid}
        while cid in self.retired:
            succ = [s for s in self.retired[cid][2] if s not in seen]
            if len(succ) != 1:
                return cid
            cid = succ[0]
            seen.add(cid)
        return cid

    # ------------------------------------------------------------------ helpers
    def _candidate(self, cid: str, score: float, reasons: list[str] | None = None) -> Candidate:
        fac = self.facs.get(cid)
        return Candidate(cid=cid, name=(fac.name if fac else "") or "", score=round(min(score, 100.0), 1),
                         country=fac.iso2 if fac else None, reasons=list(reasons or []))

    def _name_score(self, names: list[str], cid: str) -> float:
        aliases = self.names_of.get(cid, set())
        if any(n in aliases for n in names):
            return 100.0
        best = 0.0
        for n in names:
            for a in aliases:
                best = max(best, score_names(n, a))
        return best

    @staticmethod
    def _name_texts(row: SmelterRow) -> list[str]:
        out: list[str] = []
        for fname, text in (("lookup", row.lookup), ("name", row.name), ("standard_name", row.standard_name)):
            parts = row.split.get(fname) if row.split else None
            for t in [text, *(parts or [])] if parts and len(parts) > 1 else [text]:
                if not t:
                    continue
                raw = " ".join(str(t).split())
                if raw.casefold() in (NOT_LISTED, NOT_YET) or normalise_name(raw) in _EMPTY_NAMES:
                    continue
                if parts and len(parts) > 1 and t is text:
                    continue  # a "|"-joined cell stands for its parts
                if raw not in out:
                    out.append(raw)
        return out

    @staticmethod
    def _raw_name(row: SmelterRow) -> str | None:
        for text in (row.name, row.lookup, row.standard_name):
            if text and str(text).strip().casefold() not in (NOT_LISTED, NOT_YET):
                return str(text).strip()
        return None

    def _countries(self, row: SmelterRow) -> list[str]:
        out: list[str] = []
        code = (row.country_code or "").strip().upper()
        if len(code) == 2 and code.isalpha():
            out.append(code)
        texts = [row.country, *(row.split.get("country") or [] if row.split else [])]
        for t in texts:
            iso = country_iso2(t) if t else None
            if iso and iso not in out:
                out.append(iso)
        return out

    @staticmethod
    def _places(row: SmelterRow) -> list[str]:
        words: list[str] = []
        for text in (row.city, row.state):
            for tok in normalise_name(text).split() if text else ():
                if len(tok) >= 3 and not tok.isdigit() and tok not in words:
                    words.append(tok)
        return words

    # ------------------------------------------------------------------ API
    def resolve(self, row: SmelterRow) -> Resolution:
        raw_key = (row.metal, row.lookup, row.lookup_kind, row.name, row.standard_name, row.country,
                   row.country_code, row.cid, row.input_cid, row.city, row.state,
                   tuple(sorted((k, tuple(v)) for k, v in row.split.items())) if row.split else ())
        hit = self._raw_cache.get(raw_key)
        if hit is None:
            hit = self._resolve_row(row)
            self._raw_cache[raw_key] = hit
        findings = []
        if hit.findings:
            loc = f"Smelter List!row {row.row}"
            findings = [Finding(f.code, f.severity, loc, f.message) for f in hit.findings]
        return Resolution(hit.status, hit.cid, hit.method, hit.score, hit.given_cid, hit.metal, hit.standard_name,
                          hit.country_iso2, list(hit.candidates), list(hit.notes), findings, hit.provisional_key,
                          list(hit.reasons))

    def _resolve_row(self, row: SmelterRow) -> Resolution:
        kind = row.lookup_kind
        lookup = (row.lookup or "").strip().casefold()
        if lookup == NOT_YET:
            kind = "not_yet_identified"
        elif lookup == NOT_LISTED:
            kind = "not_listed"
        id_texts = [row.cid, row.input_cid, *((row.split.get("cid") or []) if row.split else [])]
        ids = tuple(dict.fromkeys(i for i in (clean_cid_text(v) for v in id_texts if v not in (None, ""))
                                  if i not in _NO_ID))
        names = [name_forms(t) for t in self._name_texts(row)]
        facts = _Facts(row.metal, [f for f in names if f.norm], self._countries(row), ids, kind, self._raw_name(row),
                       self._places(row))
        key = (facts.metal, tuple(f.raw for f in facts.names), tuple(facts.countries), ids, kind, facts.raw_name,
               tuple(facts.places))
        hit = self._cache.get(key)
        if hit is None:
            hit = self._resolve(facts)
            self._cache[key] = hit
        return hit

    def resolve_many(self, rows: Iterable[SmelterRow], declaration_sha256: str | None = None) -> list[Resolution]:
        """Resolve rows; with a declaration sha256, review rows are queued for `minetrace reference review`.

        The cyclic garbage collector is paused for the batch: results are acyclic, and full collections
        over a large batch otherwise cost more than the resolution itself.
        """
        out = []
        queued: list[tuple[int, str | None, str | None, str | None, str, Iterable[dict[str, Any]]]] = []
        was_enabled = gc.isenabled()
        gc.disable()
        try:
            for row in rows:
                res = self.resolve(row)
                out.append(res)
                if declaration_sha256 and (res.status == "review" or (res.status == "unresolved" and res.candidates)):
                    queued.append((row.row, row.metal, self._raw_name(row), row.country, res.status,
                                   [c.__dict__ for c in res.candidates]))
        finally:
            if was_enabled:
                gc.enable()
        if queued and declaration_sha256:
            self.store.enqueue_reviews(declaration_sha256, queued)
        return out

    def resolve_declaration(self, decl: Declaration) -> list[Resolution]:
        """Resolve every smelter row of a declaration; review candidates are queued under its sha256."""
        return self.resolve_many(decl.smelters, declaration_sha256=decl.file.sha256)

    # ------------------------------------------------------------------ the steps
    def _resolve(self, facts: _Facts) -> Resolution:
        findings: list[Finding] = []
        notes: list[str] = []
        metal = facts.metal
        given = next((i for i in facts.ids if i), None)
        if facts.kind == "not_yet_identified":
            if facts.raw_name:
                notes.append(f"typed name kept as given: {facts.raw_name!r}")
            return Resolution(status="unidentified", cid=None, method="not_yet_identified", score=0.0,
                              given_cid=given, metal=metal, notes=notes)
        countries = list(facts.countries)
        norms = [f.norm for f in facts.names]
        id_hits: list[NameHit] = []
        # ---- 1–3: identifiers
        for ident in facts.ids:
            if CID_RE.match(ident):
                res = self._by_cid(ident, metal, facts, countries, findings, notes)
                if res is not None:
                    return res
            elif is_old_id_shape(ident):
                oid = parse_old_id(ident)
                if oid is None:
                    notes.append(f"{ident} is shaped like an old-style ID but {ident[1:4]} is no ISO-3 country code")
                    continue
                if metal and oid.metal != metal:
                    findings.append(make_finding("old_id_metal_mismatch", "",
                                            f"old-style ID {ident} is a {oid.metal} ID but the row says {metal}; "
                                            "the ID is set aside"))
                    continue
                metal = metal or oid.metal
                if oid.iso2 not in countries:
                    countries.append(oid.iso2)
                    notes.append(f"old-style ID {ident}: {oid.metal}, country {oid.iso2}")
                targets = {t for t in self.old_ids.get(ident, set())
                           if t not in self.facs or not metal or self.facs[t].metal == metal}
                for t in sorted(targets):
                    id_hits.append(NameHit(t, 100.0, "old_id", f"old ID {ident} → {t} (CMRT 3.01 crosswalk)"))
                if not targets and ident in self.old_ids:
                    notes.append(f"old ID {ident}: the crosswalk's CID is of another metal")
            else:
                res = self._repair(ident, metal, norms, countries, findings, notes)
                if res is not None:
                    return res
        # ---- 4: decisions
        rejected: set[str] = set()
        if facts.raw_name:
            d = self.decisions.find(metal, facts.raw_name, countries[0] if countries else None)
            if d is not None:
                rejected |= d.reject
                if d.accept:
                    return self._done(d.accept, "decision", 100.0, metal, given, findings,
                                      notes + [f"decision for {facts.raw_name!r} (decided {d.decided_on or '?'})"],
                                      countries, facts)
        if not metal or metal not in self.index.metals:
            if not facts.names and not id_hits:
                return self._unresolved(metal, facts, countries, given, findings, notes, "no name")
            return self._unresolved(metal, facts, countries, given, findings, notes,
                                    "metal not in the reference store")
        if not facts.names and not id_hits:
            return self._unresolved(metal, facts, countries, given, findings, notes, "no name")
        # ---- 5: name evidence
        hits = list(id_hits)
        for forms in facts.names:
            hits += _from(forms, self.index.exact(metal, forms))
        hits = [h for h in hits if h.cid not in rejected]
        cands = self._weigh(hits, metal, facts, countries)
        if not any(c.strong and not c.contradiction for c in cands.values()):
            weak = self._weak_hits(metal, facts, countries, rejected)
            # a country written in the name ("DS Myanmar") weighs weak evidence when the row states none
            hinted = countries or list(dict.fromkeys(c for f in facts.names for c in countries_in_name(f.norm)))
            for cid, cand in self._weigh(weak, metal, facts, hinted).items():
                if cid not in cands or cands[cid].score < cand.score and not cands[cid].strong:
                    cands[cid] = cand
        if not cands:
            other = self._other_metal(metal, facts)
            if other:
                return other
            return self._unresolved(metal, facts, countries, given, findings, notes, "no similar name")
        return self._decide(cands, metal, facts, countries, given, findings, notes)

    # ------------------------------------------------------------------ identifiers
    def _by_cid(self, ident: str, metal: str | None, facts: _Facts, countries: list[str],
                findings: list[Finding], notes: list[str]) -> Resolution | None:
        fac = self.facs.get(ident)
        if fac is None and not self.has_reference_list:
            # no reference list imported yet: a well-formed CID is the supplier's best evidence
            findings.append(make_finding("cid_unverified", "",
                                    f"{ident} taken as written: no RMI reference list or template Look-up has "
                                    "been imported (minetrace reference import …)"))
            return Resolution(status="resolved", cid=ident, method="cid_unverified", score=100.0,
                              given_cid=ident, metal=metal, country_iso2=countries[0] if countries else None,
                              findings=findings, notes=notes)
        if fac is None:
            findings.append(make_finding("cid_unknown", "",
                                    f"{ident} is not in the reference store (import a newer RMI list?)"))
            return None
        if metal and fac.metal and fac.metal != metal:
            findings.append(make_finding("cid_wrong_metal", "",
                                    f"{ident} is a {fac.metal} facility ({fac.name}) but the row says {metal}"))
            return None
        norms = [f.norm for f in facts.names]
        res = self._done(ident, "cid", 100.0, metal or fac.metal, ident, findings, notes, countries, facts)
        if res.status != "resolved" or not res.cid:
            return res
        sc = self._name_score(norms, ident) if norms and self.names_of.get(ident) else None
        target = self.facs.get(res.cid)
        if countries and target and target.iso2 and not any(self.policy.same_country(c, target.iso2)
                                                            for c in countries):
            msg = (f"{ident} ({target.name}) is in {target.iso2} but the row says {', '.join(countries)}")
            if sc is not None and sc >= self.policy.repair_name_min:
                res.findings.append(make_finding("cid_country_mismatch", "", msg + "; the name agrees with the "
                                            "CID, so the CID was kept"))
                res.reasons.append("the row's name agrees with the CID; its country does not")
                return res
            findings.append(make_finding("cid_country_mismatch", "", msg + "; nothing else on the row backs "
                                    "the CID"))
            cand = self._candidate(res.cid, 100.0, [f"the row's CID {ident}", f"country contradicts: {msg}"])
            return Resolution(status="review", cid=None, method="cid_country_mismatch", score=100.0,
                              given_cid=ident, metal=metal or fac.metal, candidates=[cand], findings=findings,
                              notes=notes + res.notes, provisional_key=self._key(metal, facts, countries),
                              reasons=["a country contradiction is never accepted without a second fact"])
        if sc is not None and sc < 45:
            res.findings.append(make_finding(
                "cid_name_mismatch", "",
                f"the row's name scores {sc:.0f} against {ident} ({fac.name}); the CID was kept"))
        return res

    def _repair(self, ident: str, metal: str | None, norms: list[str], countries: list[str],
                findings: list[Finding], notes: list[str]) -> Resolution | None:
        variants = [v for v in cid_variants(ident) if v in self.facs]
        fitting = [v for v in variants if not metal or self.facs[v].metal == metal]
        if not norms:  # nothing to confirm a repair with: a human decides
            if fitting:
                findings.append(make_finding("malformed_cid", "",
                                        f"ID {ident!r} is not a valid CID; no name to confirm {', '.join(fitting)}"))
                return Resolution(status="review", cid=None, method="cid_malformed", score=0.0, given_cid=ident,
                                  metal=metal, candidates=[self._candidate(v, 0.0, [f"a repair of {ident!r}"])
                                                           for v in fitting],
                                  findings=findings, notes=notes, provisional_key=ident)
        fitting = [v for v in fitting if self._name_score(norms, v) >= self.policy.repair_name_min]
        if len(fitting) == 1:
            cid = fitting[0]
            findings.append(make_finding("malformed_cid", "", f"ID {ident!r} repaired to {cid}"))
            res = self._done(cid, "cid_repaired", 100.0, metal, ident, findings, notes, countries, None)
            res.reasons.append(f"{ident!r} repaired to {cid}, which the row's name matches")
            return res
        findings.append(make_finding(
            "malformed_cid", "",
            f"ID {ident!r} is not a valid CID" + (f"; candidates {', '.join(variants)}" if variants else "")))
        return None

    # ------------------------------------------------------------------ weighing
    def _weak_hits(self, metal: str, facts: _Facts, countries: list[str], rejected: set[str]) -> list[NameHit]:
        """Acronyms, typos (gated by the row's country), short/group forms and fuzzy matches."""
        idx = self.index
        hits: list[NameHit] = []
        typo_gate = self._country_gate(metal, countries) if countries else None
        for forms in facts.names:
            found = idx.acronyms(metal, forms) + idx.typos(metal, forms, typo_gate)
            group, covered = idx.contained(metal, forms, self._targets)
            covered &= group
            words = " ".join(idx.identifying(name_tokens(forms.base or forms.norm)))
            if len(group) == 1:
                found += [NameHit(c, idx.scores.short_form, "short_form",
                                  f"every identifying word of the name ({words}) is in this facility's aliases and "
                                  "no other's") for c in group]
            elif len(covered) == 1:  # one member of the group has an alias the name spells out
                found += [NameHit(c, idx.scores.short_form if c in covered else idx.scores.group_name - 6,
                                  "short_form" if c in covered else "group_name",
                                  f"of the {len(group)} facilities whose aliases hold the name's identifying words "
                                  f"({words}), the one with an alias made of them alone" if c in covered else
                                  f"one of {len(group)} facilities whose aliases hold every identifying word of the "
                                  f"name ({words})") for c in group]
            elif group:
                found += [NameHit(c, idx.scores.group_name, "group_name",
                                  f"one of {len(group)} facilities whose aliases hold every identifying word of the "
                                  f"name ({words})") for c in group]
            for cid, (sc, alias) in idx.fuzzy(metal, forms, rejected).items():
                found.append(NameHit(cid, sc, "fuzzy", f"similar to alias {alias!r} (score {sc:.0f})", alias))
            hits += _from(forms, [h for h in found if h.method != "fuzzy" or h.score >= self.policy.review - 15])
        return [h for h in hits if h.cid not in rejected]

    def _country_gate(self, metal: str, countries: list[str]) -> set[str]:
        """The edit-distance gate: alias CIDs of the metal whose facility (today) is in one of the countries."""
        key = (metal, tuple(sorted(countries)))
        gate = self._gates.get(key)
        if gate is None:
            where = self._alias_countries.get(metal)
            if where is None:
                where = self._alias_countries[metal] = {
                    c: {f.iso2 for t in self._targets(c) if (f := self.facs.get(t)) is not None and f.metal == metal}
                    for c in self.names_of}
            gate = self._gates[key] = {c for c, isos in where.items()
                                       if any(self.policy.same_country(x, i) for x in countries for i in isos)}
        return gate

    def _weigh(self, hits: list[NameHit], metal: str, facts: _Facts, countries: list[str]) -> dict[str, _Cand]:
        """Follow each hit to today's CID(s), then weigh the row's country and location for each."""
        p = self.policy
        out: dict[str, _Cand] = {}
        query_tokens = [t for f in facts.names for t in name_tokens(f.norm)]
        extras = [t for f in facts.names for e in f.extras for t in e.split()]
        for h in hits:
            current, _, succ = self._follow(h.cid)
            targets = [current] if current else succ
            for target in targets:
                fac = self.facs.get(target)
                reasons = [h.reason]
                if target != h.cid:
                    if current:
                        reasons.append(f"{h.cid} is today's {target} (RMI revision history)")
                    else:
                        reasons.append(f"RMI split {self._split_parent(h.cid)} into {', '.join(succ)}")
                score, capped = h.score, False
                if h.method == "fuzzy":
                    alias = normalise_name(h.alias)
                    miss_q, miss_a = self.index.unmatched(metal, query_tokens + extras, alias, target)
                    if miss_q or miss_a:
                        capped = True
                        what = []
                        if miss_q:
                            what.append(f"the name's {', '.join(miss_q)!s} not in this facility's names")
                        if miss_a:
                            what.append(f"this facility's {', '.join(miss_a)} not in the name")
                        reasons.append("review only: " + "; ".join(what))
                        score = min(score, p.fuzzy_cap)
                cand = _Cand(target, score, h.method, reasons, capped, names={h.source} if h.source else set(),
                             via_split=current is None)
                self._facts_on(cand, fac, facts, countries, extras)
                trade = {t for t in query_tokens if t in TRADE_WORDS}
                if trade and h.method not in STRONG and fac is not None and \
                        not (self.index.metals.get(metal) and
                             self.index.metals[metal].fac_tokens.get(target, set()) & TRADE_WORDS):
                    cand.capped = True
                    cand.reasons.append(f"review only: the name says {', '.join(sorted(trade))!r} (a trader or user "
                                        "of metal), this facility's names do not")
                if h.method == "plant":  # a group's plant named after its town: certain only when the row names it
                    cand.method = "name_variant" if cand.location_agrees else "group_name"
                    cand.score = max(cand.score, p.name_variant_score) if cand.location_agrees else cand.score
                if h.method == "acronym" and h.score < p.acronym_score and not cand.country_agrees:
                    cand.capped = True  # 3-letter initials ("TDK") without the country's word: a question
                    cand.reasons.append("review only: short initials, and the row's country does not confirm them")
                prev = out.get(target)
                if prev is not None:
                    cand.names |= prev.names
                if prev is None or (cand.rank, not cand.via_split, cand.score) > \
                        (prev.rank, not prev.via_split, prev.score):
                    out[target] = cand
                else:
                    prev.names |= cand.names
        for cand in out.values():  # two of the row's names found it independently: corroboration
            if len(cand.names) >= 2 and not cand.strong and not cand.capped and cand.method != "group_name":
                cand.score = min(100.0, cand.score + p.corroboration_bonus)
                cand.reasons.append(f"found by {len(cand.names)} of the row's names")
        return out

    def _facts_on(self, cand: _Cand, fac: _Fac | None, facts: _Facts, countries: list[str],
                  extras: list[str]) -> None:
        p = self.policy
        if fac is None:
            return
        if countries and fac.iso2:
            if any(p.same_country(c, fac.iso2) for c in countries):
                cand.country_agrees = True
                cand.score += p.country_match_bonus
                cand.reasons.append(f"country agrees ({fac.iso2})")
            else:
                cand.contradiction = f"facility in {fac.iso2}, the row says {', '.join(countries)}"
                cand.score -= p.country_mismatch_penalty
                cand.reasons.append(f"country contradicts: {cand.contradiction}")
        idx = self.index.metals.get(fac.metal or "")
        if idx is not None:
            locs = idx.loc_tokens.get(cand.cid, set())
            named = idx.fac_tokens.get(cand.cid, set())
            hit = [w for w in facts.places if w in locs] + [w for w in extras if w in locs or w in named]
            if hit:
                cand.location_agrees = True
                cand.score += p.location_bonus
                cand.reasons.append(f"location agrees ({', '.join(dict.fromkeys(hit))})")
        cand.score = min(cand.score, 100.0)

    # ------------------------------------------------------------------ deciding
    def _decide(self, cands: dict[str, _Cand], metal: str, facts: _Facts, countries: list[str], given: str | None,
                findings: list[Finding], notes: list[str]) -> Resolution:
        p = self.policy
        ok = [c for c in cands.values() if not c.contradiction]
        strong = [c for c in ok if c.strong]
        if strong:
            pick = self._single_out(strong)
            if len(pick) == 1:
                return self._accept(pick[0], metal, given, findings, notes, facts, countries)
            ranked = sorted(pick, key=lambda c: (-c.score, c.cid))
            return self._review(ranked, "alias_ambiguous", 100.0, metal, given, findings,
                                notes + [f"the name is an alias of {len(ranked)} facilities"], facts, countries,
                                "several facilities have this name; the row's country and location do not single "
                                "one out")
        contradicted_strong = any(c.strong for c in cands.values() if c.contradiction)
        ranked = sorted(ok, key=lambda c: (-c.score, c.capped, c.cid))
        if ranked:
            top = ranked[0]
            second = ranked[1].score if len(ranked) > 1 else 0.0
            lead = top.score - second
            clears = (top.score >= p.accept and lead >= p.margin) or \
                     (top.score >= p.accept_clear and lead >= p.clear_margin)
            if clears and not top.capped and (top.country_agrees or not contradicted_strong):
                return self._accept(top, metal, given, findings, notes, facts, countries)
            if top.score >= p.review:
                why = ("close runner-up" if clears or top.score >= p.accept else "score between review and accept")
                if top.capped:
                    why = "a word of one name is missing from the other"
                if top.method == "group_name" and len(ranked) > 1 and ranked[1].method == "group_name":
                    why = (f"a group name: {sum(1 for c in ranked if c.method == 'group_name')} of the group's "
                           "facilities fit the row; its country and location do not single one out")
                if contradicted_strong and not top.country_agrees:
                    why = "the exact name belongs to a facility in another country"
                contra = sorted((c for c in cands.values() if c.contradiction and c.strong), key=lambda c: c.cid)
                return self._review(ranked[:5] + contra[:3], top.method, top.score, metal, given, findings,
                                    notes + [why], facts, countries, why)
        contra = sorted((c for c in cands.values() if c.contradiction), key=lambda c: (-c.score, c.cid))
        if contra and (contra[0].strong or contra[0].score + p.country_mismatch_penalty >= p.accept):
            why = "the name points to a facility whose country contradicts the row"
            return self._review((ranked[:3] + contra[:3]), contra[0].method, contra[0].score, metal, given,
                                findings, notes + [why], facts, countries, why)
        cands_out = [self._candidate(c.cid, c.score, c.reasons) for c in ranked[:5] if c.score >= p.review - 15]
        best = ranked[0].score if ranked else 0.0
        return self._unresolved(metal, facts, countries, given, findings, notes, f"best score {best:.0f}", cands_out)

    def _single_out(self, cands: list[_Cand]) -> list[_Cand]:
        """Narrow several certain candidates: the split parent gives way to its successor, then the most direct
        evidence (a typed alias over a variant over a spelling; a facility's own alias over its split group's),
        then the ones the country agrees with, then the location. A retired facility is not set aside for a live
        one: two facilities stay a question."""
        pick = list({c.cid: c for c in cands}.values())
        ids = {c.cid for c in pick}
        pick = [c for c in pick if not (c.cid in self.retired and set(self.retired[c.cid][2]) & ids)] or pick
        top = max((c.rank for c in pick), default=0)
        pick = [c for c in pick if c.rank == top] or pick
        for test in (lambda c: not c.via_split, lambda c: c.country_agrees, lambda c: c.location_agrees):
            if len(pick) > 1:
                narrowed = [c for c in pick if test(c)]
                if narrowed:
                    pick = narrowed
        return pick

    def _accept(self, cand: _Cand, metal: str | None, given: str | None, findings: list[Finding], notes: list[str],
                facts: _Facts, countries: list[str]) -> Resolution:
        fac = self.facs.get(cand.cid)
        notes = list(notes)
        if fac and fac.retired:
            notes.append(f"{cand.cid} is retired (not on the current reference list)")
        return Resolution(status="resolved", cid=cand.cid, method=cand.method, score=round(min(cand.score, 100.0), 1),
                          given_cid=given, metal=(fac.metal if fac else None) or metal,
                          standard_name=fac.name if fac else None, country_iso2=fac.iso2 if fac else None,
                          candidates=[self._candidate(cand.cid, cand.score, cand.reasons)], notes=notes,
                          findings=findings, reasons=list(cand.reasons))

    def _review(self, ranked: list[_Cand], method: str, score: float, metal: str | None, given: str | None,
                findings: list[Finding], notes: list[str], facts: _Facts, countries: list[str],
                why: str) -> Resolution:
        seen: set[str] = set()
        cands = []
        for c in ranked:
            if c.cid not in seen:
                seen.add(c.cid)
                cands.append(self._candidate(c.cid, c.score, c.reasons))
        return Resolution(status="review", cid=None, method=method, score=round(min(score, 100.0), 1),
                          given_cid=given, metal=metal, candidates=cands, findings=findings, notes=notes,
                          provisional_key=self._key(metal, facts, countries), reasons=[why])

    def _done(self, cid: str, method: str, score: float, metal: str | None, given: str | None,
              findings: list[Finding], notes: list[str], countries: list[str] | None = None,
              facts: _Facts | None = None) -> Resolution:
        """Resolve to `cid` followed through the revision history; a split picks the successor in the row's
        country (then city), else the row goes to review listing the successors."""
        current, chain_notes, succ = self._follow(cid)
        notes = list(notes) + chain_notes
        reasons: list[str] = []
        countries = countries or []
        if current is None:  # split into facility-level CIDs (RMI "see Smelter IDs: …")
            parent = self._split_parent(cid)
            cands = []
            for s in succ:
                c = _Cand(s, score, method, [f"RMI split {parent} into {', '.join(succ)}"])
                self._facts_on(c, self.facs.get(s), facts or _Facts(metal, [], countries, (), None, None, []),
                               countries, [])
                cands.append(c)
            live = [c for c in cands if not c.contradiction]
            pick = self._single_out(live) if live else []
            if len(pick) == 1 and (pick[0].country_agrees or pick[0].location_agrees):
                current = pick[0].cid
                reasons = list(pick[0].reasons)
                notes.append(f"{parent} split into {', '.join(succ)}; {current} is the one the row's country "
                             "or location names")
            else:
                findings = list(findings) + [make_finding(
                    "cid_split", "",
                    f"{parent} was split into {', '.join(succ)} (facility-level reporting); ask which facility")]
                ranked = sorted(pick or cands, key=lambda c: (-c.score, c.cid))
                return Resolution(status="review", cid=None, method=f"{method}_split", score=round(score, 1),
                                  given_cid=given if given else (cid if cid != parent else None), metal=metal,
                                  candidates=[self._candidate(c.cid, c.score, c.reasons) for c in ranked],
                                  notes=notes, findings=findings,
                                  provisional_key=self._key(metal, facts, countries) if facts and facts.names
                                  else (given or cid),
                                  reasons=[f"RMI split {parent}; the row's country does not single out one plant"])
        if current != cid:
            method = "cid_retired" if method == "cid" else method
            notes.append(f"{cid} → {current} (revision history)")
        fac = self.facs.get(current)
        if fac and fac.retired:
            notes.append(f"{current} is retired (not on the current reference list)")
        return Resolution(status="resolved", cid=current, method=method, score=round(score, 1),
                          given_cid=given if given else (cid if cid != current else None),
                          metal=(fac.metal if fac else None) or metal, standard_name=fac.name if fac else None,
                          country_iso2=fac.iso2 if fac else None, notes=notes, findings=findings, reasons=reasons)

    def _other_metal(self, metal: str, facts: _Facts) -> Resolution | None:
        """A name that is an alias of another metal's facility only: a metal contradiction, never accepted."""
        for other, idx in self.index.metals.items():
            if other == metal:
                continue
            for forms in facts.names:
                cids = idx.exact.get(forms.norm)
                if cids:
                    cands = [self._candidate(c, 100.0, [f"alias of a {other} facility; the row says {metal}"])
                             for c in sorted(cids)]
                    return Resolution(status="unresolved", cid=None, method="none", score=0.0, metal=metal,
                                      candidates=cands, notes=[f"the name is a {other} facility's alias"],
                                      provisional_key=self._key(metal, facts, facts.countries),
                                      reasons=["metal contradiction: never accepted"])
        return None

    @staticmethod
    def _key(metal: str | None, facts: _Facts | None, countries: list[str]) -> str:
        name = facts.names[0].norm if facts and facts.names else ""
        return f"{metal or '?'}|{name}|{countries[0] if countries else ''}"

    def _unresolved(self, metal: str | None, facts: _Facts, countries: list[str], given: str | None,
                    findings: list[Finding], notes: list[str], why: str,
                    cands: list[Candidate] | None = None) -> Resolution:
        key = self._key(metal, facts, countries)
        if given and CID_RE.match(given) and not facts.names:
            key = given
        return Resolution(status="unresolved", cid=None, method="none", score=0.0 if not cands else cands[0].score,
                          given_cid=given, metal=metal, country_iso2=countries[0] if countries else None,
                          candidates=cands or [], findings=findings, notes=notes + [why], provisional_key=key,
                          reasons=[why])


def _from(forms: NameForms, hits: list[NameHit]) -> list[NameHit]:
    for h in hits:
        h.source = forms.raw
    return hits


def default_resolver(reference_dir: str | Path) -> Resolver:
    """The resolver of the reference DB in `reference_dir`, decisions included (a workspace's resolver, with
    its shared decisions: graph.workspace.Workspace.resolver)."""
    return Resolver(ReferenceStore.open(reference_dir))


def resolve_rows(rows: Iterable[SmelterRow], store: ReferenceStore) -> list[Resolution]:
    """Convenience: resolve rows against a reference store."""
    return Resolver(store).resolve_many(rows)
