"""Smelter-name normalisation and the forms a typed name can take: one module every matcher and importer shares.

Why its own module: the reference store indexes aliases by their normalised form and the
resolver normalises what suppliers typed; both must agree byte for byte, or exact matches
silently become fuzzy ones. The rules: case-fold, NFKC/NFKD with
accents stripped, full-width and Unicode punctuation folded, single-letter runs joined
("A.L.M.T." → "almt"), legal-form tokens dropped (Co., Ltd., LLC, S.A., JSC, PT, GmbH …).

Beyond the key, `name_forms` lists what else a name says, the way people type smelter names:
the name without a location or plant suffix ("… (Naoshima)", "Aurubis AG, Hamburg"), each side of
"A - B" / "A/B" names, acronyms written in it ("Malaysia Smelting Corporation (MSC)") or a name that
is one ("MSC"), and a romanisation-folded key ("Kougyou" = "Kogyo", "Minning" = "Mining"). `initials`
gives the acronyms an alias can be typed as. The word lists (legal forms, generic words, romanisation
pairs) are data: ingest/names.yaml.

>>> normalise_name("TANAKA KIKINZOKU KOGYO K.K.")
'tanaka kikinzoku kogyo'
>>> normalise_name("Mineração Taboca S.A.")
'mineracao taboca'
>>> name_forms("Mitsubishi Materials Corporation (Naoshima)").extras
('naoshima',)
>>> sorted(initials("Malaysia Smelting Corporation"))
['ms', 'msc']
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

_DATA = yaml.safe_load((Path(__file__).resolve().parent / "names.yaml").read_text(encoding="utf-8"))

#: Legal-form and filler tokens dropped after normalisation (already lower-case, no punctuation).
LEGAL_FORMS: frozenset[str] = frozenset(str(_DATA["legal_forms"]).split())
#: Words that say what a facility does, not which one it is (see names.yaml).
GENERIC_WORDS: frozenset[str] = frozenset(str(_DATA["generic_words"]).split())
#: Words of traders and users of metal, not smelters (see names.yaml).
TRADE_WORDS: frozenset[str] = frozenset(str(_DATA.get("trade_words") or "").split())
#: Token runs written split or joined: ("non", "ferrous") → "nonferrous".
JOINS: tuple[tuple[str, ...], ...] = tuple(tuple(j) for j in _DATA.get("joins") or ())
#: (written, folded) pairs of the romanisation key, applied in order.
ROMANISATION: tuple[tuple[str, str], ...] = tuple((str(a), str(b)) for a, b in _DATA.get("romanisation") or ())
#: Small words left out of acronyms ("Bank of China" → BC as well as BOC).
_STOP = frozenset({"and", "of", "de", "la", "el", "do", "da", "dos", "das", "des", "du", "der", "und", "e", "y",
                   "et", "en", "the", "for", "fur"})

_QUOTES = str.maketrans({
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'", "`": "'", "\u00b4": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u00ab": '"', "\u00bb": '"',
    "\u00a0": " ", "\u2007": " ", "\u202f": " ", "\u3000": " ",
    "\uff08": "(", "\uff09": ")", "\uff0c": ",", "\u2013": "-", "\u2014": "-", "\u3001": ",", "\u30fb": " ",
    "\u3010": "(", "\u3011": ")", "\u300c": '"', "\u300d": '"', "\uff0f": "/",
})
_NON_WORD = re.compile(r"[\W_]+")
#: CJK legal forms, written without spaces: removed as substrings before tokenising
_CJK_FORMS = ("股份有限公司", "有限责任公司", "有限公司", "株式会社", "有限会社", "(株)", "（株）")
_TRANSLIT = {"ß": "ss", "æ": "ae", "ø": "o", "đ": "d", "ł": "l", "þ": "th", "œ": "oe"}
_PARENS = re.compile(r"\(([^()]*)\)|\[([^\[\]]*)\]")
_DOUBLED = re.compile(r"([a-z])\1+")
_ACRONYM_RAW = re.compile(r"^[A-Z][A-Z0-9&]{1,7}$")


def fold(text: str) -> str:
    """Case-folded ASCII-ish text: NFKC (full-width → ASCII), NFKD with combining marks removed, quotes unified."""
    text = unicodedata.normalize("NFKC", text).translate(_QUOTES).casefold()
    for src, dst in _TRANSLIT.items():
        text = text.replace(src, dst)
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


_TRADING_AS = re.compile(r"\btrading as\b")


def _tokens(text: str) -> list[str]:
    text = _TRADING_AS.sub("t/a", fold(text).replace("&", " and ").replace("'", ""))  # "trading as" = "T/a"
    for form in _CJK_FORMS:
        text = text.replace(form, " ")
    raw = [t for t in _NON_WORD.split(text) if t]
    # join runs of single letters: "a l m t" (from A.L.M.T.) → "almt", "s a" → "sa", "k k" → "kk"
    out: list[str] = []
    run: list[str] = []
    for tok in raw:
        if len(tok) == 1 and tok.isalpha():
            run.append(tok)
            continue
        if run:
            out.append("".join(run))
            run = []
        out.append(tok)
    if run:
        out.append("".join(run))
    return out


@lru_cache(maxsize=200_000)
def normalise_name(text: str | None) -> str:
    """The matching key of a smelter name; '' for empty input.

    Legal-form tokens are dropped unless nothing would remain (then the folded tokens are kept).
    """
    if not text:
        return ""
    toks = _tokens(str(text))
    kept = [t for t in toks if t not in LEGAL_FORMS]
    return " ".join(kept or toks)


def compact_key(norm: str) -> str:
    """The normalised name with spaces removed ("yunnan chengfeng" == "yunnanchengfeng")."""
    return norm.replace(" ", "")


@lru_cache(maxsize=200_000)
def name_tokens(norm: str) -> tuple[str, ...]:
    """Tokens of a normalised name with split/joined runs unified ("non ferrous" → "nonferrous")."""
    toks = norm.split()
    if not JOINS:
        return tuple(toks)
    out: list[str] = []
    i = 0
    while i < len(toks):
        for run in JOINS:
            if tuple(toks[i:i + len(run)]) == run:
                out.append("".join(run))
                i += len(run)
                break
        else:
            out.append(toks[i])
            i += 1
    return tuple(out)


@lru_cache(maxsize=200_000)
def phonetic_key(norm: str) -> str:
    """Romanisation-folded key of a normalised name: no spaces, doubled letters collapsed, the pairs of
    names.yaml applied ("tanaka kikinnzoku kougyou" and "tanaka kikinzoku kogyo" share one key)."""
    text = _DOUBLED.sub(r"\1", "".join(name_tokens(norm)))
    for src, dst in ROMANISATION:
        text = text.replace(src, dst)
    return _DOUBLED.sub(r"\1", text)


def is_generic(token: str) -> bool:
    """A word that describes a facility's trade, or a number ("Plant 2"), rather than naming it."""
    return token in GENERIC_WORDS or token in LEGAL_FORMS or token.isdigit()


