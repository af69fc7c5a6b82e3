"""Learn aliases from the supplier files themselves: each template release's Smelter Look-up, once.

Why: every CMRT 6.x / EMRT / CRT / AMRT 1.3 a supplier sends carries RMI's Smelter Look-up of that
template release (CIDs, standard names, aliases, countries), and every CMRT 3.01 carries the Standard
Smelter Names + hidden sheet K (old ID → CID crosswalk, aliases). A user who never ran
`minetrace reference import` still holds the reference list — inside the files being ingested. So,
before a file's rows are resolved, the ingest imports the Look-up of a release it has not met yet.

Once per release, not per file: the key is the template kind + version + a sha256 of the Look-up's
rows (the file's own sha256 differs for every supplier), written to the reference store's import log.
Per file the cost is reading the Look-up sheet from the already-open workbook and hashing it
(a few ms); the import itself (and the resolver rebuild it needs) happens once per release.

as_of is the template's release date read from its version text ("Revision 6.4\\nApril 26, 2024").
"""

from __future__ import annotations

import hashlib
import re
import time
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from ingest.records import Declaration

#: template kinds whose files carry a Smelter Look-up (AMRT only from 1.3; the reader says when there is none)
LOOKUP_KINDS = frozenset({"CMRT", "EMRT", "CRT", "AMRT"})
_MONTHS = {m: i for i, m in enumerate(
    ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november",
     "december"), start=1)}
_DATE = re.compile(r"([A-Za-z]+)\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})")


def release_date(version_text: str | None) -> str | None:
    """ISO release date from a template's version text ("Revision 2.01 December 21st 2012" → 2012-12-21)."""
    if not version_text:
        return None
    for m in _DATE.finditer(str(version_text)):
        month = _MONTHS.get(m.group(1).casefold())
        if month is None:
            continue
        try:
            return date(int(m.group(3)), month, int(m.group(2))).isoformat()
        except ValueError:
            continue
    return None


@dataclass
class LearnedLookup:
    """One template release's Look-up imported into the reference store during ingest."""

    key: str  # sha256 of kind, version and the Look-up rows (the import-log key)
    template: str  # "CMRT 6.4"
    importer: str  # template-lookup | template-301
    file: str  # the supplier file it was read from
    source: str
    as_of: str | None
    rows: int
    skipped: int
    seconds: float

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class LearningStats:
    """What learning cost over a batch: per-file checks (read + hash) and the imports themselves."""

    files_checked: int = 0
    check_seconds: float = 0.0
    imports: int = 0
    import_seconds: float = 0.0  # import + resolver rebuild
    learned: list[LearnedLookup] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"files_checked": self.files_checked, "check_seconds": round(self.check_seconds, 4),
                "imports": self.imports, "import_seconds": round(self.import_seconds, 4),
                "learned": [x.to_json() for x in self.learned], "errors": list(self.errors)}


def _sheet_digest(h: Any, sheet: Any, cols: int) -> None:
    """Feed the sheet's first `cols` columns to `h` (trailing blank cells and rows do not count)."""
    rows = [tuple(row[:cols]) for row in sheet.rows]
    blank = ("",) * cols
    rows = [r + ("",) * (cols - len(r)) if len(r) < cols else r for r in rows]
    while rows and (rows[-1] == blank or not any(v not in ("", None) for v in rows[-1])):
        rows.pop()
    h.update(repr(rows).encode("utf-8"))  # values as the reader gives them (str / float / date)


def lookup_key(decl: Declaration, workbook: Any) -> tuple[str, str] | None:
    """(content key, importer kind) of the reference list this workbook carries, or None when it has none."""
    kind = (decl.template.kind or "").upper()
    version = decl.template.version or "?"
    h = hashlib.sha256(f"{kind}\x1f{version}\x1f".encode())
    lookup = workbook.sheet("Smelter Look-up") if kind in LOOKUP_KINDS else None
    if lookup is not None and lookup.max_row > 4:
        h.update(b"lookup\x1e")
        _sheet_digest(h, lookup, 9)
        return h.hexdigest(), "template-lookup"
    ssn = workbook.sheet("Standard Smelter Names") if kind == "CMRT" and version.startswith("3") else None
    if ssn is not None:
        h.update(b"301\x1e")
        _sheet_digest(h, ssn, 5)
        k = workbook.sheet("K")
        if k is not None:
            h.update(b"K\x1e")
            _sheet_digest(h, k, 6)
        return h.hexdigest(), "template-301"
    return None


class LookupLearner:
    """Keeps a reference `Resolver` up to date with the Look-ups of the files an ingest meets.

    `resolver` must be an `ingest.resolve.Resolver` (it has the reference store); after an import
    `self.resolver` is a fresh Resolver over the same store, decisions, as-of date and policy.
    """

    def __init__(self, resolver: Any) -> None:
        self.resolver = resolver
        self.ref = resolver.store
        self.stats = LearningStats()
        self._seen: set[str] = set()  # keys known to be imported (this process)

    @staticmethod
    def supports(resolver: Any) -> bool:
        from ingest.reference.store import ReferenceStore

        return isinstance(getattr(resolver, "store", None), ReferenceStore)

    def learn(self, decl: Declaration, workbook: Any, name: str) -> LearnedLookup | None:
        """Import this file's Look-up when its release is new to the store; None when nothing was imported."""
        t0 = time.perf_counter()
        found = lookup_key(decl, workbook)
        self.stats.files_checked += 1
        if found is None:
            self.stats.check_seconds += time.perf_counter() - t0
            return None
        key, importer = found
        known = key in self._seen or self.ref.already_imported(key, importer) is not None
        self.stats.check_seconds += time.perf_counter() - t0
        if known:
            self._seen.add(key)
            return None
        t1 = time.perf_counter()
        learned = self._import(decl, workbook, name, key, importer)
        self._seen.add(key)
        self.resolver = rebuilt(self.resolver)
        learned.seconds = round(time.perf_counter() - t1, 4)
        self.stats.imports += 1
        self.stats.import_seconds += time.perf_counter() - t1
        self.stats.learned.append(learned)
        return learned

    def _import(self, decl: Declaration, workbook: Any, name: str, key: str, importer: str) -> LearnedLookup:
        from ingest.reference.importers import import_template_301, import_template_lookup

        template = f"{decl.template.kind} {decl.template.version or '?'}"
        as_of = release_date(decl.template.version_text)
        file_name = Path(name.split("!")[-1]).name
        what = "Smelter Look-up" if importer == "template-lookup" else "Standard Smelter Names + K"
        label = f"{template} {what} (in {file_name})"
        fn = import_template_lookup if importer == "template-lookup" else import_template_301
        with self.ref.transaction():
            res = fn(self.ref, workbook, f"in {file_name}", as_of, key)
            self.ref.log_import(key, importer, label, res.rows, res.skipped, res.as_of)
        return LearnedLookup(key=key, template=template, importer=importer, file=name, source=label, as_of=res.as_of,
                             rows=res.rows, skipped=res.skipped, seconds=0.0)


def rebuilt(resolver: Any) -> Any:
    """A new Resolver over the same store, decisions, as-of date and policy (its indexes see new aliases)."""
    cls = type(resolver)
    return cls(resolver.store, decisions=resolver.decisions, as_of=resolver.as_of, policy=resolver.policy)
