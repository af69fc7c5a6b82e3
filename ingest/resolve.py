"""Smelter resolution: tie every Smelter List row to a facility (CID), most certain evidence first.

Order (issue 3 / REFERENCE-DATA §10.2):
1. a well-formed CID the store knows → that facility; retired → follow the revision history to the
   successor (given_cid keeps what the supplier wrote); a CID of another metal → finding
   ``cid_wrong_metal`` and resolution continues on the name;
2. a malformed CID (extra digit, O for 0, spaces, NBSP, lowercase, no "CID" prefix) → repaired when
   exactly one existing variant of the row's metal fits the name, else finding ``malformed_cid``;
3. an old-style ID (1DEU001) → the 3.01 crosswalk;
4. a remembered decision for (metal, raw name, country) → accept / reject;
5. exact alias match within the metal after `normalise_name`;
6. rapidfuzz within the metal, boosted by a matching country: >= accept (and a clear lead) →
   resolved; >= review → "review" with candidates; below → "unresolved" with a provisional key;
7. "Smelter not yet identified" → "unidentified" (a coverage gap, not a facility).
Thresholds come from ingest/reference/resolution.yaml (overridable by <store>/resolution.yaml).

Speed: aliases are blocked by metal and normalised once; exact dict lookups run before any
fuzzy scoring; fuzzy scoring uses rapidfuzz's C++ `process.extract` on the metal's alias list
only; results are cached per distinct (metal, names, country, ID).
"""

from __future__ import annotations

import gc
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import yaml
from rapidfuzz import fuzz, process

from ingest.names import compact_key, normalise_name
from ingest.records import Candidate, Declaration, Finding, Resolution, SmelterRow
from ingest.reference.countries import country_iso2
from ingest.reference.decisions import Decisions
from ingest.reference.store import CID_RE, ReferenceStore

POLICY_FILE = Path(__file__).resolve().parent / "reference" / "resolution.yaml"
OLD_ID_RE = re.compile(r"^[1-4][A-Z]{3}\d{3}$")
#: ID cells that mean "no ID" (after clean_cid_text)
_NO_ID = {"", "NA", "N/A", "NONE", "NOTLISTED", "UNKNOWN", "TBD", "0", "NIL", "ENTERSMELTERDETAILS", "SMELTERNOTLISTED"}
_ID_JUNK = re.compile(r"[\s\u00a0\u200b\u200c\u200d\ufeff.\-_/:#]+")
NOT_LISTED = "smelter not listed"
NOT_YET = "smelter not yet identified"
_EMPTY_NAMES = {"", "na", "n a", "none", "unknown", "tbd", "0", "not listed", "not applicable", "smelter not listed",
                "smelter not yet identified", "see comments", "other"}


@dataclass
class Policy:
    accept: float = 92
    review: float = 75
    margin: float = 6
    accept_clear: float = 101  # a lower accept score when no other facility comes close (see clear_margin)
    clear_margin: float = 100
    country_match_bonus: float = 4
    country_mismatch_penalty: float = 12
    repair_name_min: float = 75
    min_fuzzy_length: int = 4

    @classmethod
    def load(cls, store_dir: Path | None = None) -> Policy:
        data: dict[str, Any] = yaml.safe_load(POLICY_FILE.read_text(encoding="utf-8")) or {}
        if store_dir is not None and (store_dir / "resolution.yaml").exists():
            data.update(yaml.safe_load((store_dir / "resolution.yaml").read_text(encoding="utf-8")) or {})
        known = set(cls.__dataclass_fields__)
        return cls(**{k: v for k, v in data.items() if k in known})


@dataclass
class _Fac:
    cid: str
    metal: str | None
    name: str | None
    iso2: str | None
    retired: bool = False


@dataclass
class _MetalIndex:
    exact: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    compact: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    choices: list[str] = field(default_factory=list)  # distinct normalised aliases
    choice_cids: list[set[str]] = field(default_factory=list)
    tokens: dict[str, list[int]] = field(default_factory=dict)  # distinctive token → choice indexes
    all_tokens: dict[str, set[int]] = field(default_factory=dict)  # every token → choice indexes