@lru_cache(maxsize=50_000)
def initials(text: str | None) -> frozenset[str]:
    """Acronyms an alias can be typed as: initials of its words with and without legal forms and small words
    ("Malaysia Smelting Corporation" → MSC, MS), plus acronyms written in it ("… (MSC)", "AMMC"). Lower-case."""
    if not text:
        return frozenset()
    out: set[str] = set(explicit_acronyms(text))
    base = _PARENS.sub(" ", str(text))
    toks = [t for t in _tokens(base) if t and not t.isdigit()]
    variants = [toks, [t for t in toks if t not in LEGAL_FORMS], [t for t in toks if t not in _STOP],
                [t for t in toks if t not in LEGAL_FORMS and t not in _STOP]]
    for words in variants:
        if len(words) >= 2:
            out.add("".join(w[0] for w in words))
    return frozenset(a for a in out if len(a) >= 2)


@lru_cache(maxsize=50_000)
def explicit_acronyms(text: str | None) -> tuple[str, ...]:
    """Acronyms written in a name: in parentheses ("(MSC)", "(AMMC)"), or an all-capitals word of 2–5 letters in
    a name otherwise written in lower case ("KGHM Polska Miedz"). In a name written all in capitals no word is
    taken for an acronym ("UNITED WOLFRAM PRIVATE LIMITED")."""
    if not text:
        return ()
    raw = unicodedata.normalize("NFKC", str(text)).translate(_QUOTES)
    found: list[str] = []
    for m in _PARENS.finditer(raw):
        inner = (m.group(1) or m.group(2) or "").strip()
        if _ACRONYM_RAW.match(inner.replace(".", "")):
            found.append(fold(inner.replace(".", "")))
    if any(c.islower() for c in _PARENS.sub(" ", raw)):
        for word in re.split(r"[\s,;()\[\]/]+", _PARENS.sub(" ", raw)):
            w = word.replace(".", "")
            if (_ACRONYM_RAW.match(w) and len(w) <= 5 and w.casefold() not in LEGAL_FORMS
                    and any(c.isalpha() for c in w)):
                found.append(fold(w).replace("&", ""))
    return tuple(dict.fromkeys(a for a in found if len(a) >= 2))


