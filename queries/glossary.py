"""Plain words for minetrace's codes: one glossary for every table header, status, flag, outcome and method a
person reads in the CLI, the explorer and the exports.

Why one module: codes (`responded_valid`, `cahra_location`, `email_domain`, `file_name`) are the stable
contract of the JSON and the store and must stay there; a person reads words. Keeping the words in one data
file (`glossary.yaml`) means the CLI, the explorer and the exports say the same thing, and a new code is
one line, not a hunt through the pages. A code the glossary does not know is still shown without
underscores, so snake_case never reaches a person.

Example:
    >>> column("file_name"), column("reasons_text"), column("unlisted_thing")
    ('File', 'Reasons', 'Unlisted thing')
    >>> value("survey_status", "responded_valid"), value("flag", "cahra_location")
    ('responded (valid form)', 'located in a CAHRA')
    >>> watchlist_name("classic-six")
    "the 2016 report's six smelters of highest concern"
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import cache
from pathlib import Path
from typing import Any

import yaml

GLOSSARY_FILE = Path(__file__).with_name("glossary.yaml")
#: words kept in capitals when a header is made from an unknown column name
_ACRONYMS = {"id": "ID", "cid": "CID", "iso2": "ISO", "iso": "ISO", "rmap": "RMAP", "cmrt": "CMRT", "url": "URL"}


@cache
def _data() -> dict[str, Any]:
    with GLOSSARY_FILE.open(encoding="utf-8") as fh:
        return yaml.safe_load(fh) or {}


def words(code: Any) -> str:
    """A code without underscores ("responded_valid" → "responded valid"); the fallback for unknown codes."""
    return str(code).replace("_", " ").strip()


def column(name: str) -> str:
    """The header a person reads for a column / JSON key ("supplier_id" → "Supplier ID")."""
    known = _data().get("columns", {}).get(name)
    if known:
        return str(known)
    parts = [_ACRONYMS.get(p, p) for p in str(name).split("_") if p]
    if not parts:
        return str(name)
    first = parts[0] if parts[0].isupper() else parts[0][:1].upper() + parts[0][1:]
    return " ".join([first, *parts[1:]])


def columns(names: Iterable[str]) -> dict[str, str]:
    """column → header for each name (a DataFrame rename mapping)."""
    return {n: column(n) for n in names}


def value(kind: str, code: Any) -> str:
    """The words for one code of a kind (risk, survey_status, flag, outcome, link, year_source, method …).
    A link method with a score ("fuzzy 93") keeps its score."""
    if code is None:
        return ""
    table: Mapping[str, Any] = _data().get("values", {}).get(kind, {})
    text = str(code)
    if text in table:
        return str(table[text])
    head, _, rest = text.partition(" ")
    if rest and head in table and rest.replace(".", "", 1).isdigit():
        return f"{table[head]}, score {rest}"
    return words(text)


def values(kind: str, codes: Iterable[Any]) -> str:
    """Several codes of one kind as one comma-separated phrase (flags of a path)."""
    return ", ".join(value(kind, c) for c in codes if c)


def counts_text(kind: str, counts: dict[str, int]) -> str:
    """Non-zero counts of codes as one phrase ("25 stored (current form), 6 stored (invalid)")."""
    return ", ".join(f"{n} {value(kind, code)}" for code, n in counts.items() if n) or "none"


def without_code(text: Any) -> str:
    """A "code: message (cell)" line (the survey's invalid reasons) without its leading code."""
    head, sep, rest = str(text).partition(": ")
    return rest if sep and head and " " not in head and head == head.lower() else str(text)


def supplier(supplier_id: Any, name: Any = None) -> str:
    """A supplier as a person reads it: "S00012 Acme Ltd" for a master-list supplier; the name alone for one known
    only by the name its form declares (its key, "decl:acme", says nothing more)."""
    sid = "" if supplier_id is None else str(supplier_id)
    text = "" if name is None else str(name)
    if sid.startswith("decl:"):
        return text or "(no company name on the form)"
    return f"{sid} {text}".strip()


def ingest_note(result: Any, names: dict[str, str] | None = None) -> str:
    """What happened to an ingested file, in words, naming forms by file name (`names`: sha256 → file name) —
    never "supersedes 23aaa98ff882". `result`: an ingest FileResult or its JSON."""
    def field(key: str) -> Any:
        return result.get(key) if isinstance(result, dict) else getattr(result, key, None)

    names = names or {}
    supersedes, superseded_by = field("supersedes") or [], field("superseded_by")
    if supersedes:
        return "replaces " + ", ".join(names.get(x, "an earlier form") for x in supersedes)
    if field("pending"):
        return f"held back: {field('pending')}"
    if field("outcome") == "superseded" and superseded_by:
        return f"kept as history: {names.get(superseded_by, 'a newer form')} is current"
    message = str(field("message") or "")
    if field("outcome") == "duplicate":
        return message.replace("same file already stored as", "already stored as")
    if field("year_source") == "unfiled":
        eff = field("effective_date")
        why = f"effective date {eff} is in the future" if eff else "no effective date"
        return f"{why}: filed under no reporting year — ingest it again with --year YYYY"
    return message


def known(kind: str) -> dict[str, str]:
    """Every code of a kind with its words (for tests and selectors)."""
    return {str(k): str(v) for k, v in _data().get("values", {}).get(kind, {}).items()}


def watchlist_name(name: Any) -> str:
    """A watchlist's name as a person reads it ("classic-six" → "the 2016 report's six smelters …")."""
    if not name:
        return ""
    return str(_data().get("watchlists", {}).get(str(name), name))


def phrase(key: str) -> str:
    """A fixed phrase shown in several places ("country unknown", "Smelter not yet identified")."""
    return str(_data().get("phrases", {}).get(key, words(key)))