def score_names(a: str, b: str) -> float:
    """The fuzzy score used for ranking: a blend chosen with bench/resolution_accuracy.py.

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


class Resolver:
    """Resolve SmelterRows against a ReferenceStore. Build once, call `resolve` many times."""

    def __init__(self, store: ReferenceStore, decisions: Decisions | str | Path | None = None,
                 as_of: date | str | None = None, policy: Policy | None = None) -> None:
        self.store = store
        self.as_of = as_of
        self.policy = policy or Policy.load(store.dir)
        if decisions is None:
            decisions = Decisions(store.decisions_path)
        elif isinstance(decisions, str | Path):
            decisions = Decisions(Path(decisions))
        self.decisions = decisions
        self._cache: dict[tuple[Any, ...], Resolution] = {}  # per distinct (metal, names, country, IDs)
        self._raw_cache: dict[tuple[Any, ...], Resolution] = {}  # per distinct raw row fields
        self._build()

    # ------------------------------------------------------------------ index
    def _build(self) -> None:
        retired = self.store.retired_map()
        if self.as_of:  # resolving a past reporting period: later removals had not happened yet
            day = str(self.as_of)[:10]
            retired = {c: v for c, v in retired.items() if not v[0] or v[0] <= day}
        self.retired = retired
        self._follow_cache: dict[str, tuple[str | None, list[str], list[str]]] = {}
        self.facs: dict[str, _Fac] = {}
        for r in self.store.db.execute("SELECT cid, metal, standard_name, country_iso2 FROM facilities"):
            self.facs[r["cid"]] = _Fac(r["cid"], r["metal"], r["standard_name"], r["country_iso2"],
                                       r["cid"] in retired)
        self.index: dict[str, _MetalIndex] = defaultdict(_MetalIndex)
        per_norm: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
        self.names_of: dict[str, set[str]] = defaultdict(set)
        for row in self.store.all_aliases():
            metal, norm, cid = row["metal"], row["alias_norm"], row["cid"]
            fac = self.facs.get(cid)
            if fac is not None and fac.metal and fac.metal != metal:
                continue  # alias filed under another metal (metal corrected later): trust the facility
            idx = self.index[metal]
            idx.exact[norm].add(cid)
            idx.compact[compact_key(norm)].add(cid)
            per_norm[metal][norm].add(cid)
            self.names_of[cid].add(norm)
        for metal, norms in per_norm.items():
            idx = self.index[metal]
            idx.choices = list(norms)
            idx.choice_cids = [norms[n] for n in idx.choices]
            postings: dict[str, list[int]] = defaultdict(list)
            for i, n in enumerate(idx.choices):
                for tok in set(n.split()):
                    postings[tok].append(i)
            limit = max(8, len(idx.choices) // 25)  # tokens in more than 4 % of aliases carry little signal
            idx.tokens = {t: ids for t, ids in postings.items() if len(ids) <= limit}
            idx.all_tokens = {t: set(ids) for t, ids in postings.items()}
        #: a reference list (RMI export or template Look-up) was imported; without one, unknown CIDs are trusted
        self.has_reference_list = self.store.db.execute(
            "SELECT 1 FROM imports WHERE importer IN ('rmi-reference','template-lookup','template-301') LIMIT 1"
        ).fetchone() is not None
        self.old_ids: dict[str, set[str]] = defaultdict(set)
        for r in self.store.db.execute("SELECT old_id, cid FROM old_ids"):
            self.old_ids[r["old_id"]].add(r["cid"])

    # ------------------------------------------------------------------ helpers
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
                return None, notes, succ
            break
        return cur, notes, []

    def _candidate(self, cid: str, score: float) -> Candidate:
        fac = self.facs.get(cid)
        return Candidate(cid=cid, name=(fac.name if fac else "") or "", score=round(score, 1),
                         country=fac.iso2 if fac else None)

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
    def _row_names(row: SmelterRow) -> list[str]:
        out: list[str] = []
        for text in (row.lookup, row.name, row.standard_name):
            if not text:
                continue
            raw = str(text).strip()
            if raw.casefold() in (NOT_LISTED, NOT_YET):
                continue
            norm = normalise_name(raw)
            if norm in _EMPTY_NAMES or not norm:
                continue
            if norm not in out:
                out.append(norm)
        return out

    @staticmethod
    def _raw_name(row: SmelterRow) -> str | None:
        for text in (row.name, row.lookup, row.standard_name):
            if text and str(text).strip().casefold() not in (NOT_LISTED, NOT_YET):
                return str(text).strip()
        return None

    # ------------------------------------------------------------------ API
    def resolve(self, row: SmelterRow) -> Resolution:
        raw_key = (row.metal, row.lookup, row.lookup_kind, row.name, row.standard_name, row.country,
                   row.country_code, row.cid, row.input_cid)
        hit = self._raw_cache.get(raw_key)
        if hit is None:
            hit = self._resolve_row(row)
            self._raw_cache[raw_key] = hit
        findings = []
        if hit.findings:
            loc = f"Smelter List!row {row.row}"
            findings = [Finding(f.code, f.severity, loc, f.message) for f in hit.findings]
        return Resolution(hit.status, hit.cid, hit.method, hit.score, hit.given_cid, hit.metal, hit.standard_name,
                          hit.country_iso2, list(hit.candidates), list(hit.notes), findings, hit.provisional_key)

    def _resolve_row(self, row: SmelterRow) -> Resolution:
        iso2 = (row.country_code or "").strip().upper() or None
        if not iso2 or len(iso2) != 2:
            iso2 = country_iso2(row.country)
        names = self._row_names(row)
        kind = row.lookup_kind
        lookup = (row.lookup or "").strip().casefold()
        if lookup == NOT_YET:
            kind = "not_yet_identified"
        elif lookup == NOT_LISTED:
            kind = "not_listed"
        ids = tuple(i for i in (clean_cid_text(v) for v in (row.cid, row.input_cid) if v not in (None, ""))
                    if i not in _NO_ID)
        key = (row.metal, tuple(names), iso2, ids, kind, self._raw_name(row))
        hit = self._cache.get(key)
        if hit is None:
            hit = self._resolve(row.metal, names, iso2, ids, kind, self._raw_name(row))
            self._cache[key] = hit
        return hit

    def resolve_many(self, rows: Iterable[SmelterRow], declaration_sha256: str | None = None) -> list[Resolution]:
        """Resolve rows; with a declaration sha256, review rows are queued for `minetrace reference review`.

        The cyclic garbage collector is paused for the batch: results are acyclic, and full collections
        over a large batch otherwise cost more than the resolution itself.
        """
        out = []
        was_enabled = gc.isenabled()
        gc.disable()
        try:
            for row in rows:
                res = self.resolve(row)
                out.append(res)
                if declaration_sha256 and (res.status == "review" or (res.status == "unresolved" and res.candidates)):
                    self.store.enqueue_review(declaration_sha256, row.row, row.metal, self._raw_name(row),
                                              row.country, res.status, [c.__dict__ for c in res.candidates])
        finally:
            if was_enabled:
                gc.enable()
        return out

    def resolve_declaration(self, decl: Declaration) -> list[Resolution]:
        """Resolve every smelter row of a declaration; review candidates are queued under its sha256."""
        return self.resolve_many(decl.smelters, declaration_sha256=decl.file.sha256)

    # ------------------------------------------------------------------ the steps
    def _resolve(self, metal: str | None, names: list[str], iso2: str | None, ids: tuple[str, ...],
                 kind: str | None, raw_name: str | None) -> Resolution:
        findings: list[Finding] = []
        notes: list[str] = []
        given = next((i for i in ids if i), None)
        if kind == "not_yet_identified":
            if raw_name:
                notes.append(f"typed name kept as given: {raw_name!r}")
            return Resolution(status="unidentified", cid=None, method="not_yet_identified", score=0.0,
                              given_cid=given, metal=metal, notes=notes)

        rejected: set[str] = set()
        # ---- 1–3: identifiers
        for ident in dict.fromkeys(i for i in ids if i):
            res = self._by_identifier(ident, metal, names, iso2, findings, notes)
            if res is not None:
                return res
        # ---- 4: decisions
        for n in [raw_name] if raw_name else []:
            d = self.decisions.find(metal, n, iso2)
            if d is None:
                continue
            rejected |= d.reject
            if d.accept:
                return self._done(d.accept, "decision", 100.0, metal, given, findings,
                                  notes + [f"decision for {n!r} (decided {d.decided_on or '?'})"], iso2)
        if not metal or metal not in self.index:
            if not names:
                return self._unresolved(metal, names, iso2, given, findings, notes, "no name")
            return self._unresolved(metal, names, iso2, given, findings, notes, "metal not in the reference store")
        if not names:
            return self._unresolved(metal, names, iso2, given, findings, notes, "no name")
        # ---- 5: exact alias
        idx = self.index[metal]
        exact: set[str] = set()
        for n in names:
            exact |= idx.exact.get(n, set())
        if not exact:
            for n in names:
                exact |= idx.compact.get(compact_key(n), set())
        exact -= rejected
        if exact:
            res = self._pick_exact(exact, metal, iso2, given, findings, notes)
            if res is not None:
                return res
        # ---- 6: fuzzy
        return self._fuzzy(idx, metal, names, iso2, given, findings, notes, rejected)

    def _by_identifier(self, ident: str, metal: str | None, names: list[str], iso2: str | None,
                       findings: list[Finding], notes: list[str]) -> Resolution | None:
        if CID_RE.match(ident):
            fac = self.facs.get(ident)
            if fac is None and not self.has_reference_list:
                # no reference list imported yet: a well-formed CID is the supplier's best evidence
                findings.append(Finding("cid_unverified", "info", "",
                                        f"{ident} taken as written: no RMI reference list or template Look-up has "
                                        "been imported (minetrace reference import …)"))
                return Resolution(status="resolved", cid=ident, method="cid_unverified", score=100.0,
                                  given_cid=ident, metal=metal, country_iso2=iso2, findings=findings, notes=notes)
            if fac is None:
                findings.append(Finding("cid_unknown", "warning", "",
                                        f"{ident} is not in the reference store (import a newer RMI list?)"))
                return None
            if metal and fac.metal and fac.metal != metal:
                findings.append(Finding("cid_wrong_metal", "warning", "",
                                        f"{ident} is a {fac.metal} facility ({fac.name}) but the row says {metal}"))
                return None
            res = self._done(ident, "cid", 100.0, metal or fac.metal, ident, findings, notes, iso2)
            if names and res.cid and self.names_of.get(ident):
                sc = self._name_score(names, ident)
                if sc < 45:
                    res.findings.append(Finding(
                        "cid_name_mismatch", "info", "",
                        f"the row's name scores {sc:.0f} against {ident} ({fac.name}); the CID was kept"))
            return res
        if OLD_ID_RE.match(ident):
            targets = self.old_ids.get(ident, set())
            if metal:
                targets = {t for t in targets if t not in self.facs or self.facs[t].metal == metal}
            if len(targets) == 1:
                cid = next(iter(targets))
                return self._done(cid, "old_id", 100.0, metal, ident, findings,
                                  notes + [f"old ID {ident} → {cid} (CMRT 3.01 crosswalk)"], iso2)
            notes.append(f"old ID {ident} not in the crosswalk" if not targets else f"old ID {ident} is ambiguous")
            return None
        variants = [v for v in cid_variants(ident) if v in self.facs]
        fitting = [v for v in variants if not metal or self.facs[v].metal == metal]
        if not names:  # nothing to confirm a repair with: a human decides
            if fitting:
                findings.append(Finding("malformed_cid", "warning", "",
                                        f"ID {ident!r} is not a valid CID; no name to confirm {', '.join(fitting)}"))
                return Resolution(status="review", cid=None, method="cid_malformed", score=0.0, given_cid=ident,
                                  metal=metal, candidates=[self._candidate(v, 0.0) for v in fitting],
                                  findings=findings, notes=notes, provisional_key=ident)
        fitting = [v for v in fitting if self._name_score(names, v) >= self.policy.repair_name_min]
        if len(fitting) == 1:
            cid = fitting[0]
            findings.append(Finding("malformed_cid", "info", "", f"ID {ident!r} repaired to {cid}"))
            return self._done(cid, "cid_repaired", 100.0, metal, ident, findings, notes, iso2)
        findings.append(Finding(
            "malformed_cid", "warning", "",
            f"ID {ident!r} is not a valid CID" + (f"; candidates {', '.join(variants)}" if variants else "")))
        return None

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

    def _done(self, cid: str, method: str, score: float, metal: str | None, given: str | None,
              findings: list[Finding], notes: list[str], iso2: str | None = None) -> Resolution:
        current, chain_notes, succ = self._follow(cid)
        notes = list(notes) + chain_notes
        candidates: list[Candidate] = []
        if current is None:  # split into facility-level CIDs (RMI "see Smelter IDs: …")
            in_country = [s for s in succ if iso2 and self.facs.get(s) and self.facs[s].iso2 == iso2]
            parent = self._split_parent(cid)
            if len(in_country) == 1:
                current = in_country[0]
                notes.append(f"{parent} split into {', '.join(succ)}; {current} is the one in {iso2}")
            else:
                # the reported entity is unambiguous (the group CID); which plant is not: ask the supplier
                candidates = [self._candidate(s, score) for s in succ]
                findings = list(findings) + [Finding(
                    "cid_split", "info", "",
                    f"{parent} was split into {', '.join(succ)} (facility-level reporting); ask which facility")]
                fac = self.facs.get(parent)
                return Resolution(status="resolved", cid=parent, method=f"{method}_split", score=round(score, 1),
                                  given_cid=given if given else (cid if cid != parent else None),
                                  metal=(fac.metal if fac else None) or metal,
                                  standard_name=fac.name if fac else None, country_iso2=fac.iso2 if fac else None,
                                  candidates=candidates, notes=notes, findings=findings)
        if current != cid:
            method = "cid_retired" if method == "cid" else method
            notes.append(f"{cid} → {current} (revision history)")
        fac = self.facs.get(current)
        if fac and fac.retired:
            notes.append(f"{current} is retired (not on the current reference list)")
        return Resolution(status="resolved", cid=current, method=method, score=round(score, 1),
                          given_cid=given if given else (cid if cid != current else None),
                          metal=(fac.metal if fac else None) or metal, standard_name=fac.name if fac else None,
                          country_iso2=fac.iso2 if fac else None, notes=notes, findings=findings)

    def _collapse(self, cids: Iterable[str]) -> dict[str, str]:
        """Each cid → the CID it currently stands for (itself when split/unknown)."""
        return {c: (self._follow(c)[0] or c) for c in cids}

    def _pick_exact(self, exact: set[str], metal: str, iso2: str | None, given: str | None,
                    findings: list[Finding], notes: list[str]) -> Resolution | None:
        cur = self._collapse(exact)
        targets = set(cur.values())
        for t in list(targets):  # a split group and one of its own successors: the successor is meant
            if t in self.retired and set(self.retired[t][2]) & targets:
                targets.discard(t)
        if len(targets) > 1 and iso2:
            same = {t for t in targets if self.facs.get(t) and self.facs[t].iso2 == iso2}
            if len(same) == 1:
                targets = same
        if len(targets) > 1:
            live = {t for t in targets if t in self.facs and not self.facs[t].retired}
            if len(live) == 1:
                targets = live
        if len(targets) == 1:
            target = next(iter(targets))
            src = next(c for c, t in cur.items() if t == target)
            res = self._done(src, "alias", 100.0, metal, given, findings, notes, iso2)
            fac = self.facs.get(res.cid or "")
            if fac and iso2 and fac.iso2 and fac.iso2 != iso2:
                res.notes.append(f"country differs: row {iso2}, facility {fac.iso2}")
            return res
        cands = [self._candidate(t, 100.0) for t in sorted(targets)]
        return Resolution(status="review", cid=None, method="alias_ambiguous", score=100.0, given_cid=given,
                          metal=metal, candidates=cands, findings=findings,
                          notes=notes + [f"the name is an alias of {len(cands)} facilities"])

    def _fuzzy(self, idx: _MetalIndex, metal: str, names: list[str], iso2: str | None, given: str | None,
               findings: list[Finding], notes: list[str], rejected: set[str]) -> Resolution:
        p = self.policy
        best: dict[str, float] = {}
        for n in names:
            if len(compact_key(n)) < p.min_fuzzy_length:
                continue
            # shortlist: aliases sharing a distinctive token, plus the best plain-ratio matches (typos in
            # one-word names); the blended score runs on the shortlist only
            shortlist: set[int] = set()
            for tok in n.split():
                shortlist.update(idx.tokens.get(tok, ()))
            for _, _, i in process.extract(n, idx.choices, scorer=fuzz.ratio, limit=8, score_cutoff=50):
                shortlist.add(i)
            order = list(shortlist)
            cands = [idx.choices[i] for i in order]
            # the blend of score_names, computed in C++ per scorer over the shortlist
            ts = process.cdist([n], cands, scorer=fuzz.token_set_ratio)[0]
            so = process.cdist([n], cands, scorer=fuzz.token_sort_ratio)[0]
            ra = process.cdist([n], cands, scorer=fuzz.ratio)[0]
            for k, i in enumerate(order):
                s = 0.5 * float(ts[k]) + 0.3 * float(so[k]) + 0.2 * float(ra[k])
                for cid in idx.choice_cids[i]:
                    if cid in rejected:
                        continue
                    if s > best.get(cid, 0):
                        best[cid] = s
        if not best:
            return self._unresolved(metal, names, iso2, given, findings, notes, "no similar name")
        # country adjustment, then collapse retired aliases onto their current CID
        scored: dict[str, float] = {}
        for cid, base in best.items():
            current, _, succ = self._follow(cid)
            for target in [current] if current else succ:  # a split CID's name stands for each successor
                tfac = self.facs.get(target) or self.facs.get(cid)
                s = base
                if iso2 and tfac and tfac.iso2:
                    s = s + p.country_match_bonus if tfac.iso2 == iso2 else s - p.country_mismatch_penalty
                s = min(s, 100.0)
                if s > scored.get(target, -1):
                    scored[target] = s
        ranked = sorted(scored.items(), key=lambda kv: (-kv[1], kv[0]))
        top_cid, top = ranked[0]
        second = ranked[1][1] if len(ranked) > 1 else 0.0
        cands = [self._candidate(c, s) for c, s in ranked[:5] if s >= p.review - 15]
        clear = top >= p.accept_clear and top - second >= p.clear_margin
        standard = (top >= p.accept and top - second >= p.margin) or clear
        contained = (not standard and top >= p.review
                     and self._contained_in_one(idx, names, iso2) == top_cid)
        if standard or contained:
            if contained:
                notes = notes + ["every word of the name appears in this facility's aliases and no other's"]
            res = self._done(top_cid, "fuzzy", top, metal, given, findings, notes, iso2)
            res.candidates = cands[:3]
            return res
        if top >= p.review:
            why = "close runner-up" if top >= p.accept else "score between review and accept"
            return Resolution(status="review", cid=None, method="fuzzy", score=round(top, 1), given_cid=given,
                              metal=metal, candidates=cands, findings=findings, notes=notes + [why],
                              provisional_key=self._key(metal, names, iso2))
        return self._unresolved(metal, names, iso2, given, findings, notes, f"best score {top:.0f}", cands)

    def _contained_in_one(self, idx: _MetalIndex, names: list[str], iso2: str | None) -> str | None:
        """The one current CID whose aliases contain every word of a name (None when none or several).

        "Hi-Temp" ⊂ "Hi-Temp Specialty Metals", "Zijin Mining Group" ⊂ "Zijin Mining Group Co. Ltd. Gold
        Refinery": a short form of exactly one facility's name. Several facilities ("Heraeus", "Metalor")
        or a facility in another country than the row's → None.
        """
        found: set[str] = set()
        for n in names:
            toks = n.split()
            if len(compact_key(n)) < self.policy.min_fuzzy_length or not toks:
                continue
            hits: set[int] | None = None
            for t in toks:
                ids = idx.all_tokens.get(t)
                if not ids:
                    hits = set()
                    break
                hits = set(ids) if hits is None else hits & ids
                if not hits:
                    break
            for i in hits or ():
                for cid in idx.choice_cids[i]:
                    current, _, succ = self._follow(cid)
                    found.update([current] if current else succ)
        if len(found) != 1:
            return None
        cid = next(iter(found))
        fac = self.facs.get(cid)
        if iso2 and fac and fac.iso2 and fac.iso2 != iso2:
            return None
        return cid

    @staticmethod
    def _key(metal: str | None, names: list[str], iso2: str | None) -> str:
        return f"{metal or '?'}|{names[0] if names else ''}|{iso2 or ''}"

    def _unresolved(self, metal: str | None, names: list[str], iso2: str | None, given: str | None,
                    findings: list[Finding], notes: list[str], why: str,
                    cands: list[Candidate] | None = None) -> Resolution:
        key = self._key(metal, names, iso2)
        if given and CID_RE.match(given) and not names:
            key = given
        return Resolution(status="unresolved", cid=None, method="none", score=0.0 if not cands else cands[0].score,
                          given_cid=given, metal=metal, country_iso2=iso2, candidates=cands or [],
                          findings=findings, notes=notes + [why], provisional_key=key)


def default_resolver(store_option: str | Path | None = None) -> Resolver:
    """The resolver of a store (`--store` value, $MINETRACE_STORE or ./.minetrace), decisions included."""
    return Resolver(ReferenceStore.open(store_option))


def resolve_rows(rows: Iterable[SmelterRow], store: ReferenceStore | None = None) -> list[Resolution]:
    """Convenience: resolve rows against the default store."""
    store = store or ReferenceStore.open()
    return Resolver(store).resolve_many(rows)
