"""Turn cached cell values into clean Python values, the same way for every template version.

Why its own module: suppliers' workbooks carry the same junk whatever the version — TAB padding,
non-breaking spaces, answers with a leading space (" No", from list literals "Yes, No"), a trailing
space in "No, but greater than 75% ", the number 1 for "100%", the number 0 a formula returns for
an empty look-up, dates as datetimes, serials (1900 or 1904 epoch) or text, "Smelter Not Listed" in
any case, and hyperlink captions ("Click here to …") sitting where data belongs. The reader applies
these functions; nothing else cleans cells.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

from minetrace.ingest.metals import canonical_metal

#: characters that Excel users paste as "spaces"
_SPACE_LIKE = dict.fromkeys(map(ord, "\u00a0\u2007\u202f\u2009\u200a\u3000\ufeff\u200b"), " ")
_WS = re.compile(r"\s+")
_ERRORS = {"#N/A", "#REF!", "#VALUE!", "#NAME?", "#DIV/0!", "#NULL!", "#NUM!", "#GETTING_DATA", "#SPILL!", "#CALC!"}
_LINK_JUNK = re.compile(r"^\s*(click here\b|link to\b|'?[A-Za-z ]+'?![A-Z]{1,3}\d+$)", re.IGNORECASE)
_FOOTER = re.compile(r"(©|\(c\)\s*\d{4}|all rights reserved|copyright)", re.IGNORECASE)


def _number_text(value: float | int) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def clean_text(value: Any, *, collapse: bool = True) -> str | None:
    """A stripped string, or None when the cell is empty.

    NBSP and other space look-alikes become spaces; leading/trailing spaces, TABs and newlines go;
    with `collapse` (the default) inner runs of whitespace become one space. Whole-number floats
    print without ".0" (a phone or ID typed as a number); dates print as ISO.

    >>> clean_text("Central Glass Co., Ltd.\\t\\t\\t"), clean_text("\\u00a0 No"), clean_text(242332.0)
    ('Central Glass Co., Ltd.', 'No', '242332')
    """
    if type(value) is str:  # the common case first: ASCII text needs no space look-alike mapping
        text = value if value.isascii() else value.translate(_SPACE_LIKE)
        # " ".join(split()) is the same as _WS.sub(" ", …).strip() (both use Unicode whitespace), faster
        text = " ".join(text.split()) if collapse else text.strip()
        return text or None
    if value is None:
        return None
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, int | float):
        return _number_text(value)
    text = str(value).translate(_SPACE_LIKE)
    text = _WS.sub(" ", text).strip() if collapse else text.strip()
    return text or None


def is_link_junk(text: str | None) -> bool:
    """Hyperlink captions and cell references the template puts where data might be expected."""
    if not text:
        return False
    # every pattern starts with "click"/"link" or holds a "!": skip the regex for everything else
    if "!" not in text and text.lstrip()[:1] not in ("c", "C", "l", "L"):
        return False
    return bool(_LINK_JUNK.match(text))


def is_footer(text: str | None) -> bool:
    """A copyright footer row ("© 2024 Responsible Minerals Initiative. All rights reserved.")."""
    return bool(text) and bool(_FOOTER.search(text))  # type: ignore[arg-type]


def is_blank(value: Any) -> bool:
    """True for cells that hold no data: None, "", whitespace, the number 0 an empty look-up returns,
    booleans from helper formulas, and Excel error values."""
    if value is None or isinstance(value, bool):
        return True
    if isinstance(value, int | float):
        return value == 0
    text = clean_text(value)
    return text is None or (text[0] == "#" and text.upper() in _ERRORS)  # every error value starts with "#"


#: prompts the templates' formulas show in data cells until the declarer fills something in
_PROMPTS = frozenset({"enter smelter details", "select from dropdown", "please select"})
_PROMPT_MAX = max(map(len, _PROMPTS))


def clean_field(value: Any, *, collapse: bool = True) -> str | None:
    """`clean_text` for a data field: numeric 0 (empty look-up), booleans, Excel errors, hyperlink
    captions and template prompts ("Enter smelter details") become None."""
    if type(value) is str:
        # one clean_text call instead of two (is_blank + clean_text): blank and error values are the
        # same whether or not inner whitespace is collapsed (no error value holds a space)
        text = clean_text(value, collapse=collapse)
        if text is None or (text[0] == "#" and text.upper() in _ERRORS):
            return None
    else:
        if is_blank(value):
            return None
        text = clean_text(value, collapse=collapse)
        if text is None:
            return None
    # casefold never shortens a string, so texts longer than the longest prompt cannot be one
    if is_link_junk(text) or (len(text) <= _PROMPT_MAX and text.casefold() in _PROMPTS):
        return None
    return text


def _answer_key(text: str) -> str:
    return _WS.sub(" ", text).strip().casefold().rstrip(" .")


def match_answer(value: Any, allowed: tuple[str, ...] | list[str]) -> str | None:
    """The answer as the template's dropdown spells it, or the cleaned text when it matches no option.

    Case and padding are ignored (" No" → "No", "yes" → "Yes", "No, but greater than 75% " →
    "No, but greater than 75%"); the number 1 answers "100%" (≤ 6.22 stored the option as 1 formatted 0%);
    the number 0 a look-up formula leaves is no answer.

    >>> match_answer(" no", ("Yes", "No")), match_answer(1.0, ("100%", "None")), match_answer(0, ("Yes", "No"))
    ('No', '100%', None)
    """
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        if value == 0:
            return None
        if value == 1:
            for option in allowed:
                if option.strip() in {"100%", "Yes, 100%"}:
                    return option.strip()
            return "100%"
        if 0 < value < 1:
            return f"{round(value * 100):d}%"
        return _number_text(value)
    text = clean_text(value)
    if text is None or text.upper() in _ERRORS:
        return None
    key = _answer_key(text)
    for option in allowed:
        if _answer_key(option) == key:
            return option.strip()
    # "100 %" / "100%" typed for the 3.01 "Yes, 100%" option and the like
    compact = key.replace(" ", "")
    for option in allowed:
        if _answer_key(option).replace(" ", "") == compact:
            return option.strip()
    return text


_MONTHS = {m: i for i, m in enumerate(
    ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
     "november", "december"], start=1)}
_MONTHS.update({name[:3]: i for name, i in list(_MONTHS.items())})
_MONTHS["sept"] = 9

_ISO = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:[ T].*)?$")
_DMY_NAME = re.compile(r"^(\d{1,2})(?:st|nd|rd|th)?[-/. ]+([A-Za-z]+)\.?,?[-/. ]+(\d{2,4})$")
_MDY_NAME = re.compile(r"^([A-Za-z]+)\.?[-/. ]+(\d{1,2})(?:st|nd|rd|th)?,?[-/. ]+(\d{2,4})$")
_NUMERIC = re.compile(r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{2,4})$")
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")


def _year(text: str) -> int:
    y = int(text)
    return y + 2000 if y < 100 else y


def _safe_date(y: int, m: int, d: int) -> date | None:
    try:
        return date(y, m, d)
    except ValueError:
        return None


def parse_text_date(text: str) -> date | None:
    """A date from text as suppliers type it: "02-May-2024", "2024/05/02", "2024-05-02", "May 2, 2024",
    "2 May 2024", "2024年5月2日", "20240502", "05/02/2024" (slashes: month first unless the first number
    > 12), "02.05.2024" / "02-05-2024" (dots and dashes: day first).

    >>> parse_text_date("02-May-2024"), parse_text_date("May 2, 2024"), parse_text_date("2024/05/02")
    (datetime.date(2024, 5, 2), datetime.date(2024, 5, 2), datetime.date(2024, 5, 2))
    """
    t = clean_text(text)
    if not t:
        return None
    if m := _ISO.match(t):
        return _safe_date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    if m := _COMPACT.match(t):
        return _safe_date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    if m := _DMY_NAME.match(t):
        month = _MONTHS.get(m.group(2).lower())
        return _safe_date(_year(m.group(3)), month, int(m.group(1))) if month else None
    if m := _MDY_NAME.match(t):
        month = _MONTHS.get(m.group(1).lower())
        return _safe_date(_year(m.group(3)), month, int(m.group(2))) if month else None
    if m := _NUMERIC.match(t):
        a, b, y = int(m.group(1)), int(m.group(2)), _year(m.group(3))
        # "05/02/2024" is the US month-first habit; "02.05.2024" and "02-05-2024" are day-first
        day_first = "/" not in t
        if a > 12 or (day_first and b <= 12):
            return _safe_date(y, b, a)
        return _safe_date(y, a, b) or _safe_date(y, b, a)
    return None


def parse_date(value: Any, to_date: Any = None) -> tuple[date | None, str | None]:
    """(date, raw text) from a date cell. `to_date` converts serial numbers by the workbook's epoch
    (pass `Workbook.to_date`). The raw text is returned when the value was not a clean date."""
    if value is None or isinstance(value, bool):
        return None, None
    if isinstance(value, datetime):
        return value.date(), None
    if isinstance(value, date):
        return value, None
    if isinstance(value, int | float):
        if value == 0:
            return None, None
        converted = to_date(value) if to_date is not None else None
        return converted, (None if converted else clean_text(value))
    text = clean_text(value)
    if text is None:
        return None, None
    # a serial number stored as text
    if re.fullmatch(r"\d{5}(?:\.\d+)?", text) and to_date is not None:
        converted = to_date(float(text))
        if converted:
            return converted, text
    return parse_text_date(text), text


def split_date(day: Any, month: Any, year: Any) -> tuple[date | None, str | None]:
    """CMRT 1.00's completion date: day (1–31), month name ("July"), year, in three dropdowns."""
    parts = [clean_text(day), clean_text(month), clean_text(year)]
    if not any(parts):
        return None, None
    raw = " ".join(p for p in parts if p)
    try:
        d = int(float(parts[0])) if parts[0] else None
        y = int(float(parts[2])) if parts[2] else None
    except ValueError:
        return None, raw
    month_text = (parts[1] or "").lower()
    m = _MONTHS.get(month_text) or _MONTHS.get(month_text[:3])
    if m is None and month_text.isdigit():
        m = int(month_text)
    if d is None or y is None or m is None:
        return None, raw
    return _safe_date(y, m, d), raw


