"""Learn from the supplier files themselves: each template release's Smelter Look-up, once — by trust.

Why: every CMRT 6.x / EMRT / CRT / AMRT 1.3 a supplier sends carries RMI's Smelter Look-up of that
template release (CIDs, standard names, aliases, countries), and every CMRT 3.01 carries the Standard
Smelter Names + hidden sheet K (old ID → CID crosswalk, aliases). A user who never ran
`minetrace reference import` still holds the reference list — inside the files being ingested. So,
before a file's rows are resolved, the ingest imports the Look-up of a release it has not met yet.

By trust, never blindly (ingest.reference.releases): a Look-up whose content is a release RMI published
(a shipped digest, or one a user vouched for by importing the blank template) is imported as RMI's
facts. Any other Look-up is a stranger's: its rows are kept as *proposals* with their source file —
aliases for review, never a change to a CID's name, country or metal — and each row that disagrees
with the fact in force becomes a finding on every file that carries it (`findings_for`). So nobody's
workbook rewrites what another supplier's rows resolve to, flags or the appendix.

Once per Look-up, not per file: the key is the template kind + version + a sha256 of the Look-up's
rows (the file's own sha256 differs for every supplier), written to the reference store's import log.
Per file the cost is reading the Look-up sheet from the already-open workbook and hashing it
(a few ms); the import itself (and the resolver rebuild a trusted one needs) happens once per Look-up.

as_of is the template's release date read from its version text ("Revision 6.4\\nApril 26, 2024").
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from minetrace.ingest.findings import make_finding
from minetrace.ingest.records import Declaration, Finding
from minetrace.ingest.reference.releases import (
    LOOKUP_KINDS,
    TRUST_SUPPLIER,
    TRUST_TEMPLATE,
    known_release,
    lookup_digest,
)

__all__ = ["LOOKUP_KINDS", "LearnedLookup", "LearningStats", "LookupLearner", "lookup_key", "rebuilt",
           "release_date"]

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
    #: template: a known (or vouched) RMI release, imported as facts; supplier: kept as proposals only
    trust: str = TRUST_TEMPLATE

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    def line(self) -> str:
        if self.trust == TRUST_SUPPLIER:
            return (f"{self.source}: not a known RMI release — {self.rows} rows kept as proposals, no shared fact "
                    "changed")
        return f"{self.source}: {self.rows} rows, as of {self.as_of}"


@dataclass
class LearningStats:
    """What learning cost over a batch: per-file checks (read + hash) and the imports themselves."""

    files_checked: int = 0
    check_seconds: float = 0.0
    imports: int = 0  # Look-ups recorded (RMI releases imported as facts + strangers' kept as proposals)
    import_seconds: float = 0.0  # import + resolver rebuild
    proposals: int = 0  # of those, Look-ups that are not a known release (proposals only)
    learned: list[LearnedLookup] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"files_checked": self.files_checked, "check_seconds": round(self.check_seconds, 4),
                "imports": self.imports, "import_seconds": round(self.import_seconds, 4),
                "proposals": self.proposals, "learned": [x.to_json() for x in self.learned],
                "errors": list(self.errors)}


def lookup_key(decl: Declaration, workbook: Any) -> tuple[str, str] | None:
    """(content key, importer kind) of the reference list this workbook carries, or None when it has none."""
    return lookup_digest(decl.template.kind, decl.template.version, workbook)


#: findings attached to one file for its Look-up's disagreements (the rest are summed up in one more)
MAX_DISAGREEMENT_FINDINGS = 20


def disagreement_findings(rows: list[dict[str, Any]]) -> list[Finding]:
    """Findings on a file whose own Look-up disagrees with the reference in force (one per row and field)."""
    out = []
    for d in rows[:MAX_DISAGREEMENT_FINDINGS]:
        out.append(make_finding(
            "lookup_disagrees_with_reference", f"Smelter Look-up!row {d['row']}" if d.get("row") else "Smelter Look-up",
            f"this file's Look-up gives {d['cid']} the {d['field']} {d['theirs']!r}; the reference says "
            f"{d['reference']!r} ({d['reference_source']}). The reference is kept; this file's value is a proposal."))
    if len(rows) > MAX_DISAGREEMENT_FINDINGS:
        out.append(make_finding("lookup_disagrees_with_reference", "Smelter Look-up",
                                f"{len(rows) - MAX_DISAGREEMENT_FINDINGS} more Look-up rows disagree with the "
                                "reference (see `minetrace reference show CID`)"))
    return out


class LookupLearner:
    """Keeps a reference `Resolver` up to date with the Look-ups of the files an ingest meets.

    `resolver` must be an `ingest.resolve.Resolver` (it has the reference store); after an import
    `self.resolver` is a fresh Resolver over the same store, decisions, as-of date and policy.
    """

    def __init__(self, resolver: Any) -> None:
        self.resolver = resolver
        self.ref = resolver.store
        self.stats = LearningStats()
        self._seen: dict[str, str | None] = {}  # key → trust, for keys known to be imported (this process)
        self._file_key: dict[str, str] = {}  # file name → key of its Look-up, when a supplier's
        self._findings: dict[str, list[Finding]] = {}  # key → disagreement findings (computed once)

    @staticmethod
    def supports(resolver: Any) -> bool:
        from minetrace.ingest.reference.store import ReferenceStore

        return isinstance(getattr(resolver, "store", None), ReferenceStore)

    def learn(self, decl: Declaration, workbook: Any, name: str) -> LearnedLookup | None:
        """Import this file's Look-up when it is new to the store (as facts when it is a known RMI release,
        as proposals otherwise); None when nothing was imported. Write failures propagate (the caller stops)."""
        t0 = time.perf_counter()
        return self.learn_found(decl, lookup_key(decl, workbook), name, lambda: workbook, t0)

    def learn_found(self, decl: Declaration, found: tuple[str, str] | None, name: str,
                    workbook: Callable[[], Any], t0: float | None = None) -> LearnedLookup | None:
        """`learn` with the Look-up's key already computed (by a worker process that read the file): the
        workbook is opened (`workbook()`) only when the Look-up is new and has to be imported."""
        t0 = time.perf_counter() if t0 is None else t0
        self.stats.files_checked += 1
        if found is None:
            self.stats.check_seconds += time.perf_counter() - t0
            return None
        key, importer = found
        if key not in self._seen:
            done = self.ref.already_imported(key, importer)
            if done is not None:
                self._seen[key] = done.get("trust")
        self.stats.check_seconds += time.perf_counter() - t0
        if key in self._seen:
            if self._seen[key] == TRUST_SUPPLIER:
                self._file_key[name] = key
            return None
        t1 = time.perf_counter()
        trust = TRUST_TEMPLATE if known_release(key, self.ref) is not None else TRUST_SUPPLIER
        learned = self._import(decl, workbook(), name, key, importer, trust)
        self._seen[key] = trust
        if trust == TRUST_SUPPLIER:
            self._file_key[name] = key
            self.stats.proposals += 1
        else:
            self.resolver = rebuilt(self.resolver)  # proposals change nothing the resolver reads
        learned.seconds = round(time.perf_counter() - t1, 4)
        self.stats.imports += 1
        self.stats.import_seconds += time.perf_counter() - t1
        self.stats.learned.append(learned)
        return learned

    def findings_for(self, name: str) -> list[Finding]:
        """Findings on file `name`: each row of its (stranger's) Look-up that disagrees with the reference in
        force when asked — after the whole batch's RMI releases are learned, so the order of files is moot."""
        key = self._file_key.get(name)
        if key is None:
            return []
        if key not in self._findings:
            self._findings[key] = disagreement_findings(self.ref.lookup_disagreements(key))
        return list(self._findings[key])

    def _import(self, decl: Declaration, workbook: Any, name: str, key: str, importer: str,
                trust: str) -> LearnedLookup:
        from minetrace.ingest.reference.importers import import_template_301, import_template_lookup

        template = f"{decl.template.kind} {decl.template.version or '?'}"
        as_of = release_date(decl.template.version_text)
        file_name = Path(name.split("!")[-1]).name
        what = "Smelter Look-up" if importer == "template-lookup" else "Standard Smelter Names + K"
        label = f"{template} {what} (in {file_name})"
        fn = import_template_lookup if importer == "template-lookup" else import_template_301
        with self.ref.transaction(), self.ref.trusting(trust, key):
            res = fn(self.ref, workbook, f"in {file_name}", as_of, key)
            self.ref.log_import(key, importer, label, res.rows, res.skipped, res.as_of)
        return LearnedLookup(key=key, template=template, importer=importer, file=name, source=label, as_of=res.as_of,
                             rows=res.rows, skipped=res.skipped, seconds=0.0, trust=trust)


def rebuilt(resolver: Any) -> Any:
    """A new Resolver over the same store, decisions, as-of date and policy (its indexes see new aliases)."""
    cls = type(resolver)
    return cls(resolver.store, decisions=resolver.decisions, as_of=resolver.as_of, policy=resolver.policy)