@dataclass(frozen=True)
class NameForms:
    """What one typed name says. `norm` is the matching key; `base` the key without a location/plant suffix
    ("… (Naoshima)", "…, Hamburg"); `parts` the names a list-like name holds (each side of "A - B", "A / B",
    "A, B"), each only a part of the whole; `extras` the words removed as suffixes (locations, plants,
    parenthesised notes), compared with a facility's city and aliases; `acronyms` acronyms the name is or
    contains."""

    raw: str
    norm: str
    base: str = ""
    parts: tuple[str, ...] = ()
    extras: tuple[str, ...] = ()
    acronyms: tuple[str, ...] = ()

    @property
    def variants(self) -> tuple[str, ...]:
        """Other keys the name stands for: the base first, then the parts."""
        return tuple(dict.fromkeys(k for k in (self.base, *self.parts) if k and k != self.norm))

    @property
    def keys(self) -> tuple[str, ...]:
        """The matching key and its variants, most specific first."""
        return (self.norm, *self.variants) if self.norm else self.variants


#: legal forms written before the name ("PT Timah", "OOO Technolom", "JSC Uralelectromed")
_PREFIX_FORMS = frozenset({"pt", "cv", "the", "ooo", "oao", "zao", "pao", "jsc", "ojsc", "cjsc", "pjsc"})


def _comma_parts(text: str) -> list[str]:
    """Comma-separated parts; a part that starts with a trailing legal form continues the one before
    ("… Co., Ltd. Chenzhou Tungsten Products Branch")."""
    out: list[str] = []
    for p in text.split(","):
        toks = _tokens(p)
        if out and (not toks or (toks[0] in LEGAL_FORMS and toks[0] not in _PREFIX_FORMS)):
            out[-1] = out[-1] + "," + p
        else:
            out.append(p)
    return out


@lru_cache(maxsize=100_000)
def name_forms(text: str | None) -> NameForms:
    """The forms of a name as suppliers type them (see the module docstring)."""
    raw = " ".join(str(text or "").split())
    norm = normalise_name(raw)
    if not norm:
        return NameForms(raw, "")
    clean = unicodedata.normalize("NFKC", raw).translate(_QUOTES)
    extras: list[str] = []
    parts: list[str] = []
    # parenthesised notes: "(Naoshima)", "(MSC)", "(Unit 1)", "(T/a The Perth Mint)"
    bare = _PARENS.sub(" ", clean)
    for m in _PARENS.finditer(clean):
        inner = m.group(1) or m.group(2) or ""
        pn = normalise_name(inner)
        if pn and not _ACRONYM_RAW.match(inner.strip().replace(".", "")):
            extras.append(pn)
    # trailing comma parts that are not legal forms: a location ("Aurubis AG, Hamburg") or another name
    # ("Bangka Tin,Mentok,PT Timah (Persero) TBK")
    commas = _comma_parts(bare)
    for p in commas[1:]:
        pn = normalise_name(p)
        if pn:
            extras.append(pn)
            parts.append(pn)
    base = normalise_name(commas[0])
    # "A - B" and "A / B": each side may be the name RMI lists
    for sep in (" - ", "/", " – "):
        if sep in commas[0]:
            for side in commas[0].split(sep):
                sn = normalise_name(side)
                if sn and not all(t in LEGAL_FORMS for t in _tokens(side)):
                    parts.append(sn)
    acronyms = list(explicit_acronyms(raw))
    toks = [t for t in norm.split() if t not in LEGAL_FORMS]
    if len(toks) == 1 and 2 <= len(toks[0]) <= 8 and toks[0].isalpha():
        acronyms.append(toks[0])
    return NameForms(raw, norm, base if base != norm else "",
                     tuple(p for p in dict.fromkeys(parts)
                           if p not in (norm, base) and not all(is_generic(t) for t in p.split())),
                     tuple(dict.fromkeys(extras)), tuple(dict.fromkeys(acronyms)))