_SCOPE_LETTER = re.compile(r"^\s*([A-Da-d])\s*[.)]")


def scope_letter(value: Any, scopes: tuple[tuple[str, str], ...] = ()) -> tuple[str | None, str | None]:
    """(letter, text) of a declaration scope: "A. Company" → "A", 2.x "D. Product Level" → "D"."""
    text = clean_text(value)
    if text is None or is_blank(value):
        return None, None
    key = _answer_key(text)
    for option, letter in scopes:
        if _answer_key(option) == key:
            return letter, option
    m = _SCOPE_LETTER.match(text)
    if m:
        return m.group(1).upper(), text
    # typed past the dropdown ("Company", "Product level"): match the option's words
    for option, letter in scopes:
        words = _answer_key(_SCOPE_LETTER.sub("", option)).split("[")[0].strip()
        if words and (key == words or key.startswith(words)):
            return letter, text
    return None, text


_SPACED_CID = re.compile(r"(?i)cid\s*\d+")


def clean_cid(value: Any) -> str | None:
    """A smelter ID as given, stripped of padding and NBSP (not re-cased, not repaired); None for
    empty cells and the 0 an empty look-up returns."""
    if is_blank(value):
        return None
    text = clean_text(value)
    if text is None:
        return None
    return text.replace(" ", "") if _SPACED_CID.fullmatch(text) else text


