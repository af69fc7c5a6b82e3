"""The name side of smelter resolution: a per-metal index of every alias and the evidence a typed name finds in it.

Why its own module: `ingest.resolve` weighs facts (CID, old ID, country, location, decisions) and decides;
this module only answers "which facilities of this metal could this name mean, how well, and why".
Every hit carries a method, a score (0–100) and a reason a reviewer can read.

Methods, most to least certain (scores are `Policy` values, see ingest/reference/resolution.yaml):
* ``alias`` — the normalised name (or the same letters without spaces) is an alias of the metal;
* ``name_variant`` — the same after removing a location/plant suffix ("… (Naoshima)", "…, Hamburg") or
  taking one side of "A - B" / "A / B", on either side;
* ``romanisation`` — the romanisation-folded keys agree ("Kougyou" / "Kogyo", "Minning" / "Mining");
* ``acronym`` — the name is (or states) the initials of an alias ("MSC" → Malaysia Smelting Corporation);
* ``typo`` — a few letters apart from an alias (edit distance on the folded key, gated by length);
* ``short_form`` / ``group_name`` — every identifying word of the name is in the aliases of one facility
  (a short or group form: "Novosibirsk Integrated Tin Works", "Heraeus" for a group's plants);
* ``fuzzy`` — rapidfuzz's blend, capped below acceptance when either side has an identifying word the other
  lacks ("Jiangxi Tungsten Industry Group" is not "Jiangxi Xinsheng Tungsten Industry").

Identifying words are the name's words less legal forms, trade words ("refinery", "metals", see
names.yaml), country names and numbers; *rare* ones are those at most `rare_df` facilities of the metal use.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache

import pycountry
from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA, Levenshtein

from minetrace.ingest.names import (
    GENERIC_WORDS,
    NameForms,
    compact_key,
    explicit_acronyms,
    initials,
    is_generic,
    name_forms,
    name_tokens,
    normalise_name,
    phonetic_key,
)

#: country names people write in smelter names that pycountry does not spell that way
_COUNTRY_NAMES = {"usa": "US", "uk": "GB", "prc": "CN", "russia": "RU", "korea": "KR", "south korea": "KR",
                  "taiwan": "TW", "vietnam": "VN", "uae": "AE", "hong kong": "HK", "macau": "MO", "iran": "IR",
                  "bolivia": "BO", "tanzania": "TZ", "drc": "CD", "brasil": "BR", "deutschland": "DE",
                  "united states": "US", "united states of america": "US", "turkiye": "TR"}
#: words of region names that are no place by themselves
_REGION_WORDS = frozenset("""north south east west northern southern eastern western central new saint san santa sao
region province state district city county prefecture autonomous special administrative sheng shi zizhiqu sar
capital territory oblast kray krai respublika republic island islands upper lower greater metropolitan""".split())


@lru_cache(maxsize=1)
def country_names() -> dict[str, str]:
    """Normalised country name (1–3 words) → ISO-2: "japan", "hong kong", "united states" …"""
    out: dict[str, str] = {}
    for c in pycountry.countries:
        for name in (c.name, getattr(c, "common_name", None)):
            norm = normalise_name(name) if name and "," not in name else ""
            if norm and len(norm.split()) <= 3:
                out.setdefault(norm, c.alpha_2)
    out.update(_COUNTRY_NAMES)
    return out


@lru_cache(maxsize=1)
def country_words() -> frozenset[str]:
    """Single words of country names ("china", "japan", "usa", "hong", "kong") — location facts, not identity."""
    words = {w for name in country_names() for w in name.split() if w not in _REGION_WORDS and len(w) >= 2}
    words |= {"america", "emirates", "kong", "hong"}
    return frozenset(words - {"and", "of", "the"})


@lru_cache(maxsize=1)
def region_words() -> frozenset[str]:
    """Words of ISO 3166-2 region names ("yunnan", "hunan", "saitama", "navoiy"): place words."""
    out: set[str] = set()
    for sub in pycountry.subdivisions:
        for w in normalise_name(sub.name).split():
            if len(w) >= 4 and w not in _REGION_WORDS and not is_generic(w):
                out.add(w)
    return frozenset(out)


def countries_in_name(norm: str) -> list[str]:
    """ISO-2 codes of the countries a normalised name states ("DS Myanmar" → MM, "Johnson Matthey Canada" → CA)."""
    toks = norm.split()
    names = country_names()
    found: list[str] = []
    for n in (3, 2, 1):
        for i in range(len(toks) - n + 1):
            iso = names.get(" ".join(toks[i:i + n]))
            if iso and iso not in found:
                found.append(iso)
    return found


@dataclass
class NameHit:
    """One facility a name may mean: the best evidence found for it."""

    cid: str
    score: float
    method: str
    reason: str
    alias: str = ""  # the alias (raw text) that matched
    source: str = ""  # the row's name (raw) that found it


@dataclass
class MetalIndex:
    exact: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    compact: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    variant: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    plant_base: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))  # group name of a plant
    phonetic: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    acronym: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))  # written in an alias
    initials: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))  # built from an alias
    raw_of: dict[str, str] = field(default_factory=dict)  # normalised alias → one raw spelling
    choices: list[str] = field(default_factory=list)  # distinct normalised aliases (fuzzy candidates)
    choice_cids: list[set[str]] = field(default_factory=list)
    postings: dict[str, list[int]] = field(default_factory=dict)  # less common token → choice indexes
    phon_choices: list[str] = field(default_factory=list)  # folded keys for the typo search
    phon_cids: list[set[str]] = field(default_factory=list)
    fac_tokens: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))  # target → name tokens
    loc_tokens: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))  # target → city/state words
    token_facs: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))  # token → targets
    loc_facs: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))  # city/state word → targets
    fac_aliases: dict[str, set[tuple[str, ...]]] = field(default_factory=lambda: defaultdict(set))  # target → words
    by_initial: dict[str, list[str]] = field(default_factory=dict)  # first letter → alias words (typo search)
    targets: set[str] = field(default_factory=set)


@dataclass(frozen=True)
class Scores:
    """The score each method gives (before country and location adjustments)."""

    alias: float = 100.0
    name_variant: float = 97.0
    romanisation: float = 95.0
    acronym: float = 92.0
    typo_base: float = 98.0
    typo_per_edit: float = 5.0
    short_form: float = 91.0
    group_name: float = 88.0
    fuzzy_cap: float = 84.0  # a fuzzy match with an unmatched identifying word stays below acceptance
    rare_df: int = 2
    min_fuzzy_length: int = 4
    acronym_min_length: int = 3


class NameIndex:
    """Per-metal indexes of every alias. `collapse(cid)` maps an alias's CID to the CID(s) it stands for
    today (a retired CID to its successor, a split one to its successors) — used for word statistics."""

    def __init__(self, aliases: Iterable[tuple[str, str, str]], facilities: dict[str, tuple[str | None, ...]],
                 collapse: Callable[[str], list[str]], scores: Scores | None = None) -> None:
        self.scores = scores or Scores()
        self.metals: dict[str, MetalIndex] = defaultdict(MetalIndex)
        #: words that name a place: any facility's city or state, ISO region names, country names
        self.place_words: set[str] = set(region_words()) | set(country_words())
        self.names_of: dict[str, set[str]] = defaultdict(set)  # cid → normalised aliases
        per_norm: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
        for metal, raw, cid in aliases:
            forms = name_forms(raw)
            if not forms.norm:
                continue
            idx = self.metals[metal]
            idx.exact[forms.norm].add(cid)
            idx.compact[compact_key(forms.norm)].add(cid)
            idx.raw_of.setdefault(forms.norm, raw)
            if forms.base:  # the alias without its location/plant suffix (not its parts: "A - B" sides)
                fac = facilities.get(cid) or ()
                place = {t for text in fac[3:5] if text for t in normalise_name(text).split()}
                place |= {t for name, iso in country_names().items() if iso == (fac[2] if len(fac) > 2 else None)
                          for t in name.split()}
                if place and any(set(e.split()) & place for e in forms.extras):
                    # "Malaysia Smelting Corporation Berhad (Port Klang)", "O.M. Manufacturing (Thailand)": the
                    # suffix is the plant's own town or country, so the base names the group, not this plant
                    idx.plant_base[forms.base].add(cid)
                else:
                    idx.variant[forms.base].add(cid)
                idx.raw_of.setdefault(forms.base, raw)
            for key in (forms.norm, forms.base):
                if key:
                    idx.phonetic[phonetic_key(key)].add(cid)
            written = set(explicit_acronyms(raw))
            for acr in written:
                idx.acronym[acr].add(cid)
            for acr in initials(raw) - written:
                idx.initials[acr].add(cid)
            per_norm[metal][forms.norm].add(cid)
            self.names_of[cid].add(forms.norm)
            for target in collapse(cid):
                idx.targets.add(target)
                for key in (forms.norm, forms.base):
                    if key:
                        toks = name_tokens(key)
                        idx.fac_tokens[target].update(toks)
                        idx.fac_aliases[target].add(toks)
        for cid, fac in facilities.items():
            metal, city, state = fac[0], fac[3] if len(fac) > 3 else None, fac[4] if len(fac) > 4 else None
            if not metal or metal not in self.metals:
                continue
            for text in (city, state):
                self.place_words.update(t for t in normalise_name(text).split() if len(t) >= 4 and not is_generic(t)
                                        and t not in _REGION_WORDS) if text else None
            idx = self.metals[metal]
            for target in collapse(cid):
                for text in (city, state):
                    for tok in normalise_name(text).split() if text else ():
                        if not is_generic(tok):
                            idx.loc_tokens[target].add(tok)
                            idx.loc_facs[tok].add(target)
        for metal, norms in per_norm.items():
            idx = self.metals[metal]
            idx.choices = list(norms)
            idx.choice_cids = [norms[n] for n in idx.choices]
            postings: dict[str, list[int]] = defaultdict(list)
            for i, n in enumerate(idx.choices):
                for tok in set(n.split()):
                    postings[tok].append(i)
            limit = max(8, len(idx.choices) // 25)  # tokens in more than 4 % of aliases carry little signal
            idx.postings = {t: ids for t, ids in postings.items() if len(ids) <= limit}
            idx.phon_choices = list(idx.phonetic)
            idx.phon_cids = [idx.phonetic[k] for k in idx.phon_choices]
            for target, toks in idx.fac_tokens.items():
                for tok in toks:
                    idx.token_facs[tok].add(target)
            by_initial: dict[str, list[str]] = defaultdict(list)
            for tok in idx.token_facs:
                if len(tok) >= 6:
                    by_initial[tok[0]].append(tok)
            idx.by_initial = dict(by_initial)

    # ------------------------------------------------------------------ word classes
    def identifying(self, tokens: Iterable[str]) -> list[str]:
        """Words that name a facility: not legal forms, trade words, country names, numbers or 1 letter."""
        cw = country_words()
        out = []
        for t in tokens:
            if len(t) < 2 or is_generic(t) or t in cw or _near_generic(t):
                continue
            out.append(t)
        return out

    def rare(self, metal: str, tokens: Iterable[str]) -> list[str]:
        idx = self.metals.get(metal)
        if idx is None:
            return []
        return [t for t in self.identifying(tokens) if len(idx.token_facs.get(t, ())) <= self.scores.rare_df]

    # ------------------------------------------------------------------ lookups
    def exact(self, metal: str, forms: NameForms) -> list[NameHit]:
        """alias / name_variant / romanisation hits (the certain ones)."""
        idx = self.metals.get(metal)
        if idx is None or not forms.norm:
            return []
        s = self.scores
        hits: dict[str, NameHit] = {}

        def add(cids: Iterable[str], score: float, method: str, reason: str, alias: str) -> None:
            for c in cids:
                if c not in hits or hits[c].score < score:
                    hits[c] = NameHit(c, score, method, reason, alias)

        for c in idx.exact.get(forms.norm, ()):
            add([c], s.alias, "alias", f"alias {idx.raw_of.get(forms.norm, forms.norm)!r} of the same metal",
                idx.raw_of.get(forms.norm, ""))
        if not hits:
            cids = idx.compact.get(compact_key(forms.norm), set())
            add(cids, s.alias, "alias", "the same letters as an alias (spaces aside)", "")
        if hits:
            return list(hits.values())
        dropped = f" once {' / '.join(forms.extras)!r} is set aside" if forms.extras else ""
        for key in forms.variants:  # the typed name without its suffix is an alias
            raw = idx.raw_of.get(key, key)
            add(idx.exact.get(key, ()), s.name_variant, "name_variant", f"alias {raw!r}{dropped}", raw)
        for key in forms.keys:  # an alias without its suffix is the typed name
            raw = idx.raw_of.get(key, key)
            add(idx.variant.get(key, ()), s.name_variant, "name_variant",
                f"alias {raw!r} without its location/plant suffix", raw)
            add(idx.plant_base.get(key, ()), s.group_name, "plant",
                f"the group name of alias {raw!r} (a plant named after its town)", raw)
        if hits:
            return list(hits.values())
        for key in forms.keys:
            pk = phonetic_key(key)
            if len(pk) >= s.min_fuzzy_length:
                cids = idx.phonetic.get(pk, set())
                add(cids, s.romanisation, "romanisation",
                    "the same name in another spelling or romanisation (doubled letters, ou/o, shi/si …)", "")
        return list(hits.values())

    def acronyms(self, metal: str, forms: NameForms) -> list[NameHit]:
        """The name is an acronym an alias states ("MSC" → "Malaysia Smelting Corporation (MSC)"), or the
        initials of an alias — the latter weaker below 4 letters ("TDK" is also a capacitor maker). An acronym
        several facilities share is a question for each (unless the row's country leaves one)."""
        idx = self.metals.get(metal)
        if idx is None:
            return []
        s = self.scores
        hits = []
        for acr in forms.acronyms:
            if len(acr) < s.acronym_min_length:
                continue
            written = idx.acronym.get(acr, set())
            built = idx.initials.get(acr, set()) - written
            shared = len(written | built) > 1
            for c in written:
                hits.append(NameHit(c, s.acronym - (8 if shared else 0), "acronym",
                                    f"{acr.upper()} is an acronym written in an alias of this facility"
                                    + (f" (and of {len(written | built) - 1} other facilities)" if shared else "")))
            for c in built:
                score = s.acronym if len(acr) >= 4 else s.acronym - 6
                hits.append(NameHit(c, score - (8 if shared else 0), "acronym",
                                    f"{acr.upper()} are the initials of an alias of this facility"
                                    + (f" (and of {len(written | built) - 1} other facilities)" if shared else "")))
        return hits

    def typos(self, metal: str, forms: NameForms, allowed: set[str] | None = None) -> list[NameHit]:
        """Aliases a few letters away (edit distance on the folded key, a swap of two letters counting as one):
        1 edit from 5 letters, 2 from 12, 3 from 20. `allowed`: only these CIDs (the metal-and-country gate)."""
        idx = self.metals.get(metal)
        if idx is None or not idx.phon_choices:
            return []
        s = self.scores
        hits: dict[str, NameHit] = {}
        for key in forms.keys:
            pk = phonetic_key(key)
            n = len(pk)
            limit = 3 if n >= 20 else 2 if n >= 12 else 1 if n >= 5 else 0
            if not limit:
                continue
            for _, dist, i in process.extract(pk, idx.phon_choices, scorer=OSA.distance, limit=5,
                                              score_cutoff=limit):
                if dist == 0:
                    continue
                for c in idx.phon_cids[i]:
                    if allowed is not None and c not in allowed:
                        continue
                    score = s.typo_base - s.typo_per_edit * dist
                    if c not in hits or hits[c].score < score:
                        hits[c] = NameHit(c, score, "typo", f"{dist} letter(s) away from an alias of this facility")
        return list(hits.values())

    def contained(self, metal: str, forms: NameForms,
                  collapse: Callable[[str], list[str]]) -> tuple[set[str], set[str]]:
        """(facilities, covered): current CIDs whose aliases hold every identifying word of the name, at least one
        of them a name word that is not the facility's own city or state ("Hunan Chenzhou" names a place, not a
        smelter); and those of them with an alias whose identifying words the name holds in turn ("Zijin Mining
        Industry Corporation" for "Zijin Mining Group", not "Luoyang Zijin Yinhui"). Empty when the name has no
        identifying word."""
        idx = self.metals.get(metal)
        if idx is None:
            return set(), set()
        words = self.identifying(name_tokens(forms.base or forms.norm))
        # two-letter words ("LL", "SA") are optional when longer identifying words are there ("DS Myanmar": required)
        words = [w for w in words if len(w) >= 3] or words
        if not words:
            return set(), set()
        found: set[str] | None = None
        named: set[str] = set()  # targets with a word of the name among their names but not their place names
        for w in words:
            by_token = {t: f for t, f in self._facs_with(idx, w).items() if t == w or t not in words}
            facs = set().union(*by_token.values()) if by_token else set()
            locs = idx.loc_facs.get(w, set())
            for tok, tf in by_token.items():
                if tok not in self.place_words and w not in self.place_words:
                    named |= {f for f in tf if tok not in idx.loc_tokens.get(f, ())}
            both = facs | locs
            found = both if found is None else found & both
            if not found:
                return set(), set()
        # an acronym-like name ("AGR") is also the initials of other facilities: they belong to the group too,
        # and no alias "covers" it
        acronym_like = all(len(w) <= 4 for w in words)
        if acronym_like:
            for w in words:
                extra = idx.acronym.get(w, set()) | idx.initials.get(w, set())
                extra = {t for c in extra for t in collapse(c)}
                found = (found or set()) | extra
                named |= extra
        wordset = set(self.identifying(name_tokens(forms.norm))) | set(words)
        found = found or set()
        covered = set() if acronym_like else {
            c for c in found
            if any(_own_words(a) and all(_matches(t, wordset) for t in _own_words(a))
                   for a in idx.fac_aliases.get(c, ()))}
        # a covering alias singles out the group's own facility only when the other members are other companies
        # ("Luoyang Zijin Yinhui"), not the group's plants elsewhere ("Heraeus Metals Hong Kong" for "Heraeus");
        # and a name of place words that several facilities carry ("PT Bangka") singles out none
        if covered and (any(self._sibling(idx, c, wordset) for c in found - covered)
                        or (not named and len(found) > 1)):
            covered = set()
        # a name made of place words only ("Hunan Chenzhou Mining Group", "Shenzhen Electronics Trading") names
        # a smelter only when one of its aliases is those words too ("Novosibirsk Tin Combine")
        return {c for c in (found or set()) if c in named or c in covered}, covered

    def _sibling(self, idx: MetalIndex, cid: str, words: set[str]) -> bool:
        """A plant of the group the name names: an alias of it adds nothing to the name but place words."""
        return any(_own_words(a) and all(_matches(t, words) or t in self.place_words for t in _own_words(a))
                   for a in idx.fac_aliases.get(cid, ()))

    @staticmethod
    def _facs_with(idx: MetalIndex, word: str) -> dict[str, set[str]]:
        """Alias word → targets, for this word and the words it abbreviates (6+ letters, three quarters of the
        word) or misspells (one edit from 7 letters; a letter dropped, added or swapped from 6): short words are
        matched exactly ("Intel" is not "Inter", "Yunfan" is not "Yunnan")."""
        out: dict[str, set[str]] = {}
        if word in idx.token_facs:
            out[word] = set(idx.token_facs[word])
        if len(word) >= 6:
            for tok in idx.by_initial.get(word[0], ()):
                if tok == word or abs(len(tok) - len(word)) > len(tok) // 4 + 1:
                    continue
                if (tok.startswith(word) and len(word) >= 0.75 * len(tok)) or (
                        abs(len(tok) - len(word)) <= 1 and OSA.distance(tok, word, score_cutoff=1) <= 1
                        and (len(word) >= 7 or len(tok) != len(word) or sorted(tok) == sorted(word))):
                    out[tok] = set(idx.token_facs[tok])
        return out

    def fuzzy(self, metal: str, forms: NameForms, rejected: set[str]) -> dict[str, tuple[float, str]]:
        """cid → (blend score, best alias) over a shortlist (aliases sharing a less common word, plus the best
        plain-ratio matches)."""
        idx = self.metals.get(metal)
        best: dict[str, tuple[float, str]] = {}
        if idx is None or not idx.choices:
            return best
        for n in forms.keys:
            if len(compact_key(n)) < self.scores.min_fuzzy_length:
                continue
            shortlist: set[int] = set()
            for tok in n.split():
                shortlist.update(idx.postings.get(tok, ()))
            for _, _, i in process.extract(n, idx.choices, scorer=fuzz.ratio, limit=8, score_cutoff=50):
                shortlist.add(i)
            order = list(shortlist)
            cands = [idx.choices[i] for i in order]
            ts = process.cdist([n], cands, scorer=fuzz.token_set_ratio)[0]
            so = process.cdist([n], cands, scorer=fuzz.token_sort_ratio)[0]
            ra = process.cdist([n], cands, scorer=fuzz.ratio)[0]
            for k, i in enumerate(order):
                sc = 0.5 * float(ts[k]) + 0.3 * float(so[k]) + 0.2 * float(ra[k])
                for cid in idx.choice_cids[i]:
                    if cid in rejected:
                        continue
                    if sc > best.get(cid, (0.0, ""))[0]:
                        best[cid] = (sc, idx.choices[i])
        return best

    def unmatched(self, metal: str, query: Iterable[str], alias: str, target: str) -> tuple[list[str], list[str]]:
        """(query words the facility lacks, rare alias words the query lacks): identifying words only. A query
        word counts as matched by any alias or city/state word of the target (also as a prefix or 1 edit)."""
        idx = self.metals.get(metal)
        if idx is None:
            return [], []
        fac = idx.fac_tokens.get(target, set()) | idx.loc_tokens.get(target, set())
        q = self.identifying(query)
        missing_q = [w for w in q if not _matches(w, fac)]
        a = self.rare(metal, name_tokens(alias))
        qset = set(query)
        missing_a = [w for w in a if not _matches(w, qset)]
        return missing_q, missing_a


def _own_words(alias: tuple[str, ...]) -> list[str]:
    """An alias's words less trade words and legal forms — its country and place words count ("KEMET de Mexico"
    is the group's Mexican plant, not the group)."""
    return [t for t in alias if len(t) >= 2 and not is_generic(t)]


def _matches(word: str, tokens: set[str]) -> bool:
    if word in tokens:
        return True
    for t in tokens:
        if len(word) == len(t) == 3 and sorted(word) == sorted(t) and OSA.distance(word, t) == 1:
            return True  # a swapped acronym: LMS / LSM
        short, long_ = (word, t) if len(word) <= len(t) else (t, word)
        if len(short) >= 5 and long_.startswith(short) and len(short) >= 0.75 * len(long_):
            return True
        if len(word) >= 6 and len(t) >= 6 and abs(len(t) - len(word)) <= 2 and \
                OSA.distance(t, word, score_cutoff=2) <= (1 if len(word) < 9 else 2):
            return True
    return False


@lru_cache(maxsize=20_000)
def _near_generic(word: str) -> bool:
    """A misspelt trade word ("Empressa", "Refinary"): 1 edit from a generic word of 6+ letters."""
    if len(word) < 6:
        return False
    for g in GENERIC_WORDS:
        if len(g) >= 6 and abs(len(g) - len(word)) <= 1 and g[0] == word[0] and \
                Levenshtein.distance(g, word, score_cutoff=1) <= 1:
            return True
    return False
