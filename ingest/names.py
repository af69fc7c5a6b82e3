"""Smelter-name normalisation: one function every matcher and importer shares.

Why its own module: the reference store indexes aliases by their normalised form and the
resolver normalises what suppliers typed; both must agree byte for byte, or exact matches
silently become fuzzy ones. The rules follow REFERENCE-DATA §10.2: case-fold, NFKD with
accents stripped, Unicode quotes and punctuation folded, single-letter runs joined
("A.L.M.T." → "almt"), legal-form tokens dropped (Co., Ltd., LLC, S.A., JSC, PT, GmbH …).

>>> normalise_name("TANAKA KIKINZOKU KOGYO K.K.")
'tanaka kikinzoku kogyo'
>>> normalise_name("Mineração Taboca S.A.")
'mineracao taboca'
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

#: Legal-form and filler tokens dropped after normalisation (already lower-case, no punctuation).
LEGAL_FORMS: frozenset[str] = frozenset(
    """
    co company companies corp corporation inc incorporated incorporation ltd ltda limited llc lc llp lp plc
    sa sas sarl sau spa srl sro as ab oy oyj nv bv bvba gmbh ag kg kgaa mbh kk jsc ojsc cjsc pjsc zao oao pao ooo
    pt tbk persero cv pte pty pvt private sdn bhd berhad ptc ltee sl slu sapi de cv the
    """.split()
)

_QUOTES = str.maketrans({
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'", "`": "'", "\u00b4": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u00ab": '"', "\u00bb": '"',
    "\u00a0": " ", "\u2007": " ", "\u202f": " ", "\u3000": " ",
    "\uff08": "(", "\uff09": ")", "\uff0c": ",", "\u2013": "-", "\u2014": "-",
})
_NON_WORD = re.compile(r"[\W_]+")
#: CJK legal forms, written without spaces: removed as substrings before tokenising
_CJK_FORMS = ("股份有限公司", "有限责任公司", "有限公司", "株式会社", "有限会社", "(株)", "（株）")
_TRANSLIT = {"ß": "ss", "æ": "ae", "ø": "o", "đ": "d", "ł": "l", "þ": "th", "œ": "oe"}


def fold(text: str) -> str:
    """Case-folded ASCII-ish text: NFKD, combining marks removed, quotes/spaces unified."""
    text = unicodedata.normalize("NFKC", text).translate(_QUOTES).casefold()
    for src, dst in _TRANSLIT.items():
        text = text.replace(src, dst)
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _tokens(text: str) -> list[str]:
    text = fold(text).replace("&", " and ").replace("'", "")
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