def lookup_kind(value: Any) -> str | None:
    """"listed" / "not_listed" / "not_yet_identified" for a Smelter Look-up (column C) value."""
    text = clean_field(value)
    if text is None:
        return None
    key = _answer_key(text)
    if key in {"smelter not listed", "smelter not on list", "not listed"}:
        return "not_listed"
    if key in {"smelter not yet identified", "not yet identified"}:
        return "not_yet_identified"
    return "listed"


def split_consolidated(value: Any) -> list[str] | None:
    """The parts of a "|"-joined cell (consolidated lists), or None when the cell holds one value."""
    text = clean_field(value)
    if text is None or "|" not in text:
        return None
    parts = [p.strip() for p in text.split("|")]
    parts = [p for p in parts if p]
    return parts if len(parts) > 1 else None


_STAR = re.compile(r"\(\s*\*\s*\)")


def metal_name(value: Any) -> str | None:
    """The canonical metal for a cell, or — for EMRT/AMRT minerals metals.py does not know
    ("Iron/ Steel", "Titanium") — the label without "(*)" markers. None for empty cells and
    "(Delete …)" / "Other [specify below]" placeholders."""
    text = clean_field(value)
    if text is None:
        return None
    metal = canonical_metal(text)
    if metal:
        return metal
    label = _WS.sub(" ", _STAR.sub("", text)).strip()
    if not label or label.startswith("(") or label.casefold().startswith("delete "):
        return None
    return label


_LANGUAGES = {
    "english": "English", "chinese": "Chinese", "中文": "Chinese", "japanese": "Japanese", "日本語": "Japanese",
    "korean": "Korean", "한국어": "Korean", "français": "French", "francais": "French", "french": "French",
    "português": "Portuguese", "portugues": "Portuguese", "portuguese": "Portuguese", "portugese": "Portuguese",
    "deutsch": "German", "german": "German", "español": "Spanish", "espanol": "Spanish", "spanish": "Spanish",
    "italiano": "Italian", "italian": "Italian", "türkçe": "Turkish", "turkce": "Turkish", "turkish": "Turkish",
}


def language_name(value: Any) -> str | None:
    """The English name of the UI language chosen in Declaration!D3 ("中文 Chinese" → "Chinese")."""
    text = clean_field(value)
    if text is None:
        return None
    for word in reversed(text.split()):
        name = _LANGUAGES.get(word.casefold())
        if name:
            return name
    return text
